"""Finding what a batch of drafts refers to and matches: `in (…)` queries, never one per draft."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from ctsync.client.http import CommercetoolsClient
from ctsync.client.query_in import predicate_chunks, query_in
from ctsync.registry import entity_of_type


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


__all__ = ["ReferenceCache", "predicate_chunks", "query_in"]
