"""Custom objects and shopping lists: each shopping list action emitted exactly when a field the
draft manages differs; a custom object's value replaced only when it differs; and every push's
`to_draft`, whose drafts validate and refer by key, or whose refusal says why."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ctsync.push.batch import upserted_fields
from ctsync.push.keys import NotCopyable
from ctsync.push.registry import PUSH_ENTITIES
from ctsync.push.resources.custom_objects import CustomObjectDraft, custom_object_upsert, same_json
from ctsync.push.resources.shopping_lists import (
    ShoppingListDraft,
    ShoppingListLineItemDraft,
    shopping_list_actions,
    shopping_list_create,
)

IDS = {
    ("customer", "ada"): "cust-1",
    ("customer", "bob"): "cust-2",
    ("store", "eu"): "store-1",
    ("type", "extra"): "type-1",
}


def shopping_list(**fields: Any) -> ShoppingListDraft:
    return ShoppingListDraft.model_validate({"key": "wish", "name": {"en": "Wishlist"}, **fields})


CURRENT: dict[str, Any] = {
    "id": "sl-1",
    "version": 4,
    "key": "wish",
    "name": {"en": "Wishlist"},
    "lineItems": [],
    "textLineItems": [],
}


def line_item(n: int, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    """A line item as commercetools returns it: product and variant ids, no SKU."""
    return {"id": f"li-{n}", "productId": f"p-{n}", "variantId": 1, "quantity": quantity, **extra}


def test_an_equal_shopping_list_needs_no_action() -> None:
    current = {
        **CURRENT,
        "customer": {"typeId": "customer", "id": "cust-1"},
        "store": {"typeId": "store", "key": "eu"},
        "lineItems": [line_item(1, 2, key="A-1")],
        "textLineItems": [{"id": "t-1", "name": {"en": "Card"}, "quantity": 1}],
    }
    draft = shopping_list(
        customer="ada",
        store="eu",
        lineItems=[{"sku": "A-1", "quantity": 2}],
        textLineItems=[{"name": {"en": "Card"}}],
    )
    assert shopping_list_actions(draft, current, IDS) == []
    assert shopping_list_actions(draft, current, IDS, replace=True) == []


def test_name_and_key_change_when_they_differ() -> None:
    draft = shopping_list(name={"en": "Wishes"})
    assert shopping_list_actions(draft, CURRENT, IDS) == [
        {"action": "changeName", "name": {"en": "Wishes"}}
    ]
    assert shopping_list_actions(shopping_list(), {**CURRENT, "key": "old"}, IDS) == [
        {"action": "setKey", "key": "wish"}
    ]


@pytest.mark.parametrize(
    ("field", "action", "value"),
    [
        ("slug", "setSlug", {"en": "wishes"}),
        ("description", "setDescription", {"en": "For later"}),
        ("anonymousId", "setAnonymousId", "anon-1"),
        ("deleteDaysAfterLastModification", "setDeleteDaysAfterLastModification", 30),
    ],
)
def test_set_and_unset_a_field(field: str, action: str, value: Any) -> None:
    assert shopping_list_actions(shopping_list(**{field: value}), CURRENT, IDS) == [
        {"action": action, field: value}
    ]
    has_it = {**CURRENT, field: value}
    assert shopping_list_actions(shopping_list(**{field: value}), has_it, IDS) == []
    assert shopping_list_actions(shopping_list(**{field: None}), has_it, IDS) == [
        {"action": action}
    ]
    assert shopping_list_actions(shopping_list(), has_it, IDS) == []  # not named: left alone
    assert shopping_list_actions(shopping_list(), has_it, IDS, replace=True) == [{"action": action}]


def test_customer_is_set_by_id_and_unset() -> None:
    draft = shopping_list(customer={"key": "bob"})
    has_ada = {**CURRENT, "customer": {"typeId": "customer", "id": "cust-1"}}
    assert shopping_list_actions(draft, has_ada, IDS) == [
        {"action": "setCustomer", "customer": {"typeId": "customer", "id": "cust-2"}}
    ]
    assert shopping_list_actions(shopping_list(customer="ada"), has_ada, IDS) == []
    assert shopping_list_actions(shopping_list(customer=None), has_ada, IDS) == [
        {"action": "setCustomer"}
    ]


def test_store_is_set_by_key_and_unset() -> None:
    assert shopping_list_actions(shopping_list(store="eu"), CURRENT, IDS) == [
        {"action": "setStore", "store": {"typeId": "store", "key": "eu"}}
    ]
    in_eu = {**CURRENT, "store": {"typeId": "store", "key": "eu"}}
    assert shopping_list_actions(shopping_list(store="eu"), in_eu, IDS) == []
    assert shopping_list_actions(shopping_list(store=None), in_eu, IDS) == [{"action": "setStore"}]


def test_line_items_are_removed_added_and_changed() -> None:
    current = {
        **CURRENT,
        "lineItems": [
            line_item(1, 1, key="A-1"),
            line_item(2, 1, variant={"sku": "B-1"}),  # expanded, no key: by SKU
            line_item(3, 5, key="C-1"),
        ],
    }
    draft = shopping_list(
        lineItems=[{"sku": "A-1", "quantity": 3}, {"sku": "B-1"}, {"sku": "D.1", "quantity": 2}]
    )
    assert shopping_list_actions(draft, current, IDS) == [
        {"action": "removeLineItem", "lineItemId": "li-3"},
        {"action": "changeLineItemQuantity", "lineItemId": "li-1", "quantity": 3},
        {"action": "addLineItem", "sku": "D.1", "quantity": 2},  # no valid key from "D.1"
    ]
    assert shopping_list_actions(shopping_list(), current, IDS) == []  # not named
    assert shopping_list_actions(shopping_list(lineItems=[]), current, IDS) == [
        {"action": "removeLineItem", "lineItemId": f"li-{n}"} for n in (1, 2, 3)
    ]


def test_a_line_item_is_added_with_its_key_and_a_foreign_one_replaced() -> None:
    foreign = {**CURRENT, "lineItems": [line_item(1)]}  # no key, variant not expanded
    draft = shopping_list(lineItems=[{"sku": "A-1", "key": "first"}])
    assert shopping_list_actions(draft, foreign, IDS) == [
        {"action": "removeLineItem", "lineItemId": "li-1"},
        {"action": "addLineItem", "sku": "A-1", "quantity": 1, "key": "first"},
    ]
    other_variant = {**CURRENT, "lineItems": [line_item(1, key="first", sku="X-9")]}
    assert [a["action"] for a in shopping_list_actions(draft, other_variant, IDS)] == [
        "removeLineItem",
        "addLineItem",
    ]


def test_text_line_items_by_key_or_name() -> None:
    current = {
        **CURRENT,
        "textLineItems": [
            {"id": "t-1", "key": "card", "name": {"en": "Card"}, "quantity": 1},
            {"id": "t-2", "name": {"en": "Wrap"}, "quantity": 1, "description": {"en": "red"}},
            {"id": "t-3", "name": {"en": "Bow"}, "quantity": 1},
        ],
    }
    draft = shopping_list(
        textLineItems=[
            {"key": "card", "name": {"en": "Greeting card"}, "quantity": 2},
            {"name": {"en": "Wrap"}},
            {"name": {"en": "Ribbon"}, "description": {"en": "gold"}},
        ]
    )
    assert shopping_list_actions(draft, current, IDS) == [
        {"action": "removeTextLineItem", "textLineItemId": "t-3"},
        {
            "action": "changeTextLineItemName",
            "textLineItemId": "t-1",
            "name": {"en": "Greeting card"},
        },
        {"action": "changeTextLineItemQuantity", "textLineItemId": "t-1", "quantity": 2},
        {"action": "setTextLineItemDescription", "textLineItemId": "t-2"},
        {
            "action": "addTextLineItem",
            "name": {"en": "Ribbon"},
            "description": {"en": "gold"},
            "quantity": 1,
        },
    ]


def test_custom_fields() -> None:
    draft = shopping_list(custom={"type": "extra", "fields": {"occasion": "birthday"}})
    assert shopping_list_actions(draft, CURRENT, IDS) == [
        {
            "action": "setCustomType",
            "type": {"typeId": "type", "id": "type-1"},
            "fields": {"occasion": "birthday"},
        }
    ]
    current = {**CURRENT, "custom": {"type": {"typeId": "type", "id": "type-1"}, "fields": {}}}
    assert shopping_list_actions(draft, current, IDS) == [
        {"action": "setCustomField", "name": "occasion", "value": "birthday"}
    ]


def test_create_document_refers_by_id_store_by_key_items_by_sku() -> None:
    draft = shopping_list(
        customer="ada",
        store="eu",
        deleteDaysAfterLastModification=30,
        lineItems=[{"sku": "A-1", "quantity": 2}],
        textLineItems=[{"name": {"en": "Card"}}],
    )
    assert shopping_list_create(draft, IDS) == {
        "key": "wish",
        "name": {"en": "Wishlist"},
        "deleteDaysAfterLastModification": 30,
        "customer": {"typeId": "customer", "id": "cust-1"},
        "store": {"typeId": "store", "key": "eu"},
        "lineItems": [{"sku": "A-1", "quantity": 2, "key": "A-1"}],
        "textLineItems": [{"name": {"en": "Card"}, "quantity": 1}],
    }


@pytest.mark.parametrize(
    "bad",
    [
        {"lineItems": [{"sku": "A"}, {"sku": "A", "quantity": 2}]},
        {"lineItems": [{"sku": "A", "key": "k1"}, {"sku": "B", "key": "k1"}]},
        {"lineItems": [{"sku": "A", "quantity": 0}]},
        {"textLineItems": [{"name": {"en": "Card"}}, {"name": {"en": "Card"}}]},
        {"deleteDaysAfterLastModification": 0},
        {"name": {}},
        {"owner": "ada"},
    ],
)
def test_shopping_list_drafts_that_cannot_be_pushed(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        shopping_list(**bad)


def custom_object(value: Any) -> CustomObjectDraft:
    return CustomObjectDraft.model_validate({"container": "flags", "key": "beta", "value": value})


def test_custom_object_upsert_only_when_the_value_differs() -> None:
    current = {"id": "co-1", "version": 7, "container": "flags", "key": "beta", "value": {"on": 1}}
    assert custom_object_upsert(custom_object({"on": 1}), current) is None
    assert custom_object_upsert(custom_object({"on": 1.0}), current) is None
    changed = custom_object_upsert(custom_object({"on": True}), current)
    assert changed == {"container": "flags", "key": "beta", "value": {"on": True}, "version": 7}
    assert upserted_fields(changed, current) == [{"action": "setValue", "value": {"on": True}}]
    assert custom_object_upsert(custom_object([1, 2]), {**current, "value": [2, 1]}) is not None


def test_same_json_tells_booleans_from_numbers() -> None:
    assert same_json({"a": [1, "x", None]}, {"a": [1.0, "x", None]})
    assert not same_json(True, 1)
    assert not same_json({"a": 1}, {"a": 1, "b": None})
    assert not same_json("1", 1)


@pytest.mark.parametrize(
    "bad",
    [
        {"container": "a/b", "key": "k", "value": 1},
        {"container": "flags", "key": "with space", "value": 1},
        {"container": "flags", "key": "k"},
        {"container": "flags", "key": "k", "value": None},
    ],
)
def test_custom_object_drafts_that_cannot_be_pushed(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CustomObjectDraft.model_validate(bad)


# -- to_draft --------------------------------------------------------------------------------

KEYS = {
    ("customer-group", "g-1"): "vip",
    ("type", "t-1"): "extra",
    ("category", "c-1"): "women",
    ("channel", "ch-1"): "eu",
    ("product-type", "pt-1"): "shirt",
    ("tax-category", "tax-1"): "standard",
    ("product", "p-2"): "other-product",
    ("customer", "cu-1"): "ada",
}
SYSTEM = {"id": "x-1", "version": 3, "createdAt": "2026-01-01T00:00:00.000Z"}


def key_of(type_id: str, resource_id: str) -> str | None:
    return KEYS.get((type_id, resource_id))


def ref(type_id: str, resource_id: str) -> dict[str, str]:
    return {"typeId": type_id, "id": resource_id}


def copy(entity: str, resource: dict[str, Any]) -> dict[str, Any]:
    """to_draft, checked to validate as the push's draft and to name no system field."""
    push = PUSH_ENTITIES[entity]
    assert push.to_draft is not None
    draft = push.to_draft(resource, key_of)
    push.model.model_validate(draft)
    assert not {"id", "version", "createdAt", "lastModifiedAt"} & set(draft)
    return draft


