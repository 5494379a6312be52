"""Pushes of custom objects and shopping lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ctsync.push import to_drafts
from ctsync.push.actions import Action, Ids
from ctsync.push.actions.lists import (
    custom_object_create,
    custom_object_upsert,
    shopping_list_actions,
    shopping_list_create,
)
from ctsync.push.entities import PushEntity, Reference, by_keys, find_by_key
from ctsync.push.list_drafts import CustomObjectDraft, ShoppingListDraft
from ctsync.registry import get_entity


def _custom_object_lookups(drafts: Sequence[CustomObjectDraft]) -> list[tuple[str, list[str]]]:
    """By key across containers, then matched by container (`find`): a container may hold far
    more objects than a batch names, a key seldom recurs in many containers."""
    return [("key", sorted({d.key for d in drafts}))]


def _find_custom_object(
    draft: CustomObjectDraft, candidates: list[dict[str, Any]], _ids: Ids
) -> dict[str, Any] | None:
    return next(
        (
            c
            for c in candidates
            if (c.get("container"), c.get("key")) == (draft.container, draft.key)
        ),
        None,
    )


def _no_actions(_draft: Any, _current: dict[str, Any], _ids: Ids, _replace: bool) -> list[Action]:
    """commercetools has no update actions for custom objects: `upsert` replaces the value."""
    return []


def _shopping_list_refs(draft: ShoppingListDraft) -> list[Reference]:
    """The customer, the store, the products of line items named by product, and the custom
    type. SKUs commercetools resolves itself: an unknown one fails that list's write."""
    refs: list[Reference] = []
    if draft.customer:
        refs.append(("customer", draft.customer.key))
    if draft.store:
        refs.append(("store", draft.store.key))
    refs += [("product", item.product.key) for item in draft.lineItems if item.product]
    if draft.custom:
        refs.append(("type", draft.custom.type.key))
    return refs


CUSTOM_OBJECTS: PushEntity[CustomObjectDraft] = PushEntity(
    entity=get_entity("custom-objects"),
    model=CustomObjectDraft,
    identity=lambda d: d.identity,
    references=lambda _draft: [],
    lookups=_custom_object_lookups,
    find=_find_custom_object,
    create=custom_object_create,
    actions=_no_actions,
    upsert=custom_object_upsert,
    to_draft=to_drafts.custom_object_to_draft,
)
SHOPPING_LISTS: PushEntity[ShoppingListDraft] = PushEntity(
    entity=get_entity("shopping-lists"),
    model=ShoppingListDraft,
    identity=lambda d: d.identity,
    references=_shopping_list_refs,
    lookups=by_keys,
    find=find_by_key,
    create=shopping_list_create,
    actions=shopping_list_actions,
    to_draft=to_drafts.shopping_list_to_draft,
)
LIST_PUSHES: tuple[PushEntity[Any], ...] = (CUSTOM_OBJECTS, SHOPPING_LISTS)
