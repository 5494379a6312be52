"""What a pull decides before its first page: full or delta, fresh or resumed, the id ranges,
the settled upper bound. The plan is also the run's resume point and the source of its report.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ctsync.client.http import CommercetoolsClient
from ctsync.client.pages import QueryPage
from ctsync.hub import HubStore, SyncState, Watermark
from ctsync.pull.paging import DeltaCursor, FullCursor, IdRange, id_partitions
from ctsync.registry import Entity
from ctsync.run.counts import PullCounts
from ctsync.run.options import Mode, PullOptions
from ctsync.run.report import plural
from ctsync.run.sync_report import SyncReport
from ctsync.timestamps import iso


@dataclass
class PullPlan:
    """Everything decided before the first page: the run can be resumed from it."""

    project_key: str
    entity: Entity
    options: PullOptions
    mode: Mode
    """What runs: `options.mode` unless there is nothing to delta from (or a singleton)."""
    run_token: str
    """Marks every record this run saw; a resumed run keeps the token of the run it continues."""
    started_at: str
    """Server time when the run (or the run it resumes) began."""
    resumed: bool = False
    mode_reason: str = ""
    """Why the run is `mode`, in the words of its report and its log."""
    notes: list[str] = field(default_factory=list)
    total: int | None = None
    """Records a full run will read (one `withTotal` query), for progress; None for a delta."""
    planning: PullCounts = field(default_factory=PullCounts)
    """The calls planning made (server clock, count), retries included: the report adds them."""
    ranges: list[FullCursor] = field(default_factory=list)
    done: list[bool] = field(default_factory=list)
    delta: DeltaCursor | None = None
    watermark: Watermark | None = None
    """The watermark when the run was planned."""
    keeps_watermark: str | None = None
    """Why the run leaves the watermark (and the resume point) as they are; None: it moves them.
    Only a run that reads everything, or everything after the watermark, may move them."""
    counted: int | None = None
    """A plain delta's exact count of the entity in commercetools, taken with the server clock;
    the deletions after the delta are looked for against it."""
    counted_at: datetime | None = None
    record_bytes: float | None = None
    """Size of one record of the entity, from the plan's count query (which returns one): the
    first page of each read is sized by it, and a full read's partitions count with it."""

    @property
    def moves_watermark(self) -> bool:
        return self.keeps_watermark is None

    @property
    def finds_deletions(self) -> bool:
        """A plain delta: it also looks for what commercetools deleted (ctsync.pull.deletions)."""
        return self.moves_watermark and self.mode == "delta"

    @property
    def partitioned(self) -> bool:
        """True when the run reads id ranges (a full read), each in a task of its own."""
        return self.mode == "full" and not self.entity.singleton

    @property
    def window(self) -> str:
        if self.mode == "full":
            return f"all records (server time {self.started_at})"
        assert self.delta is not None
        since = self.delta.last_modified_at or "the beginning"
        return f"{since} .. {self.delta.until}"

    @property
    def unread_after(self) -> str:
        """A delta's upper bound when it stays `settle` seconds behind commercetools' clock:
        what changed after it is the next run's (empty: nothing is left out)."""
        if self.delta is None or not self.options.settle:
            return ""
        return self.delta.until

    def describe(self) -> str:
        """The plan in one log line: mode and why, what it reads, the watermark's fate."""
        parts = [f"{self.entity.name} {self.mode} ({self.mode_reason})"]
        if self.partitioned:
            left = self.done.count(False)
            ranges = plural(len(self.ranges), "id range")
            reading = f"{plural(self.total or 0, 'record')} in {ranges}"
            if self.resumed:
                reading += f", {left} of them still to read"
            parts.append(f"{reading}, server time {self.started_at}")
        elif self.delta is not None:
            settle = self.options.settle
            parts.append(
                f"changes {self.window} (server time {self.started_at} less {settle:g} s settle)"
            )
        else:
            parts.append(f"read whole, server time {self.started_at}")
        watermark = "none" if self.watermark is None else str(self.watermark)
        if self.keeps_watermark:
            parts.append(f"watermark stays at {watermark}: {self.keeps_watermark}")
        elif not self.entity.singleton:
            parts.append(f"watermark {watermark}")
        parts += self.notes
        return "; ".join(parts)

    def report(
        self,
        counts: PullCounts,
        *,
        duration: float,
        watermark: str = "",
        error: str | None = None,
        flow_run_id: str | None = None,
    ) -> SyncReport:
        """The run's report from what its tasks counted; `watermark` says what became of it."""
        return SyncReport.from_counts(
            counts,
            duration=duration,
            error=error,
            project_key=self.project_key,
            entity=self.entity.name,
            mode=self.mode,
            requested_mode=self.options.mode,
            dry_run=self.options.dry_run,
            resumed=self.resumed,
            mode_reason=self.mode_reason,
            note="; ".join([*self.notes, *counts.notes]) or None,
            partitions=max(1, len(self.ranges)),
            watermark=watermark,
            window=self.window,
            unread_after=self.unread_after,
            flow_run_id=flow_run_id,
        )

    def cursor_document(self) -> dict[str, Any]:
        """The resume point stored in sync_state.cursor for a full run."""
        return {
            "mode": "full",
            "run_token": self.run_token,
            "started_at": self.started_at,
            "where": self.options.where,
            "page_size": self.options.page_size,
            "partitions": [
                {
                    "lower": c.range.lower,
                    "upper": c.range.upper,
                    "after_id": c.after_id,
                    "done": done,
                }
                for c, done in zip(self.ranges, self.done, strict=True)
            ],
        }


