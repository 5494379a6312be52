"""Changes of the hub to a file for systems that take files: JSON Lines, or CSV of one view.

Each batch is appended to the file and made durable (fsync) before the consumer's cursor moves
in the hub, so a killed export loses nothing. The file is the truth after a crash: a line cut
short by the kill is cut away, and a cursor behind the file's last line is moved up to it, so the
rerun appends exactly what comes after: every change once, in order.
"""

from __future__ import annotations

import csv
import io
import os
import uuid
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal

import orjson

from ctsync.entities import ENTITIES
from ctsync.hub import Change, HubStore, SyncLocked

ExportFormat = Literal["jsonl", "csv"]
Only = Literal["changes", "insertions"]
FORMATS: Final = ("jsonl", "csv")
_CHANGE_COLUMNS: Final = ("seq", "change")
_TAIL_CHUNK: Final = 1 << 16
"""Bytes read at a time from the end of an export's file when it is checked after a kill."""
# One export per consumer at a time, held with the hub's run locks.
_LOCK_SCOPE: Final = "*"
_LOCK_DIRECTION: Final = "export"


@dataclass
class ExportReport:
    """What one export took from the feed and wrote."""

    consumer: str
    path: str
    format: str
    after: int
    """The consumer's cursor when the export started (after any recovery from the file)."""
    through: int
    """The cursor when it ended: the last change written, or `after` when there was none."""
    exported: int = 0
    by_entity: Counter[str] = field(default_factory=Counter)
    by_change: Counter[str] = field(default_factory=Counter)
    recovered: int = 0
    """Lines a killed export had written whose cursor it never moved (taken from the file)."""
    cut: int = 0
    """Bytes of a line cut short by a kill, cut away."""

    def summary(self) -> str:
        kinds = (
            ", ".join(
                f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(self.by_change.items())
            )
            or "none"
        )
        text = (
            f"{self.exported} change{'s' if self.exported != 1 else ''} to {self.path} "
            f"({self.format}) for consumer {self.consumer!r}: {kinds}; "
            f"cursor {self.after} -> {self.through}"
        )
        if self.recovered:
            text += f"; {self.recovered} lines of an interrupted export taken from the file"
        return text


def export_changes(
    hub: HubStore,
    path: str | Path,
    *,
    consumer: str,
    entities: Collection[str] | None = None,
    project_key: str | None = None,
    file_format: ExportFormat = "jsonl",
    batch_size: int = 1000,
    reset: bool = False,
    only: Only = "changes",
) -> ExportReport:
    """Append every change after `consumer`'s cursor to `path`, up to the newest change at the
    start, and move the cursor with each durable batch.

    `only="insertions"` takes the records inserted after the cursor instead, by the number of
    their insertion, even when they changed again since (`HubStore.insertions`): what is new,
    for a consumer that wants each new record once (export_new_orders).

    CSV takes exactly one entity and writes its typed view's columns (`ctsync.hub.views`) after
    `seq` and `change`; a deletion's row has only those, the project key and the id.
    """
    names = _check(file_format, entities, batch_size, consumer)
    if only not in ("changes", "insertions"):
        raise ValueError(f"only {only!r} is not 'changes' or 'insertions'")
    holder = f"export-{uuid.uuid4()}"
    key = cursor_name(consumer, only)
    try:
        with hub.locked(_LOCK_SCOPE, key, holder, direction=_LOCK_DIRECTION):
            return _export(
                hub,
                Path(path),
                consumer,
                key,
                names,
                project_key,
                file_format,
                batch_size,
                reset,
                hub.insertions if only == "insertions" else hub.changes,
            )
    except SyncLocked as locked:
        raise ExportLocked(
            f"consumer {consumer!r} is being exported by {locked.holder.describe()}; this run "
            "wrote nothing. Two exports of one consumer would write its changes twice: wait for "
            "that run (a dead one's lock is taken over once its process is gone)."
        ) from None


def cursor_name(consumer: str, only: Only = "changes") -> str:
    """The hub's name for a consumer's cursor: one consumer name used for both feeds keeps two
    cursors, since a cursor moved by insertions would skip the changes below it."""
    return consumer if only == "changes" else f"{consumer}:insertions"


class ExportLocked(RuntimeError):
    """Another live export holds the consumer."""


