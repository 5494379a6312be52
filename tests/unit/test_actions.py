"""Update actions: each one emitted exactly when a field the draft manages differs, and never
otherwise. A draft manages what it names (null unsets); with `replace`, every field."""

from __future__ import annotations

from typing import Any

import pytest

from ctsync.push.custom_fields import custom_actions
from ctsync.push.resources.categories import CategoryDraft, category_actions
from ctsync.push.resources.customers import (
    CustomerDraft,
    address_actions,
    customer_actions,
    customer_create,
)
from ctsync.push.resources.inventory import InventoryDraft, inventory_actions
from ctsync.push.resources.products import ProductDraft, product_actions, product_create

IDS = {
    ("customer-group", "vip"): "group-1",
    ("category", "women"): "cat-1",
    ("channel", "eu"): "chan-1",
    ("type", "extra"): "type-1",
    ("type", "other"): "type-2",
}


def customer(**fields: Any) -> CustomerDraft:
    return CustomerDraft.model_validate({"email": "ada@example.com", **fields})


CURRENT: dict[str, Any] = {"id": "c1", "version": 3, "email": "ada@example.com", "addresses": []}


def test_equal_customer_needs_no_action() -> None:
    current = {**CURRENT, "key": "k", "firstName": "Ada", "lastName": ""}
    assert customer_actions(customer(key="k", firstName="Ada"), current, IDS) == []


@pytest.mark.parametrize(
    ("field", "action"),
    [
        ("firstName", "setFirstName"),
        ("middleName", "setMiddleName"),
        ("lastName", "setLastName"),
        ("title", "setTitle"),
        ("salutation", "setSalutation"),
        ("companyName", "setCompanyName"),
    ],
)
def test_set_and_unset_a_name_field(field: str, action: str) -> None:
    assert customer_actions(customer(**{field: "X"}), CURRENT, IDS) == [
        {"action": action, field: "X"}
    ]
    has_it = {**CURRENT, field: "X"}
    assert customer_actions(customer(**{field: None}), has_it, IDS) == [{"action": action}]
    assert customer_actions(customer(), has_it, IDS) == []  # not named: left as it is
    assert customer_actions(customer(), has_it, IDS, replace=True) == [{"action": action}]


def test_key_is_set_only_when_the_draft_has_one() -> None:
    assert customer_actions(customer(key="k"), CURRENT, IDS) == [{"action": "setKey", "key": "k"}]
    assert customer_actions(customer(), {**CURRENT, "key": "other"}, IDS) == []


def test_email_changes_ignore_case() -> None:
    assert customer_actions(customer(email="ADA@example.com"), CURRENT, IDS) == []
    assert customer_actions(customer(email="ada@new.example"), CURRENT, IDS) == [
        {"action": "changeEmail", "email": "ada@new.example"}
    ]


def test_customer_group_by_key() -> None:
    assert customer_actions(customer(customerGroup="vip"), CURRENT, IDS) == [
        {
            "action": "setCustomerGroup",
            "customerGroup": {"typeId": "customer-group", "id": "group-1"},
        }
    ]
    same = {**CURRENT, "customerGroup": {"typeId": "customer-group", "id": "group-1"}}
    assert customer_actions(customer(customerGroup="vip"), same, IDS) == []
    assert customer_actions(customer(), same, IDS) == []
    unset = [{"action": "setCustomerGroup"}]
    assert customer_actions(customer(customerGroup=None), same, IDS) == unset
    assert customer_actions(customer(), same, IDS, replace=True) == unset


def test_a_missing_reference_raises_naming_the_key() -> None:
    with pytest.raises(KeyError, match="nobody"):
        customer_actions(customer(customerGroup="nobody"), CURRENT, IDS)


