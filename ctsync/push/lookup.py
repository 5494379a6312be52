"""Finding what a batch of drafts refers to and matches: `in (…)` queries, never one per draft."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from ctsync.client.http import CommercetoolsClient
from ctsync.client.pages import MAX_PAGE_SIZE
from ctsync.registry import entity_of_type

# commercetools answers 414 past ~8 KB of URL; predicates stay well below, whatever the keys.
MAX_PREDICATE_CHARS = 3000
MAX_VALUES_PER_PREDICATE = 100


class ReferenceCache:
    """Keys already resolved to ids in this run, shared by its batches (and their threads)."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def snapshot(self) -> dict[tuple[str, str], str]:
        with self._lock:
            return dict(self._ids)

    def remember(self, type_id: str, key: str, resource_id: str) -> None:
        with self._lock:
            self._ids[(type_id, key)] = resource_id

    async def resolve(self, client: CommercetoolsClient, wanted: Iterable[tuple[str, str]]) -> None:
        """Look up the keys not cached yet; a key still absent afterwards does not exist."""
        known = self.snapshot()
        by_type: dict[str, set[str]] = {}
        for type_id, key in wanted:
            if (type_id, key) not in known:
                by_type.setdefault(type_id, set()).add(key)
        for type_id, keys in by_type.items():
            endpoint = entity_of_type(type_id).endpoint
            for found in await query_in(client, endpoint, "key", sorted(keys)):
                self.remember(type_id, found["key"], found["id"])


def predicate_chunks(field_name: str, values: Sequence[str]) -> list[str]:
    """`field in ("a", "b")` predicates, each short enough for a URL and a page."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for value in values:
        literal = json.dumps(value, ensure_ascii=False)
        full = len(current) >= MAX_VALUES_PER_PREDICATE
        if current and (size + len(literal) > MAX_PREDICATE_CHARS or full):
            chunks.append(f"{field_name} in ({', '.join(current)})")
            current, size = [], 0
        current.append(literal)
        size += len(literal) + 2
    if current:
        chunks.append(f"{field_name} in ({', '.join(current)})")
    return chunks


async def query_in(
    client: CommercetoolsClient, endpoint: str, field_name: str, values: Sequence[str]
) -> list[dict[str, Any]]:
    """Every resource whose `field_name` is one of `values`, in as few queries as fit a URL."""
    found: list[dict[str, Any]] = []
    for predicate in predicate_chunks(field_name, values):
        # A chunk holds at most 100 values; inventory may hold several entries per SKU.
        last_id: str | None = None
        while True:
            where = [predicate] if last_id is None else [predicate, f'id > "{last_id}"']
            page = await client.query(endpoint, where=where, sort=["id asc"], limit=MAX_PAGE_SIZE)
            found.extend(page.results)
            if len(page.results) < MAX_PAGE_SIZE:
                break
            last_id = page.results[-1]["id"]
    return found
