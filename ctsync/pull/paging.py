"""Keyset paging over commercetools queries: never offset, so no 10 000-record ceiling.

Full: `sort=id asc` with `id > :last`, optionally within an id range so that P ranges of the
UUID space can be read at once. Delta: `(lastModifiedAt, id)` from a watermark up to a settled
upper bound, so records sharing a timestamp across a page boundary are neither skipped nor read
twice. Pure functions: the cursors, their predicates and the order each page must have;
`ctsync.pull.keyset` reads with them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

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

    def after(self, tail: dict[str, Any]) -> FullCursor:
        """The cursor past a page whose last record is `tail`."""
        return FullCursor(self.range, tail["id"])


@dataclass(frozen=True, slots=True)
class DeltaCursor:
    """Where a delta read stands: after (last_modified_at, id), up to `until` inclusive."""

    last_modified_at: str | None
    after_id: str
    until: str

    def after(self, tail: dict[str, Any]) -> DeltaCursor:
        """The cursor past a page whose last record is `tail`."""
        return DeltaCursor(tail["lastModifiedAt"], tail["id"], self.until)


def full_query(cursor: FullCursor, where: str | None) -> tuple[list[str], dict[str, str]]:
    """The predicates and their variables of the next page of a full read."""
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
    """The predicates and their variables of the next page of a delta read."""
    variables = {"until": cursor.until}
    predicates = ["lastModifiedAt <= :until"]
    if cursor.last_modified_at is not None:
        predicates.append("(lastModifiedAt > :since or (lastModifiedAt = :since and id > :after))")
        variables["since"] = cursor.last_modified_at
        variables["after"] = cursor.after_id
    if where:
        predicates.append(f"({where})")
    return predicates, variables


def full_order(record: dict[str, Any]) -> Any:
    return record["id"]


def delta_order(record: dict[str, Any]) -> Any:
    return (record["lastModifiedAt"], record["id"])


C = TypeVar("C", FullCursor, DeltaCursor)


@dataclass(frozen=True, slots=True)
class Keyset(Generic[C]):
    """The order a read walks: its sort, the predicates of the page after a cursor, and each
    record's key in that order (every page is checked against it)."""

    sort: tuple[str, ...]
    predicates: Callable[[C, str | None], tuple[list[str], dict[str, str]]]
    order: Callable[[dict[str, Any]], Any]


BY_ID: Keyset[FullCursor] = Keyset(FULL_SORT, full_query, full_order)
"""A full read: every record (of an id range) by id."""
BY_CHANGE: Keyset[DeltaCursor] = Keyset(DELTA_SORT, delta_query, delta_order)
"""A delta: what changed after the cursor, by (lastModifiedAt, id)."""


def check_order(results: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]) -> None:
    """The keyset is only sound if the server sorted as asked: assert it, never assume it."""
    keys = [key(r) for r in results]
    if any(a >= b for a, b in itertools.pairwise(keys)):
        raise RuntimeError(
            "commercetools returned a page out of the requested sort order; keyset paging would "
            "skip or repeat records, so the read stops here"
        )


FIRST_PAGE_LIMIT = 20
"""Records the first page of a read asks for, before anything is known of their size: 20 of the
largest products commercetools holds (a few MB) still fit in memory, and the next page asks for
as many as fit the target."""


@dataclass
class PageSizer:
    """How many records the next page asks for, so that a page stays near `target_bytes`.

    The first page asks for `FIRST_PAGE_LIMIT` (or the ceiling, if lower); each page then sizes
    the next one by the bytes per record it measured, between 1 and `ceiling` (the run's
    `page_size`). Small records reach the ceiling after one page; products of hundreds of KB
    are read a few at a time, so memory does not grow with the size of the documents.
    """

    ceiling: int
    target_bytes: int | None
    """None: pages sized by count alone (every page asks for `ceiling`)."""
    record_bytes: float | None = None
    """Bytes per record seen last (a hint from an earlier read of the same records, if any)."""
    limit: int = 0

    def __post_init__(self) -> None:
        if self.target_bytes is None:
            self.limit = self.ceiling
        elif self.record_bytes:
            self._size_for(self.record_bytes)
        else:
            self.limit = min(self.ceiling, FIRST_PAGE_LIMIT)

    def observe(self, records: int, size_bytes: int) -> None:
        """Size the next page after a page of `records` records in `size_bytes` bytes (0: not
        known, as from a source that does not tell: then pages are sized by count alone)."""
        if self.target_bytes is not None and records > 0 and size_bytes > 0:
            self._size_for(size_bytes / records)
        elif records > 0:
            self.limit = self.ceiling

    def _size_for(self, record_bytes: float) -> None:
        assert self.target_bytes is not None
        self.record_bytes = record_bytes
        self.limit = max(1, min(self.ceiling, int(self.target_bytes / record_bytes)))
