"""Shopping lists: matched by key; name, slug, description, customer, store, line items (by
key, else by SKU or product and variant), text line items (by key, else by name), custom fields.
A named list of line items is the desired set of them.

Here: the shopping lists draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from ctsync.push.copied import copied
from ctsync.push.custom_fields import CustomFieldsDraft, custom_actions, custom_draft, with_custom
from ctsync.push.diff import Action, Ids, blank, change_field, manages, same, set_field
from ctsync.push.draft_types import DraftModel, Key, KeyReference, LocalizedString
from ctsync.push.entity import PushEntity, Reference
from ctsync.push.keys import KeyOf, NotCopyable, key_of_reference, own_key
from ctsync.push.matching import by_keys, find_by_key
from ctsync.push.references import reference, set_reference
from ctsync.registry import get_entity

LINE_ITEM_KEY = re.compile(r"^[A-Za-z0-9_-]{2,256}$")
"""What commercetools accepts as the key of a line item."""


class ShoppingListLineItemDraft(DraftModel):
    """A product variant on the list: by SKU, or by product key and variant id (what a copy
    knows, since commercetools returns a line item's product id and variant id, not its SKU).
    `key` is how a push recognises the line item on the next run."""

    sku: Key | None = None
    product: KeyReference | None = None
    variantId: int | None = Field(default=None, ge=1)
    quantity: int = Field(default=1, ge=1)
    key: Annotated[str, StringConstraints(pattern=LINE_ITEM_KEY.pattern)] | None = None

    @model_validator(mode="after")
    def _one_variant(self) -> ShoppingListLineItemDraft:
        if (self.sku is None) == (self.product is None):
            raise ValueError("a line item names its variant by sku, or by product and variantId")
        return self

    @property
    def match_key(self) -> str | None:
        """The key the push gives the line item: the draft's, else the SKU when it is a valid
        line item key (else the line item is recognised by its SKU or product and variant)."""
        if self.key:
            return self.key
        return self.sku if self.sku and LINE_ITEM_KEY.match(self.sku) else None


class TextLineItemDraft(DraftModel):
    """A text line item, recognised by `key` when it has one, else by its name."""

    name: Annotated[LocalizedString, Field(min_length=1)]
    description: LocalizedString | None = None
    quantity: int = Field(default=1, ge=1)
    key: Annotated[str, StringConstraints(pattern=LINE_ITEM_KEY.pattern)] | None = None


class ShoppingListDraft(DraftModel):
    """Matched by `key`; the customer and the store by key."""

    key: Key
    name: Annotated[LocalizedString, Field(min_length=1)]
    slug: LocalizedString | None = None
    description: LocalizedString | None = None
    customer: KeyReference | None = None
    anonymousId: str | None = None
    deleteDaysAfterLastModification: int | None = Field(default=None, ge=1)
    store: KeyReference | None = None
    lineItems: list[ShoppingListLineItemDraft] = Field(default_factory=list)
    textLineItems: list[TextLineItemDraft] = Field(default_factory=list)
    custom: CustomFieldsDraft | None = None

    @model_validator(mode="after")
    def _items_recognisable(self) -> ShoppingListDraft:
        variants = [
            item.sku or (item.product and item.product.key, item.variantId or 1)
            for item in self.lineItems
        ]
        if len(set(variants)) != len(variants):
            raise ValueError("lineItems: two line items name the same variant")
        keys = [k for k in (item.match_key for item in self.lineItems) if k]
        if len(set(keys)) != len(keys):
            raise ValueError("lineItems: two line items have the same key")
        texts = [item.key or repr(sorted(item.name.items())) for item in self.textLineItems]
        if len(set(texts)) != len(texts):
            raise ValueError("textLineItems: two text line items have the same key or name")
        return self

    @property
    def identity(self) -> str:
        return f"key {self.key}"


def _line_item_sku(item: dict[str, Any]) -> str | None:
    """A current line item's SKU when it has one: an expanded `variant` (commercetools returns
    it only with `expand=lineItems[*].variant`), or a `sku` on the item (the sandbox's mock
    keeps the one a create named)."""
    variant = item.get("variant")
    sku = variant.get("sku") if isinstance(variant, dict) else None
    return sku or item.get("sku")


def _variant_of(draft: ShoppingListLineItemDraft, ids: Ids) -> tuple[str, int] | None:
    """(product id, variant id) of a draft naming its product by key."""
    if draft.product is None:
        return None
    return ids[("product", draft.product.key)], draft.variantId or 1


def _match_line_item(
    draft: ShoppingListLineItemDraft, existing: list[dict[str, Any]], taken: set[str], ids: Ids
) -> dict[str, Any] | None:
    """The current line item of the draft's: by key (what the push gave it), else by SKU or by
    product and variant."""
    free = [item for item in existing if item["id"] not in taken]
    key = draft.match_key
    for item in free if key else []:
        if item.get("key") == key and _line_item_sku(item) in (None, draft.sku):
            return item
    if draft.sku is not None:
        return next((item for item in free if _line_item_sku(item) == draft.sku), None)
    variant = _variant_of(draft, ids)
    return next((i for i in free if (i.get("productId"), i.get("variantId", 1)) == variant), None)


def line_item_document(item: ShoppingListLineItemDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = {"quantity": item.quantity}
    variant = _variant_of(item, ids)
    if variant is None:
        document["sku"] = item.sku
    else:
        document["productId"], document["variantId"] = variant
    if item.match_key:
        document["key"] = item.match_key
    return document


def line_item_actions(
    draft: list[ShoppingListLineItemDraft], current: Any, ids: Ids
) -> list[Action]:
    """Remove the unlisted line items, add the new ones (by SKU or product and variant, with a
    key), change the quantity of the others. Removes go first: an add of a variant still listed
    would only raise that line item's quantity."""
    existing: list[dict[str, Any]] = current if isinstance(current, list) else []
    taken: set[str] = set()
    matched: list[tuple[ShoppingListLineItemDraft, dict[str, Any] | None]] = []
    for item in draft:
        have = _match_line_item(item, existing, taken, ids)
        if have is not None:
            taken.add(have["id"])
        matched.append((item, have))
    actions: list[Action] = [
        {"action": "removeLineItem", "lineItemId": item["id"]}
        for item in existing
        if item["id"] not in taken
    ]
    for item, have in matched:
        if have is None:
            actions.append({"action": "addLineItem", **line_item_document(item, ids)})
        elif have.get("quantity") != item.quantity:
            actions.append(
                {
                    "action": "changeLineItemQuantity",
                    "lineItemId": have["id"],
                    "quantity": item.quantity,
                }
            )
    return actions


