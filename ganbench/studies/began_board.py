"""BEGAN's section of a suite's leaderboard (Zaika, 2025): M and k by epoch beside the published trajectory, a
table, its markdown and a PNG, installed as the `ganbench.board_sections` entry point `convergence`."""

from __future__ import annotations

import pandas as pd

from ganbench.core.contracts import Record
from ganbench.results.sections import Section
from ganbench.studies.began_convergence import comparison_table, markdown, save_comparison_plot


def _published_source(published: pd.DataFrame) -> str | None:
    rows = published[published["metric"].astype(str).str.startswith("began-m@")]
    return None if rows.empty else f"{rows['source'].iloc[0]} ({rows['protocol'].iloc[0]})"


class ConvergenceSection:
    """None for a suite without BEGAN runs."""

    name = "convergence"

    def build(self, records: list[Record], published: pd.DataFrame) -> Section | None:
        table = comparison_table(records, published)
        if table.empty:
            return None
        title = "{}: BEGAN's M and k by epoch, beside the published run"
        return Section(table, markdown(table, _published_source(published)),
                       lambda path, suite: save_comparison_plot(path, table, published, title.format(suite)))


SECTION = ConvergenceSection()
