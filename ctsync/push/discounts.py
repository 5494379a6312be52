"""Pushes of cart discounts, discount codes, shipping methods and standalone prices, and how a
resource of each becomes a draft (references by key) for a copy."""

from __future__ import annotations

from typing import Any

from ctsync.push.actions.cart_discounts import (
    CartDiscountDraft,
    cart_discount_actions,
    cart_discount_create,
    cart_discount_references,
)
from ctsync.push.actions.common import Ids
from ctsync.push.actions.discount_codes import (
    DiscountCodeDraft,
    discount_code_actions,
    discount_code_create,
    discount_code_references,
)
from ctsync.push.actions.discount_support import money
from ctsync.push.actions.shipping_methods import (
    ShippingMethodDraft,
    rate_document,
    shipping_method_actions,
    shipping_method_create,
    shipping_method_references,
)
from ctsync.push.actions.standalone_prices import (
    StandalonePriceDraft,
    standalone_price_actions,
    standalone_price_create,
    standalone_price_references,
)
from ctsync.push.entities import PushEntity, by_keys, find_by_key
from ctsync.push.keys import KeyOf, NotCopyable, key_of_reference, own_key
from ctsync.registry import get_entity


def _optional(resource: dict[str, Any], *fields: str) -> dict[str, Any]:
    """The fields the resource has a value for, as they are (commercetools omits the rest)."""
    return {f: resource[f] for f in fields if resource.get(f) not in (None, "", {}, [])}


def _custom(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    custom = resource.get("custom")
    if not custom:
        return {}
    fields = dict(custom.get("fields") or {})
    return {"custom": {"type": key_of_reference(custom["type"], key_of), "fields": fields}}


def _references(resource: dict[str, Any], key_of: KeyOf, *fields: str) -> dict[str, str]:
    return {f: key_of_reference(resource[f], key_of) for f in fields if resource.get(f)}


def _cart_discount_value(value: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    kind = value.get("type")
    if kind == "relative":
        return {"type": kind, "permyriad": value["permyriad"]}
    if kind in ("absolute", "fixed"):
        amounts = [money(m) for m in value.get("money") or []]
        return {"type": kind, "money": amounts, **_optional(value, "applicationMode")}
    gift = {"type": kind, "variantId": value.get("variantId")}
    return gift | _references(value, key_of, "product", "supplyChannel", "distributionChannel")


def cart_discount_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    """A cart discount as a draft (its discount group and recurring-order scope are not part
    of what this push manages and stay behind)."""
    draft: dict[str, Any] = {"key": own_key(resource, "cart-discount")}
    draft |= _optional(resource, "name", "description", "cartPredicate", "target", "sortOrder")
    draft["value"] = _cart_discount_value(resource.get("value") or {}, key_of)
    draft |= _optional(resource, "validFrom", "validUntil", "stackingMode")
    for flag in ("isActive", "requiresDiscountCode"):
        if isinstance(resource.get(flag), bool):
            draft[flag] = resource[flag]
    if resource.get("stores"):
        draft["stores"] = [key_of_reference(s, key_of) for s in resource["stores"]]
    return draft | _custom(resource, key_of)


def discount_code_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    """A discount code as a draft; its code is what names it, so it is always copyable."""
    if not resource.get("code"):
        raise NotCopyable(f"discount-code {resource.get('id')} has no code")
    draft: dict[str, Any] = {
        "code": resource["code"],
        "cartDiscounts": [key_of_reference(r, key_of) for r in resource.get("cartDiscounts", [])],
    }
    draft |= _optional(
        resource,
        "key",
        "name",
        "description",
        "cartPredicate",
        "maxApplications",
        "maxApplicationsPerCustomer",
        "groups",
        "validFrom",
        "validUntil",
    )
    if isinstance(resource.get("isActive"), bool):
        draft["isActive"] = resource["isActive"]
    return draft | _custom(resource, key_of)


def shipping_method_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft: dict[str, Any] = {"key": own_key(resource, "shipping-method")}
    draft |= _optional(
        resource, "name", "localizedName", "description", "localizedDescription", "predicate"
    )
    draft |= _references(resource, key_of, "taxCategory")
    for flag in ("isDefault", "active"):
        if isinstance(resource.get(flag), bool):
            draft[flag] = resource[flag]
    draft["zoneRates"] = [
        {
            "zone": key_of_reference(entry["zone"], key_of),
            "shippingRates": [rate_document(r) for r in entry.get("shippingRates") or []],
        }
        for entry in resource.get("zoneRates") or []
    ]
    return draft | _custom(resource, key_of)


def standalone_price_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    """A standalone price as a draft; its discounted value and staged changes stay behind (a
    product discount or a later edit sets them)."""
    draft: dict[str, Any] = {
        "key": own_key(resource, "standalone-price"),
        "sku": resource.get("sku"),
        "value": money(resource.get("value")),
    }
    draft |= _optional(resource, "country", "validFrom", "validUntil")
    draft |= _references(resource, key_of, "customerGroup", "channel")
    if resource.get("tiers"):
        draft["tiers"] = [
            {"minimumQuantity": t["minimumQuantity"], "value": money(t["value"])}
            for t in resource["tiers"]
        ]
    if isinstance(resource.get("active"), bool):
        draft["active"] = resource["active"]
    return draft | _custom(resource, key_of)


def _find_by_code(
    draft: DiscountCodeDraft, candidates: list[dict[str, Any]], _ids: Ids
) -> dict[str, Any] | None:
    return next((c for c in candidates if c.get("code") == draft.code), None)


CART_DISCOUNTS: PushEntity[CartDiscountDraft] = PushEntity(
    entity=get_entity("cart-discounts"),
    model=CartDiscountDraft,
    identity=lambda d: d.identity,
    references=cart_discount_references,
    lookups=by_keys,
    find=find_by_key,
    create=cart_discount_create,
    actions=cart_discount_actions,
    to_draft=cart_discount_to_draft,
)
DISCOUNT_CODES: PushEntity[DiscountCodeDraft] = PushEntity(
    entity=get_entity("discount-codes"),
    model=DiscountCodeDraft,
    identity=lambda d: d.identity,
    references=discount_code_references,
    lookups=lambda drafts: [("code", sorted({d.code for d in drafts}))],
    find=_find_by_code,
    create=discount_code_create,
    actions=discount_code_actions,
    to_draft=discount_code_to_draft,
)
SHIPPING_METHODS: PushEntity[ShippingMethodDraft] = PushEntity(
    entity=get_entity("shipping-methods"),
    model=ShippingMethodDraft,
    identity=lambda d: d.identity,
    references=shipping_method_references,
    lookups=by_keys,
    find=find_by_key,
    create=shipping_method_create,
    actions=shipping_method_actions,
    to_draft=shipping_method_to_draft,
)
STANDALONE_PRICES: PushEntity[StandalonePriceDraft] = PushEntity(
    entity=get_entity("standalone-prices"),
    model=StandalonePriceDraft,
    identity=lambda d: d.identity,
    references=standalone_price_references,
    lookups=by_keys,
    find=find_by_key,
    create=standalone_price_create,
    actions=standalone_price_actions,
    to_draft=standalone_price_to_draft,
)

DISCOUNT_PUSHES: tuple[PushEntity[Any], ...] = (
    CART_DISCOUNTS,
    DISCOUNT_CODES,
    SHIPPING_METHODS,
    STANDALONE_PRICES,
)