def _match_text_item(
    draft: TextLineItemDraft, existing: list[dict[str, Any]], taken: set[str]
) -> dict[str, Any] | None:
    for item in existing:
        if item["id"] in taken:
            continue
        if draft.key is not None and item.get("key") == draft.key:
            return item
        if draft.key is None and not item.get("key") and item.get("name") == draft.name:
            return item
    return None


def text_item_document(item: TextLineItemDraft) -> dict[str, Any]:
    return item.model_dump(exclude_none=True)


def _text_item_changes(item: TextLineItemDraft, have: dict[str, Any]) -> list[Action]:
    where = {"textLineItemId": have["id"]}
    actions: list[Action] = []
    if have.get("name") != item.name:
        actions.append({"action": "changeTextLineItemName", **where, "name": item.name})
    if not same(item.description, have.get("description")):
        action: Action = {"action": "setTextLineItemDescription", **where}
        if not blank(item.description):
            action["description"] = item.description
        actions.append(action)
    if have.get("quantity") != item.quantity:
        actions.append({"action": "changeTextLineItemQuantity", **where, "quantity": item.quantity})
    return actions


def text_line_item_actions(draft: list[TextLineItemDraft], current: Any) -> list[Action]:
    """Text line items matched by key, else (both without one) by name: remove the unlisted,
    add the new, change name, description and quantity of the others."""
    existing: list[dict[str, Any]] = current if isinstance(current, list) else []
    taken: set[str] = set()
    matched: list[tuple[TextLineItemDraft, dict[str, Any] | None]] = []
    for item in draft:
        have = _match_text_item(item, existing, taken)
        if have is not None:
            taken.add(have["id"])
        matched.append((item, have))
    actions: list[Action] = [
        {"action": "removeTextLineItem", "textLineItemId": item["id"]}
        for item in existing
        if item["id"] not in taken
    ]
    for item, have in matched:
        if have is None:
            actions.append({"action": "addTextLineItem", **text_item_document(item)})
        else:
            actions += _text_item_changes(item, have)
    return actions


