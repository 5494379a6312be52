"""One page's way from commercetools into the hub: read in keyset order (`ctsync.pull.keyset`),
validated, committed with the checkpoint that resumes after it.

The readers fetch the next page while the caller works on the current one (the cursor is known
as soon as a page arrives); `PullRun.write` turns a page into records and dead letters and
commits them with the run's checkpoint in one transaction (`HubStore.records.upsert_page`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

from ctsync.client.http import CommercetoolsClient
from ctsync.hub import HubRecord, HubStore, PartitionCheckpoint, RejectedRecord, Watermark
from ctsync.hub.documents import records_of
from ctsync.pull.deletions import find_deletions
from ctsync.pull.keyset import Page, read_delta, read_full
from ctsync.pull.paging import C, DeltaCursor, FullCursor, IdRange
from ctsync.pull.plan import PullPlan
from ctsync.run.counts import PullCounts

OnPage = Callable[[PullCounts], None]


# -- writing ------------------------------------------------------------------------------------


class PullRun:
    """One run in progress: its plan and the hub it writes to, shared by all its partitions.

    Each page commits its partition's progress merged into the stored cursor (so partitions in
    other threads, processes or machines keep theirs): the stored cursor holds the progress of
    every committed page, and never of a page that is not committed. A plain class on purpose:
    Prefect passes it to tasks by reference instead of copying it like a dataclass.
    """

    def __init__(self, hub: HubStore, plan: PullPlan) -> None:
        self.hub = hub
        self.plan = plan
        self.seen = 0
        """Distinct records this process committed for the run (pages never overlap)."""
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PullRun({self.plan.project_key}/{self.plan.entity.name}, {self.plan.mode})"

    def resume_point(self, partition: int) -> None:
        """Take `partition`'s progress from the hub: a read that starts again after its worker
        died (Dask runs it elsewhere) goes on after the last committed page, not from the start
        of its range."""
        plan = self.plan
        if not plan.moves_watermark or plan.options.dry_run:
            return  # no stored cursor: a filtered read starts over, its upserts are idempotent
        state = self.hub.exact.states.get(plan.project_key, plan.entity.name)
        cursor = state.cursor if state else None
        if not cursor or cursor.get("run_token") != plan.run_token:
            return
        stored = cursor["partitions"][partition]
        with self._lock:
            plan.ranges[partition] = FullCursor(
                IdRange(stored["lower"], stored["upper"]), stored["after_id"]
            )
            plan.done[partition] = bool(stored["done"])

    def _validated(
        self, results: list[dict[str, Any]], counts: PullCounts
    ) -> tuple[list[HubRecord], list[RejectedRecord]]:
        records, invalid = records_of(self.plan.entity, results)
        rejected: list[RejectedRecord] = []
        for document, reason in invalid:
            record_id = document.get("id") if isinstance(document, dict) else None
            rejected.append(RejectedRecord(record_id, reason, document))
            counts.note_failure(f"{record_id}: {reason}")
        return records, rejected

    def write(
        self,
        results: list[dict[str, Any]],
        *,
        partition: int | None = None,
        cursor: FullCursor | None = None,
        finished: bool = False,
        watermark: Watermark | None = None,
    ) -> PullCounts:
        """Commit one page: its records, its dead letters and the checkpoint after it."""
        plan = self.plan
        counts = PullCounts(fetched=len(results), pages=1)
        records, rejected = self._validated(results, counts)
        if plan.options.dry_run:
            upserted = self.hub.records.classify_page(plan.project_key, plan.entity.name, records)
        else:
            checkpoint: dict[str, Any] = {}
            if partition is not None and cursor is not None and plan.moves_watermark:
                checkpoint["partition"] = PartitionCheckpoint(
                    plan.run_token,
                    partition,
                    cursor.after_id,
                    finished,
                    fetched=counts.fetched,
                    failed=counts.failed,
                )
            if watermark is not None:
                checkpoint["watermark"] = watermark
            upserted = self.hub.records.upsert_page(
                plan.project_key,
                plan.entity.name,
                records,
                run_id=plan.run_token,
                dead_letters=rejected,
                **checkpoint,
            )
            with self._lock:
                if partition is not None and cursor is not None:
                    plan.ranges[partition], plan.done[partition] = cursor, finished
                self.seen += upserted.total
        counts.inserted, counts.updated, counts.unchanged = (
            upserted.inserted,
            upserted.updated,
            upserted.unchanged,
        )
        return counts


class PullInterrupted(Exception):
    """A read stopped on an error; carries what was committed before it, for the report."""

    def __init__(self, cause: BaseException, counts: PullCounts) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.cause = cause
        self.counts = counts


def _not_watching(_: PullCounts) -> None:
    return None


async def _drain(
    client: CommercetoolsClient,
    pages: AsyncIterator[tuple[Page, C]],
    write: Callable[[Page, C], PullCounts],
    on_page: OnPage,
) -> PullCounts:
    """Write each page as it comes (off the event loop, so the next fetch goes on meanwhile)."""
    total = PullCounts()
    try:
        async for page, cursor in pages:
            counts = await asyncio.to_thread(write, page, cursor)
            total.add(counts)
            on_page(counts)
    except Exception as error:
        total.add_stats(client.stats)
        raise PullInterrupted(error, total) from error
    total.add_stats(client.stats)
    return total


async def pull_range(
    client: CommercetoolsClient, run: PullRun, partition: int, on_page: OnPage = _not_watching
) -> PullCounts:
    """Read one id range of a full run to its end, committing each page with the range's cursor."""
    plan = run.plan
    await asyncio.to_thread(run.resume_point, partition)
    if plan.done[partition]:
        return PullCounts()
    pages = read_full(
        client.query,
        plan.entity.endpoint,
        plan.ranges[partition],
        page_size=plan.options.page_size,
        page_bytes=plan.options.page_bytes,
        record_bytes=plan.record_bytes,
        where=plan.options.where,
    )

    def write(page: Page, cursor: FullCursor) -> PullCounts:
        return run.write(page.results, partition=partition, cursor=cursor, finished=page.last)

    return await _drain(client, pages, write, on_page)


