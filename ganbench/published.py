"""Published numbers (leaderboards/published.csv): what our leaderboards put beside our own."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ganbench.errors import GanbenchError

ENV_PUBLISHED = "GANBENCH_PUBLISHED"
COLUMNS = ["source", "model", "dataset", "resolution", "metric", "value", "protocol", "comparable_with"]
ANY_MODEL = "*"  # a row for every model: a reference the model does not change (training on real data alone)


def published_path() -> Path | None:
    if os.environ.get(ENV_PUBLISHED):
        return Path(os.environ[ENV_PUBLISHED])
    here = Path(__file__).resolve().parents[1] / "leaderboards" / "published.csv"  # a source checkout
    return here if here.is_file() else None


def load_published() -> pd.DataFrame:
    path = published_path()
    if path is None:
        return pd.DataFrame(columns=COLUMNS)
    try:
        df = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise GanbenchError(f"cannot read published numbers {path}: {exc}") from None
    missing = set(COLUMNS) - set(df.columns)
    if missing:
        raise GanbenchError(f"{path} lacks the columns {', '.join(sorted(missing))}")
    return df
