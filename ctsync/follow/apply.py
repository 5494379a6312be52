"""Changes applied to the hub: bodies fetched in batches, versions that never go back.

Per batch and entity: deletions are marked (and erased on `dataErasure`); for the rest, ids the
hub already holds at the notified version or newer are skipped without a request, the others are
fetched with `id in (…)` queries and written through the same version-guarded page write as a
pull. An id the fetch no longer finds was deleted meanwhile, and is marked so. Applying the same
batch twice, or its changes in any order, leaves the hub as applying it once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ctsync.client.http import CommercetoolsClient
from ctsync.client.query_in import query_in
from ctsync.follow.changes import Change, latest
from ctsync.hub import HubStore
from ctsync.hub.dead_letters import RejectedRecord
from ctsync.hub.documents import records_of
from ctsync.hub.records import FOLLOWER_RUN_PREFIX
from ctsync.registry import Entity
from ctsync.timestamps import parse


@dataclass
class EntityApplied:
    """What one batch did to one entity."""

    changes: int = 0
    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    erased: int = 0
    failed: int = 0

    def add(self, other: EntityApplied) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class AppliedBatch:
    """What one batch of changes did: counts per entity, requests, and how late it was."""

    entities: dict[str, EntityApplied] = field(default_factory=dict)
    ignored: dict[str, int] = field(default_factory=dict)
    """Changes of types the hub does not keep, by type id."""
    requests: int = 0
    lags: list[float] = field(default_factory=list)
    """Seconds from each change's commit in commercetools to the hub's commit of it."""
    seconds: float = 0.0

    @property
    def changes(self) -> int:
        return sum(e.changes for e in self.entities.values()) + sum(self.ignored.values())

    def total(self, name: str) -> int:
        return sum(getattr(e, name) for e in self.entities.values())

    @property
    def max_lag(self) -> float | None:
        return max(self.lags) if self.lags else None


class ChangeApplier:
    """Applies batches of changes of one project to its hub."""

    def __init__(self, client: CommercetoolsClient, hub: HubStore, project_key: str) -> None:
        self.client = client
        self.hub = hub
        self.project_key = project_key
        self.run_token = FOLLOWER_RUN_PREFIX + uuid.uuid4().hex

    async def apply(self, changes: Iterable[Change]) -> AppliedBatch:
        """Apply a batch; returns once the hub committed all of it (then it may be acked)."""
        started = time.perf_counter()
        batch = AppliedBatch()
        by_entity: dict[str, list[Change]] = {}
        entities: dict[str, Entity] = {}
        for change in changes:
            entity = change.entity
            if entity is None:
                batch.ignored[change.type_id] = batch.ignored.get(change.type_id, 0) + 1
                continue
            by_entity.setdefault(entity.name, []).append(change)
            entities[entity.name] = entity
        for name, entity_changes in by_entity.items():
            applied = await self._apply_entity(entities[name], entity_changes, batch)
            batch.entities[name] = applied
        committed = datetime.now(UTC)
        batch.lags = [
            (committed - parse(change.modified_at)).total_seconds()
            for group in by_entity.values()
            for change in group
            if change.modified_at
        ]
        batch.seconds = time.perf_counter() - started
        return batch

    async def _apply_entity(
        self, entity: Entity, changes: list[Change], batch: AppliedBatch
    ) -> EntityApplied:
        applied = EntityApplied(changes=len(changes))
        wanted = latest(changes)
        gone = [c.id for c in wanted.values() if c.deleted and not c.data_erasure]
        erased = [c.id for c in wanted.values() if c.data_erasure]
        changed = {c.id: c for c in wanted.values() if not c.deleted}
        records = self.hub.exact.records
        if gone:
            applied.deleted += records.mark_deleted(self.project_key, entity.name, gone)
        if erased:
            # Counted as deleted only when live until now, as `mark_deleted` counts: an id the
            # hub never had, or had marked deleted already, is no deletion of this batch.
            live = records.live_ids(self.project_key, entity.name, among=erased)
            applied.deleted += len(live)
            applied.erased += records.erase(self.project_key, entity.name, erased)
        stored = records.versions(self.project_key, entity.name, changed)
        to_fetch = sorted(
            record_id
            for record_id, change in changed.items()
            if record_id not in stored
            or change.version is None
            or change.version > stored[record_id][0]
        )
        applied.unchanged += len(changed) - len(to_fetch)
        if to_fetch:
            await self._fetch_and_write(entity, to_fetch, applied, batch)
        return applied

    async def _fetch_and_write(
        self, entity: Entity, ids: list[str], applied: EntityApplied, batch: AppliedBatch
    ) -> None:
        before = self.client.stats.calls
        documents = await query_in(self.client, entity.endpoint, "id", ids)
        batch.requests += self.client.stats.calls - before
        applied.fetched += len(documents)
        found, invalid = records_of(entity, documents)
        rejected = [
            RejectedRecord(document.get("id"), reason, document) for document, reason in invalid
        ]
        applied.failed += len(rejected)
        counts = self.hub.exact.records.upsert_page(
            self.project_key, entity.name, found, run_id=self.run_token, dead_letters=rejected
        )
        applied.inserted += counts.inserted
        applied.updated += counts.updated
        applied.unchanged += counts.unchanged
        missing = set(ids) - {document.get("id") for document in documents}
        if missing:
            applied.deleted += self.hub.exact.records.mark_deleted(
                self.project_key, entity.name, missing
            )
