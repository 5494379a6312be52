"""One page's way from commercetools into the hub: read it in keyset order, validate it,
commit it with the checkpoint that resumes after it.

The readers fetch the next page while the caller works on the current one (the cursor is known
as soon as a page arrives); `PullRun.write` turns a page into records and dead letters and
commits them with the run's checkpoint in one transaction (`HubStore.upsert_page`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ctsync.client.http import MAX_PAGE_SIZE, CommercetoolsClient, QueryPage
from ctsync.hub import HubRecord, HubStore, PartitionCheckpoint, RejectedRecord, Watermark
from ctsync.paging import (
    DELTA_SORT,
    FULL_SORT,
    DeltaCursor,
    FullCursor,
    IdRange,
    PageSizer,
    check_order,
    delta_order,
    delta_query,
    full_order,
    full_query,
)
from ctsync.pull.deletions import find_deletions
from ctsync.pull.plan import PullPlan
from ctsync.run.counts import PullCounts
from ctsync.run.options import DEFAULT_PAGE_BYTES

Query = Callable[..., Awaitable[QueryPage]]
_record_bytes_seen: dict[tuple[str, str], float] = {}
"""Bytes per record of the last page read, per (project key, endpoint), in this process."""
C = TypeVar("C", FullCursor, DeltaCursor)
OnPage = Callable[[PullCounts], None]


@dataclass(frozen=True, slots=True)
class Page:
    results: list[dict[str, Any]]
    last: bool
    """True when no page follows this one."""


# -- reading ------------------------------------------------------------------------------------


async def _read_keyset(
    query: Query,
    endpoint: str,
    cursor: C,
    *,
    page_size: int,
    page_bytes: int | None,
    record_bytes: float | None = None,
    where: str | None,
    sort: tuple[str, ...],
    predicates: Callable[[C, str | None], tuple[list[str], dict[str, str]]],
    order: Callable[[dict[str, Any]], Any],
) -> AsyncIterator[tuple[Page, C]]:
    """Fetch page n+1 while the caller handles page n; stop on a short page.

    Page n is handed over only once page n+1's request is on the wire (or has failed): the caller
    typically writes page n in a thread that holds the GIL for a while, and a request not yet
    sent by then would wait for it instead of overlapping with it. Each page asks for as many
    records as fit `page_bytes`, judged by the page before it (`PageSizer`).
    """
    # What this process last saw of these records sizes the first page (`FIRST_PAGE_LIMIT`
    # without it): the partitions of a run, and later runs, start at the right size.
    owner = getattr(query, "__self__", None)
    seen_key = (getattr(owner, "project_key", ""), endpoint)
    sizer = PageSizer(page_size, page_bytes, record_bytes or _record_bytes_seen.get(seen_key))

    async def fetch(at: C, limit: int, on_sent: Callable[[], None]) -> QueryPage:
        where_at, variables = predicates(at, where)
        return await query(
            endpoint,
            where=where_at,
            sort=sort,
            limit=limit,
            variables=variables,
            on_sent=on_sent,
        )

    asked = sizer.limit
    pending: asyncio.Task[QueryPage] | None = asyncio.ensure_future(fetch(cursor, asked, _ignore))
    try:
        while pending is not None:
            page = await pending
            pending = None
            check_order(page.results, order)
            if page.results:
                cursor = cursor.after(page.results[-1])
            last = len(page.results) < asked
            if not last:
                sizer.observe(len(page.results), page.size_bytes)
                if sizer.record_bytes:
                    _record_bytes_seen[seen_key] = sizer.record_bytes
                asked = sizer.limit
                sent = asyncio.Event()
                pending = asyncio.ensure_future(fetch(cursor, asked, sent.set))
                await _sent_or_done(sent, pending)
            yield Page(page.results, last), cursor
    finally:
        if pending is not None:
            pending.cancel()


def _ignore() -> None:
    return None


async def _sent_or_done(sent: asyncio.Event, request: asyncio.Future[Any]) -> None:
    waiting = asyncio.ensure_future(sent.wait())
    try:
        await asyncio.wait((waiting, request), return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()


def read_full(
    query: Query,
    endpoint: str,
    cursor: FullCursor,
    *,
    page_size: int = MAX_PAGE_SIZE,
    page_bytes: int | None = DEFAULT_PAGE_BYTES,
    record_bytes: float | None = None,
    where: str | None = None,
) -> AsyncIterator[tuple[Page, FullCursor]]:
    """Pages of one id range in id order, each with the cursor that resumes after it;
    `record_bytes` (a record's size, if known) sizes the first page."""
    return _read_keyset(
        query,
        endpoint,
        cursor,
        page_size=page_size,
        page_bytes=page_bytes,
        record_bytes=record_bytes,
        where=where,
        sort=FULL_SORT,
        predicates=full_query,
        order=full_order,
    )


def read_delta(
    query: Query,
    endpoint: str,
    cursor: DeltaCursor,
    *,
    page_size: int = MAX_PAGE_SIZE,
    page_bytes: int | None = DEFAULT_PAGE_BYTES,
    record_bytes: float | None = None,
    where: str | None = None,
) -> AsyncIterator[tuple[Page, DeltaCursor]]:
    """Pages changed after the cursor and up to `until`, in (lastModifiedAt, id) order."""
    return _read_keyset(
        query,
        endpoint,
        cursor,
        page_size=page_size,
        page_bytes=page_bytes,
        record_bytes=record_bytes,
        where=where,
        sort=DELTA_SORT,
        predicates=delta_query,
        order=delta_order,
    )


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
        state = self.hub.exact.get_state(plan.project_key, plan.entity.name)
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
        records, invalid = self.plan.entity.records_of(results)
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
            upserted = self.hub.classify_page(plan.project_key, plan.entity.name, records)
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
            upserted = self.hub.upsert_page(
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
