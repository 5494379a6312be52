"""Push engine: bring commercetools in line with drafts, one batch at a time.

For a batch: resolve the keys it refers to (batched `key in (...)` queries, cached for the run),
read the resources it matches (batched too), then per draft create, update with the minimal
actions, or leave alone. A stale version (409) re-reads the resource and recomputes the actions,
a bounded number of times. No Prefect here: the flows call `push_batch` inside tasks.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Generic, TypeVar

from ctsync import actions as act
from ctsync.client import MAX_ACTIONS_PER_UPDATE, MAX_PAGE_SIZE, CommercetoolsClient
from ctsync.draft_files import DraftRow
from ctsync.drafts import (
    CategoryDraft,
    CustomerDraft,
    DraftModel,
    InventoryDraft,
    ProductDraft,
)
from ctsync.errors import CommercetoolsError, ConcurrentModification
from ctsync.retries import RequestStats

D = TypeVar("D", bound=DraftModel)
MAX_FAILURES_KEPT = 20
MAX_PLAN_ROWS = 1000
MAX_CONFLICT_RETRIES = 3
# commercetools answers 414 past ~8 KB of URL; predicates stay well below, whatever the keys.
MAX_PREDICATE_CHARS = 3000
ENDPOINTS = {
    "customer-group": "customer-groups",
    "category": "categories",
    "channel": "channels",
    "type": "types",
    "product-type": "product-types",
    "tax-category": "tax-categories",
}


@dataclass
class PushCounts:
    """What a push (or one batch of it) did; the flows' report is built from it."""

    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    conflict_retries: int = 0
    api_calls: int = 0
    retries: int = 0
    throttle_wait_seconds: float = 0.0
    actions: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    dead: list[tuple[str | None, str, Any]] = field(default_factory=list)
    plan: list[dict[str, Any]] = field(default_factory=list)
    # (line, reason) of every failed row, so an outbox push can mark exactly those rows.
    failed_lines: list[tuple[int, str]] = field(default_factory=list)

    def add(self, other: PushCounts) -> None:
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name == "failures":
                mine.extend(theirs[: max(0, MAX_FAILURES_KEPT - len(mine))])
            elif f.name == "plan":
                mine.extend(theirs[: max(0, MAX_PLAN_ROWS - len(mine))])
            elif f.name == "actions":
                mine.update(theirs)
            elif f.name == "dead":
                mine.extend(theirs)
            else:
                setattr(self, f.name, mine + theirs)

    def add_stats(self, stats: RequestStats) -> None:
        self.api_calls += stats.calls
        self.retries += stats.retries
        self.throttle_wait_seconds += stats.throttle_wait_seconds

    def fail(self, row: DraftRow[Any], identity: str, reason: str) -> None:
        self.failed += 1
        message = f"line {row.line} ({identity}): {reason}"
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append(message)
        self.dead.append((identity, message, row.draft.model_dump(exclude_none=True)))
        self.failed_lines.append((row.line, reason))


@dataclass(frozen=True)
class PushEntity(Generic[D]):
    """How drafts of one entity are matched, referenced, created and diffed."""

    name: str
    endpoint: str
    model: type[D]
    identity: Callable[[D], str]
    references: Callable[[D], list[tuple[str, str]]]
    lookups: Callable[[Sequence[D]], list[tuple[str, list[str]]]]
    find: Callable[[D, list[dict[str, Any]], act.Ids], dict[str, Any] | None]
    create: Callable[[D, act.Ids], dict[str, Any]]
    actions: Callable[[D, dict[str, Any], act.Ids], list[act.Action]]
    parent_key: Callable[[D], str | None] = lambda _draft: None


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
            for found in await query_in(client, ENDPOINTS[type_id], "key", sorted(keys)):
                self.remember(type_id, found["key"], found["id"])


