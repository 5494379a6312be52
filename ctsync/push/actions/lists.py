"""Custom objects (a whole value, no update actions) and shopping lists (fields, line items
matched by key or SKU, text line items matched by key or name, custom fields)."""

from __future__ import annotations

from typing import Any

from ctsync.push.actions.common import (
    Action,
    Ids,
    blank,
    change_field,
    custom_actions,
    custom_draft,
    manages,
    reference,
    same,
    set_field,
    set_reference,
)
from ctsync.push.list_drafts import (
    CustomObjectDraft,
    ShoppingListDraft,
    ShoppingListLineItemDraft,
    TextLineItemDraft,
)


def same_json(draft: Any, current: Any) -> bool:
    """JSON equality that tells `true` from `1` (Python's `==` does not); 1 and 1.0 are equal."""
    if isinstance(draft, bool) or isinstance(current, bool):
        return type(draft) is type(current) and draft == current
    if isinstance(draft, dict) and isinstance(current, dict):
        return draft.keys() == current.keys() and all(
            same_json(value, current[name]) for name, value in draft.items()
        )
    if isinstance(draft, list) and isinstance(current, list):
        return len(draft) == len(current) and all(map(same_json, draft, current))
    numbers = {type(draft), type(current)} <= {int, float}
    return (type(draft) is type(current) or numbers) and draft == current


def custom_object_create(draft: CustomObjectDraft, _ids: Ids) -> dict[str, Any]:
    return {"container": draft.container, "key": draft.key, "value": draft.value}


def custom_object_upsert(
    draft: CustomObjectDraft, current: dict[str, Any]
) -> dict[str, Any] | None:
    """The CustomObjectDraft to POST over `current`, None when its value is already the draft's.
    It names the current version: a change made meanwhile answers 409 instead of being lost."""
    if same_json(draft.value, current.get("value")):
        return None
    return {**custom_object_create(draft, {}), "version": current["version"]}


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
