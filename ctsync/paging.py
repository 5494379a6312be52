"""Keyset readers over commercetools queries: never offset, so no 10 000-record ceiling.

Full: `sort=id asc` with `id > :last`, optionally within an id range so that P ranges of the
UUID space can be read at once. Delta: `(lastModifiedAt, id)` from a watermark up to a settled
upper bound, so records sharing a timestamp across a page boundary are neither skipped nor read
twice. Each reader fetches the next page while the caller works on the current one: the cursor is
known as soon as a page arrives.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ctsync.client import MAX_PAGE_SIZE, QueryPage

Query = Callable[..., Awaitable[QueryPage]]
C = TypeVar("C")

FULL_SORT = ("id asc",)
DELTA_SORT = ("lastModifiedAt asc", "id asc")


@dataclass(frozen=True, slots=True)
class IdRange:
    """Ids `lower <= id < upper`; None means unbounded on that side."""

    lower: str | None = None
    upper: str | None = None

    def contains(self, record_id: str) -> bool:
        return (self.lower is None or record_id >= self.lower) and (
            self.upper is None or record_id < self.upper
        )


def id_partitions(count: int) -> list[IdRange]:
    """Split the id space into `count` ranges of equal share of random UUIDs.

    Bounds are UUID-shaped strings: commercetools ids are lowercase UUIDs, and any other string
    still falls into exactly one range because the ranges tile the whole string order.
    """
    if count < 1:
        raise ValueError(f"partitions is {count}: use 1 or more")
    space = 16**8
    bounds = [None] + [
        f"{space * i // count:08x}-0000-0000-0000-000000000000" for i in range(1, count)
    ]
    return [IdRange(bounds[i], bounds[i + 1] if i + 1 < count else None) for i in range(count)]


@dataclass(frozen=True, slots=True)
class FullCursor:
    """Where a full read of one range stands: the last id read (None before the first page)."""

    range: IdRange
    after_id: str | None = None


@dataclass(frozen=True, slots=True)
class DeltaCursor:
    """Where a delta read stands: after (last_modified_at, id), up to `until` inclusive."""

    last_modified_at: str | None
    after_id: str
    until: str


@dataclass(frozen=True, slots=True)
class Page:
    results: list[dict[str, Any]]
    last: bool
    """True when no page follows this one."""


def full_query(cursor: FullCursor, where: str | None) -> tuple[list[str], dict[str, str]]:
    predicates: list[str] = []
    variables: dict[str, str] = {}
    if cursor.after_id is not None:
        predicates.append("id > :after")
        variables["after"] = cursor.after_id
    elif cursor.range.lower is not None:
        predicates.append("id >= :lower")
        variables["lower"] = cursor.range.lower
    if cursor.range.upper is not None:
        predicates.append("id < :upper")
        variables["upper"] = cursor.range.upper
    if where:
        predicates.append(f"({where})")
    return predicates, variables


def delta_query(cursor: DeltaCursor, where: str | None) -> tuple[list[str], dict[str, str]]:
    variables = {"until": cursor.until}
    predicates = ["lastModifiedAt <= :until"]
    if cursor.last_modified_at is not None:
        predicates.append("(lastModifiedAt > :since or (lastModifiedAt = :since and id > :after))")
        variables["since"] = cursor.last_modified_at
        variables["after"] = cursor.after_id
    if where:
        predicates.append(f"({where})")
    return predicates, variables


def _check_order(results: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]) -> None:
    """The keyset is only sound if the server sorted as asked: assert it, never assume it."""
    keys = [key(r) for r in results]
    if any(a >= b for a, b in itertools.pairwise(keys)):
        raise RuntimeError(
            "commercetools returned a page out of the requested sort order; keyset paging would "
            "skip or repeat records, so the read stops here"
        )


async def _read_keyset(
    query: Query,
    endpoint: str,
    cursor: C,
    *,
    page_size: int,
    where: str | None,
    sort: tuple[str, ...],
    predicates: Callable[[C, str | None], tuple[list[str], dict[str, str]]],
    order: Callable[[dict[str, Any]], Any],
    advance: Callable[[C, dict[str, Any]], C],
) -> AsyncIterator[tuple[Page, C]]:
    """Fetch page n+1 while the caller handles page n; stop on a short page.

    Page n is handed over only once page n+1's request is on the wire (or has failed): the caller
    typically writes page n in a thread that holds the GIL for tens of milliseconds, and a request
    not yet sent by then would wait for it instead of overlapping with it.
    """

    async def fetch(at: C, on_sent: Callable[[], None]) -> QueryPage:
        where_at, variables = predicates(at, where)
        return await query(
            endpoint,
            where=where_at,
            sort=sort,
            limit=page_size,
            variables=variables,
            on_sent=on_sent,
        )

    pending: asyncio.Task[QueryPage] | None = asyncio.ensure_future(fetch(cursor, _ignore))
    try:
        while pending is not None:
            page = await pending
            pending = None
            _check_order(page.results, order)
            if page.results:
                cursor = advance(cursor, page.results[-1])
            last = len(page.results) < page_size
            if not last:
                sent = asyncio.Event()
                pending = asyncio.ensure_future(fetch(cursor, sent.set))
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
    where: str | None = None,
) -> AsyncIterator[tuple[Page, FullCursor]]:
    """Pages of one id range in id order, each with the cursor that resumes after it."""
    return _read_keyset(
        query,
        endpoint,
        cursor,
        page_size=page_size,
        where=where,
        sort=FULL_SORT,
        predicates=full_query,
        order=lambda r: r["id"],
        advance=lambda at, tail: FullCursor(at.range, tail["id"]),
    )


def read_delta(
    query: Query,
    endpoint: str,
    cursor: DeltaCursor,
    *,
    page_size: int = MAX_PAGE_SIZE,
    where: str | None = None,
) -> AsyncIterator[tuple[Page, DeltaCursor]]:
    """Pages changed after the cursor and up to `until`, in (lastModifiedAt, id) order."""
    return _read_keyset(
        query,
        endpoint,
        cursor,
        page_size=page_size,
        where=where,
        sort=DELTA_SORT,
        predicates=delta_query,
        order=lambda r: (r["lastModifiedAt"], r["id"]),
        advance=lambda at, tail: DeltaCursor(tail["lastModifiedAt"], tail["id"], at.until),
    )
