"""One model's versions: which serves, when each was registered (the day), deployed, by
whom, replaced, rolled back, and its registered baselines, one a line."""

from __future__ import annotations

from collections.abc import Iterable

from console.model_detail import VersionInfo
from console.tui.format import local_date, local_time, number
from console.tui.widgets.keyed_table import KeyedTable, RowSpec, cell

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("version", "VERSION", None),
    ("status", "STATUS", None),
    ("created", "REGISTERED", None),
    ("deployed", "DEPLOYED", None),
    ("by", "BY", None),
    ("replaced", "REPLACED", None),
    ("baselines", "BASELINES", None),
)
DROP_FIRST = ("created", "by", "baselines")
"""The columns a narrow terminal does without, first to last: at 80 columns which version
serves, when each was deployed and replaced (and rolled back) stay."""
BASELINES_MIN = 20
"""Narrower than this the baselines wrap a name a line: columns are left out first."""
BASELINE_LINES = 3
"""A version's baselines take at most this many lines (the last says when more were left)."""


def version_spec(info: VersionInfo) -> RowSpec:
    status = info.status or "-"
    baselines = "\n".join(f"{k} {number(v)}" for k, v in sorted(info.baselines.items()))
    return (
        cell(info.version, None, info.serving),
        cell(f"▶ serving\n{status}" if info.serving else status, None, info.serving),
        cell(local_date(info.created_at)),
        cell(local_time(info.deployed_at)),
        cell(info.deployed_by or "-"),
        cell(local_time(info.replaced_at) + (" ↩" if info.rolled_back else "")),
        cell(baselines or "-"),
    )


class VersionsTable(KeyedTable):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(key_column="version", id=id)
        self.set_columns(
            COLUMNS,
            flex="baselines",
            flex_lines=BASELINE_LINES,
            drop_first=DROP_FIRST,
            flex_min=BASELINES_MIN,
        )

    def show_versions(self, versions: Iterable[VersionInfo]) -> None:
        newest_first = list(versions)[::-1]
        self.show_rows([(v.version, version_spec(v)) for v in newest_first])
