"""Draft vs current resource -> the minimal list of commercetools update actions.

Pure functions, no I/O: references in a draft are given by key and turned into ids through `ids`
(a mapping `(typeId, key) -> id` the push filled before). An empty list means "already equal",
which is what makes a second push of the same input change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ctsync.drafts import (
    AddressDraft,
    CategoryDraft,
    CustomerDraft,
    CustomFieldsDraft,
    InventoryDraft,
    KeyReference,
    PriceDraft,
    ProductDraft,
    VariantDraft,
)
from ctsync.timestamps import normalize_timestamp

Action = dict[str, Any]
Ids = Mapping[tuple[str, str], str]


def _blank(value: Any) -> bool:
    """commercetools drops empty values; "" and {} mean the same as absent."""
    return value is None or value == "" or value == {} or value == []


def _same(draft: Any, current: Any) -> bool:
    return (_blank(draft) and _blank(current)) or draft == current


def set_field(action: str, field: str, draft: Any, current: Any) -> list[Action]:
    """`setX` with the value, or without it to unset; nothing when equal."""
    if _same(draft, current):
        return []
    return [{"action": action, field: draft} if not _blank(draft) else {"action": action}]


def change_field(action: str, field: str, draft: Any, current: Any) -> list[Action]:
    """`changeX` for a required field: it can be replaced, never unset."""
    if _blank(draft) or _same(draft, current):
        return []
    return [{"action": action, field: draft}]


def reference(type_id: str, ref: KeyReference | None, ids: Ids) -> dict[str, str] | None:
    """The draft's key reference as an id reference; KeyError names the missing key."""
    if ref is None:
        return None
    return {"typeId": type_id, "id": ids[(type_id, ref.key)]}


def _ref_id(current: Any) -> str | None:
    return current.get("id") if isinstance(current, dict) else None


def set_reference(
    action: str, field: str, type_id: str, draft: KeyReference | None, current: Any, ids: Ids
) -> list[Action]:
    wanted = reference(type_id, draft, ids)
    if _ref_id(wanted) == _ref_id(current):
        return []
    return [{"action": action, field: wanted} if wanted else {"action": action}]


def custom_draft(custom: CustomFieldsDraft | None, ids: Ids) -> dict[str, Any] | None:
    if custom is None:
        return None
    return {"type": reference("type", custom.type, ids), "fields": dict(custom.fields)}


def custom_actions(
    draft: CustomFieldsDraft | None, current: Any, ids: Ids, prefix: str = ""
) -> list[Action]:
    """`setCustomType` when the type changes (or goes), else one `setCustomField` per field."""
    current = current if isinstance(current, dict) else None
    current_type = _ref_id(current.get("type")) if current else None
    if draft is None:
        return [{"action": f"set{prefix}CustomType"}] if current else []
    wanted = custom_draft(draft, ids)
    assert wanted is not None
    if wanted["type"]["id"] != current_type:
        return [{"action": f"set{prefix}CustomType", **wanted}]
    fields: dict[str, Any] = (current or {}).get("fields") or {}
    actions = []
    for name in sorted(set(fields) | set(draft.fields)):
        value = draft.fields.get(name)
        if not _same(value, fields.get(name)):
            action: Action = {"action": f"set{prefix}CustomField", "name": name}
            if not _blank(value):
                action["value"] = value
            actions.append(action)
    return actions


# -- customers ----------------------------------------------------------------------------------


def address_document(address: AddressDraft) -> dict[str, Any]:
    return address.model_dump(exclude_none=True)


def _address_equal(draft: AddressDraft, current: dict[str, Any]) -> bool:
    wanted = address_document(draft)
    have = {k: v for k, v in current.items() if k != "id" and not _blank(v)}
    return wanted == have


def address_actions(draft: CustomerDraft, current: dict[str, Any]) -> list[Action]:
    """Addresses matched by key: add the new, change the different, remove the unlisted."""
    existing: list[dict[str, Any]] = current.get("addresses") or []
    by_key = {a["key"]: a for a in existing if a.get("key")}
    wanted = {a.key for a in draft.addresses}
    actions: list[Action] = []
    for address in existing:
        if address.get("key") not in wanted:
            if address.get("key"):
                actions.append({"action": "removeAddress", "addressKey": address["key"]})
            else:
                actions.append({"action": "removeAddress", "addressId": address["id"]})
    for address in draft.addresses:
        have = by_key.get(address.key)
        if have is None:
            actions.append({"action": "addAddress", "address": address_document(address)})
        elif not _address_equal(address, have):
            actions.append(
                {
                    "action": "changeAddress",
                    "addressKey": address.key,
                    "address": address_document(address),
                }
            )
    return actions


