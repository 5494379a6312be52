"""Changes of the hub to a file for systems that take files: JSON Lines, or CSV of one view.

Each batch is appended to the file and made durable (fsync) before the consumer's cursor moves
in the hub, so a killed export loses nothing. The file is the truth after a crash: a line cut
short by the kill is cut away, and a cursor behind the file's last line is moved up to it, so the
rerun appends exactly what comes after: every change once, in order.

A consumer reads one project and writes one file, both fixed by its first run
(`ctsync.export.guard`): an export never appends to a file it did not start, nor goes on with
other settings.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Final, Literal

import orjson

from ctsync.export.csv_view import CsvView, view_header
from ctsync.export.guard import ExportRefused, not_a_change, set_up
from ctsync.hub import Change, ConsumerSetup, HubStore, SyncLocked
from ctsync.registry import ENTITIES

ExportFormat = Literal["jsonl", "csv"]
Only = Literal["changes", "insertions"]
FORMATS: Final = ("jsonl", "csv")
__all__ = ["ExportLocked", "ExportRefused", "ExportReport", "cursor_name", "export_changes"]
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
    project: str | None = None
    """The project whose changes it read (None: the hub held none yet)."""
    restarted: bool = False
    """The consumer's file was gone (moved away): a new one was started from the cursor on."""

    def summary(self) -> str:
        kinds = (
            ", ".join(
                f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(self.by_change.items())
            )
            or "none"
        )
        project = f"project {self.project}" if self.project else "no project (the hub is empty)"
        text = (
            f"{self.exported} change{'s' if self.exported != 1 else ''} of {project} to "
            f"{self.path} ({self.format}) for consumer {self.consumer!r}: {kinds}; "
            f"cursor {self.after} -> {self.through}"
        )
        if self.restarted:
            text += (
                "; the file was missing (moved away?), so a new one was started there, going on "
                "from the cursor"
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
    project: str | None = None,
    file_format: ExportFormat = "jsonl",
    batch_size: int = 1000,
    reset: bool = False,
    only: Only = "changes",
) -> ExportReport:
    """Append every change of one project after `consumer`'s cursor to `path`, up to the
    newest change at the start, and move the cursor with each durable batch.

    `project` is a project key or the name of its credentials block; None reads the hub's
    only project (ProjectRequired when it holds several). The consumer writes only into the file
    its first run started, with the settings it started with (`ctsync.export.guard`): anything else
    is refused (ExportRefused) before a byte is written; `reset` starts it over into a new file.

    `only="insertions"` takes the records inserted after the cursor instead, by the number of
    their insertion, even when they changed again since (`Feed.insertions`): what is new,
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
        with hub.locks.held(_LOCK_SCOPE, key, holder, direction=_LOCK_DIRECTION):
            wanted = ConsumerSetup(
                path=str(Path(path).resolve()),
                format=file_format,
                entities=tuple(names) if names else None,
                project_key=hub.projects.only(project),
                columns=view_header(hub, names[0]) if file_format == "csv" and names else None,
            )
            setup, restarted = set_up(hub, key, wanted, reset)
            feed = hub.exact.feed.insertions if only == "insertions" else hub.exact.feed.changes
            return _export(hub, setup, consumer, key, batch_size, feed, restarted)
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
    setup: ConsumerSetup,
    consumer: str,
    key: str,
    batch_size: int,
    feed: Callable[..., list[Change]],
    restarted: bool,
) -> ExportReport:
    target = Path(setup.path)
    start = hub.feed.cursor(key).seq
    recovered, cut, last_in_file = _recover(target, setup.format, start)
    if last_in_file > start:
        start = hub.feed.advance(key, last_in_file, recovered).seq
    report = ExportReport(consumer, setup.path, setup.format, start, start, recovered=recovered)
    report.cut, report.project, report.restarted = cut, setup.project_key, restarted
    # A run ends: changes committed while it runs wait for the next. A hub without a project
    # has nothing to read.
    newest = hub.feed.last_seq() if setup.project_key is not None else 0
    view = None
    if setup.format == "csv" and setup.entities and setup.columns:
        view = CsvView(hub, setup.entities[0], setup.columns)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("ab") as out:
        if view is not None and out.tell() == 0:
            out.write(view.header())  # every CSV starts with its header, a new one too
        report.through = _append(out, hub, key, setup, feed, view, report, newest, batch_size)
    return report


def _append(
    out: BinaryIO,
    hub: HubStore,
    key: str,
    setup: ConsumerSetup,
    feed: Callable[..., list[Change]],
    view: CsvView | None,
    report: ExportReport,
    newest: int,
    batch_size: int,
) -> int:
    """Write the changes after the report's cursor up to `newest`, each batch durable before
    the cursor moves; the last change written (the cursor)."""
    cursor = report.after
    while cursor < newest:
        batch = [
            change
            for change in feed(
                cursor, entities=setup.entities, project=setup.project_key, limit=batch_size
            )
            if change.seq <= newest
        ]
        if not batch:
            break
        out.write(view.lines(batch) if view is not None else _json_lines(batch))
        out.flush()
        os.fsync(out.fileno())
        cursor = batch[-1].seq
        hub.feed.advance(key, cursor, len(batch))
        report.exported += len(batch)
        report.by_entity.update(change.entity for change in batch)
        report.by_change.update(change.change for change in batch)
    return cursor


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
            try:
                seqs = [
                    seq for seq in (_seq_of(line, file_format) for line in whole) if seq is not None
                ]
            except ValueError:
                raise not_a_change(target) from None
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
        if not line.strip():
            return None
        try:
            seq = orjson.loads(line)["seq"]
        except (orjson.JSONDecodeError, TypeError, KeyError):
            raise ValueError("not a change") from None
        if type(seq) is not int:
            raise ValueError("not a change")
        return seq
    first = line.split(b",", 1)[0]
    return int(first) if first.isdigit() else None  # the header's "seq" is no change