def _export(
    hub: HubStore,
    target: Path,
    consumer: str,
    key: str,
    names: list[str] | None,
    project_key: str | None,
    file_format: str,
    batch_size: int,
    reset: bool,
    feed: Callable[..., list[Change]],
) -> ExportReport:
    if reset:
        if target.exists() and target.stat().st_size > 0:
            # The file is trusted over the cursor (a rerun after a kill goes on after its last
            # line), so starting over into it would write nothing.
            raise ValueError(
                f"reset starts consumer {consumer!r} over, but {target} already holds its "
                "earlier export: give a new path, or move that file away first"
            )
        hub.reset_consumer(key)
    view = _CsvView(hub, names[0]) if file_format == "csv" and names else None
    start = hub.consumer_cursor(key).seq
    recovered, cut, last_in_file = _recover(target, file_format, start)
    if last_in_file > start:
        start = hub.advance_consumer(key, last_in_file, recovered).seq
    report = ExportReport(consumer, str(target), file_format, start, start, recovered=recovered)
    report.cut = cut
    newest = hub.last_change()  # a run ends: changes committed while it runs wait for the next
    cursor = start
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("ab") as out:
        if view is not None and out.tell() == 0:
            out.write(view.header())
        while cursor < newest:
            batch = [
                change
                for change in feed(
                    cursor, entities=names, project_key=project_key, limit=batch_size
                )
                if change.seq <= newest
            ]
            if not batch:
                break
            out.write(view.lines(batch) if view is not None else _json_lines(batch))
            out.flush()
            os.fsync(out.fileno())
            cursor = batch[-1].seq
            hub.advance_consumer(key, cursor, len(batch))
            report.exported += len(batch)
            report.by_entity.update(change.entity for change in batch)
            report.by_change.update(change.change for change in batch)
    report.through = cursor
    return report


def _check(
    file_format: str, entities: Collection[str] | None, batch_size: int, consumer: str
) -> list[str] | None:
    if file_format not in FORMATS:
        raise ValueError(f"format {file_format!r} is not one of {', '.join(FORMATS)}")
    if not consumer or not consumer.strip():
        raise ValueError("consumer must name who reads the feed, e.g. 'erp'")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    names = sorted(set(entities)) if entities else None
    unknown = [name for name in names or () if name not in ENTITIES]
    if unknown:
        raise ValueError(
            f"entities {unknown} are not entities of the hub; known: {', '.join(sorted(ENTITIES))}"
        )
    if file_format == "csv" and (names is None or len(names) != 1):
        raise ValueError(
            f"format 'csv' writes one entity's view: give exactly one entity, got "
            f"{names or 'all'}; use format 'jsonl' for several"
        )
    return names


def _json_lines(batch: list[Change]) -> bytes:
    return b"".join(orjson.dumps(change.as_json()) + b"\n" for change in batch)


def _recover(target: Path, file_format: str, cursor: int) -> tuple[int, int, int]:
    """Cut a partial last line away; (lines after `cursor`, bytes cut, the last line's seq).

    Reads the file backwards from its end, only as far as a whole line at or below the cursor:
    a file that grows for months is not read whole on every run.
    """
    if not target.exists() or target.stat().st_size == 0:
        return 0, 0, 0
    with target.open("r+b") as file:
        size = file.seek(0, os.SEEK_END)
        start = size
        while True:
            start = max(0, start - _TAIL_CHUNK)
            file.seek(start)
            tail = file.read(size - start)
            whole = tail[: tail.rfind(b"\n") + 1].splitlines()
            if start > 0:
                whole = whole[1:]  # the first line may begin before the chunk
            seqs = [
                seq for seq in (_seq_of(line, file_format) for line in whole) if seq is not None
            ]
            if start == 0 or any(seq <= cursor for seq in seqs):
                break
        end = start + tail.rfind(b"\n") + 1
        cut = size - end
        if cut:
            file.truncate(end)
            os.fsync(file.fileno())
    return sum(seq > cursor for seq in seqs), cut, max(seqs, default=0)


def _seq_of(line: bytes, file_format: str) -> int | None:
    if file_format == "jsonl":
        return int(orjson.loads(line)["seq"]) if line.strip() else None
    first = line.split(b",", 1)[0]
    return int(first) if first.isdigit() else None  # the header's "seq" is no change


class _CsvView:
    """One entity's typed view, read for the ids of a batch, as CSV rows."""

    def __init__(self, hub: HubStore, entity: str) -> None:
        from sqlalchemy import text

        self._hub = hub
        self._view = entity.replace("-", "_")  # the entity's view (`ctsync.hub.views`)
        with hub.database.read() as conn:
            result = conn.execute(text(f"SELECT * FROM {self._view} WHERE 1 = 0"))
            self._columns = [c for c in result.keys() if c not in ("project_key", "id")]

    def header(self) -> bytes:
        return _csv_row([*_CHANGE_COLUMNS, "project_key", "id", *self._columns])

    def lines(self, batch: list[Change]) -> bytes:
        from sqlalchemy import bindparam, text

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
            out.append(
                _csv_row([change.seq, change.change, change.project_key, change.id, *values])
            )
        return b"".join(out)


def _csv_row(values: list[Any]) -> bytes:
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