CUSTOM = {"type": ref("type", "t-1"), "fields": {"tier": "gold", "buddy": ref("customer", "cu-1")}}


def test_customer_to_draft() -> None:
    resource = {
        **SYSTEM,
        "email": "ada@example.com",
        "firstName": "Ada",
        "lastName": "",
        "dateOfBirth": "1990-01-01",
        "authenticationMode": "Password",
        "customerGroup": ref("customer-group", "g-1"),
        "addresses": [
            {"id": "a-1", "key": "home", "country": "DE", "city": "Berlin", "region": ""},
            {"id": "a-2", "country": "NL"},
        ],
        "defaultShippingAddressId": "a-2",
        "custom": CUSTOM,
    }
    assert copy("customers", resource) == {
        "email": "ada@example.com",
        "firstName": "Ada",
        "addresses": [
            {"key": "home", "country": "DE", "city": "Berlin"},
            {"key": "a-2", "country": "NL"},  # no key: its id is its key
        ],
        "defaultShippingAddress": "a-2",
        "customerGroup": "vip",
        "custom": {
            "type": "extra",
            "fields": {"tier": "gold", "buddy": {"typeId": "customer", "key": "ada"}},
        },
    }
    with pytest.raises(NotCopyable, match="customer-group g-9 has no key"):
        copy("customers", {**resource, "customerGroup": ref("customer-group", "g-9")})


