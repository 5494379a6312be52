"""Resources as commercetools returns them -> drafts of the pushes, to copy them into another
project: every id reference becomes a key reference (`key_of`), system fields are left out.

A draft holds what its push manages; fields it has no place for (a customer's date of birth, a
product's images) are not copied. A resource that has no natural key, or refers to one without a
key, or holds what its draft cannot say faithfully, raises NotCopyable with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ctsync.push.keys import KeyOf, NotCopyable, key_of_reference, own_key

CUSTOMER_FIELDS = (
    "key",
    "email",
    "firstName",
    "middleName",
    "lastName",
    "title",
    "salutation",
    "companyName",
)
ADDRESS_FIELDS = (
    "country",
    "title",
    "salutation",
    "firstName",
    "lastName",
    "streetName",
    "streetNumber",
    "additionalStreetInfo",
    "postalCode",
    "city",
    "region",
    "state",
    "company",
    "department",
    "building",
    "apartment",
    "pOBox",
    "phone",
    "mobile",
    "email",
)


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == []


def _copy(resource: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The named fields that have a value (commercetools drops empty ones anyway)."""
    return {name: resource[name] for name in names if not _blank(resource.get(name))}


def keyed_value(value: Any, key_of: KeyOf) -> Any:
    """A custom field or attribute value with every reference in it (a set of them, a nested
    one) as `{"typeId", "key"}`: the ids are the source project's."""
    if isinstance(value, dict):
        if set(value) in ({"typeId", "id"}, {"typeId", "id", "obj"}):
            return {"typeId": value["typeId"], "key": key_of_reference(value, key_of)}
        return {name: keyed_value(item, key_of) for name, item in value.items()}
    if isinstance(value, list):
        return [keyed_value(item, key_of) for item in value]
    return value


def custom_to_draft(custom: Any, key_of: KeyOf) -> dict[str, Any] | None:
    if not isinstance(custom, dict) or not custom.get("type"):
        return None
    return {
        "type": key_of_reference(custom["type"], key_of),
        "fields": keyed_value(custom.get("fields") or {}, key_of),
    }


