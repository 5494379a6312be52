"""Products: matched by key; names, slug, description, categories, tax category, variants by SKU
with their prices (by scope) and attributes, and publishing.

Here: the products draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from ctsync.push.copied import copied, keyed_value
from ctsync.push.diff import (
    Action,
    Ids,
    blank,
    change_field,
    manages,
    named_values,
    set_field,
)
from ctsync.push.draft_types import (
    CountryCode,
    DraftModel,
    Key,
    KeyReference,
    LocalizedString,
    MoneyDraft,
)
from ctsync.push.entity import PushEntity, Reference
from ctsync.push.keys import KeyOf, NotCopyable, key_of_reference, own_key
from ctsync.push.matching import by_keys, find_by_key
from ctsync.push.references import ref_id, reference, set_reference
from ctsync.registry import get_entity


class PriceDraft(DraftModel):
    """A variant price; its scope (currency, country, group, channel) is how a push matches it."""

    value: MoneyDraft
    country: CountryCode | None = None
    customerGroup: KeyReference | None = None
    channel: KeyReference | None = None

    @property
    def scope(self) -> tuple[str, str | None, str | None, str | None]:
        group = self.customerGroup.key if self.customerGroup else None
        channel = self.channel.key if self.channel else None
        return (self.value.currencyCode, self.country, group, channel)


def _attributes_by_name(value: Any) -> Any:
    """`[{"name": n, "value": v}]` (commercetools' form) or `{n: v}` (the CSV form) -> `{n: v}`."""
    if isinstance(value, list):
        named = {}
        for item in value:
            if not isinstance(item, dict) or "name" not in item or "value" not in item:
                raise ValueError("give attributes as {name: value} or [{name, value}, ...]")
            named[item["name"]] = item["value"]
        return named
    return value


class VariantDraft(DraftModel):
    """A product variant, matched by SKU; attributes by name (a null value means "not set")."""

    sku: Key
    prices: list[PriceDraft] = Field(default_factory=list)
    attributes: Annotated[dict[str, Any], BeforeValidator(_attributes_by_name)] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _one_price_per_scope(self) -> VariantDraft:
        scopes = [price.scope for price in self.prices]
        if len(set(scopes)) != len(scopes):
            raise ValueError(f"prices: two prices of SKU {self.sku!r} have the same scope")
        return self


class ProductDraft(DraftModel):
    """Matched by `key`; `productType` applies on create only (commercetools cannot change it).

    `publish: true` publishes every change (current == staged); `false` keeps changes staged and
    unpublishes a published product.
    """

    key: Key
    productType: KeyReference
    name: Annotated[LocalizedString, Field(min_length=1)]
    slug: Annotated[LocalizedString, Field(min_length=1)]
    description: LocalizedString | None = None
    categories: list[KeyReference] = Field(default_factory=list)
    taxCategory: KeyReference | None = None
    masterVariant: VariantDraft
    variants: list[VariantDraft] = Field(default_factory=list)
    publish: bool = False

    @model_validator(mode="after")
    def _unique_skus_and_categories(self) -> ProductDraft:
        skus = [variant.sku for variant in self.all_variants]
        if len(set(skus)) != len(skus):
            raise ValueError("variants: two variants share a SKU")
        keys = [category.key for category in self.categories]
        if len(set(keys)) != len(keys):
            raise ValueError("categories: a category is listed twice")
        return self

    @property
    def all_variants(self) -> list[VariantDraft]:
        return [self.masterVariant, *self.variants]

    @property
    def identity(self) -> str:
        return f"key {self.key}"


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
        if not blank(a.get("value"))
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
        **copied(staged, "name", "slug", "description"),
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


PUSH: PushEntity[ProductDraft] = PushEntity(
    entity=get_entity("products"),
    model=ProductDraft,
    identity=lambda d: d.identity,
    references=_product_refs,
    lookups=by_keys,
    find=find_by_key,
    create=product_create,
    actions=product_actions,
    to_draft=product_to_draft,
)
