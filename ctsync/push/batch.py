"""Push one batch of drafts: look up what it refers to and matches, then create, update with
the minimal actions, or leave alone. A stale version (409) re-reads the resource and recomputes
the actions, a bounded number of times. A write whose answer was lost is never sent again
blindly: a create looks its draft up by identity first, an update re-reads and re-diffs. No
Prefect here: the flows run batches inside tasks.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ctsync.client.errors import CommercetoolsError, ConcurrentModification, OutcomeUnknown
from ctsync.client.http import MAX_ACTIONS_PER_UPDATE, CommercetoolsClient
from ctsync.client.lost_answers import write_once
from ctsync.push import guard
from ctsync.push.diff import Action, Ids
from ctsync.push.draft_files import DraftRow
from ctsync.push.entity import PushEntity
from ctsync.push.lookup import ReferenceCache, query_in
from ctsync.run.counts import MAX_PLAN_ROWS, PushCounts
from ctsync.run.options import PushOptions

MAX_CONFLICT_RETRIES = 3


def upserted_fields(document: dict[str, Any], current: dict[str, Any]) -> list[Action]:
    """What an upsert changes, one `set<Field>` per top-level field that differs (`setValue`
    for a custom object), with the new value: never read as an unset by the guard."""
    changed = [
        {"action": f"set{name[:1].upper()}{name[1:]}", name: value}
        for name, value in document.items()
        if name != "version" and _json(value) != _json(current.get(name))
    ]
    return changed or [{"action": "upsert"}]


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


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
    ids: Ids
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
        except OutcomeUnknown as error:
            self.counts.unknown_outcomes += 1
            self.counts.fail(row, identity, f"unknown outcome: {error}")
        except CommercetoolsError as error:
            self.counts.fail(row, identity, f"{type(error).__name__}: {error}")

    async def _create(self, row: DraftRow[Any], identity: str) -> None:
        if not self.options.create_missing:
            self.counts.skipped += 1
            return
        document = self.entity.create(row.draft, self.ids)
        if self.options.dry_run:
            self.counts.created += 1
            self._plan(row, identity, "create", [])
            resource = {"key": document.get("key"), "id": f"<new {document.get('key')}>"}
        else:
            resource = await self._create_once(row, document)
            self.counts.created += 1
        if resource.get("key"):
            # Drafts later in the run (a child category, say) may refer to it by key.
            self.cache.remember(self.entity.entity.type_id, resource["key"], resource["id"])

    async def _create_once(self, row: DraftRow[Any], document: dict[str, Any]) -> dict[str, Any]:
        """The resource the draft's create made, sent again only when a look-up by the draft's
        identity found that a create whose answer was lost had not landed."""

        async def send() -> dict[str, Any]:
            answer = await self.client.create(self.entity.endpoint, document)
            return self.entity.created_resource(answer)

        async def read_back(lost: OutcomeUnknown) -> dict[str, Any] | None:
            self.counts.answers_lost += 1
            found = await self._find_again(row.draft, lost)
            return None if found is None else await self._completed(row.draft, found)

        return await write_once(send, read_back)

    async def _find_again(self, draft: Any, lost: OutcomeUnknown) -> dict[str, Any] | None:
        """The resource a draft's lost create may have made; OutcomeUnknown when the draft has
        nothing to look it up by (no key where commercetools allows none)."""
        lookups = [
            (name, kept)
            for name, values in self.entity.lookups([draft])
            if (kept := [value for value in values if value])
        ]
        if not lookups:
            raise lost.explained(
                "the draft has no key to look it up by, so it is not sent again: give drafts keys"
            ) from None
        candidates: list[dict[str, Any]] = []
        for field_name, values in lookups:
            candidates += await query_in(self.client, self.entity.endpoint, field_name, values)
        return self.entity.find(draft, candidates, self.ids)

    async def _completed(self, draft: Any, found: dict[str, Any]) -> dict[str, Any]:
        """A resource found after a lost create, made equal to the draft where another writer
        changed it since (its actions counted, not another create)."""
        actions, document = self._changes(draft, found)
        if actions:
            await self._apply(found, actions, document)
            self.counts.actions.update(a["action"] for a in actions)
        return found

    async def _update(self, row: DraftRow[Any], identity: str, current: dict[str, Any]) -> None:
        destructive: list[str] = []
        lost: list[Action] = []  # the actions of a send whose answer was lost
        for attempt in range(self.max_conflict_retries + 1):
            actions, document = self._changes(row.draft, current)
            if not actions:
                # Nothing left to do; after a lost answer, because that update landed.
                if lost:
                    self.counts.updated += 1
                    self.counts.actions.update(a["action"] for a in lost)
                else:
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
                await self._apply(current, actions, document)
            except (ConcurrentModification, OutcomeUnknown) as error:
                if attempt == self.max_conflict_retries:
                    raise
                if isinstance(error, OutcomeUnknown):
                    self.counts.answers_lost += 1
                    lost = actions
                else:
                    self.counts.conflict_retries += 1
                reread = await self._reread(current)
                if reread is None:  # an upserted resource deleted meanwhile: create it again
                    await self._create(row, identity)
                    return
                current = reread
                continue
            self.counts.updated += 1
            self.counts.actions.update(a["action"] for a in actions)
            return

    def _changes(
        self, draft: Any, current: dict[str, Any]
    ) -> tuple[list[Action], dict[str, Any] | None]:
        """The update actions; for an entity without any (`upsert`), the document to POST and
        the fields it changes as `set<Field>` actions, which the report and the guard read."""
        upsert = self.entity.upsert
        if upsert is None:
            return self.entity.actions(draft, current, self.ids, self.options.replace), None
        document = upsert(draft, current)
        if document is None:
            return [], None
        return upserted_fields(document, current), document

    async def _reread(self, current: dict[str, Any]) -> dict[str, Any] | None:
        """The resource as it is now. An upsert entity is queried by id: its endpoint may have
        no `/<id>` route (`/custom-objects/<x>` is a container)."""
        if self.entity.upsert is None:
            return await self.client.get(self.entity.endpoint, current["id"])
        found = await query_in(self.client, self.entity.endpoint, "id", [current["id"]])
        return found[0] if found else None

    async def _apply(
        self, current: dict[str, Any], actions: list[Action], document: dict[str, Any] | None
    ) -> None:
        if document is not None:
            await self.client.create(self.entity.endpoint, document)
            return
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