def _delta_start(state: SyncState | None, since: str | None) -> DeltaCursor | None:
    """Where a delta begins: `since` if given, else the watermark; None means a full run."""
    if since is not None:
        return DeltaCursor(since, "", "")
    if state is not None and state.watermark is not None:
        return DeltaCursor(state.watermark.last_modified_at, state.watermark.id, "")
    return None


async def server_now(client: CommercetoolsClient) -> datetime:
    """commercetools' clock (from the `Date` header), not ours: settle is measured on it."""
    if client.last_server_date is None:
        await client.get_project()
    assert client.last_server_date is not None
    return client.last_server_date


async def plan_pull(
    hub: HubStore, client: CommercetoolsClient, entity: Entity, options: PullOptions
) -> PullPlan:
    """Decide the run from the hub's state and commercetools' clock (and count, for a full)."""
    project_key = client.project_key
    if options.reset and not options.dry_run:
        await asyncio.to_thread(hub.exact.states.reset, project_key, entity.name)
    state = (
        None
        if options.reset
        else await asyncio.to_thread(hub.exact.states.get, project_key, entity.name)
    )
    watermark = state.watermark if state else None
    wants_delta = expected_mode(entity, options, state) == "delta"
    delta_from = _delta_start(state, options.since) if wants_delta else None
    keeps = _why_watermark_stays(entity, options, watermark, delta_from is not None)
    counted = None
    if not entity.singleton and (delta_from is None or keeps is None):
        # A full read counts what it will read; a plain delta counts everything, exactly (no
        # predicate), to find deletions against. The count's Date header is the server clock,
        # so the plan costs one round trip either way.
        where = options.where if delta_from is None else None
        counted = await client.query(entity.endpoint, limit=1, with_total=True, where=where)
    now = await server_now(client)
    sample = counted.results if counted is not None else []
    plan = PullPlan(
        project_key=project_key,
        entity=entity,
        options=options,
        mode="full" if delta_from is None else "delta",
        run_token=uuid.uuid4().hex,
        started_at=iso(now),
        watermark=watermark,
        keeps_watermark=keeps,
        record_bytes=counted.size_bytes / len(sample) if counted and sample else None,
    )
    plan.mode_reason = _why_mode(entity, options, plan.mode, watermark)
    if delta_from is not None:
        _plan_delta(plan, delta_from, counted, now)
    elif not entity.singleton:
        assert counted is not None
        plan.total = counted.total
        partitions = Partitions(options.partitions, client.settings.throttle.concurrency)
        cursor = state.cursor if state else None
        if not _resume(plan, cursor, partitions):
            await _start_full(hub, plan, partitions)
    plan.planning.add_stats(client.stats)
    return plan


def _plan_delta(
    plan: PullPlan, start: DeltaCursor, counted: QueryPage | None, now: datetime
) -> None:
    """A delta's window, from `start` to `settle` seconds before commercetools' clock; a plain
    delta keeps the exact count taken with that clock, to find deletions against."""
    if counted is not None:
        plan.counted, plan.counted_at = counted.total, now
    until = iso(now - timedelta(seconds=plan.options.settle))
    plan.delta = DeltaCursor(start.last_modified_at, start.after_id, until)