def _store_actions(draft: ShoppingListDraft, current: Any) -> list[Action]:
    """`setStore` by key: a shopping list holds its store as a key reference."""
    wanted = draft.store.key if draft.store else None
    have = current.get("key") if isinstance(current, dict) else None
    if wanted == have:
        return []
    return [
        {"action": "setStore", "store": store_identifier(wanted)}
        if wanted
        else {"action": "setStore"}
    ]


def store_identifier(key: str) -> dict[str, str]:
    return {"typeId": "store", "key": key}


def shopping_list_actions(
    draft: ShoppingListDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    """Actions that make `current` equal to the draft in every field the draft manages."""
    actions: list[Action] = []
    actions += set_field("setKey", "key", draft.key, current.get("key"))
    actions += change_field("changeName", "name", draft.name, current.get("name"))
    for field in ("slug", "description", "anonymousId", "deleteDaysAfterLastModification"):
        if manages(draft, field, replace):
            action = f"set{field[0].upper()}{field[1:]}"
            actions += set_field(action, field, getattr(draft, field), current.get(field))
    if manages(draft, "customer", replace):
        actions += set_reference(
            "setCustomer", "customer", "customer", draft.customer, current.get("customer"), ids
        )
    if manages(draft, "store", replace):
        actions += _store_actions(draft, current.get("store"))
    if manages(draft, "lineItems", replace):
        actions += line_item_actions(draft.lineItems, current.get("lineItems"), ids)
    if manages(draft, "textLineItems", replace):
        actions += text_line_item_actions(draft.textLineItems, current.get("textLineItems"))
    if manages(draft, "custom", replace):
        actions += custom_actions(draft.custom, current.get("custom"), ids, replace=replace)
    return actions


def shopping_list_create(draft: ShoppingListDraft, ids: Ids) -> dict[str, Any]:
    """The ShoppingListDraft to POST: the customer by id, the store by key, line items by SKU
    or product id and variant."""
    document: dict[str, Any] = draft.model_dump(
        exclude_none=True, exclude={"customer", "store", "lineItems", "textLineItems", "custom"}
    )
    if draft.customer:
        document["customer"] = reference("customer", draft.customer, ids)
    if draft.store:
        document["store"] = store_identifier(draft.store.key)
    if draft.lineItems:
        document["lineItems"] = [line_item_document(item, ids) for item in draft.lineItems]
    if draft.textLineItems:
        document["textLineItems"] = [text_item_document(item) for item in draft.textLineItems]
    if draft.custom:
        document["custom"] = custom_draft(draft.custom, ids)
    return document


def _line_item(item: dict[str, Any], shopping_list: str, key_of: KeyOf) -> dict[str, Any]:
    """A line item by SKU when the document has it (an expanded variant), else by product key
    and variant id, which commercetools always returns."""
    variant = item.get("variant")
    sku = (variant.get("sku") if isinstance(variant, dict) else None) or item.get("sku")
    kept = copied(item, "quantity", "key")
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
    draft |= copied(
        resource, "name", "slug", "description", "anonymousId", "deleteDaysAfterLastModification"
    )
    for name in ("customer", "store"):
        if resource.get(name):
            draft[name] = key_of_reference(resource[name], key_of)
    line_items = [_line_item(item, key, key_of) for item in resource.get("lineItems") or []]
    if line_items:
        draft["lineItems"] = line_items
    text_items = [
        copied(item, "name", "description", "quantity", "key")
        for item in resource.get("textLineItems") or []
    ]
    if text_items:
        draft["textLineItems"] = text_items
    return with_custom(draft, resource, key_of)


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


PUSH: PushEntity[ShoppingListDraft] = PushEntity(
    entity=get_entity("shopping-lists"),
    model=ShoppingListDraft,
    identity=lambda d: d.identity,
    references=_shopping_list_refs,
    lookups=by_keys,
    find=find_by_key,
    create=shopping_list_create,
    actions=shopping_list_actions,
    to_draft=shopping_list_to_draft,
)