def predicate_chunks(field_name: str, values: Sequence[str]) -> list[str]:
    """`field in ("a", "b")` predicates, each short enough for a URL and a page."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for value in values:
        literal = json.dumps(value, ensure_ascii=False)
        if current and (size + len(literal) > MAX_PREDICATE_CHARS or len(current) >= 100):
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


async def push_batch(
    client: CommercetoolsClient,
    entity: PushEntity[Any],
    rows: Sequence[DraftRow[Any]],
    cache: ReferenceCache,
    *,
    dry_run: bool = False,
    create_missing: bool = True,
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
    pusher = _RecordPusher(client, entity, ids, cache, counts, dry_run, max_conflict_retries)
    await asyncio.gather(
        *(pusher.push(row, entity.find(row.draft, candidates, ids), create_missing) for row in rows)
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
    dry_run: bool
    max_conflict_retries: int

    async def push(
        self, row: DraftRow[Any], current: dict[str, Any] | None, create_missing: bool
    ) -> None:
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
                await self._create(row, identity, create_missing)
            else:
                await self._update(row, identity, current)
        except CommercetoolsError as error:
            self.counts.fail(row, identity, f"{type(error).__name__}: {error}")

    async def _create(self, row: DraftRow[Any], identity: str, create_missing: bool) -> None:
        if not create_missing:
            self.counts.skipped += 1
            return
        document = self.entity.create(row.draft, self.ids)
        self.counts.created += 1
        if self.dry_run:
            self._plan(row, identity, "create", [])
            if self.entity.name == "categories":
                # Children later in the run may name it as their parent.
                self.cache.remember("category", row.draft.key, f"<new {row.draft.key}>")
            return
        created = await self.client.create(self.entity.endpoint, document)
        resource = created.get("customer", created)  # customers answer {"customer": {...}}
        key = resource.get("key")
        if self.entity.name == "categories" and key:
            self.cache.remember("category", key, resource["id"])

    async def _update(self, row: DraftRow[Any], identity: str, current: dict[str, Any]) -> None:
        for attempt in range(self.max_conflict_retries + 1):
            actions = self.entity.actions(row.draft, current, self.ids)
            if not actions:
                self.counts.unchanged += 1
                return
            if self.dry_run:
                self.counts.updated += 1
                self.counts.actions.update(a["action"] for a in actions)
                self._plan(row, identity, "update", actions)
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

    def _plan(self, row: DraftRow[Any], identity: str, operation: str, actions: list[Any]) -> None:
        if len(self.counts.plan) < MAX_PLAN_ROWS:
            self.counts.plan.append(
                {
                    "line": row.line,
                    "record": identity,
                    "operation": operation,
                    "actions": ", ".join(a["action"] for a in actions),
                }
            )


def category_levels(rows: Sequence[DraftRow[Any]], entity: PushEntity[Any]) -> list[list[Any]]:
    """Rows grouped so that a parent in the input is pushed one level before its children."""
    by_key = {entity.identity(row.draft): row for row in rows}
    depth: dict[str, int] = {}

    def level(row: DraftRow[Any], seen: frozenset[str] = frozenset()) -> int:
        identity = entity.identity(row.draft)
        if identity not in depth:
            parent = entity.parent_key(row.draft)
            parent_row = by_key.get(f"key {parent}") if parent else None
            if parent_row is None or identity in seen:
                depth[identity] = 0
            else:
                depth[identity] = 1 + level(parent_row, seen | {identity})
        return depth[identity]

    levels: list[list[Any]] = []
    for row in rows:
        index = level(row)
        while len(levels) <= index:
            levels.append([])
        levels[index].append(row)
    return levels


# -- the entities a push knows ------------------------------------------------------------------


def _custom_refs(custom: Any) -> list[tuple[str, str]]:
    return [("type", custom.type.key)] if custom is not None else []


def _customer_refs(draft: CustomerDraft) -> list[tuple[str, str]]:
    refs = [("customer-group", draft.customerGroup.key)] if draft.customerGroup else []
    return refs + _custom_refs(draft.custom)


def _customer_lookups(drafts: Sequence[CustomerDraft]) -> list[tuple[str, list[str]]]:
    keys = sorted({d.key for d in drafts if d.key})
    emails = sorted({e for d in drafts for e in (d.email, d.email.lower())})
    return [(name, values) for name, values in (("key", keys), ("email", emails)) if values]


def _find_customer(
    draft: CustomerDraft, candidates: list[dict[str, Any]], _ids: act.Ids
) -> dict[str, Any] | None:
    if draft.key:
        for candidate in candidates:
            if candidate.get("key") == draft.key:
                return candidate
    email = draft.email.lower()
    for candidate in candidates:
        if str(candidate.get("email", "")).lower() == email:
            return candidate
    return None


def _category_refs(draft: CategoryDraft) -> list[tuple[str, str]]:
    refs = [("category", draft.parent.key)] if draft.parent else []
    return refs + _custom_refs(draft.custom)


def _find_by_key(
    draft: Any, candidates: list[dict[str, Any]], _ids: act.Ids
) -> dict[str, Any] | None:
    return next((c for c in candidates if c.get("key") == draft.key), None)


def _inventory_refs(draft: InventoryDraft) -> list[tuple[str, str]]:
    refs = [("channel", draft.supplyChannel.key)] if draft.supplyChannel else []
    return refs + _custom_refs(draft.custom)


def _find_inventory(
    draft: InventoryDraft, candidates: list[dict[str, Any]], ids: act.Ids
) -> dict[str, Any] | None:
    channel = ids.get(("channel", draft.supplyChannel.key)) if draft.supplyChannel else None
    for candidate in candidates:
        have = (candidate.get("supplyChannel") or {}).get("id")
        if candidate.get("sku") == draft.sku and have == channel:
            return candidate
    return None


def _product_refs(draft: ProductDraft) -> list[tuple[str, str]]:
    refs = [("product-type", draft.productType.key)]
    refs += [("category", category.key) for category in draft.categories]
    if draft.taxCategory:
        refs.append(("tax-category", draft.taxCategory.key))
    for variant in draft.all_variants:
        for price in variant.prices:
            if price.customerGroup:
                refs.append(("customer-group", price.customerGroup.key))
            if price.channel:
                refs.append(("channel", price.channel.key))
    return list(dict.fromkeys(refs))


CUSTOMERS: PushEntity[CustomerDraft] = PushEntity(
    name="customers",
    endpoint="customers",
    model=CustomerDraft,
    identity=lambda d: d.identity,
    references=_customer_refs,
    lookups=_customer_lookups,
    find=_find_customer,
    create=act.customer_create,
    actions=act.customer_actions,
)
CATEGORIES: PushEntity[CategoryDraft] = PushEntity(
    name="categories",
    endpoint="categories",
    model=CategoryDraft,
    identity=lambda d: d.identity,
    references=_category_refs,
    lookups=lambda drafts: [("key", sorted({d.key for d in drafts}))],
    find=_find_by_key,
    create=act.category_create,
    actions=act.category_actions,
    parent_key=lambda d: d.parent.key if d.parent else None,
)
INVENTORY: PushEntity[InventoryDraft] = PushEntity(
    name="inventory",
    endpoint="inventory",
    model=InventoryDraft,
    identity=lambda d: d.identity,
    references=_inventory_refs,
    lookups=lambda drafts: [("sku", sorted({d.sku for d in drafts}))],
    find=_find_inventory,
    create=act.inventory_create,
    actions=act.inventory_actions,
)
PRODUCTS: PushEntity[ProductDraft] = PushEntity(
    name="products",
    endpoint="products",
    model=ProductDraft,
    identity=lambda d: d.identity,
    references=_product_refs,
    lookups=lambda drafts: [("key", sorted({d.key for d in drafts}))],
    find=_find_by_key,
    create=act.product_create,
    actions=act.product_actions,
)
PUSH_ENTITIES: dict[str, PushEntity[Any]] = {
    e.name: e for e in (CUSTOMERS, CATEGORIES, INVENTORY, PRODUCTS)
}


def deduplicate(
    entity: PushEntity[Any], rows: Sequence[DraftRow[Any]]
) -> tuple[list[DraftRow[Any]], PushCounts]:
    """The first draft of a record wins; a later one for the same record is a failure."""
    seen: dict[str, int] = {}
    kept: list[DraftRow[Any]] = []
    counts = PushCounts()
    for row in rows:
        identity = entity.identity(row.draft)
        if identity in seen:
            counts.read += 1
            counts.fail(row, identity, f"same record as line {seen[identity]}; not pushed twice")
            continue
        seen[identity] = row.line
        kept.append(row)
    return kept, counts
