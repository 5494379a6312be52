"""What keeps an export writing only into its own file, with the settings it started with.

A consumer's first export records its setup in the hub (`ConsumerSetup`: the file, format,
entities, project and CSV header); every later run is checked against it before a byte is
written. A file the consumer did not start is never appended to: not a file that was there
before (a CSV of drafts under the same name), not another consumer's, not its own file once
replaced by something that is no export of it.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Final

import orjson

from ctsync.export.csv_view import csv_row
from ctsync.hub import ConsumerSetup, FileTaken, HubStore

_CHUNK: Final = 1 << 16
_PARTIAL_CHANGE: Final = b'{"seq":'
"""How a change line begins (`Change.as_json`): a first line cut short by a kill still does."""
_FIXES: Final = "Give the export a new path, or move that file away."


class ExportRefused(ValueError):
    """The export would write into a file that is not its own, or with other settings than the
    consumer was set up with; nothing was written."""


def set_up(
    hub: HubStore, consumer: str, wanted: ConsumerSetup, reset: bool
) -> tuple[ConsumerSetup, bool]:
    """The setup this run writes with, once the file and settings are checked (and recorded
    when new); True when the consumer's file is gone and a new one starts from the cursor."""
    target = Path(wanted.path)
    owner = hub.feed.consumer_of_file(wanted.path)
    if owner is not None and owner != consumer:
        raise ExportRefused(
            f"{target} is the file of consumer {owner!r}: two consumers in one file would mix "
            f"their changes, so nothing was written. Give consumer {consumer!r} a file of its "
            f"own, or run consumer {owner!r}."
        )
    cursor = hub.feed.cursor(consumer)
    written = target.exists() and target.stat().st_size > 0
    restarted = not written and (cursor.seq > 0 or cursor.exported > 0)
    if reset:
        return _start_over(hub, consumer, wanted, written, owner == consumer), False
    if cursor.setup is None:
        # A new consumer, or one from before the hub recorded setups: an existing file is
        # adopted only from the latter, and only when it holds an export as this run writes.
        if written:
            new = cursor.updated_at is None
            why = "it was there before" if new else _not_export(target, wanted)
            if why is not None:
                raise ExportRefused(
                    f"{target} already exists and was not written by the export of consumer "
                    f"{consumer!r} ({why}): an export appends only to a file it started, so "
                    f"nothing was written. {_FIXES}"
                )
        return _record(hub, consumer, wanted), restarted
    setup = _same_settings(consumer, cursor.setup, wanted)
    if setup != cursor.setup:
        _record(hub, consumer, setup)
    why = _not_export(target, setup) if written else None
    if why is not None:
        raise ExportRefused(
            f"{target} is consumer {consumer!r}'s file but no longer holds its {setup.format} "
            f"export ({why}): it was replaced or edited, so nothing was written. Move that "
            "file away (the next run starts a new file there and goes on from the cursor), "
            "or start the consumer over with reset=True into a new file."
        )
    return setup, restarted


def _start_over(
    hub: HubStore, consumer: str, wanted: ConsumerSetup, written: bool, own: bool
) -> ConsumerSetup:
    """reset: the cursor back to 0 and the new settings recorded, into a file without data."""
    if written:
        # The file is trusted over the cursor (a rerun after a kill goes on after its last
        # line), so starting over into it would write nothing.
        raise ExportRefused(
            f"reset starts consumer {consumer!r} over, but {wanted.path} already holds "
            f"{'its earlier export' if own else 'data'}: give a new path, or move that file "
            "away first"
        )
    _record(hub, consumer, wanted)  # first: it may find the file taken
    hub.feed.reset(consumer)
    return wanted


def _record(hub: HubStore, consumer: str, setup: ConsumerSetup) -> ConsumerSetup:
    try:
        hub.feed.set_up(consumer, setup)
    except FileTaken as taken:  # another consumer took the file a moment ago
        raise ExportRefused(f"{taken}: nothing was written. {_FIXES}") from None
    return setup


def _same_settings(consumer: str, was: ConsumerSetup, now: ConsumerSetup) -> ConsumerSetup:
    """The recorded setup, or ExportRefused naming each setting this run changes."""
    if was.project_key is None:  # set up while the hub held no project: the first one counts
        was = dataclasses.replace(was, project_key=now.project_key)
    fields = (
        ("file", was.path, now.path),
        ("format", was.format, now.format),
        ("entities", _entities(was), _entities(now)),
        ("project", was.project_key, now.project_key),
    )
    changed = [f"{name} was {old}, now {new}" for name, old, new in fields if old != new]
    if changed:
        raise ExportRefused(
            f"Consumer {consumer!r} was set up with other settings than this run's: "
            f"{'; '.join(changed)}. Nothing was written. Run it as it was set up (file "
            f"{was.path}, format {was.format}, entities {_entities(was)}, project "
            f"{was.project_key}); or give these settings another consumer name; or start "
            f"{consumer!r} over with reset=True (Start over) into a new file."
        )
    return was


def _entities(setup: ConsumerSetup) -> str:
    return ", ".join(setup.entities) if setup.entities else "all"


def _not_export(target: Path, setup: ConsumerSetup) -> str | None:
    """Why the file holds no export as `setup` writes it, or None when it does."""
    first, last = _edge_lines(target)
    if setup.format == "csv":
        header = csv_row(list(setup.columns or ()))
        if first != header:
            shown = ",".join((setup.columns or ())[:4])
            return f"its first line is not the header this export writes, {shown},..."
        return None
    if first.endswith(b"\n") and not _is_change(first):
        return "its first line is not a change of the feed (a JSON object with seq)"
    if not first.endswith(b"\n") and not first.startswith(_PARTIAL_CHANGE):
        return "it holds no change of the feed (a JSON object with seq)"
    if last is not None and not _is_change(last):
        return "its last whole line is not a change of the feed (a JSON object with seq)"
    return None


def _edge_lines(target: Path) -> tuple[bytes, bytes | None]:
    """The file's first line (with its line break, if it has one) and its last whole line
    (None when no line is whole); the file is read from its ends only."""
    with target.open("rb") as file:
        first = file.readline()
        position = file.seek(0, os.SEEK_END)
        tail = b""
        while position > 0 and tail.count(b"\n") < 2:
            start = max(0, position - _CHUNK)
            file.seek(start)
            tail = file.read(position - start) + tail
            position = start
    end = tail.rfind(b"\n")
    if end < 0:
        return first, None
    return first, tail[tail.rfind(b"\n", 0, end) + 1 : end]


def _is_change(line: bytes) -> bool:
    try:
        change = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(change, dict) and type(change.get("seq")) is int


def not_a_change(target: Path) -> ExportRefused:
    """A line the recovery of a killed export reads back is no change of the feed."""
    return ExportRefused(
        f"{target}: a line near its end is not a change of the feed (a JSON object with seq): "
        "the file was edited, so nothing was written. Move that file away (the next run starts "
        "a new file there and goes on from the cursor), or start the consumer over with "
        "reset=True into a new file."
    )
