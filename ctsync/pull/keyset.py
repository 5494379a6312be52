"""The one keyset reader: the syncs' full and delta reads and the tasks' `query_all` page with it.

A keyset read never pages by offset: commercetools caps `offset` at 10 000 and sorts a page at a
time, so offset paging skips and repeats records of a collection that changes while it is read.
Each page is checked to have come in the keyset's order, asks for as many records as fit the
byte target (`PageSizer`), and a short page is the last: no request that would find nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Generic

from ctsync.client.pages import MAX_PAGE_SIZE, QueryPage, check_page_size
from ctsync.client.resources import check_endpoint
from ctsync.pull.paging import (
    BY_CHANGE,
    BY_ID,
    C,
    DeltaCursor,
    FullCursor,
    IdRange,
    Keyset,
    PageSizer,
    check_order,
)
from ctsync.run.options import DEFAULT_PAGE_BYTES

Query = Callable[..., Awaitable[QueryPage]]
"""`CommercetoolsClient.query`, or a stand-in that answers the same way."""
_KEYSET_VARIABLES = frozenset({"after", "lower", "upper"})
"""Variables a read by id binds itself (`full_query`): a caller's own must not reuse them."""
_record_bytes_seen: dict[tuple[str, str], float] = {}
"""Bytes per record of the last page a sync read, per (project key, endpoint), in this process."""


@dataclass(frozen=True, slots=True)
class Page:
    results: list[dict[str, Any]]
    last: bool
    """True when no page follows this one."""


async def read_keyset(
    query: Query,
    endpoint: str,
    cursor: C,
    keyset: Keyset[C],
    sizer: PageSizer,
    *,
    where: str | None = None,
    variables: dict[str, str] | None = None,
    expand: Sequence[str] = (),
    read_ahead: bool = True,
) -> AsyncIterator[tuple[Page, C]]:
    """Pages in `keyset` order after `cursor`, each with the cursor that resumes after it.

    With `read_ahead`, page n is handed over only once page n+1's request is on the wire (or has
    failed): the caller typically writes page n in a thread that holds the GIL for a while, and
    a request not yet sent by then would wait for it instead of overlapping with it. Without it,
    the next page is asked for only when the caller asks for it, so a caller that stops early
    costs no request. `variables` bind the caller's `:names` in `where`.
    """

    fetch = _Fetch(query, endpoint, keyset, where, variables or {}, expand)
    limit = sizer.limit
    ahead: asyncio.Future[QueryPage] | None = None
    try:
        while True:
            page = await (ahead if ahead is not None else fetch(cursor, limit))
            ahead = None
            check_order(page.results, keyset.order)
            if page.results:
                cursor = cursor.after(page.results[-1])
            last = len(page.results) < limit
            if not last:
                sizer.observe(len(page.results), page.size_bytes)
                limit = sizer.limit
                if read_ahead:
                    ahead = await _sent_ahead(fetch, cursor, limit)
            yield Page(page.results, last), cursor
            if last:
                return
    finally:
        if ahead is not None:
            ahead.cancel()


def _ignore() -> None:
    return None


@dataclass(frozen=True, slots=True)
class _Fetch(Generic[C]):
    """The request of the page after a cursor: the keyset's predicates and sort, the caller's
    own predicate, variables and expansions."""

    query: Query
    endpoint: str
    keyset: Keyset[C]
    where: str | None
    variables: dict[str, str]
    expand: Sequence[str]

    async def __call__(self, at: C, limit: int, on_sent: Callable[[], None] = _ignore) -> QueryPage:
        predicates, bound = self.keyset.predicates(at, self.where)
        return await self.query(
            self.endpoint,
            where=predicates,
            sort=self.keyset.sort,
            limit=limit,
            variables={**self.variables, **bound},
            expand=self.expand,
            on_sent=on_sent,
        )


async def _sent_ahead(fetch: _Fetch[C], cursor: C, limit: int) -> asyncio.Future[QueryPage]:
    """The next page's request, once it is on the wire or has ended."""
    sent = asyncio.Event()
    request = asyncio.ensure_future(fetch(cursor, limit, sent.set))
    waiting = asyncio.ensure_future(sent.wait())
    try:
        await asyncio.wait((waiting, request), return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
    return request


@dataclass
class _RememberingSizer(PageSizer):
    """Sizes a sync's pages from what this process last saw of the same records, and keeps what
    each page measures: the partitions of a run, and later runs, start at the right size."""

    seen_key: tuple[str, str] = ("", "")

    def observe(self, records: int, size_bytes: int) -> None:
        super().observe(records, size_bytes)
        if self.record_bytes:
            _record_bytes_seen[self.seen_key] = self.record_bytes


def _sync_sizer(
    query: Query, endpoint: str, page_size: int, page_bytes: int | None, hint: float | None
) -> PageSizer:
    owner = getattr(query, "__self__", None)
    key = (getattr(owner, "project_key", ""), endpoint)
    hint = hint or _record_bytes_seen.get(key)
    return _RememberingSizer(page_size, page_bytes, hint, seen_key=key)


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
    """A sync's pages of one id range in id order, read ahead; `record_bytes` (a record's size,
    if known) sizes the first page."""
    sizer = _sync_sizer(query, endpoint, page_size, page_bytes, record_bytes)
    return read_keyset(query, endpoint, cursor, BY_ID, sizer, where=where)


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
    """A sync's pages changed after the cursor and up to `until`, in (lastModifiedAt, id)
    order, read ahead."""
    sizer = _sync_sizer(query, endpoint, page_size, page_bytes, record_bytes)
    return read_keyset(query, endpoint, cursor, BY_CHANGE, sizer, where=where)


async def read_all(
    query: Query,
    endpoint: str,
    *,
    where: str | None = None,
    variables: dict[str, str] | None = None,
    expand: Sequence[str] = (),
    page_size: int = MAX_PAGE_SIZE,
    page_bytes: int | None = DEFAULT_PAGE_BYTES,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every resource of `endpoint` that matches `where`, a page at a time, in id order: the
    engine of the task `query_all`, whose arguments are checked here, where they enter.

    Each resource is read once however many there are and whatever changes meanwhile;
    `variables` bind `:name` in `where` (`var.name`). Pages hold at most `page_size` records,
    fewer when records are large: each page is sized to stay near `page_bytes` as the syncs'
    pages are (None: by count alone). A page is asked for only when the caller wants it."""
    endpoint = check_endpoint(endpoint)
    check_page_size("page_size", page_size)
    clash = sorted(_KEYSET_VARIABLES & set(variables or {}))
    if clash:
        raise ValueError(
            f"variables {clash} are bound by the keyset itself (id > :after): rename them in "
            "your where predicate and variables"
        )
    pages = read_keyset(
        query,
        endpoint,
        FullCursor(IdRange()),
        BY_ID,
        PageSizer(page_size, page_bytes),
        where=where,
        variables=variables,
        expand=expand,
        read_ahead=False,
    )
    async with aclosing(pages):
        async for page, _ in pages:
            if page.results:
                yield page.results