def test_addresses_are_matched_by_key() -> None:
    current = {
        **CURRENT,
        "addresses": [
            {"id": "a1", "key": "home", "country": "DE", "city": "Berlin"},
            {"id": "a2", "key": "old", "country": "DE"},
            {"id": "a3", "country": "FR"},
        ],
    }
    draft = customer(
        addresses=[
            {"key": "home", "country": "DE", "city": "Bonn"},
            {"key": "new", "country": "AT"},
        ]
    )
    assert address_actions(draft, current) == [
        {"action": "removeAddress", "addressKey": "old"},
        {"action": "removeAddress", "addressId": "a3"},
        {
            "action": "changeAddress",
            "addressKey": "home",
            "address": {"key": "home", "country": "DE", "city": "Bonn"},
        },
        {"action": "addAddress", "address": {"key": "new", "country": "AT"}},
    ]
    same = customer(addresses=[{"key": "home", "country": "DE", "city": "Berlin"}])
    only_home = {**CURRENT, "addresses": current["addresses"][:1]}
    assert address_actions(same, only_home) == []


def test_default_addresses_by_key() -> None:
    current = {
        **CURRENT,
        "addresses": [{"id": "a1", "key": "home", "country": "DE"}],
        "defaultShippingAddressId": "a1",
    }
    draft = customer(
        addresses=[{"key": "home", "country": "DE"}],
        defaultShippingAddress="home",
        defaultBillingAddress="home",
    )
    assert customer_actions(draft, current, IDS) == [
        {"action": "setDefaultBillingAddress", "addressKey": "home"}
    ]
    unnamed = customer(addresses=[{"key": "home", "country": "DE"}])
    assert customer_actions(unnamed, current, IDS) == []
    unset = [{"action": "setDefaultShippingAddress"}]
    assert customer_actions(unnamed, current, IDS, replace=True) == unset
    null = customer(addresses=[{"key": "home", "country": "DE"}], defaultShippingAddress=None)
    assert customer_actions(null, current, IDS) == unset


def test_addresses_are_left_alone_unless_named() -> None:
    current = {**CURRENT, "addresses": [{"id": "a1", "key": "home", "country": "DE"}]}
    assert customer_actions(customer(firstName="Ada"), {**current, "firstName": "Ada"}, IDS) == []
    assert customer_actions(customer(addresses=[]), current, IDS) == [
        {"action": "removeAddress", "addressKey": "home"}
    ]


def test_custom_fields_per_field_then_type() -> None:
    current = {"type": {"typeId": "type", "id": "type-1"}, "fields": {"a": 1, "b": "x"}}
    draft = customer(custom={"type": "extra", "fields": {"a": 2, "c": True}})
    assert custom_actions(draft.custom, current, IDS) == [
        {"action": "setCustomField", "name": "a", "value": 2},
        {"action": "setCustomField", "name": "c", "value": True},
    ]
    assert custom_actions(draft.custom, current, IDS, replace=True) == [
        {"action": "setCustomField", "name": "a", "value": 2},
        {"action": "setCustomField", "name": "b"},
        {"action": "setCustomField", "name": "c", "value": True},
    ]
    null = customer(custom={"type": "extra", "fields": {"b": None}})
    assert custom_actions(null.custom, current, IDS) == [{"action": "setCustomField", "name": "b"}]
    other = customer(custom={"type": "other", "fields": {"a": 1}})
    assert custom_actions(other.custom, current, IDS) == [
        {"action": "setCustomType", "type": {"typeId": "type", "id": "type-2"}, "fields": {"a": 1}}
    ]
    assert custom_actions(None, current, IDS) == [{"action": "setCustomType"}]
    assert custom_actions(None, None, IDS) == []


def test_customer_create_uses_address_positions_and_ids() -> None:
    draft = customer(
        key="k",
        customerGroup="vip",
        addresses=[{"key": "a", "country": "DE"}, {"key": "b", "country": "DE"}],
        defaultBillingAddress="b",
    )
    document = customer_create(draft, IDS)
    assert document["defaultBillingAddress"] == 1
    assert document["customerGroup"] == {"typeId": "customer-group", "id": "group-1"}
    assert document["authenticationMode"] == "ExternalAuth"
    assert "defaultShippingAddress" not in document


CATEGORY: dict[str, Any] = {
    "id": "x",
    "version": 1,
    "key": "dresses",
    "name": {"en": "Dresses"},
    "slug": {"en": "dresses"},
    "orderHint": "",
}


