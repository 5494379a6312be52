"""One entity's typed view as the CSV lines of an export: a header, then one line per change."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import bindparam, text

from ctsync.hub import Change, HubStore

CHANGE_COLUMNS: Final = ("seq", "change", "project_key", "id")
"""What every line starts with; the view's other columns follow."""


def view_header(hub: HubStore, entity: str) -> tuple[str, ...]:
    """The header an export of `entity` starts with today: the change, then its view's columns."""
    with hub.database.read() as conn:
        result = conn.execute(text(f"SELECT * FROM {_view(entity)} WHERE 1 = 0"))
        columns = [c for c in result.keys() if c not in ("project_key", "id")]
    return (*CHANGE_COLUMNS, *columns)


class CsvView:
    """One entity's typed view, read for the ids of a batch, as CSV lines of `header`'s columns
    (a file keeps the header it started with: a column the view gained later is left out, and
    one it lost is written empty)."""

    def __init__(self, hub: HubStore, entity: str, header: Sequence[str]) -> None:
        self._hub = hub
        self._view = _view(entity)
        self._header = tuple(header)
        self._columns = self._header[len(CHANGE_COLUMNS) :]

    def header(self) -> bytes:
        return csv_row(list(self._header))

    def lines(self, batch: list[Change]) -> bytes:
        query = text(f"SELECT * FROM {self._view} WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        )
        with self._hub.database.read() as conn:
            rows = {
                (row["project_key"], row["id"]): row
                for row in conn.execute(query, {"ids": [c.id for c in batch]}).mappings()
            }
        out = []
        for change in batch:
            row = rows.get((change.project_key, change.id)) if change.change != "delete" else None
            values = [row.get(column) if row else None for column in self._columns]
            out.append(csv_row([change.seq, change.change, change.project_key, change.id, *values]))
        return b"".join(out)


def _view(entity: str) -> str:
    return entity.replace("-", "_")  # the entity's view (`ctsync.hub.views`)


def csv_row(values: list[Any]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([_csv_value(v) for v in values])
    return buffer.getvalue().encode()


def _csv_value(value: Any) -> Any:
    """A CSV cell; a line break inside a text is written as the two characters \\n, so that
    every change is one line (what lets a killed export find where it stopped)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return value
