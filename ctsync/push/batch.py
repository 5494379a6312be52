"""Push one batch of drafts: look up what it refers to and matches, then create, update with
the minimal actions, or leave alone. A stale version (409) re-reads the resource and recomputes
the actions, a bounded number of times. No Prefect here: the flows run batches inside tasks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ctsync import actions as act
from ctsync.client import MAX_ACTIONS_PER_UPDATE, CommercetoolsClient
from ctsync.counts import MAX_PLAN_ROWS, PushCounts
from ctsync.draft_files import DraftRow
from ctsync.errors import CommercetoolsError, ConcurrentModification
from ctsync.options import PushOptions
from ctsync.push import guard
from ctsync.push.entities import PushEntity
from ctsync.push.lookup import ReferenceCache, query_in

MAX_CONFLICT_RETRIES = 3


def batches(
    rows: Sequence[DraftRow[Any]], entity: PushEntity[Any], size: int
) -> list[list[list[DraftRow[Any]]]]:
    """Batches of at most `size` rows, grouped in levels that run one after the other: in a
    hierarchy a parent in the input is pushed a level before its children; otherwise one level."""
    return [
        [level[start : start + size] for start in range(0, len(level), size)]
        for level in hierarchy_levels(rows, entity)
    ]


def hierarchy_levels(
    rows: Sequence[DraftRow[Any]], entity: PushEntity[Any]
) -> list[list[DraftRow[Any]]]:
    """Rows grouped so that a parent in the input is pushed one level before its children."""
    parent_of = entity.parent
    if parent_of is None:
        return [list(rows)]
    by_identity = {entity.identity(row.draft): row for row in rows}
    depth: dict[str, int] = {}

    def level(row: DraftRow[Any], seen: frozenset[str] = frozenset()) -> int:
        identity = entity.identity(row.draft)
        if identity not in depth:
            parent = parent_of(row.draft)
            parent_row = by_identity.get(parent) if parent else None
            if parent_row is None or identity in seen:
                depth[identity] = 0
            else:
                depth[identity] = 1 + level(parent_row, seen | {identity})
        return depth[identity]

    levels: list[list[DraftRow[Any]]] = []
    for row in rows:
        index = level(row)
        while len(levels) <= index:
            levels.append([])
        levels[index].append(row)
    return levels


async def push_batch(
    client: CommercetoolsClient,
    entity: PushEntity[Any],
    rows: Sequence[DraftRow[Any]],
    cache: ReferenceCache,
    options: PushOptions,
    *,
    max_conflict_retries: int = MAX_CONFLICT_RETRIES,
) -> PushCounts:
    """Push one batch of validated drafts; a failing record never stops the others."""
    counts = PushCounts(read=len(rows))
    drafts = [row.draft for row in rows]
    try:
        await cache.resolve(client, [ref for d in drafts for ref in entity.references(d)])
        ids = cache.snapshot()
        candidates: list[dict[str, Any]] = []
        for field_name, values in entity.lookups(drafts):
            candidates += await query_in(client, entity.endpoint, field_name, values)
    except CommercetoolsError as error:
        for row in rows:
            counts.fail(row, entity.identity(row.draft), f"{type(error).__name__}: {error}")
        counts.add_stats(client.stats)
        return counts
    pusher = _RecordPusher(client, entity, ids, cache, counts, options, max_conflict_retries)
    await asyncio.gather(
        *(pusher.push(row, entity.find(row.draft, candidates, ids)) for row in rows)
    )
    counts.add_stats(client.stats)
    return counts


@dataclass
class _RecordPusher:
    client: CommercetoolsClient
    entity: PushEntity[Any]
    ids: act.Ids
    cache: ReferenceCache
    counts: PushCounts
    options: PushOptions
    max_conflict_retries: int

    async def push(self, row: DraftRow[Any], current: dict[str, Any] | None) -> None:
        identity = self.entity.identity(row.draft)
        missing = [
            f"{type_id} {key!r} not found"
            for type_id, key in self.entity.references(row.draft)
            if (type_id, key) not in self.ids
        ]
        if missing:
            self.counts.fail(row, identity, "; ".join(missing))
            return
        try:
            if current is None:
                await self._create(row, identity)
            else:
                await self._update(row, identity, current)
        except CommercetoolsError as error:
            self.counts.fail(row, identity, f"{type(error).__name__}: {error}")

    async def _create(self, row: DraftRow[Any], identity: str) -> None:
        if not self.options.create_missing:
            self.counts.skipped += 1
            return
        document = self.entity.create(row.draft, self.ids)
        self.counts.created += 1
        if self.options.dry_run:
            self._plan(row, identity, "create", [])
            resource = {"key": document.get("key"), "id": f"<new {document.get('key')}>"}
        else:
            answer = await self.client.create(self.entity.endpoint, document)
            resource = self.entity.created_resource(answer)
        if resource.get("key"):
            # Drafts later in the run (a child category, say) may refer to it by key.
            self.cache.remember(self.entity.entity.type_id, resource["key"], resource["id"])

    async def _update(self, row: DraftRow[Any], identity: str, current: dict[str, Any]) -> None:
        destructive: list[str] = []
        for attempt in range(self.max_conflict_retries + 1):
            actions = self.entity.actions(row.draft, current, self.ids, self.options.replace)
            if not actions:
                self.counts.unchanged += 1
                return
            if attempt == 0:
                destructive = guard.note(self.counts, row.line, identity, actions)
            if self.options.dry_run:
                self.counts.updated += 1
                self.counts.actions.update(a["action"] for a in actions)
                self._plan(row, identity, "update", actions, destructive)
                return
            try:
                await self._apply(current, actions)
            except ConcurrentModification:
                if attempt == self.max_conflict_retries:
                    raise
                self.counts.conflict_retries += 1
                current = await self.client.get(self.entity.endpoint, current["id"])
                continue
            self.counts.updated += 1
            self.counts.actions.update(a["action"] for a in actions)
            return

    async def _apply(self, current: dict[str, Any], actions: list[act.Action]) -> None:
        version = current["version"]
        for start in range(0, len(actions), MAX_ACTIONS_PER_UPDATE):
            chunk = actions[start : start + MAX_ACTIONS_PER_UPDATE]
            updated = await self.client.update(self.entity.endpoint, current["id"], version, chunk)
            version = updated["version"]

    def _plan(
        self,
        row: DraftRow[Any],
        identity: str,
        operation: str,
        actions: list[Any],
        destructive: Sequence[str] = (),
    ) -> None:
        rows = self.counts.destructive_plan if destructive else self.counts.plan
        if len(rows) < MAX_PLAN_ROWS:
            rows.append(
                {
                    "line": row.line,
                    "record": identity,
                    "operation": operation,
                    "removes or unsets": ", ".join(destructive),
                    "actions": ", ".join(a["action"] for a in actions),
                }
            )
