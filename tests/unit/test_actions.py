"""Update actions: each one emitted exactly when its field differs, and never otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from ctsync import actions as act
from ctsync.drafts import CategoryDraft, CustomerDraft, InventoryDraft

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
    assert act.customer_actions(customer(key="k", firstName="Ada"), current, IDS) == []


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
    assert act.customer_actions(customer(**{field: "X"}), CURRENT, IDS) == [
        {"action": action, field: "X"}
    ]
    assert act.customer_actions(customer(), {**CURRENT, field: "X"}, IDS) == [{"action": action}]


def test_key_is_set_only_when_the_draft_has_one() -> None:
    assert act.customer_actions(customer(key="k"), CURRENT, IDS) == [
        {"action": "setKey", "key": "k"}
    ]
    assert act.customer_actions(customer(), {**CURRENT, "key": "other"}, IDS) == []


def test_email_changes_ignore_case() -> None:
    assert act.customer_actions(customer(email="ADA@example.com"), CURRENT, IDS) == []
    assert act.customer_actions(customer(email="ada@new.example"), CURRENT, IDS) == [
        {"action": "changeEmail", "email": "ada@new.example"}
    ]


def test_customer_group_by_key() -> None:
    assert act.customer_actions(customer(customerGroup="vip"), CURRENT, IDS) == [
        {
            "action": "setCustomerGroup",
            "customerGroup": {"typeId": "customer-group", "id": "group-1"},
        }
    ]
    same = {**CURRENT, "customerGroup": {"typeId": "customer-group", "id": "group-1"}}
    assert act.customer_actions(customer(customerGroup="vip"), same, IDS) == []
    assert act.customer_actions(customer(), same, IDS) == [{"action": "setCustomerGroup"}]


def test_a_missing_reference_raises_naming_the_key() -> None:
    with pytest.raises(KeyError, match="nobody"):
        act.customer_actions(customer(customerGroup="nobody"), CURRENT, IDS)


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
    assert act.address_actions(draft, current) == [
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
    assert act.address_actions(same, only_home) == []


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
    assert act.customer_actions(draft, current, IDS) == [
        {"action": "setDefaultBillingAddress", "addressKey": "home"}
    ]
    unset = customer(addresses=[{"key": "home", "country": "DE"}])
    assert act.customer_actions(unset, current, IDS) == [{"action": "setDefaultShippingAddress"}]


def test_custom_fields_per_field_then_type() -> None:
    current = {"type": {"typeId": "type", "id": "type-1"}, "fields": {"a": 1, "b": "x"}}
    draft = customer(custom={"type": "extra", "fields": {"a": 2, "c": True}})
    assert act.custom_actions(draft.custom, current, IDS) == [
        {"action": "setCustomField", "name": "a", "value": 2},
        {"action": "setCustomField", "name": "b"},
        {"action": "setCustomField", "name": "c", "value": True},
    ]
    other = customer(custom={"type": "other", "fields": {"a": 1}})
    assert act.custom_actions(other.custom, current, IDS) == [
        {"action": "setCustomType", "type": {"typeId": "type", "id": "type-2"}, "fields": {"a": 1}}
    ]
    assert act.custom_actions(None, current, IDS) == [{"action": "setCustomType"}]
    assert act.custom_actions(None, None, IDS) == []


def test_customer_create_uses_address_positions_and_ids() -> None:
    draft = customer(
        key="k",
        customerGroup="vip",
        addresses=[{"key": "a", "country": "DE"}, {"key": "b", "country": "DE"}],
        defaultBillingAddress="b",
    )
    document = act.customer_create(draft, IDS)
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
    assert act.category_actions(category(), CATEGORY, IDS) == []
    assert act.category_actions(category(name={"en": "Gowns"}), CATEGORY, IDS) == [
        {"action": "changeName", "name": {"en": "Gowns"}}
    ]
    assert act.category_actions(category(slug={"de": "kleider"}), CATEGORY, IDS) == [
        {"action": "changeSlug", "slug": {"de": "kleider"}}
    ]
    assert act.category_actions(category(description={"en": "D"}), CATEGORY, IDS) == [
        {"action": "setDescription", "description": {"en": "D"}}
    ]
    assert act.category_actions(category(parent="women"), CATEGORY, IDS) == [
        {"action": "changeParent", "parent": {"typeId": "category", "id": "cat-1"}}
    ]
    with_parent = {**CATEGORY, "parent": {"typeId": "category", "id": "cat-1"}}
    assert act.category_actions(category(parent="women"), with_parent, IDS) == []
    assert act.category_actions(category(orderHint="0.5"), CATEGORY, IDS) == [
        {"action": "changeOrderHint", "orderHint": "0.5"}
    ]


INVENTORY: dict[str, Any] = {"id": "i", "version": 1, "sku": "S1", "quantityOnStock": 5}


def test_inventory_actions() -> None:
    draft = InventoryDraft(sku="S1", quantityOnStock=5)
    assert act.inventory_actions(draft, INVENTORY, IDS) == []
    assert act.inventory_actions(InventoryDraft(sku="S1", quantityOnStock=7), INVENTORY, IDS) == [
        {"action": "changeQuantity", "quantity": 7}
    ]
    later = InventoryDraft(
        sku="S1", quantityOnStock=5, restockableInDays=3, expectedDelivery="2026-03-01T08:00:00Z"
    )
    assert act.inventory_actions(later, INVENTORY, IDS) == [
        {"action": "setRestockableInDays", "restockableInDays": 3},
        {"action": "setExpectedDelivery", "expectedDelivery": "2026-03-01T08:00:00.000Z"},
    ]
    same = {**INVENTORY, "restockableInDays": 3, "expectedDelivery": "2026-03-01T08:00:00Z"}
    assert act.inventory_actions(later, same, IDS) == []
    assert act.inventory_actions(draft, same, IDS) == [
        {"action": "setRestockableInDays"},
        {"action": "setExpectedDelivery"},
    ]
