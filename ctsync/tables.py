"""How a report fits the Prefect UI's table artifact: ten rows a page, one line a cell.

The UI (Prefect 3.9's default, V2) pages a table by ten rows and keeps each cell on one line,
so a table is as wide as its longest cell: at 1440 px the table has about 740 px. Reports put
what a person looks for first on the first page and keep cells short enough to fit.
"""

from __future__ import annotations

from typing import Any

TABLE_PAGE_ROWS = 10
"""Rows of a table artifact the Prefect UI shows on its first page (its default page size)."""
TABLE_CELL_CHARS = 72
"""The longest text a table cell shows whole at 1440 px; the summary artifact has all of it."""


def pairs(counts: dict[str, Any]) -> str:
    """`{"setFirstName": 2, "addAddress": 1}` as `addAddress 1, setFirstName 2`."""
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def cell(value: Any) -> Any:
    """A value as a table cell: a dict as its `pairs`, text cut to TABLE_CELL_CHARS."""
    if isinstance(value, dict):
        value = pairs(value)
    if isinstance(value, str) and len(value) > TABLE_CELL_CHARS:
        return value[: TABLE_CELL_CHARS - 1] + "…"
    return value