def test_category_to_draft() -> None:
    resource = {
        **SYSTEM,
        "key": "dresses",
        "name": {"en": "Dresses"},
        "slug": {"en": "dresses"},
        "parent": ref("category", "c-1"),
        "ancestors": [ref("category", "c-1")],
        "orderHint": "0.2",
        "assets": [],
    }
    assert copy("categories", resource) == {
        "key": "dresses",
        "name": {"en": "Dresses"},
        "slug": {"en": "dresses"},
        "orderHint": "0.2",
        "parent": "women",
    }
    with pytest.raises(NotCopyable, match="category x-1 has no key"):
        copy("categories", {**resource, "key": None})
    with pytest.raises(NotCopyable, match="category c-9 has no key"):
        copy("categories", {**resource, "parent": ref("category", "c-9")})


def test_inventory_to_draft() -> None:
    resource = {
        **SYSTEM,
        "sku": "A-1",
        "quantityOnStock": 5,
        "availableQuantity": 4,
        "supplyChannel": ref("channel", "ch-1"),
        "expectedDelivery": "2026-07-01T00:00:00.000Z",
    }
    draft = copy("inventory", resource)
    assert draft == {
        "sku": "A-1",
        "expectedDelivery": "2026-07-01T00:00:00.000Z",
        "quantityOnStock": 5,
        "supplyChannel": "eu",
    }
    with pytest.raises(NotCopyable, match="channel ch-9 has no key"):
        copy("inventory", {**resource, "supplyChannel": ref("channel", "ch-9")})


