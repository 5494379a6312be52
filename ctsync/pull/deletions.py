"""Deletions seen by every plain delta: the hub's live records commercetools no longer has.

commercetools' count without a predicate is exact, and the plan of a plain delta takes it (with
the server clock, in the round trip that planning needs anyway). After the delta, the hub holds
every record last modified up to the delta's `until`; what commercetools counted beyond that are
records changed in the settle window, which one query lists. So

    hub's live records - commercetools' count + counted records the hub lacks = deletions

(negative: records the hub lacks). When that is zero the run is done, one request later.
Otherwise id ranges are counted on both sides and split where they differ (commercetools caps a
predicated count at 10 000, so ranges are kept smaller), down to ranges small enough to list.
Only a listing marks a record deleted: a record that exists is listed, so it is never marked,
whatever is created or deleted while the search runs; records a listing finds that the hub lacks
are written to it. A deletion the counts miss this time (one hidden by a creation in the same
range, one made while the run counted) is found by a later run.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ctsync.client.http import CommercetoolsClient
from ctsync.client.pages import MAX_PAGE_SIZE
from ctsync.hub import HubStore
from ctsync.pull.keyset import read_keyset
from ctsync.pull.paging import BY_ID, FullCursor, IdRange, PageSizer, full_query, id_partitions
from ctsync.pull.plan import PullPlan
from ctsync.run.counts import PullCounts
from ctsync.timestamps import iso

COUNT_CAP = 10_000
"""commercetools caps `total` here as soon as a query has a predicate (since 2020-10-12)."""
RANGE_TARGET = 8_000
"""Records per id range of the first split: well under the cap, so each range's count is exact."""
LIST_AT_MOST = MAX_PAGE_SIZE
"""A range with this many records or fewer is listed (one page) instead of split further."""
MAX_RECENT_PAGES = 20
"""Pages of records changed in the settle window read to correct the count, at most."""

ListRange = Callable[[IdRange], Awaitable[list[dict[str, Any]]]]
Write = Callable[[list[dict[str, Any]]], PullCounts]

_PREFIX = 16**8  # ranges split on the first 8 hex digits of the UUID-shaped bounds


async def find_deletions(
    client: CommercetoolsClient,
    hub: HubStore,
    plan: PullPlan,
    *,
    list_range: ListRange,
    write: Write,
    counts: PullCounts,
) -> None:
    """Mark what commercetools deleted since the hub last saw it, and write what the hub lacks;
    add what was done (and the calls it took) to `counts`, also when it stops on an error.

    `list_range` reads every record of an id range; `write` commits records the hub lacks.
    """
    assert plan.counted is not None and plan.counted_at is not None and plan.delta is not None
    search = _Search(client, hub, plan, list_range, write)
    before = client.stats.snapshot()
    try:
        await search.run(plan.counted, plan.delta.until)
    finally:
        search.counts.add_stats(client.stats.since(before))
        counts.add(search.counts)


