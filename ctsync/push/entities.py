"""The entities a push knows: how each one's drafts are matched, referenced, created and diffed.

Every difference between entities is an attribute here (how a record is found, what a create
answers, whether drafts form a hierarchy); the push code itself names no entity.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ctsync.push import actions as act
from ctsync.push import to_drafts
from ctsync.push.drafts import (
    CategoryDraft,
    CustomerDraft,
    DraftModel,
    InventoryDraft,
    ProductDraft,
)
from ctsync.push.keys import KeyOf
from ctsync.registry import Entity, get_entity

D = TypeVar("D", bound=DraftModel)
Reference = tuple[str, str]
"""(typeId, key) of a resource a draft refers to."""


@dataclass(frozen=True)
class PushEntity(Generic[D]):
    """How drafts of one entity are matched, referenced, created and diffed."""

    entity: Entity
    """The registry entry: name, endpoint and the typeId references to it use."""
    model: type[D]
    identity: Callable[[D], str]
    """How the report and the dead letters name a draft's record (`key shoes`)."""
    references: Callable[[D], list[Reference]]
    lookups: Callable[[Sequence[D]], list[tuple[str, list[str]]]]
    """(field, values) queries that find every record the drafts may match."""
    find: Callable[[D, list[dict[str, Any]], act.Ids], dict[str, Any] | None]
    create: Callable[[D, act.Ids], dict[str, Any]]
    actions: Callable[[D, dict[str, Any], act.Ids, bool], list[act.Action]]
    """The update actions from a draft, the current resource, the ids and `replace`."""
    parent: Callable[[D], str | None] | None = None
    """For a hierarchy (categories): the identity of the draft's parent, pushed a level before."""
    created_in: str | None = None
    """The field a create's answer wraps the resource in (`{"customer": {...}}`), if any."""
    upsert: Callable[[D, dict[str, Any]], dict[str, Any] | None] | None = None
    """For a resource without update actions (custom objects): the document to POST to the
    endpoint over the current resource instead of actions, None when it already equals the draft."""
    to_draft: Callable[[dict[str, Any], KeyOf], dict[str, Any]] | None = None
    """A resource as commercetools returns it -> this push's draft (JSON-shaped, references by
    key), as `model` validates it; raises NotCopyable with the reason when it cannot be one."""

    @property
    def name(self) -> str:
        return self.entity.name

    @property
    def endpoint(self) -> str:
        return self.entity.endpoint

    def columns(self) -> set[str]:
        """Top-level fields (and aliases) a draft file's columns may name."""
        fields = self.model.model_fields
        return set(fields) | {f.alias for f in fields.values() if f.alias}

    def created_resource(self, answer: dict[str, Any]) -> dict[str, Any]:
        """The resource a create answered with."""
        return answer.get(self.created_in, answer) if self.created_in else answer


def custom_refs(custom: Any) -> list[Reference]:
    return [("type", custom.type.key)] if custom is not None else []


def _customer_refs(draft: CustomerDraft) -> list[Reference]:
    refs = [("customer-group", draft.customerGroup.key)] if draft.customerGroup else []
    return refs + custom_refs(draft.custom)


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


def _category_refs(draft: CategoryDraft) -> list[Reference]:
    refs = [("category", draft.parent.key)] if draft.parent else []
    return refs + custom_refs(draft.custom)


def by_keys(drafts: Sequence[Any]) -> list[tuple[str, list[str]]]:
    return [("key", sorted({d.key for d in drafts}))]


def find_by_key(
    draft: Any, candidates: list[dict[str, Any]], _ids: act.Ids
) -> dict[str, Any] | None:
    return next((c for c in candidates if c.get("key") == draft.key), None)


def _inventory_refs(draft: InventoryDraft) -> list[Reference]:
    refs = [("channel", draft.supplyChannel.key)] if draft.supplyChannel else []
    return refs + custom_refs(draft.custom)


def _find_inventory(
    draft: InventoryDraft, candidates: list[dict[str, Any]], ids: act.Ids
) -> dict[str, Any] | None:
    channel = ids.get(("channel", draft.supplyChannel.key)) if draft.supplyChannel else None
    for candidate in candidates:
        have = (candidate.get("supplyChannel") or {}).get("id")
        if candidate.get("sku") == draft.sku and have == channel:
            return candidate
    return None


def _product_refs(draft: ProductDraft) -> list[Reference]:
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
    entity=get_entity("customers"),
    model=CustomerDraft,
    identity=lambda d: d.identity,
    references=_customer_refs,
    lookups=_customer_lookups,
    find=_find_customer,
    create=act.customer_create,
    actions=act.customer_actions,
    created_in="customer",
    to_draft=to_drafts.customer_to_draft,
)
CATEGORIES: PushEntity[CategoryDraft] = PushEntity(
    entity=get_entity("categories"),
    model=CategoryDraft,
    identity=lambda d: d.identity,
    references=_category_refs,
    lookups=by_keys,
    find=find_by_key,
    create=act.category_create,
    actions=act.category_actions,
    parent=lambda d: f"key {d.parent.key}" if d.parent else None,
    to_draft=to_drafts.category_to_draft,
)
INVENTORY: PushEntity[InventoryDraft] = PushEntity(
    entity=get_entity("inventory"),
    model=InventoryDraft,
    identity=lambda d: d.identity,
    references=_inventory_refs,
    lookups=lambda drafts: [("sku", sorted({d.sku for d in drafts}))],
    find=_find_inventory,
    create=act.inventory_create,
    actions=act.inventory_actions,
    to_draft=to_drafts.inventory_to_draft,
)
PRODUCTS: PushEntity[ProductDraft] = PushEntity(
    entity=get_entity("products"),
    model=ProductDraft,
    identity=lambda d: d.identity,
    references=_product_refs,
    lookups=by_keys,
    find=find_by_key,
    create=act.product_create,
    actions=act.product_actions,
    to_draft=to_drafts.product_to_draft,
)