def variant(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": n,
        "sku": f"A-{n}",
        "key": f"a-{n}",
        "prices": [
            {
                "id": f"price-{n}",
                "value": {"type": "centPrecision", "currencyCode": "EUR", "centAmount": 1999},
                "channel": ref("channel", "ch-1"),
            }
        ],
        "images": [{"url": "https://img/a.jpg", "dimensions": {"w": 1, "h": 1}}],
        "attributes": [
            {"name": "color", "value": {"key": "red", "label": "Red"}},
            {"name": "related", "value": [ref("product", "p-2")]},
        ],
        **extra,
    }


def product(**master_data: Any) -> dict[str, Any]:
    data = {"name": {"en": "Tee"}, "slug": {"en": "tee"}, "categories": [ref("category", "c-1")]}
    return {
        **SYSTEM,
        "key": "tee",
        "productType": ref("product-type", "pt-1"),
        "taxCategory": ref("tax-category", "tax-1"),
        "masterData": {
            "published": True,
            "hasStagedChanges": False,
            "current": {**data, "masterVariant": variant(1), "variants": []},
            "staged": {**data, "masterVariant": variant(1), "variants": [variant(2)]},
            **master_data,
        },
    }


def test_product_to_draft_copies_the_staged_data() -> None:
    draft = copy("products", product())
    assert draft["productType"] == "shirt"
    assert draft["taxCategory"] == "standard"
    assert draft["categories"] == ["women"]
    assert draft["publish"] is True
    assert draft["masterVariant"] == {
        "sku": "A-1",
        "prices": [{"value": {"currencyCode": "EUR", "centAmount": 1999}, "channel": "eu"}],
        "attributes": {
            "color": {"key": "red", "label": "Red"},
            "related": [{"typeId": "product", "key": "other-product"}],
        },
    }
    assert [v["sku"] for v in draft["variants"]] == ["A-2"]
    assert copy("products", product(hasStagedChanges=True))["publish"] is False
    assert copy("products", product(published=False))["publish"] is False


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"key": None}, "product x-1 has no key"),
        ({"productType": ref("product-type", "pt-9")}, "product-type pt-9 has no key"),
        ({"taxCategory": ref("tax-category", "tax-9")}, "tax-category tax-9 has no key"),
    ],
)
def test_product_not_copyable(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(NotCopyable, match=reason):
        copy("products", {**product(), **change})


@pytest.mark.parametrize(
    ("master", "reason"),
    [
        (variant(1, sku=None), "variant 1 has no sku"),
        (variant(1, attributes=[{"name": "x", "value": ref("product", "p-9")}]), "p-9 has no key"),
        (variant(1, prices=[{"value": {"type": "highPrecision"}}]), "high-precision"),
        (
            variant(1, prices=[{"value": {"currencyCode": "EUR"}, "validFrom": "2026"}]),
            "price with validFrom",
        ),
    ],
)
def test_product_variant_not_copyable(master: dict[str, Any], reason: str) -> None:
    resource = product()
    resource["masterData"]["staged"]["masterVariant"] = master
    with pytest.raises(NotCopyable, match=reason):
        copy("products", resource)


def test_custom_object_to_draft() -> None:
    resource = {**SYSTEM, "container": "flags", "key": "beta", "value": {"on": True}}
    assert copy("custom-objects", resource) == {
        "container": "flags",
        "key": "beta",
        "value": {"on": True},
    }
    with pytest.raises(NotCopyable, match="has no key"):
        copy("custom-objects", {**resource, "key": ""})


def test_shopping_list_to_draft() -> None:
    resource = {
        **SYSTEM,
        "key": "wish",
        "name": {"en": "Wishlist"},
        "customer": ref("customer", "cu-1"),
        "store": {"typeId": "store", "key": "eu"},
        "deleteDaysAfterLastModification": 30,
        "lineItems": [
            {
                "id": "li-1",
                "productId": "p-2",
                "variantId": 2,
                "variant": {"id": 2, "sku": "A-2"},
                "quantity": 3,
                "addedAt": "2026-01-01T00:00:00.000Z",
                "key": "A-2",
            }
        ],
        "textLineItems": [{"id": "t-1", "name": {"en": "Card"}, "quantity": 1}],
        "custom": {"type": ref("type", "t-1"), "fields": {}},
    }
    assert copy("shopping-lists", resource) == {
        "key": "wish",
        "name": {"en": "Wishlist"},
        "deleteDaysAfterLastModification": 30,
        "customer": "ada",
        "store": "eu",
        "lineItems": [{"sku": "A-2", "quantity": 3, "key": "A-2"}],
        "textLineItems": [{"name": {"en": "Card"}, "quantity": 1}],
        "custom": {"type": "extra", "fields": {}},
    }
    # As commercetools returns a line item unexpanded: by product key and variant id instead.
    item = {"id": "li-1", "productId": "p-2", "variantId": 3, "quantity": 1}
    unexpanded = {**resource, "lineItems": [item]}
    assert copy("shopping-lists", unexpanded)["lineItems"] == [
        {"product": "other-product", "variantId": 3, "quantity": 1}
    ]
    orphan = {**resource, "lineItems": [{**item, "productId": "p-404"}]}
    with pytest.raises(NotCopyable, match="product p-404 has no key"):
        copy("shopping-lists", orphan)
    with pytest.raises(NotCopyable, match="customer cu-9 has no key"):
        copy("shopping-lists", {**resource, "customer": ref("customer", "cu-9")})


def test_line_items_by_product_and_variant_are_matched_added_and_changed() -> None:
    ids = {("product", "shirt"): "prod-1"}
    draft = ShoppingListDraft.model_validate(
        {
            "key": "wish",
            "name": {"en": "Wishlist"},
            "lineItems": [
                {"product": "shirt", "variantId": 2, "quantity": 3},
                {"product": "shirt", "variantId": 1},
            ],
        }
    )
    current = {
        "key": "wish",
        "name": {"en": "Wishlist"},
        "lineItems": [
            {"id": "li-1", "productId": "prod-1", "variantId": 2, "quantity": 1},
            {"id": "li-2", "productId": "prod-9", "variantId": 1, "quantity": 1},
        ],
    }
    assert shopping_list_actions(draft, current, ids) == [
        {"action": "removeLineItem", "lineItemId": "li-2"},
        {"action": "changeLineItemQuantity", "lineItemId": "li-1", "quantity": 3},
        {"action": "addLineItem", "quantity": 1, "productId": "prod-1", "variantId": 1},
    ]
    settled = {
        **current,
        "lineItems": [
            {"id": "li-1", "productId": "prod-1", "variantId": 2, "quantity": 3},
            {"id": "li-3", "productId": "prod-1", "variantId": 1, "quantity": 1},
        ],
    }
    assert shopping_list_actions(draft, settled, ids) == []
    with pytest.raises(ValueError, match="by sku, or by product"):
        ShoppingListLineItemDraft.model_validate({"sku": "A", "product": "shirt"})
