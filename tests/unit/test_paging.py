"""Keyset readers against an in-memory server that evaluates the readers' own predicates."""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from typing import Any

import orjson
import pytest

from ctsync.client.pages import QueryPage
from ctsync.pull import read_delta, read_full
from ctsync.pull.paging import (
    FIRST_PAGE_LIMIT,
    DeltaCursor,
    FullCursor,
    IdRange,
    PageSizer,
    delta_query,
    full_query,
    id_partitions,
)


class MemoryServer:
    """Answers the readers' queries from a list of records, the way commercetools would."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.queries: list[dict[str, Any]] = []
        self.limits: list[int] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self.sent = 0
        self.fail_before_sending = False

    def _match(self, record: dict[str, Any], variables: dict[str, str]) -> bool:
        rid, t = record["id"], record["lastModifiedAt"]
        if "after" in variables and "since" not in variables and not rid > variables["after"]:
            return False
        if "lower" in variables and not rid >= variables["lower"]:
            return False
        if "upper" in variables and not rid < variables["upper"]:
            return False
        if "until" in variables and not t <= variables["until"]:
            return False
        if "since" in variables:
            since, after = variables["since"], variables["after"]
            if not (t > since or (t == since and rid > after)):
                return False
        return True

    async def query(
        self, endpoint: str, *, where, sort, limit, variables, expand=(), on_sent=None
    ) -> QueryPage:
        self.queries.append({"where": where, "sort": sort, "variables": dict(variables)})
        self.limits.append(limit)
        await asyncio.sleep(0)  # building and writing the request takes the loop a few steps
        if self.fail_before_sending:
            raise ConnectionError("refused before the request went out")
        self.sent += 1
        if on_sent is not None:
            on_sent()
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        await asyncio.sleep(0)
        self.in_flight -= 1
        fields = [s.split()[0] for s in sort]
        matching = sorted(
            (r for r in self.records if self._match(r, variables)),
            key=lambda r: tuple(r[f] for f in fields),
        )
        page = matching[:limit]
        size = len(orjson.dumps(page))  # what a page sized by bytes judges the next one by
        return QueryPage(limit=limit, count=len(page), results=page, size_bytes=size)


def make_records(n: int, *, timestamps: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    stamps = [f"2026-03-01T10:00:{s:02d}.000Z" for s in range(timestamps)]
    return [
        {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "lastModifiedAt": rng.choice(stamps),
        }
        for _ in range(n)
    ]


async def collect(pages) -> tuple[list[dict[str, Any]], list[Any]]:
    records, cursors = [], []
    async for page, cursor in pages:
        records.extend(page.results)
        cursors.append(cursor)
    return records, cursors


def test_partitions_tile_the_id_space() -> None:
    ranges = id_partitions(8)
    assert ranges[0].lower is None and ranges[-1].upper is None
    assert all(a.upper == b.lower for a, b in itertools.pairwise(ranges))
    ids = [str(uuid.uuid4()) for _ in range(2000)] + ["", "zzz", "00000000-0000"]
    for record_id in ids:
        assert sum(r.contains(record_id) for r in ranges) == 1
    with pytest.raises(ValueError, match="partitions is 0"):
        id_partitions(0)


def test_query_shapes() -> None:
    predicates, variables = full_query(FullCursor(IdRange("4", "8"), None), "email is defined")
    assert predicates == ["id >= :lower", "id < :upper", "(email is defined)"]
    assert variables == {"lower": "4", "upper": "8"}
    predicates, variables = full_query(FullCursor(IdRange("4", "8"), "5"), None)
    assert predicates == ["id > :after", "id < :upper"]
    predicates, variables = delta_query(DeltaCursor("2026-01-01T00:00:00.000Z", "x", "U"), None)
    assert predicates == [
        "lastModifiedAt <= :until",
        "(lastModifiedAt > :since or (lastModifiedAt = :since and id > :after))",
    ]
    assert variables == {"until": "U", "since": "2026-01-01T00:00:00.000Z", "after": "x"}


async def test_full_read_returns_every_record_once_in_id_order() -> None:
    server = MemoryServer(make_records(1234, timestamps=5))
    records, cursors = await collect(
        read_full(server.query, "customers", FullCursor(IdRange()), page_bytes=None, page_size=100)
    )
    ids = [r["id"] for r in records]
    assert ids == sorted(r["id"] for r in server.records)
    assert len(server.queries) == 13  # 12 full pages and the short last one
    assert cursors[-1].after_id == ids[-1]
    assert all(q["sort"] == ("id asc",) for q in server.queries)


async def test_next_request_is_on_the_wire_before_a_page_is_handed_over() -> None:
    # The caller writes a page in a thread that holds the GIL; a request not yet sent by then
    # would wait for the write instead of overlapping with it.
    server = MemoryServer(make_records(450, timestamps=3))
    handed = 0
    async for page, _ in read_full(
        server.query, "c", FullCursor(IdRange()), page_bytes=None, page_size=100
    ):
        handed += 1
        assert server.sent == (handed if page.last else handed + 1)
    assert handed == 5


async def test_a_request_failing_before_it_is_sent_does_not_hang_the_reader() -> None:
    server = MemoryServer(make_records(250, timestamps=3))
    pages = read_full(server.query, "c", FullCursor(IdRange()), page_bytes=None, page_size=100)
    first, _ = await anext(pages)
    assert len(first.results) == 100
    server.fail_before_sending = True
    second, _ = await asyncio.wait_for(anext(pages), timeout=5)  # already fetched
    assert len(second.results) == 100
    with pytest.raises(ConnectionError, match="before the request went out"):
        await asyncio.wait_for(anext(pages), timeout=5)


async def test_partitioned_reads_cover_everything_exactly_once() -> None:
    server = MemoryServer(make_records(3000, timestamps=5))
    parts = await asyncio.gather(
        *(
            collect(
                read_full(server.query, "customers", FullCursor(r), page_bytes=None, page_size=97)
            )
            for r in id_partitions(7)
        )
    )
    ids = [r["id"] for records, _ in parts for r in records]
    assert sorted(ids) == sorted(r["id"] for r in server.records)
    assert len(ids) == len(set(ids))


async def test_full_read_resumes_after_its_cursor() -> None:
    server = MemoryServer(make_records(500, timestamps=3))
    first, cursors = await collect(
        read_full(server.query, "c", FullCursor(IdRange()), page_bytes=None, page_size=50)
    )
    resumed, _ = await collect(
        read_full(server.query, "c", cursors[3], page_bytes=None, page_size=50)
    )
    assert [r["id"] for r in resumed] == [r["id"] for r in first[200:]]


@pytest.mark.parametrize("page_size", [1, 7, 50, 499])
async def test_delta_reads_identical_timestamps_across_pages_once(page_size: int) -> None:
    # 600 records over only 3 distinct timestamps: every page boundary falls inside a timestamp.
    server = MemoryServer(make_records(600, timestamps=3))
    start = DeltaCursor(None, "", "2026-03-01T10:00:59.000Z")
    records, cursors = await collect(
        read_delta(server.query, "c", start, page_bytes=None, page_size=page_size)
    )
    keys = [(r["lastModifiedAt"], r["id"]) for r in records]
    assert keys == sorted((r["lastModifiedAt"], r["id"]) for r in server.records)
    assert cursors[-1].until == start.until


async def test_delta_stops_at_until_and_resumes_from_watermark() -> None:
    server = MemoryServer(make_records(300, timestamps=10))
    until = "2026-03-01T10:00:04.000Z"
    records, cursors = await collect(
        read_delta(server.query, "c", DeltaCursor(None, "", until), page_bytes=None, page_size=40)
    )
    assert all(r["lastModifiedAt"] <= until for r in records)
    assert len(records) == sum(1 for r in server.records if r["lastModifiedAt"] <= until)
    watermark = cursors[-1]
    later = DeltaCursor(watermark.last_modified_at, watermark.after_id, "2026-03-01T10:00:09.000Z")
    rest, _ = await collect(read_delta(server.query, "c", later, page_bytes=None, page_size=40))
    assert len(records) + len(rest) == 300
    assert not {r["id"] for r in records} & {r["id"] for r in rest}


async def test_next_page_is_fetched_while_the_current_one_is_handled() -> None:
    server = MemoryServer(make_records(300, timestamps=2))
    pages = read_full(server.query, "c", FullCursor(IdRange()), page_bytes=None, page_size=100)
    seen_queries = []
    async for _page, _cursor in pages:
        await asyncio.sleep(0)  # the consumer "writes"; meanwhile the next fetch runs
        seen_queries.append(len(server.queries))
    # When the consumer held page n, the query for page n+1 had already been sent.
    assert seen_queries == [2, 3, 4, 4]


async def test_out_of_order_page_is_refused() -> None:
    async def unsorted(endpoint, **_: Any) -> QueryPage:
        return QueryPage(limit=2, count=2, results=[{"id": "b"}, {"id": "a"}])

    with pytest.raises(RuntimeError, match="out of the requested sort order"):
        await collect(read_full(unsorted, "c", FullCursor(IdRange()), page_bytes=None, page_size=2))


def test_page_sizer_keeps_pages_near_the_byte_target() -> None:
    sizer = PageSizer(500, 1_000_000)
    assert sizer.limit == FIRST_PAGE_LIMIT  # nothing known yet
    sizer.observe(20, 20 * 300_000)  # products of 300 KB: 3 a page
    assert sizer.limit == 3
    sizer.observe(3, 3 * 1_000)  # small ones after all: up to the ceiling
    assert sizer.limit == 500
    sizer.observe(500, 500 * 4_000_000)  # one record bigger than the target: still one a page
    assert sizer.limit == 1
    assert PageSizer(500, 1_000_000, record_bytes=10_000).limit == 100  # a hint sizes the first
    assert PageSizer(7, None).limit == 7  # by count alone
    counted = PageSizer(500, 1_000_000)
    counted.observe(20, 0)  # a source that does not tell sizes: count alone
    assert counted.limit == 500


async def test_large_records_are_read_a_few_at_a_time() -> None:
    records = [dict(r, blob="x" * 5_000) for r in make_records(300, timestamps=3)]
    server = MemoryServer(records)
    got, _ = await collect(
        read_full(server.query, "large", FullCursor(IdRange()), page_bytes=20_000, page_size=500)
    )
    assert sorted(r["id"] for r in got) == sorted(r["id"] for r in records)
    limits = server.limits
    assert limits[0] == FIRST_PAGE_LIMIT and max(limits[1:]) <= 4  # ~5 KB each: 20 KB pages
