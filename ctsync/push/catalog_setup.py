"""Pushes of product types, channels, customer groups and stores: all matched by key; a product
type nesting another is pushed after it.

The `…_to_draft` functions turn a resource as commercetools returns it into its draft, every id
reference into the key of what it points at (copy_project).
"""

from __future__ import annotations

from typing import Any

from ctsync.push.actions.channels import (
    BaseAddressDraft,
    ChannelDraft,
    channel_actions,
    channel_create,
)
from ctsync.push.actions.common import blank
from ctsync.push.actions.customer_groups import (
    CustomerGroupDraft,
    customer_group_actions,
    customer_group_create,
)
from ctsync.push.actions.product_types import (
    AttributeDefinitionDraft,
    ProductTypeDraft,
    nested_type_keys,
    product_type_actions,
    product_type_create,
)
from ctsync.push.actions.stores import StoreDraft, store_actions, store_create
from ctsync.push.entities import PushEntity, Reference, by_keys, custom_refs, find_by_key
from ctsync.push.keys import KeyOf, key_of_reference, own_key
from ctsync.registry import get_entity

# --- references, lookups, find -------------------------------------------------------------


def _product_type_parent(draft: ProductTypeDraft) -> str | None:
    """A product type nesting another comes a level after it (the first one it nests)."""
    nested = [key for key in nested_type_keys(draft) if key != draft.key]
    return f"key {nested[0]}" if nested else None


def _store_refs(draft: StoreDraft) -> list[Reference]:
    refs: list[Reference] = [
        ("channel", ref.key)
        for ref in [*(draft.distributionChannels or []), *(draft.supplyChannels or [])]
    ]
    refs += [("product-selection", s.productSelection.key) for s in draft.productSelections or []]
    return list(dict.fromkeys(refs + custom_refs(draft.custom)))


# --- resources -> drafts --------------------------------------------------------------------


def _with_custom(draft: dict[str, Any], resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    custom = resource.get("custom")
    if isinstance(custom, dict) and custom.get("type"):
        draft["custom"] = {
            "type": {"key": key_of_reference(custom["type"], key_of)},
            "fields": dict(custom.get("fields") or {}),
        }
    return draft


def _type_to_draft(kind: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft = {k: v for k, v in kind.items() if k not in ("elementType", "typeReference")}
    if isinstance(kind.get("elementType"), dict):
        draft["elementType"] = _type_to_draft(kind["elementType"], key_of)
    if isinstance(kind.get("typeReference"), dict):
        draft["typeReference"] = {"key": key_of_reference(kind["typeReference"], key_of)}
    return draft


def product_type_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    fields = AttributeDefinitionDraft.model_fields
    attributes = [
        {
            **{k: v for k, v in attribute.items() if k in fields and k != "type" and not blank(v)},
            "type": _type_to_draft(attribute.get("type") or {}, key_of),
        }
        for attribute in resource.get("attributes") or []
    ]
    return {
        "key": own_key(resource, "product-type"),
        "name": resource.get("name"),
        "description": resource.get("description") or "",
        "attributes": attributes,
    }


def channel_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft: dict[str, Any] = {
        "key": own_key(resource, "channel"),
        "roles": list(resource.get("roles") or []),
    }
    for field in ("name", "description", "geoLocation"):
        if not blank(resource.get(field)):
            draft[field] = resource[field]
    address = resource.get("address")
    if isinstance(address, dict):
        fields = BaseAddressDraft.model_fields
        kept = {k: v for k, v in address.items() if k in fields and not blank(v)}
        if kept:
            draft["address"] = kept
    return _with_custom(draft, resource, key_of)


def customer_group_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft = {"key": own_key(resource, "customer-group"), "groupName": resource.get("name")}
    return _with_custom(draft, resource, key_of)


def store_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft: dict[str, Any] = {"key": own_key(resource, "store")}
    if not blank(resource.get("name")):
        draft["name"] = resource["name"]
    draft["languages"] = list(resource.get("languages") or [])
    draft["countries"] = [{"code": c.get("code")} for c in resource.get("countries") or []]
    for field in ("distributionChannels", "supplyChannels"):
        draft[field] = [{"key": key_of_reference(ref, key_of)} for ref in resource.get(field) or []]
    draft["productSelections"] = [
        {
            "productSelection": {"key": key_of_reference(s.get("productSelection"), key_of)},
            "active": bool(s.get("active")),
        }
        for s in resource.get("productSelections") or []
    ]
    return _with_custom(draft, resource, key_of)


# --- the pushes -----------------------------------------------------------------------------

PRODUCT_TYPES: PushEntity[ProductTypeDraft] = PushEntity(
    entity=get_entity("product-types"),
    model=ProductTypeDraft,
    identity=lambda d: d.identity,
    references=lambda d: [("product-type", key) for key in nested_type_keys(d)],
    lookups=by_keys,
    find=find_by_key,
    create=product_type_create,
    actions=product_type_actions,
    parent=_product_type_parent,
    to_draft=product_type_to_draft,
)
CHANNELS: PushEntity[ChannelDraft] = PushEntity(
    entity=get_entity("channels"),
    model=ChannelDraft,
    identity=lambda d: d.identity,
    references=lambda d: custom_refs(d.custom),
    lookups=by_keys,
    find=find_by_key,
    create=channel_create,
    actions=channel_actions,
    to_draft=channel_to_draft,
)
CUSTOMER_GROUPS: PushEntity[CustomerGroupDraft] = PushEntity(
    entity=get_entity("customer-groups"),
    model=CustomerGroupDraft,
    identity=lambda d: d.identity,
    references=lambda d: custom_refs(d.custom),
    lookups=by_keys,
    find=find_by_key,
    create=customer_group_create,
    actions=customer_group_actions,
    to_draft=customer_group_to_draft,
)
STORES: PushEntity[StoreDraft] = PushEntity(
    entity=get_entity("stores"),
    model=StoreDraft,
    identity=lambda d: d.identity,
    references=_store_refs,
    lookups=by_keys,
    find=find_by_key,
    create=store_create,
    actions=store_actions,
    to_draft=store_to_draft,
)

CATALOG_SETUP_PUSHES: tuple[PushEntity[Any], ...] = (
    PRODUCT_TYPES,
    CHANNELS,
    CUSTOMER_GROUPS,
    STORES,
)