async def pull_delta(
    client: CommercetoolsClient, run: PullRun, on_page: OnPage = _not_watching
) -> PullCounts:
    """Read what changed since the watermark; each page moves the watermark in its transaction."""
    plan = run.plan
    assert plan.delta is not None
    pages = read_delta(
        client.query,
        plan.entity.endpoint,
        plan.delta,
        page_size=plan.options.page_size,
        page_bytes=plan.options.page_bytes,
        record_bytes=plan.record_bytes,
        where=plan.options.where,
    )

    start = plan.watermark

    def write(page: Page, cursor: DeltaCursor) -> PullCounts:
        watermark = None
        if plan.moves_watermark and page.results and cursor.last_modified_at:
            # A delta from a `since` before the watermark never moves it back.
            reached = Watermark(cursor.last_modified_at, cursor.after_id)
            if start is None or (reached.last_modified_at, reached.id) > (
                start.last_modified_at,
                start.id,
            ):
                watermark = reached
        return run.write(page.results, watermark=watermark)

    return await _drain(client, pages, write, on_page)


async def pull_singleton(
    client: CommercetoolsClient, run: PullRun, on_page: OnPage = _not_watching
) -> PullCounts:
    """Project settings: one resource, read whole every time."""
    document = await client.get_project()
    counts = await asyncio.to_thread(run.write, [document])
    on_page(counts)
    counts.add_stats(client.stats)
    return counts


async def pull(
    client: CommercetoolsClient, run: PullRun, on_page: OnPage = _not_watching
) -> PullCounts:
    """The read of a run that is not split in partitions: a delta (a plain one then looks for
    deletions), or the singleton."""
    if run.plan.entity.singleton:
        return await pull_singleton(client, run, on_page)
    counts = await pull_delta(client, run, on_page)
    if not run.plan.finds_deletions:
        return counts

    endpoint = run.plan.entity.endpoint

    async def list_range(id_range: IdRange) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = []
        pages = read_full(
            client.query, endpoint, FullCursor(id_range), page_bytes=run.plan.options.page_bytes
        )
        async for page, _ in pages:
            listed += page.results
        return listed

    try:
        await find_deletions(
            client, run.hub, run.plan, list_range=list_range, write=run.write, counts=counts
        )
    except Exception as error:
        raise PullInterrupted(error, counts) from error
    return counts