def category(**fields: Any) -> CategoryDraft:
    return CategoryDraft.model_validate(
        {"key": "dresses", "name": {"en": "Dresses"}, "slug": {"en": "dresses"}, **fields}
    )


def test_category_actions() -> None:
    assert category_actions(category(), CATEGORY, IDS) == []
    assert category_actions(category(name={"en": "Gowns"}), CATEGORY, IDS) == [
        {"action": "changeName", "name": {"en": "Gowns"}}
    ]
    assert category_actions(category(slug={"de": "kleider"}), CATEGORY, IDS) == [
        {"action": "changeSlug", "slug": {"de": "kleider"}}
    ]
    assert category_actions(category(description={"en": "D"}), CATEGORY, IDS) == [
        {"action": "setDescription", "description": {"en": "D"}}
    ]
    assert category_actions(category(parent="women"), CATEGORY, IDS) == [
        {"action": "changeParent", "parent": {"typeId": "category", "id": "cat-1"}}
    ]
    with_parent = {**CATEGORY, "parent": {"typeId": "category", "id": "cat-1"}}
    assert category_actions(category(parent="women"), with_parent, IDS) == []
    assert category_actions(category(orderHint="0.5"), CATEGORY, IDS) == [
        {"action": "changeOrderHint", "orderHint": "0.5"}
    ]


INVENTORY: dict[str, Any] = {"id": "i", "version": 1, "sku": "S1", "quantityOnStock": 5}


def test_inventory_actions() -> None:
    draft = InventoryDraft(sku="S1", quantityOnStock=5)
    assert inventory_actions(draft, INVENTORY, IDS) == []
    assert inventory_actions(InventoryDraft(sku="S1", quantityOnStock=7), INVENTORY, IDS) == [
        {"action": "changeQuantity", "quantity": 7}
    ]
    later = InventoryDraft(
        sku="S1", quantityOnStock=5, restockableInDays=3, expectedDelivery="2026-03-01T08:00:00Z"
    )
    assert inventory_actions(later, INVENTORY, IDS) == [
        {"action": "setRestockableInDays", "restockableInDays": 3},
        {"action": "setExpectedDelivery", "expectedDelivery": "2026-03-01T08:00:00.000Z"},
    ]
    same = {**INVENTORY, "restockableInDays": 3, "expectedDelivery": "2026-03-01T08:00:00Z"}
    assert inventory_actions(later, same, IDS) == []
    assert inventory_actions(draft, same, IDS) == []  # a stock feed names the quantity only
    unset = [{"action": "setRestockableInDays"}, {"action": "setExpectedDelivery"}]
    assert inventory_actions(draft, same, IDS, replace=True) == unset
    nulls = InventoryDraft(
        sku="S1", quantityOnStock=5, restockableInDays=None, expectedDelivery=None
    )
    assert inventory_actions(nulls, same, IDS) == unset


# -- products -----------------------------------------------------------------------------------

PRODUCT_IDS = {
    ("category", "women"): "cat-1",
    ("category", "men"): "cat-2",
    ("tax-category", "standard"): "tax-1",
    ("tax-category", "reduced"): "tax-2",
    ("product-type", "shirt"): "pt-1",
    ("channel", "eu"): "chan-1",
}
EUR = {"currencyCode": "EUR", "centAmount": 1999}


def product(**fields: Any) -> ProductDraft:
    base: dict[str, Any] = {
        "key": "tee",
        "productType": "shirt",
        "name": {"en": "Tee"},
        "slug": {"en": "tee"},
        "description": {"en": "Soft"},
        "categories": ["women"],
        "taxCategory": "standard",
        "masterVariant": {
            "sku": "tee-s",
            "prices": [{"value": EUR}],
            "attributes": {"color": "red"},
        },
        "variants": [{"sku": "tee-m"}],
    }
    return ProductDraft.model_validate({**base, **fields})


