"""Products: every change goes to the staged data (commercetools' default); `publish` then makes
it current. Variants are matched by SKU, prices by scope, attributes by name."""

from __future__ import annotations

from typing import Any

from ctsync.push.actions.common import (
    Action,
    Ids,
    blank,
    change_field,
    manages,
    named_values,
    ref_id,
    reference,
    set_field,
    set_reference,
)
from ctsync.push.drafts import KeyReference, PriceDraft, ProductDraft, VariantDraft


def price_document(price: PriceDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = {"value": price.value.model_dump()}
    if price.country:
        document["country"] = price.country
    if price.customerGroup:
        document["customerGroup"] = reference("customer-group", price.customerGroup, ids)
    if price.channel:
        document["channel"] = reference("channel", price.channel, ids)
    return document


def _price_scope(price: dict[str, Any]) -> tuple[Any, ...]:
    """A price's identity in a variant: currency, country, customer group id, channel id."""
    return (
        (price.get("value") or {}).get("currencyCode"),
        price.get("country"),
        ref_id(price.get("customerGroup")),
        ref_id(price.get("channel")),
    )


def price_actions(sku: str, draft: list[PriceDraft], current: Any, ids: Ids) -> list[Action]:
    """Prices matched by scope: remove the unlisted, change the amount, add the new."""
    wanted = {_price_scope(doc): doc for doc in (price_document(p, ids) for p in draft)}
    existing: list[dict[str, Any]] = current if isinstance(current, list) else []
    have = {_price_scope(price): price for price in existing}
    actions: list[Action] = []
    for price in existing:
        if _price_scope(price) not in wanted:
            actions.append({"action": "removePrice", "priceId": price["id"]})
    for scope, document in wanted.items():
        old = have.get(scope)
        if old is None:
            actions.append({"action": "addPrice", "sku": sku, "price": document})
        elif (old.get("value") or {}).get("centAmount") != document["value"]["centAmount"]:
            actions.append({"action": "changePrice", "priceId": old["id"], "price": document})
    return actions


def attribute_actions(
    sku: str, draft: dict[str, Any], current: Any, replace: bool = False
) -> list[Action]:
    """One `setAttribute` per named attribute that differs (with `replace`, per attribute the
    draft does not name too); without a value it is unset."""
    existing: list[dict[str, Any]] = current if isinstance(current, list) else []
    have = {a["name"]: a.get("value") for a in existing if "name" in a}
    actions: list[Action] = []
    for name, value in named_values(draft, have, replace):
        action: Action = {"action": "setAttribute", "sku": sku, "name": name}
        if not blank(value):
            action["value"] = value
        actions.append(action)
    return actions


def variant_document(variant: VariantDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = {"sku": variant.sku}
    if variant.prices:
        document["prices"] = [price_document(p, ids) for p in variant.prices]
    attributes = [{"name": n, "value": v} for n, v in variant.attributes.items() if not blank(v)]
    if attributes:
        document["attributes"] = attributes
    return document


def variant_actions(
    draft: ProductDraft, staged: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    """Variants matched by SKU: add the new, switch the master, remove the unlisted (when the
    draft names its variants), then diff each listed variant's attributes and prices."""
    master = staged.get("masterVariant") or {}
    existing = [master, *(staged.get("variants") or [])]
    by_sku = {v["sku"]: v for v in existing if v.get("sku")}
    wanted = {v.sku for v in draft.all_variants}
    actions: list[Action] = []
    for variant in draft.all_variants:
        if variant.sku not in by_sku:
            actions.append({"action": "addVariant", **variant_document(variant, ids)})
    if master.get("sku") != draft.masterVariant.sku:
        actions.append({"action": "changeMasterVariant", "sku": draft.masterVariant.sku})
    if manages(draft, "variants", replace):
        for variant in existing:
            sku = variant.get("sku")
            if sku not in wanted:
                where = {"sku": sku} if sku else {"id": variant["id"]}
                actions.append({"action": "removeVariant", **where})
    for variant in draft.all_variants:
        have = by_sku.get(variant.sku)
        if have is None:
            continue
        if manages(variant, "attributes", replace):
            actions += attribute_actions(
                variant.sku, variant.attributes, have.get("attributes"), replace
            )
        if manages(variant, "prices", replace):
            actions += price_actions(variant.sku, variant.prices, have.get("prices"), ids)
    return actions


def category_membership_actions(draft: list[KeyReference], current: Any, ids: Ids) -> list[Action]:
    """`removeFromCategory` for the unlisted, `addToCategory` for the new; order is not managed."""
    wanted = [reference("category", category, ids) for category in draft]
    wanted_ids = {ref_id(ref) for ref in wanted}
    existing = [ref_id(ref) for ref in current] if isinstance(current, list) else []
    actions: list[Action] = [
        {"action": "removeFromCategory", "category": {"typeId": "category", "id": category_id}}
        for category_id in existing
        if category_id not in wanted_ids
    ]
    actions += [
        {"action": "addToCategory", "category": ref}
        for ref in wanted
        if ref_id(ref) not in existing
    ]
    return actions


def publish_actions(draft: ProductDraft, current: dict[str, Any], changed: bool) -> list[Action]:
    """`publish` when something is (or will be) staged and unpublished; `unpublish` if unwanted."""
    master_data = current.get("masterData") or {}
    published = bool(master_data.get("published"))
    if draft.publish:
        if changed or not published or master_data.get("hasStagedChanges"):
            return [{"action": "publish"}]
        return []
    return [{"action": "unpublish"}] if published else []


def product_actions(
    draft: ProductDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    """Actions on the staged data, then publish or unpublish as the draft asks (a draft that
    does not name `publish` leaves the product as published or not as it is)."""
    staged: dict[str, Any] = (current.get("masterData") or {}).get("staged") or {}
    actions: list[Action] = []
    actions += change_field("changeName", "name", draft.name, staged.get("name"))
    actions += change_field("changeSlug", "slug", draft.slug, staged.get("slug"))
    if manages(draft, "description", replace):
        actions += set_field(
            "setDescription", "description", draft.description, staged.get("description")
        )
    if manages(draft, "categories", replace):
        actions += category_membership_actions(draft.categories, staged.get("categories"), ids)
    if manages(draft, "taxCategory", replace):
        actions += set_reference(
            "setTaxCategory",
            "taxCategory",
            "tax-category",
            draft.taxCategory,
            current.get("taxCategory"),
            ids,
        )
    actions += variant_actions(draft, staged, ids, replace)
    if not manages(draft, "publish", replace):
        return actions
    return actions + publish_actions(draft, current, bool(actions))


def product_create(draft: ProductDraft, ids: Ids) -> dict[str, Any]:
    """The ProductDraft to POST, references by id, published when the draft says so."""
    document: dict[str, Any] = {
        "key": draft.key,
        "productType": reference("product-type", draft.productType, ids),
        "name": draft.name,
        "slug": draft.slug,
        "masterVariant": variant_document(draft.masterVariant, ids),
        "publish": draft.publish,
    }
    if draft.description:
        document["description"] = draft.description
    if draft.categories:
        document["categories"] = [reference("category", c, ids) for c in draft.categories]
    if draft.taxCategory:
        document["taxCategory"] = reference("tax-category", draft.taxCategory, ids)
    if draft.variants:
        document["variants"] = [variant_document(v, ids) for v in draft.variants]
    return document