def expected_mode(entity: Entity, options: PullOptions, state: SyncState | None) -> Mode:
    """What a run with `options` reads, given the entity's stored state: a delta needs a start
    (`since` or a watermark); a singleton is always read whole; `reset` forgets the watermark."""
    if options.mode == "full" or entity.singleton:
        return "full"
    if options.since is not None:
        return "delta"
    has_watermark = state is not None and state.watermark is not None
    return "delta" if has_watermark and not options.reset else "full"


def _why_mode(entity: Entity, options: PullOptions, mode: Mode, watermark: Watermark | None) -> str:
    """Why the run reads what it reads: the words a person needs beside `full` or `delta`."""
    if entity.singleton:
        return f"the {entity.name} is one resource: read whole on every run"
    if mode == "delta":
        return f"from since {options.since}" if options.since else "from the watermark"
    if options.mode == "full":
        return "asked for"
    if options.reset:
        return "reset: a full initialization"
    if options.since is None and watermark is None:
        return "no watermark yet: initial full load"
    return "nothing to delta from: a full read"


@dataclass(frozen=True)
class Partitions:
    """How many id ranges a full read asks for, and whether the run or the block chose it."""

    asked: int | None
    """The run's `partitions` option; None: the block's Concurrent Connections."""
    block_default: int

    @property
    def count(self) -> int:
        return self.asked or self.block_default

    @property
    def origin(self) -> str:
        if self.asked is None:
            return f"the block's Concurrent Connections {self.block_default}"
        return f"asked for {self.asked}"


def _why_watermark_stays(
    entity: Entity, options: PullOptions, watermark: Watermark | None, delta: bool
) -> str | None:
    """Why a run must leave the watermark where it is, or None when it moves it."""
    if entity.singleton:
        return "the project is read whole every time and has no watermark"
    if options.dry_run:
        return "a dry run writes nothing"
    if options.where is not None:
        return "the run was filtered by where, so it did not read every change"
    if delta and options.since is not None:
        if watermark is None:
            return "a delta from since, with no watermark yet, did not read what came before"
        if options.since > watermark.last_modified_at:
            return "since is later than the watermark, so the changes in between were not read"
    return None


def _resume(plan: PullPlan, cursor: dict[str, Any] | None, partitions: Partitions) -> bool:
    """Continue an interrupted unfiltered full run from its stored cursor, if any."""
    if not (
        plan.moves_watermark
        and cursor
        and cursor.get("mode") == "full"
        and cursor.get("where") is None
        and cursor.get("partitions")
    ):
        return False
    plan.resumed = True
    plan.run_token = cursor["run_token"]
    plan.started_at = cursor["started_at"]
    plan.ranges = [
        FullCursor(IdRange(p["lower"], p["upper"]), p["after_id"]) for p in cursor["partitions"]
    ]
    plan.done = [bool(p["done"]) for p in cursor["partitions"]]
    plan.mode_reason = "resumed an interrupted full run"
    if len(plan.ranges) != partitions.count:
        plan.notes.append(
            f"kept the interrupted run's {len(plan.ranges)} partitions ({partitions.origin})"
        )
    return True


async def _start_full(hub: HubStore, plan: PullPlan, partitions: Partitions) -> None:
    """Split a fresh full run into id ranges and store its resume point before any page."""
    # A partition costs a task and a connection: no more of them than there are pages to read,
    # pages counted by records and, for large records, by bytes.
    total, options = plan.total or 0, plan.options
    pages = -(-total // options.page_size)
    if plan.record_bytes:
        pages = max(pages, math.ceil(total * plan.record_bytes / options.page_bytes))
    count = partitions.count
    if 1 <= pages < count:
        if partitions.asked is not None:  # the block's default needs no excuse
            plan.notes.append(
                f"{plural(pages, 'partition')} for {plural(plan.total or 0, 'record')}, "
                f"one per page ({partitions.origin})"
            )
        count = pages
    plan.ranges = [FullCursor(r) for r in id_partitions(count)]
    plan.done = [False] * count
    # The resume point is shared with the watermark: a filtered run keeps neither.
    if plan.moves_watermark:
        await asyncio.to_thread(
            hub.states.save, plan.project_key, plan.entity.name, cursor=plan.cursor_document()
        )
