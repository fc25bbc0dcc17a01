"""Published numbers (ganbench/assets/published.csv, shipped with the package): what our leaderboards put
beside our own. $GANBENCH_PUBLISHED names another file of the same columns."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ganbench.core.errors import GanbenchError

ENV_PUBLISHED = "GANBENCH_PUBLISHED"
COLUMNS = ["source", "model", "dataset", "resolution", "metric", "value", "protocol", "comparable_with"]
ANY_MODEL = "*"  # a row for every model: a reference the model does not change (training on real data alone)


SHIPPED = Path(__file__).resolve().parents[1] / "assets" / "published.csv"  # package data, in every install


def published_path() -> Path:
    if os.environ.get(ENV_PUBLISHED):
        return Path(os.environ[ENV_PUBLISHED]).expanduser()
    return SHIPPED


def load_published() -> pd.DataFrame:
    """The published rows; a missing or unreadable file is an error, never an empty column."""
    path = published_path()
    try:
        df = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise GanbenchError(f"cannot read published numbers {path}: {exc}") from None
    missing = set(COLUMNS) - set(df.columns)
    if missing:
        raise GanbenchError(f"{path} lacks the columns {', '.join(sorted(missing))}")
    return df
