"""Where a push's drafts come from (a file, a list, the hub outbox) and what the hub keeps of
its outcome (dead letters, outbox rows processed or failed)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ctsync.hub import HubStore, RejectedRecord
from ctsync.push.draft_files import DraftRow, numbered, read_file, validate_rows
from ctsync.push.entity import PushEntity
from ctsync.run.counts import PushCounts

DraftSource = str | Path | list[Any] | None
"""A .jsonl/.ndjson/.csv path, a list of drafts, or None for the hub outbox's pending drafts."""


@dataclass
class Drafts:
    """The valid drafts of one push, with the counts of the rows refused on reading."""

    rows: list[DraftRow[Any]]
    counts: PushCounts
    from_outbox: bool = False
    superseded: list[int] = field(default_factory=list)
    """Outbox rows a newer draft of the same record replaced: done once the push ran."""


def describe_source(source: DraftSource) -> str:
    """The source as a report names it."""
    if source is None:
        return "hub outbox"
    if isinstance(source, list):
        return f"{len(source)} drafts from Python"
    return str(source)


def read_drafts(
    entity: PushEntity[Any], source: DraftSource, hub: HubStore, project_key: str
) -> Drafts:
    """The valid drafts of `source`; a broken file as a whole raises DraftFileError."""
    if source is None:
        return _read_outbox(entity, hub, project_key)
    raw = numbered(source) if isinstance(source, list) else read_file(source, entity.columns())
    rows, counts = _validated(entity, raw)
    kept, duplicates = deduplicate(entity, rows)
    counts.add(duplicates)
    return Drafts(kept, counts)


def _validated(
    entity: PushEntity[Any], raw: Iterable[tuple[int, Any]]
) -> tuple[list[DraftRow[Any]], PushCounts]:
    rows, errors = validate_rows(entity.model, raw)
    counts = PushCounts(read=len(errors))
    for error in errors:
        counts.note_failure(str(error))
        counts.dead.append(RejectedRecord(None, str(error), error.raw))
        counts.failed_lines.append((error.line, f"{error.field}: {error.reason}"))
    return rows, counts


def _read_outbox(entity: PushEntity[Any], hub: HubStore, project_key: str) -> Drafts:
    """Pending outbox drafts numbered by their outbox id; for a record queued more than once
    the newest draft wins and the older rows are superseded (done with it)."""
    items = hub.exact.outbox.pending(project_key, entity.name)
    rows, counts = _validated(entity, ((item.id, item.draft) for item in items))
    newest: dict[str, DraftRow[Any]] = {}
    for row in rows:
        newest[entity.identity(row.draft)] = row
    kept = sorted(newest.values(), key=lambda row: row.line)
    latest = {row.line for row in kept}
    superseded = [row.line for row in rows if row.line not in latest]
    return Drafts(kept, counts, from_outbox=True, superseded=superseded)


def deduplicate(
    entity: PushEntity[Any], rows: Sequence[DraftRow[Any]]
) -> tuple[list[DraftRow[Any]], PushCounts]:
    """The first draft of a record wins; a later one for the same record is a failure."""
    seen: dict[str, int] = {}
    kept: list[DraftRow[Any]] = []
    counts = PushCounts()
    for row in rows:
        identity = entity.identity(row.draft)
        if identity in seen:
            counts.read += 1
            counts.fail(row, identity, f"same record as line {seen[identity]}; not pushed twice")
            continue
        seen[identity] = row.line
        kept.append(row)
    return kept, counts


def record_outcome(
    hub: HubStore,
    project_key: str,
    entity: PushEntity[Any],
    drafts: Drafts,
    counts: PushCounts,
    run_id: str,
) -> None:
    """Keep the failed drafts as dead letters; settle the outbox rows the push worked on:
    pushed ones (and the older drafts they replaced) are processed, failed ones keep why."""
    hub.dead_letters.add(project_key, entity.name, counts.dead, run_id=run_id)
    if not drafts.from_outbox:
        return
    failed: dict[int, str] = {}
    for line, reason in counts.failed_lines:
        failed.setdefault(line, reason)
    done = [row.line for row in drafts.rows if row.line not in failed] + drafts.superseded
    hub.outbox.mark(sorted(done), sorted(failed.items()))