def current_product(published: bool = False, **staged: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": {"en": "Tee"},
        "slug": {"en": "tee"},
        "description": {"en": "Soft"},
        "categories": [{"typeId": "category", "id": "cat-1"}],
        "masterVariant": {
            "id": 1,
            "sku": "tee-s",
            "prices": [{"id": "pr-1", "value": {**EUR, "type": "centPrecision"}}],
            "attributes": [{"name": "color", "value": "red"}],
        },
        "variants": [{"id": 2, "sku": "tee-m", "prices": [], "attributes": []}],
        **staged,
    }
    return {
        "id": "p1",
        "version": 4,
        "key": "tee",
        "taxCategory": {"typeId": "tax-category", "id": "tax-1"},
        "masterData": {
            "staged": data,
            "current": data,
            "published": published,
            "hasStagedChanges": False,
        },
    }


def test_equal_product_needs_no_action() -> None:
    assert product_actions(product(), current_product(), PRODUCT_IDS) == []
    published = product(publish=True)
    assert product_actions(published, current_product(published=True), PRODUCT_IDS) == []


def test_name_slug_description() -> None:
    draft = product(name={"en": "Tee 2"}, slug={"en": "tee-2"}, description=None)
    assert product_actions(draft, current_product(), PRODUCT_IDS) == [
        {"action": "changeName", "name": {"en": "Tee 2"}},
        {"action": "changeSlug", "slug": {"en": "tee-2"}},
        {"action": "setDescription"},
    ]
    draft = product(description={"en": "Softer"})
    assert product_actions(draft, current_product(), PRODUCT_IDS) == [
        {"action": "setDescription", "description": {"en": "Softer"}}
    ]


def test_categories_are_added_and_removed_by_key() -> None:
    assert product_actions(product(categories=["men"]), current_product(), PRODUCT_IDS) == [
        {"action": "removeFromCategory", "category": {"typeId": "category", "id": "cat-1"}},
        {"action": "addToCategory", "category": {"typeId": "category", "id": "cat-2"}},
    ]


def test_tax_category_set_and_unset() -> None:
    assert product_actions(product(taxCategory="reduced"), current_product(), PRODUCT_IDS) == [
        {"action": "setTaxCategory", "taxCategory": {"typeId": "tax-category", "id": "tax-2"}}
    ]
    assert product_actions(product(taxCategory=None), current_product(), PRODUCT_IDS) == [
        {"action": "setTaxCategory"}
    ]


def test_variants_are_added_and_removed_by_sku() -> None:
    draft = product(variants=[{"sku": "tee-l", "attributes": {"size": "L"}, "prices": []}])
    assert product_actions(draft, current_product(), PRODUCT_IDS) == [
        {"action": "addVariant", "sku": "tee-l", "attributes": [{"name": "size", "value": "L"}]},
        {"action": "removeVariant", "sku": "tee-m"},
    ]


def test_a_new_master_variant_is_switched_before_the_old_one_goes() -> None:
    draft = product(masterVariant={"sku": "tee-m"}, variants=[])
    assert product_actions(draft, current_product(), PRODUCT_IDS) == [
        {"action": "changeMasterVariant", "sku": "tee-m"},
        {"action": "removeVariant", "sku": "tee-s"},
    ]


def test_attributes_set_and_unset_per_sku() -> None:
    master = {"sku": "tee-s", "prices": [{"value": EUR}], "attributes": {"size": 42}}
    draft = product(masterVariant=master)
    assert product_actions(draft, current_product(), PRODUCT_IDS) == [
        {"action": "setAttribute", "sku": "tee-s", "name": "size", "value": 42},
    ]
    assert product_actions(draft, current_product(), PRODUCT_IDS, replace=True) == [
        {"action": "setAttribute", "sku": "tee-s", "name": "color"},
        {"action": "setAttribute", "sku": "tee-s", "name": "size", "value": 42},
    ]
    null = {"sku": "tee-s", "attributes": {"color": None}}
    assert product_actions(product(masterVariant=null), current_product(), PRODUCT_IDS) == [
        {"action": "setAttribute", "sku": "tee-s", "name": "color"},
    ]