def _default_address_actions(
    action: str, wanted_key: str | None, current_id: str | None, current: dict[str, Any]
) -> list[Action]:
    keys = {a.get("id"): a.get("key") for a in current.get("addresses") or []}
    current_key = keys.get(current_id) if current_id else None
    if wanted_key == current_key and (wanted_key is not None or current_id is None):
        return []
    return [{"action": action, "addressKey": wanted_key} if wanted_key else {"action": action}]


def customer_actions(draft: CustomerDraft, current: dict[str, Any], ids: Ids) -> list[Action]:
    """Actions that make `current` equal to the draft in every field the draft manages."""
    actions: list[Action] = []
    if draft.key is not None:
        actions += set_field("setKey", "key", draft.key, current.get("key"))
    if draft.email.lower() != str(current.get("email", "")).lower():
        actions.append({"action": "changeEmail", "email": draft.email})
    for field in ("firstName", "middleName", "lastName", "title", "salutation", "companyName"):
        action = f"set{field[0].upper()}{field[1:]}"
        actions += set_field(action, field, getattr(draft, field), current.get(field))
    actions += set_reference(
        "setCustomerGroup",
        "customerGroup",
        "customer-group",
        draft.customerGroup,
        current.get("customerGroup"),
        ids,
    )
    actions += address_actions(draft, current)
    actions += _default_address_actions(
        "setDefaultShippingAddress",
        draft.defaultShippingAddress,
        current.get("defaultShippingAddressId"),
        current,
    )
    actions += _default_address_actions(
        "setDefaultBillingAddress",
        draft.defaultBillingAddress,
        current.get("defaultBillingAddressId"),
        current,
    )
    actions += custom_actions(draft.custom, current.get("custom"), ids)
    return actions


def customer_create(draft: CustomerDraft, ids: Ids) -> dict[str, Any]:
    """The CustomerDraft to POST: no password, the ERP/CRM owns authentication."""
    document: dict[str, Any] = draft.model_dump(
        exclude_none=True,
        exclude={"customerGroup", "custom", "defaultShippingAddress", "defaultBillingAddress"},
    )
    document["authenticationMode"] = "ExternalAuth"
    keys = [a.key for a in draft.addresses]
    if draft.defaultShippingAddress:
        document["defaultShippingAddress"] = keys.index(draft.defaultShippingAddress)
    if draft.defaultBillingAddress:
        document["defaultBillingAddress"] = keys.index(draft.defaultBillingAddress)
    if draft.customerGroup:
        document["customerGroup"] = reference("customer-group", draft.customerGroup, ids)
    if draft.custom:
        document["custom"] = custom_draft(draft.custom, ids)
    return document


# -- categories ---------------------------------------------------------------------------------


def category_actions(draft: CategoryDraft, current: dict[str, Any], ids: Ids) -> list[Action]:
    actions: list[Action] = []
    actions += change_field("changeName", "name", draft.name, current.get("name"))
    actions += change_field("changeSlug", "slug", draft.slug, current.get("slug"))
    actions += set_field(
        "setDescription", "description", draft.description, current.get("description")
    )
    # commercetools cannot detach a category from its parent: only a new parent is applied.
    if draft.parent is not None:
        parent = reference("category", draft.parent, ids)
        if _ref_id(parent) != _ref_id(current.get("parent")):
            actions.append({"action": "changeParent", "parent": parent})
    actions += change_field(
        "changeOrderHint", "orderHint", draft.orderHint, current.get("orderHint")
    )
    actions += custom_actions(draft.custom, current.get("custom"), ids)
    return actions