@dataclass
class _Search:
    client: CommercetoolsClient
    hub: HubStore
    plan: PullPlan
    list_range: ListRange
    write: Write
    counts: PullCounts = field(default_factory=PullCounts)
    created_by: str = ""
    """Records created after this instant were not in commercetools' count."""
    recent_new: list[str] = field(default_factory=list)
    """Sorted ids of counted records the hub lacks (all changed in the settle window)."""
    compared: int = 0
    listed: int = 0

    async def run(self, counted: int, until: str) -> None:
        assert self.plan.counted_at is not None
        # The Date header has whole seconds: a second later covers everything counted.
        self.created_by = iso(self.plan.counted_at + timedelta(seconds=1))
        live = await self._hub_count(IdRange())
        recent = await self._changed_after(until)
        if recent is None:
            self._note(
                f"not looked for: more than {MAX_RECENT_PAGES * MAX_PAGE_SIZE} records changed "
                "in the settle window; a quieter run will"
            )
            return
        counted_ids = [r["id"] for r in recent if str(r.get("createdAt", "")) <= self.created_by]
        in_hub = await asyncio.to_thread(self._live_ids, counted_ids)
        self.recent_new = sorted(set(counted_ids) - in_hub)
        difference = live - counted + len(self.recent_new)
        if difference == 0:
            self._note(f"none (hub and commercetools both count {counted})")
            return
        ranges = id_partitions(max(1, -(-counted // RANGE_TARGET)))
        for id_range in ranges:
            await self._compare(id_range, None)
        self._note(
            f"{self.counts.deleted} marked deleted that commercetools no longer has, "
            f"{self.counts.inserted} written that the hub lacked (the hub counted "
            f"{difference:+d} against commercetools; {self.compared} id ranges compared, "
            f"{self.listed} listed)"
        )
        retention = self.plan.entity.retention
        if retention and self.counts.deleted:
            self._note(
                f"commercetools deletes {self.plan.entity.name} by itself, {retention} days "
                "after their last change"
            )

    def _note(self, text: str) -> None:
        self.counts.notes.append(f"deletions: {text}")

    async def _compare(self, id_range: IdRange, counted: int | None) -> None:
        """Find the differences within `id_range`; `counted` is its count, if known."""
        if counted is None:
            counted = await self._count(id_range)
        self.compared += 1
        halves = _split(id_range)
        if counted < COUNT_CAP:
            hub_count = await self._hub_count(id_range)
            if hub_count == counted - self._recent_new_in(id_range):
                return
            if counted <= LIST_AT_MOST or halves is None:
                await self._list(id_range)
                return
        elif halves is None:
            await self._list(id_range)
            return
        assert halves is not None
        left, right = halves
        left_count = await self._count(left)
        exact = counted < COUNT_CAP and left_count < COUNT_CAP
        await self._compare(left, left_count)
        await self._compare(right, counted - left_count if exact else None)

    async def _count(self, id_range: IdRange) -> int:
        """Records of the range commercetools had when it counted the whole entity."""
        predicates, variables = full_query(FullCursor(id_range), None)
        predicates.append("createdAt <= :created")
        variables["created"] = self.created_by
        page = await self.client.query(
            self.plan.entity.endpoint,
            where=predicates,
            limit=1,
            with_total=True,
            variables=variables,
        )
        return page.total if page.total is not None else COUNT_CAP

    async def _list(self, id_range: IdRange) -> None:
        """The only evidence that marks: ids the hub has live in the range and the listing
        does not. Listed records the hub lacks are written."""
        self.listed += 1
        listed = await self.list_range(id_range)
        present = {record["id"] for record in listed if isinstance(record, dict)}
        plan = self.plan
        stored = await asyncio.to_thread(
            self.hub.records.live_ids,
            plan.project_key,
            plan.entity.name,
            lower=id_range.lower,
            upper=id_range.upper,
        )
        lacking = [record for record in listed if record.get("id") not in stored]
        if lacking:
            self.counts.add(await asyncio.to_thread(self.write, lacking))
        gone = stored - present
        if gone:
            self.counts.deleted += await asyncio.to_thread(
                self.hub.records.mark_deleted, plan.project_key, plan.entity.name, gone
            )

    async def _changed_after(self, until: str) -> list[dict[str, Any]] | None:
        """Records last modified after the delta's upper bound (None: too many to read)."""
        found: list[dict[str, Any]] = []
        pages = read_keyset(
            self.client.query,
            self.plan.entity.endpoint,
            FullCursor(IdRange()),
            BY_ID,
            PageSizer(MAX_PAGE_SIZE, None),
            where="lastModifiedAt > :until",
            variables={"until": until},
            read_ahead=False,
        )
        async with aclosing(pages):
            async for page, _ in pages:
                found += page.results
                if page.last:
                    return found
                if len(found) >= MAX_RECENT_PAGES * MAX_PAGE_SIZE:
                    return None
        return found

    async def _hub_count(self, id_range: IdRange) -> int:
        plan = self.plan
        return await asyncio.to_thread(
            self.hub.exact.records.count,
            plan.project_key,
            plan.entity.name,
            lower=id_range.lower,
            upper=id_range.upper,
        )

    def _live_ids(self, ids: list[str]) -> set[str]:
        plan = self.plan
        return self.hub.records.live_ids(plan.project_key, plan.entity.name, among=ids)

    def _recent_new_in(self, id_range: IdRange) -> int:
        ids = self.recent_new
        start = 0 if id_range.lower is None else bisect.bisect_left(ids, id_range.lower)
        end = len(ids) if id_range.upper is None else bisect.bisect_left(ids, id_range.upper)
        return max(0, end - start)


def _split(id_range: IdRange) -> tuple[IdRange, IdRange] | None:
    """Two halves of the range by the first 8 hex digits of its bounds; None when too narrow."""
    low = _prefix(id_range.lower, 0)
    high = _prefix(id_range.upper, _PREFIX)
    if low is None or high is None or high - low < 2:
        return None
    middle = f"{(low + high) // 2:08x}-0000-0000-0000-000000000000"
    return IdRange(id_range.lower, middle), IdRange(middle, id_range.upper)


def _prefix(bound: str | None, default: int) -> int | None:
    if bound is None:
        return default
    try:
        return int(bound[:8], 16)
    except ValueError:
        return None