def test_prices_matched_by_scope_are_changed_added_and_removed() -> None:
    prices = [
        {"value": {"currencyCode": "EUR", "centAmount": 1499}},
        {"value": {"currencyCode": "EUR", "centAmount": 1799}, "country": "DE", "channel": "eu"},
    ]
    draft = product(
        masterVariant={"sku": "tee-s", "prices": prices, "attributes": {"color": "red"}}
    )
    assert product_actions(draft, current_product(), PRODUCT_IDS) == [
        {
            "action": "changePrice",
            "priceId": "pr-1",
            "price": {"value": {"currencyCode": "EUR", "centAmount": 1499}},
        },
        {
            "action": "addPrice",
            "sku": "tee-s",
            "price": {
                "value": {"currencyCode": "EUR", "centAmount": 1799},
                "country": "DE",
                "channel": {"typeId": "channel", "id": "chan-1"},
            },
        },
    ]
    no_prices = product(masterVariant={"sku": "tee-s", "attributes": {"color": "red"}})
    assert product_actions(no_prices, current_product(), PRODUCT_IDS) == []
    removed = [{"action": "removePrice", "priceId": "pr-1"}]
    assert product_actions(no_prices, current_product(), PRODUCT_IDS, replace=True) == removed
    empty = product(masterVariant={"sku": "tee-s", "prices": []})
    assert product_actions(empty, current_product(), PRODUCT_IDS) == removed


def test_unnamed_variants_categories_and_tax_category_are_left_alone() -> None:
    partial = ProductDraft.model_validate(
        {
            "key": "tee",
            "productType": "shirt",
            "name": {"en": "Tee"},
            "slug": {"en": "tee"},
            "masterVariant": {"sku": "tee-s", "prices": [{"value": EUR}]},
        }
    )
    assert product_actions(partial, current_product(), PRODUCT_IDS) == []
    assert product_actions(partial, current_product(), PRODUCT_IDS, replace=True) == [
        {"action": "setDescription"},
        {"action": "removeFromCategory", "category": {"typeId": "category", "id": "cat-1"}},
        {"action": "setTaxCategory"},
        {"action": "removeVariant", "sku": "tee-m"},
        {"action": "setAttribute", "sku": "tee-s", "name": "color"},
    ]


def test_publish_after_changes_or_when_unpublished_and_unpublish_when_not_wanted() -> None:
    assert product_actions(product(publish=True), current_product(), PRODUCT_IDS) == [
        {"action": "publish"}
    ]
    renamed = product(publish=True, name={"en": "New"})
    assert product_actions(renamed, current_product(published=True), PRODUCT_IDS) == [
        {"action": "changeName", "name": {"en": "New"}},
        {"action": "publish"},
    ]
    staged_only = current_product(published=True)
    staged_only["masterData"]["hasStagedChanges"] = True
    assert product_actions(product(publish=True), staged_only, PRODUCT_IDS) == [
        {"action": "publish"}
    ]
    assert product_actions(product(), current_product(published=True), PRODUCT_IDS) == []
    unpublish = [{"action": "unpublish"}]
    published = current_product(published=True)
    assert product_actions(product(publish=False), published, PRODUCT_IDS) == unpublish
    assert product_actions(product(), published, PRODUCT_IDS, replace=True) == unpublish


def test_product_create_resolves_every_reference() -> None:
    draft = product(
        publish=True,
        variants=[{"sku": "tee-m", "prices": [{"value": EUR, "channel": "eu"}]}],
    )
    assert product_create(draft, PRODUCT_IDS) == {
        "key": "tee",
        "productType": {"typeId": "product-type", "id": "pt-1"},
        "name": {"en": "Tee"},
        "slug": {"en": "tee"},
        "description": {"en": "Soft"},
        "categories": [{"typeId": "category", "id": "cat-1"}],
        "taxCategory": {"typeId": "tax-category", "id": "tax-1"},
        "masterVariant": {
            "sku": "tee-s",
            "prices": [{"value": EUR}],
            "attributes": [{"name": "color", "value": "red"}],
        },
        "variants": [
            {
                "sku": "tee-m",
                "prices": [{"value": EUR, "channel": {"typeId": "channel", "id": "chan-1"}}],
            }
        ],
        "publish": True,
    }