def _with_custom(draft: dict[str, Any], resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    custom = custom_to_draft(resource.get("custom"), key_of)
    return {**draft, "custom": custom} if custom else draft


def _addresses(resource: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The addresses, each with a key, and the key of each address id. An address without a
    key gets its id as key: stable in the source project, and a push recognises addresses by
    key only (refusing such customers would leave most storefront customers behind)."""
    addresses, key_by_id = [], {}
    for address in resource.get("addresses") or []:
        key = address.get("key") or address.get("id")
        if not key:
            raise NotCopyable(f"customer {resource.get('id')}: an address has no key")
        key_by_id[str(address.get("id"))] = str(key)
        addresses.append({"key": key, **_copy(address, ADDRESS_FIELDS)})
    return addresses, key_by_id


def customer_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    """A CustomerDraft: no password (commercetools never returns one; the push creates
    customers with external authentication), defaults by address key."""
    if not resource.get("email"):
        raise NotCopyable(f"customer {resource.get('id')} has no email")
    draft = _copy(resource, CUSTOMER_FIELDS)
    addresses, key_by_id = _addresses(resource)
    if addresses:
        draft["addresses"] = addresses
    for name in ("defaultShippingAddress", "defaultBillingAddress"):
        address_id = resource.get(f"{name}Id")
        if address_id and address_id in key_by_id:
            draft[name] = key_by_id[address_id]
    if resource.get("customerGroup"):
        draft["customerGroup"] = key_of_reference(resource["customerGroup"], key_of)
    return _with_custom(draft, resource, key_of)


def category_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft = {"key": own_key(resource, "category")}
    draft |= _copy(resource, ("name", "slug", "description", "orderHint"))
    if resource.get("parent"):
        draft["parent"] = key_of_reference(resource["parent"], key_of)
    return _with_custom(draft, resource, key_of)


def inventory_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    if not resource.get("sku"):
        raise NotCopyable(f"inventory-entry {resource.get('id')} has no sku")
    draft = _copy(resource, ("sku", "restockableInDays", "expectedDelivery"))
    draft["quantityOnStock"] = resource.get("quantityOnStock", 0)
    if resource.get("supplyChannel"):
        draft["supplyChannel"] = key_of_reference(resource["supplyChannel"], key_of)
    return _with_custom(draft, resource, key_of)


def _price(price: dict[str, Any], where: str, key_of: KeyOf) -> dict[str, Any]:
    """A price by scope and amount; one the draft cannot hold (validity, tiers, high
    precision) is refused rather than copied as a different price."""
    value = price.get("value") or {}
    if value.get("type") == "highPrecision":
        raise NotCopyable(f"{where}: a high-precision price")
    held = [name for name in ("validFrom", "validUntil", "tiers") if price.get(name)]
    if held:
        raise NotCopyable(f"{where}: a price with {', '.join(held)}")
    draft: dict[str, Any] = {
        "value": {"currencyCode": value.get("currencyCode"), "centAmount": value.get("centAmount")}
    }
    if price.get("country"):
        draft["country"] = price["country"]
    for name in ("customerGroup", "channel"):
        if price.get(name):
            draft[name] = key_of_reference(price[name], key_of)
    return draft


def _variant(variant: dict[str, Any], product: str, key_of: KeyOf) -> dict[str, Any]:
    """sku, prices and attributes: the draft recognises variants by SKU only."""
    where = f"product {product} variant {variant.get('id')}"
    if not variant.get("sku"):
        raise NotCopyable(f"{where} has no sku")
    draft: dict[str, Any] = {"sku": variant["sku"]}
    prices = [_price(price, where, key_of) for price in variant.get("prices") or []]
    if prices:
        draft["prices"] = prices
    attributes = {
        a["name"]: keyed_value(a.get("value"), key_of)
        for a in variant.get("attributes") or []
        if not _blank(a.get("value"))
    }
    if attributes:
        draft["attributes"] = attributes
    return draft


def product_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    """The staged data (what a push changes), published when the source is published with
    nothing staged: a draft has one set of data, so staged changes stay staged in the copy."""
    key = own_key(resource, "product")
    master_data = resource.get("masterData") or {}
    staged = master_data.get("staged") or master_data.get("current") or {}
    draft: dict[str, Any] = {
        "key": key,
        "productType": key_of_reference(resource.get("productType") or {}, key_of),
        **_copy(staged, ("name", "slug", "description")),
        "masterVariant": _variant(staged.get("masterVariant") or {}, key, key_of),
        "publish": bool(master_data.get("published")) and not master_data.get("hasStagedChanges"),
    }
    variants = [_variant(v, key, key_of) for v in staged.get("variants") or []]
    if variants:
        draft["variants"] = variants
    categories = [key_of_reference(c, key_of) for c in staged.get("categories") or []]
    if categories:
        draft["categories"] = categories
    if resource.get("taxCategory"):
        draft["taxCategory"] = key_of_reference(resource["taxCategory"], key_of)
    return draft


def custom_object_to_draft(resource: dict[str, Any], _key_of: KeyOf) -> dict[str, Any]:
    """Container, key and value as they are: a value is the application's JSON, and a reference
    in it is the application's to interpret."""
    if not resource.get("container") or not resource.get("key"):
        raise NotCopyable(f"key-value-document {resource.get('id')} has no key")
    return {name: resource[name] for name in ("container", "key", "value")}


def _line_item(item: dict[str, Any], shopping_list: str, key_of: KeyOf) -> dict[str, Any]:
    """A line item by SKU when the document has it (an expanded variant), else by product key
    and variant id, which commercetools always returns."""
    variant = item.get("variant")
    sku = (variant.get("sku") if isinstance(variant, dict) else None) or item.get("sku")
    kept = _copy(item, ("quantity", "key"))
    if sku:
        return {"sku": sku, **kept}
    if not item.get("productId"):
        raise NotCopyable(
            f"shopping list {shopping_list}: line item {item.get('id')} has no product"
        )
    product = key_of_reference({"typeId": "product", "id": item["productId"]}, key_of)
    return {"product": product, "variantId": item.get("variantId", 1), **kept}


def shopping_list_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    key = own_key(resource, "shopping-list")
    draft: dict[str, Any] = {"key": key}
    draft |= _copy(
        resource, ("name", "slug", "description", "anonymousId", "deleteDaysAfterLastModification")
    )
    for name in ("customer", "store"):
        if resource.get(name):
            draft[name] = key_of_reference(resource[name], key_of)
    line_items = [_line_item(item, key, key_of) for item in resource.get("lineItems") or []]
    if line_items:
        draft["lineItems"] = line_items
    text_items = [
        _copy(item, ("name", "description", "quantity", "key"))
        for item in resource.get("textLineItems") or []
    ]
    if text_items:
        draft["textLineItems"] = text_items
    return _with_custom(draft, resource, key_of)
