"""Property: whatever the data, page size, byte target and partitioning, every record is read
exactly once."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from ctsync.pull import read_delta, read_full
from ctsync.pull.paging import DeltaCursor, FullCursor, id_partitions

from .test_paging import MemoryServer, collect

STAMPS = [f"2026-03-01T10:00:0{s}.000Z" for s in range(4)]  # few values: many ties

records = st.lists(
    st.tuples(st.uuids(version=4), st.sampled_from(STAMPS), st.integers(1, 9)),
    max_size=300,
    unique_by=lambda r: r[0],
).map(lambda rows: [{"id": str(i), "lastModifiedAt": t, "version": v} for i, t, v in rows])
# Pages sized by count alone, or by a byte target small enough against records of ~90 bytes that
# each page asks for a different number of them.
byte_targets = st.one_of(st.none(), st.integers(1, 3000))


@settings(max_examples=150, deadline=None)
@given(
    data=records,
    page_bytes=byte_targets,
    page_size=st.integers(1, 60),
    watermark_index=st.integers(0, 300),
)
def test_delta_cursor_reads_each_record_once(data, page_bytes, page_size, watermark_index) -> None:
    server = MemoryServer(data)
    ordered = sorted((r["lastModifiedAt"], r["id"]) for r in data)
    until = STAMPS[-1]
    # Start from nothing, or from a watermark that is one of the records (a previous run's end).
    if ordered and watermark_index < len(ordered):
        since, after = ordered[watermark_index]
        expected = ordered[watermark_index + 1 :]
    else:
        since, after = None, ""
        expected = ordered
    got, _ = asyncio.run(
        collect(
            read_delta(
                server.query,
                "c",
                DeltaCursor(since, after, until),
                page_bytes=page_bytes,
                page_size=page_size,
            )
        )
    )
    assert [(r["lastModifiedAt"], r["id"]) for r in got] == expected


@settings(max_examples=100, deadline=None)
@given(
    data=records,
    page_bytes=byte_targets,
    page_size=st.integers(1, 60),
    partitions=st.integers(1, 12),
)
def test_partitioned_full_read_reads_each_record_once(
    data, page_bytes, page_size, partitions
) -> None:
    server = MemoryServer(data)

    async def read_all() -> list[str]:
        parts = await asyncio.gather(
            *(
                collect(
                    read_full(
                        server.query, "c", FullCursor(r), page_bytes=page_bytes, page_size=page_size
                    )
                )
                for r in id_partitions(partitions)
            )
        )
        return [r["id"] for found, _ in parts for r in found]

    ids = asyncio.run(read_all())
    assert sorted(ids) == sorted(r["id"] for r in data)
    assert len(ids) == len(set(ids))


@settings(max_examples=60, deadline=None)
@given(
    data=records,
    page_bytes=byte_targets,
    page_size=st.integers(1, 40),
    stop_after=st.integers(0, 20),
)
def test_resuming_a_delta_from_any_committed_page_loses_nothing(
    data, page_bytes, page_size, stop_after
) -> None:
    """A run killed after any page and resumed from that page's cursor reads the rest once."""
    server = MemoryServer(data)
    start = DeltaCursor(None, "", STAMPS[-1])

    async def killed_then_resumed() -> list[tuple[str, str]]:
        seen: list[tuple[str, str]] = []
        cursor = start
        pages = read_delta(server.query, "c", start, page_bytes=page_bytes, page_size=page_size)
        async for index, (page, at) in _enumerate(pages):
            seen += [(r["lastModifiedAt"], r["id"]) for r in page.results]
            cursor = at
            if index == stop_after:
                break
        await pages.aclose()
        if cursor.last_modified_at is not None:
            cursor = DeltaCursor(cursor.last_modified_at, cursor.after_id, STAMPS[-1])
        rest, _ = await collect(
            read_delta(server.query, "c", cursor, page_bytes=page_bytes, page_size=page_size)
        )
        return seen + [(r["lastModifiedAt"], r["id"]) for r in rest]

    got = asyncio.run(killed_then_resumed())
    assert got == sorted((r["lastModifiedAt"], r["id"]) for r in data)


async def _enumerate(pages):  # type: ignore[no-untyped-def]
    index = 0
    async for item in pages:
        yield index, item
        index += 1
