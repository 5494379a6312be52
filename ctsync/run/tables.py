"""How a report fits the Prefect UI's table artifact: ten rows a page, one line a cell.

The UI pages a table by ten rows and keeps each cell on one line, so a table is as wide as its
longest cell. Reports put what a person looks for first on the first page and keep cells short
enough to fit a 1440 px screen.
"""

from __future__ import annotations

from typing import Any

TABLE_PAGE_ROWS = 10
"""Rows of a table artifact the Prefect UI shows on its first page (its default page size)."""
TABLE_CELL_CHARS = 72
"""The longest text a cell of a table with a row per entity shows; the summary has it whole."""
TABLE_ROW_CHARS = 96
"""The characters of a metric and its value that fit one row at 1440 px: a page's values are cut
to what its longest metric leaves."""


def pairs(counts: dict[str, Any]) -> str:
    """`{"setFirstName": 2, "addAddress": 1}` as `addAddress 1, setFirstName 2`."""
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def cell(value: Any, room: int = TABLE_CELL_CHARS) -> Any:
    """A value as a table cell: a dict as its `pairs`, text cut to `room` characters."""
    if isinstance(value, dict):
        value = pairs(value)
    if isinstance(value, str) and len(value) > room:
        return value[: room - 1] + "…"
    return value


def metric_table(rows: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """(metric, value) rows as a table of the UI: page by page (the UI sizes the columns of the
    page it shows), each value cut to what the page's longest metric leaves of a row."""
    table: list[dict[str, Any]] = []
    for start in range(0, len(rows), TABLE_PAGE_ROWS):
        page = rows[start : start + TABLE_PAGE_ROWS]
        room = TABLE_ROW_CHARS - max(len(name) for name, _ in page)
        table += [{"metric": name, "value": cell(value, room)} for name, value in page]
    return table