def category_create(draft: CategoryDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = draft.model_dump(exclude_none=True, exclude={"parent", "custom"})
    if draft.parent:
        document["parent"] = reference("category", draft.parent, ids)
    if draft.custom:
        document["custom"] = custom_draft(draft.custom, ids)
    return document


# -- inventory ----------------------------------------------------------------------------------


def inventory_actions(draft: InventoryDraft, current: dict[str, Any], ids: Ids) -> list[Action]:
    actions: list[Action] = []
    if draft.quantityOnStock != current.get("quantityOnStock"):
        actions.append({"action": "changeQuantity", "quantity": draft.quantityOnStock})
    actions += set_field(
        "setRestockableInDays",
        "restockableInDays",
        draft.restockableInDays,
        current.get("restockableInDays"),
    )
    current_delivery = current.get("expectedDelivery")
    actions += set_field(
        "setExpectedDelivery",
        "expectedDelivery",
        draft.expectedDelivery,
        normalize_timestamp(current_delivery) if current_delivery else None,
    )
    actions += custom_actions(draft.custom, current.get("custom"), ids)
    return actions


def inventory_create(draft: InventoryDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = draft.model_dump(
        exclude_none=True, exclude={"supplyChannel", "custom"}
    )
    if draft.supplyChannel:
        document["supplyChannel"] = reference("channel", draft.supplyChannel, ids)
    if draft.custom:
        document["custom"] = custom_draft(draft.custom, ids)
    return document


# -- products -----------------------------------------------------------------------------------
# Every change goes to the staged data (commercetools' default); `publish` then makes it current.


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
        _ref_id(price.get("customerGroup")),
        _ref_id(price.get("channel")),
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


def attribute_actions(sku: str, draft: dict[str, Any], current: Any) -> list[Action]:
    """One `setAttribute` per attribute that differs; without a value it is unset."""
    existing: list[dict[str, Any]] = current if isinstance(current, list) else []
    have = {a["name"]: a.get("value") for a in existing if "name" in a}
    actions: list[Action] = []
    for name in sorted(set(have) | set(draft)):
        value = draft.get(name)
        if _same(value, have.get(name)):
            continue
        action: Action = {"action": "setAttribute", "sku": sku, "name": name}
        if not _blank(value):
            action["value"] = value
        actions.append(action)
    return actions


def variant_document(variant: VariantDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = {"sku": variant.sku}
    if variant.prices:
        document["prices"] = [price_document(p, ids) for p in variant.prices]
    attributes = [{"name": n, "value": v} for n, v in variant.attributes.items() if not _blank(v)]
    if attributes:
        document["attributes"] = attributes
    return document


def variant_actions(draft: ProductDraft, staged: dict[str, Any], ids: Ids) -> list[Action]:
    """Variants matched by SKU: add the new, switch the master, remove the unlisted, then diff."""
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
    for variant in existing:
        sku = variant.get("sku")
        if sku not in wanted:
            where = {"sku": sku} if sku else {"id": variant["id"]}
            actions.append({"action": "removeVariant", **where})
    for variant in draft.all_variants:
        have = by_sku.get(variant.sku)
        if have is not None:
            actions += attribute_actions(variant.sku, variant.attributes, have.get("attributes"))
            actions += price_actions(variant.sku, variant.prices, have.get("prices"), ids)
    return actions


def category_membership_actions(draft: list[KeyReference], current: Any, ids: Ids) -> list[Action]:
    """`removeFromCategory` for the unlisted, `addToCategory` for the new; order is not managed."""
    wanted = [reference("category", category, ids) for category in draft]
    wanted_ids = {_ref_id(ref) for ref in wanted}
    existing = [_ref_id(ref) for ref in current] if isinstance(current, list) else []
    actions: list[Action] = [
        {"action": "removeFromCategory", "category": {"typeId": "category", "id": category_id}}
        for category_id in existing
        if category_id not in wanted_ids
    ]
    actions += [
        {"action": "addToCategory", "category": ref}
        for ref in wanted
        if _ref_id(ref) not in existing
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


def product_actions(draft: ProductDraft, current: dict[str, Any], ids: Ids) -> list[Action]:
    """Actions on the staged data, then publish or unpublish as the draft asks."""
    staged: dict[str, Any] = (current.get("masterData") or {}).get("staged") or {}
    actions: list[Action] = []
    actions += change_field("changeName", "name", draft.name, staged.get("name"))
    actions += change_field("changeSlug", "slug", draft.slug, staged.get("slug"))
    actions += set_field(
        "setDescription", "description", draft.description, staged.get("description")
    )
    actions += category_membership_actions(draft.categories, staged.get("categories"), ids)
    actions += set_reference(
        "setTaxCategory",
        "taxCategory",
        "tax-category",
        draft.taxCategory,
        current.get("taxCategory"),
        ids,
    )
    actions += variant_actions(draft, staged, ids)
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
