"""Cart discounts, discount codes, shipping methods and standalone prices: each update action
emitted exactly when its field differs and never when equal; null unsets; `replace`; a copy's
draft (to_draft) describes the same resource, and one without a key is refused."""

from __future__ import annotations

from typing import Any

import pytest

from ctsync.push.entity import PushEntity
from ctsync.push.keys import NotCopyable
from ctsync.push.lookup import predicate_chunks
from ctsync.push.resources.cart_discounts import PUSH as CART_DISCOUNTS
from ctsync.push.resources.discount_codes import PUSH as DISCOUNT_CODES
from ctsync.push.resources.shipping_methods import PUSH as SHIPPING_METHODS
from ctsync.push.resources.standalone_prices import PUSH as STANDALONE_PRICES
from ctsync.push.resources.standalone_prices import ScopeChanged

IDS = {
    ("store", "berlin"): "store-1",
    ("store", "paris"): "store-2",
    ("type", "extra"): "type-1",
    ("product", "gift"): "prod-1",
    ("channel", "eu"): "chan-1",
    ("cart-discount", "ten"): "cd-1",
    ("cart-discount", "five"): "cd-2",
    ("tax-category", "std"): "tax-1",
    ("tax-category", "low"): "tax-2",
    ("zone", "de"): "zone-1",
    ("zone", "fr"): "zone-2",
    ("customer-group", "vip"): "group-1",
}
KEYS = {(type_id, id_): key for (type_id, key), id_ in IDS.items()}


def key_of(type_id: str, id_: str) -> str | None:
    return KEYS.get((type_id, id_))


def typed(currency: str, cents: int) -> dict[str, Any]:
    return {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": cents,
        "fractionDigits": 2,
    }


def names(actions: list[dict[str, Any]]) -> list[str]:
    return [a["action"] for a in actions]


def push(entity: PushEntity[Any], draft: dict[str, Any], current: dict[str, Any], **kw: Any):
    return entity.actions(
        entity.model.model_validate(draft), current, IDS, kw.get("replace", False)
    )


def round_trip(entity: PushEntity[Any], resource: dict[str, Any]) -> dict[str, Any]:
    """The draft of a resource, validated; it must need no action against that resource."""
    assert entity.to_draft is not None
    draft = entity.model.model_validate(entity.to_draft(resource, key_of))
    assert entity.actions(draft, resource, IDS, True) == []
    return entity.create(draft, IDS)


# -- cart discounts --------------------------------------------------------------------------

CART_DISCOUNT: dict[str, Any] = {
    "id": "cd-1",
    "version": 4,
    "createdAt": "2026-01-01T00:00:00.000Z",
    "lastModifiedAt": "2026-01-01T00:00:00.000Z",
    "key": "ten",
    "name": {"en": "Ten off"},
    "description": {"en": "Ten euros off"},
    "value": {"type": "absolute", "money": [typed("EUR", 1000)]},
    "cartPredicate": "1 = 1",
    "target": {"type": "lineItems", "predicate": "1 = 1"},
    "sortOrder": "0.5",
    "isActive": True,
    "validFrom": "2026-01-01T00:00:00.000Z",
    "requiresDiscountCode": False,
    "stackingMode": "Stacking",
    "stores": [{"typeId": "store", "key": "berlin"}],
    "custom": {"type": {"typeId": "type", "id": "type-1"}, "fields": {"campaign": "spring"}},
    "references": [],
}
CD_DRAFT: dict[str, Any] = {
    "key": "ten",
    "name": {"en": "Ten off"},
    "value": {"type": "absolute", "money": [{"currencyCode": "EUR", "centAmount": 1000}]},
    "cartPredicate": "1 = 1",
}


def test_equal_cart_discount_needs_no_action() -> None:
    assert push(CART_DISCOUNTS, CD_DRAFT, CART_DISCOUNT) == []


@pytest.mark.parametrize(
    ("field", "value", "action"),
    [
        ("name", {"en": "Ten"}, "changeName"),
        ("description", {"en": "Other"}, "setDescription"),
        ("cartPredicate", 'country = "DE"', "changeCartPredicate"),
        ("target", {"type": "shipping"}, "changeTarget"),
        ("sortOrder", "0.7", "changeSortOrder"),
        ("isActive", False, "changeIsActive"),
        ("requiresDiscountCode", True, "changeRequiresDiscountCode"),
        ("stackingMode", "StopAfterThisDiscount", "changeStackingMode"),
        ("validFrom", "2026-02-01T00:00:00Z", "setValidFrom"),
        ("validUntil", "2026-12-31T00:00:00Z", "setValidUntil"),
    ],
)
def test_cart_discount_field_changes(field: str, value: Any, action: str) -> None:
    expected = value if not field.startswith("valid") else value.replace("Z", ".000Z")
    assert push(CART_DISCOUNTS, {**CD_DRAFT, field: value}, CART_DISCOUNT) == [
        {"action": action, field: expected}
    ]
    assert (
        push(CART_DISCOUNTS, {**CD_DRAFT, field: value}, {**CART_DISCOUNT, field: expected}) == []
    )


def test_cart_discount_value_is_compared_as_a_draft_states_it() -> None:
    relative = {"type": "relative", "permyriad": 1000}
    assert push(CART_DISCOUNTS, {**CD_DRAFT, "value": relative}, CART_DISCOUNT) == [
        {"action": "changeValue", "value": relative}
    ]
    fixed = {"type": "fixed", "money": [{"currencyCode": "EUR", "centAmount": 1000}]}
    fixed_document = {"type": "fixed", "money": [{"type": "centPrecision", **fixed["money"][0]}]}
    assert push(CART_DISCOUNTS, {**CD_DRAFT, "value": fixed}, CART_DISCOUNT) == [
        {"action": "changeValue", "value": fixed_document}
    ]
    is_fixed = {**CART_DISCOUNT, "value": {"type": "fixed", "money": [typed("EUR", 1000)]}}
    assert push(CART_DISCOUNTS, {**CD_DRAFT, "value": fixed}, is_fixed) == []
    mode = {**CD_DRAFT["value"], "applicationMode": "EvenDistribution"}
    assert names(push(CART_DISCOUNTS, {**CD_DRAFT, "value": mode}, CART_DISCOUNT)) == [
        "changeValue"
    ]
    current = {
        **CART_DISCOUNT,
        "value": {**CART_DISCOUNT["value"], "applicationMode": "EvenDistribution"},
    }
    assert push(CART_DISCOUNTS, {**CD_DRAFT, "value": mode}, current) == []
    assert push(CART_DISCOUNTS, CD_DRAFT, current) == []  # a mode not named is left alone


def test_gift_line_item_value_refers_by_id() -> None:
    gift = {"type": "giftLineItem", "product": "gift", "variantId": 1, "supplyChannel": "eu"}
    changed = push(CART_DISCOUNTS, {**CD_DRAFT, "value": gift}, CART_DISCOUNT)
    assert changed == [
        {
            "action": "changeValue",
            "value": {
                "type": "giftLineItem",
                "product": {"typeId": "product", "id": "prod-1"},
                "variantId": 1,
                "supplyChannel": {"typeId": "channel", "id": "chan-1"},
            },
        }
    ]
    assert push(CART_DISCOUNTS, {**CD_DRAFT, "value": gift}, {**CART_DISCOUNT, **changed[0]}) == []
    draft = CART_DISCOUNTS.model.model_validate({**CD_DRAFT, "value": gift})
    assert CART_DISCOUNTS.references(draft) == [("product", "gift"), ("channel", "eu")]


def test_both_validity_dates_change_in_one_action() -> None:
    draft = {**CD_DRAFT, "validFrom": "2026-03-01T00:00:00Z", "validUntil": "2026-04-01T00:00:00Z"}
    assert push(CART_DISCOUNTS, draft, CART_DISCOUNT) == [
        {
            "action": "setValidFromAndUntil",
            "validFrom": "2026-03-01T00:00:00.000Z",
            "validUntil": "2026-04-01T00:00:00.000Z",
        }
    ]
    unset = {**CD_DRAFT, "validFrom": None}
    assert push(CART_DISCOUNTS, unset, CART_DISCOUNT) == [{"action": "setValidFrom"}]


def test_cart_discount_stores_are_the_desired_set() -> None:
    both = {**CD_DRAFT, "stores": ["paris", "berlin"]}
    assert push(CART_DISCOUNTS, both, CART_DISCOUNT) == [
        {
            "action": "setStores",
            "stores": [{"typeId": "store", "key": "paris"}, {"typeId": "store", "key": "berlin"}],
        }
    ]
    assert push(CART_DISCOUNTS, {**CD_DRAFT, "stores": ["berlin"]}, CART_DISCOUNT) == []
    assert push(CART_DISCOUNTS, {**CD_DRAFT, "stores": []}, CART_DISCOUNT) == [
        {"action": "setStores"}
    ]


def test_cart_discount_null_unsets_and_replace() -> None:
    assert push(CART_DISCOUNTS, {**CD_DRAFT, "description": None}, CART_DISCOUNT) == [
        {"action": "setDescription"}
    ]
    assert names(push(CART_DISCOUNTS, CD_DRAFT, CART_DISCOUNT, replace=True)) == [
        "setDescription",
        "setValidFrom",
        "setStores",
        "setCustomType",
    ]


def test_cart_discount_custom_fields() -> None:
    custom = {"type": "extra", "fields": {"campaign": "summer"}}
    assert push(CART_DISCOUNTS, {**CD_DRAFT, "custom": custom}, CART_DISCOUNT) == [
        {"action": "setCustomField", "name": "campaign", "value": "summer"}
    ]
    assert push(CART_DISCOUNTS, {**CD_DRAFT, "custom": None}, CART_DISCOUNT) == [
        {"action": "setCustomType"}
    ]


def test_cart_discount_round_trip_and_not_copyable() -> None:
    document = round_trip(CART_DISCOUNTS, CART_DISCOUNT)
    assert document["value"] == {
        "type": "absolute",
        "money": [{"currencyCode": "EUR", "centAmount": 1000}],
    }
    assert document["stores"] == [{"typeId": "store", "key": "berlin"}]
    assert document["custom"] == {
        "type": {"typeId": "type", "id": "type-1"},
        "fields": {"campaign": "spring"},
    }
    for field in ("id", "version", "createdAt", "lastModifiedAt", "references"):
        assert field not in CART_DISCOUNTS.to_draft(CART_DISCOUNT, key_of)  # type: ignore[misc]
    with pytest.raises(NotCopyable, match="cart-discount cd-1 has no key"):
        CART_DISCOUNTS.to_draft({**CART_DISCOUNT, "key": None}, key_of)  # type: ignore[misc]
    foreign = {**CART_DISCOUNT, "custom": {"type": {"typeId": "type", "id": "t-9"}, "fields": {}}}
    with pytest.raises(NotCopyable, match="type t-9 has no key"):
        CART_DISCOUNTS.to_draft(foreign, key_of)  # type: ignore[misc]


# -- discount codes --------------------------------------------------------------------------

DISCOUNT_CODE: dict[str, Any] = {
    "id": "dc-1",
    "version": 2,
    "code": "SAVE10",
    "cartDiscounts": [{"typeId": "cart-discount", "id": "cd-1"}],
    "name": {"en": "Save ten"},
    "isActive": True,
    "maxApplications": 100,
    "groups": ["spring"],
    "validUntil": "2026-12-31T00:00:00.000Z",
}
DC_DRAFT: dict[str, Any] = {"code": "SAVE10", "cartDiscounts": ["ten"]}


def test_equal_discount_code_needs_no_action() -> None:
    assert (
        push(DISCOUNT_CODES, {**DC_DRAFT, "isActive": True, "groups": ["spring"]}, DISCOUNT_CODE)
        == []
    )


@pytest.mark.parametrize(
    ("field", "value", "action"),
    [
        ("key", "save-ten", "setKey"),
        ("name", {"en": "Ten"}, "setName"),
        ("description", {"en": "Ten off"}, "setDescription"),
        ("cartPredicate", "1 = 1", "setCartPredicate"),
        ("maxApplications", 5, "setMaxApplications"),
        ("maxApplicationsPerCustomer", 1, "setMaxApplicationsPerCustomer"),
        ("isActive", False, "changeIsActive"),
        ("groups", ["summer"], "changeGroups"),
    ],
)
def test_discount_code_field_changes(field: str, value: Any, action: str) -> None:
    assert push(DISCOUNT_CODES, {**DC_DRAFT, field: value}, DISCOUNT_CODE) == [
        {"action": action, field: value}
    ]
    assert push(DISCOUNT_CODES, {**DC_DRAFT, field: value}, {**DISCOUNT_CODE, field: value}) == []


def test_discount_code_cart_discounts_and_unsets() -> None:
    assert push(DISCOUNT_CODES, {**DC_DRAFT, "cartDiscounts": ["five", "ten"]}, DISCOUNT_CODE) == [
        {
            "action": "changeCartDiscounts",
            "cartDiscounts": [
                {"typeId": "cart-discount", "id": "cd-2"},
                {"typeId": "cart-discount", "id": "cd-1"},
            ],
        }
    ]
    assert push(DISCOUNT_CODES, {**DC_DRAFT, "maxApplications": None}, DISCOUNT_CODE) == [
        {"action": "setMaxApplications"}
    ]
    assert push(DISCOUNT_CODES, {**DC_DRAFT, "validUntil": None}, DISCOUNT_CODE) == [
        {"action": "setValidUntil"}
    ]
    assert names(push(DISCOUNT_CODES, DC_DRAFT, DISCOUNT_CODE, replace=True)) == [
        "setName",
        "setMaxApplications",
        "changeGroups",
        "setValidUntil",
    ]


def test_discount_code_matched_by_code_round_trip() -> None:
    draft = DISCOUNT_CODES.model.model_validate(DC_DRAFT)
    assert DISCOUNT_CODES.identity(draft) == "code SAVE10"
    assert DISCOUNT_CODES.lookups([draft]) == [("code", ["SAVE10"])]
    assert DISCOUNT_CODES.find(draft, [{"code": "OTHER"}, DISCOUNT_CODE], IDS) is DISCOUNT_CODE
    document = round_trip(DISCOUNT_CODES, DISCOUNT_CODE)
    assert document["cartDiscounts"] == [{"typeId": "cart-discount", "id": "cd-1"}]
    gone = {**DISCOUNT_CODE, "cartDiscounts": [{"typeId": "cart-discount", "id": "cd-9"}]}
    with pytest.raises(NotCopyable, match="cart-discount cd-9 has no key"):
        DISCOUNT_CODES.to_draft(gone, key_of)  # type: ignore[misc]


# -- shipping methods ------------------------------------------------------------------------

RATE_DE = {"price": typed("EUR", 500), "freeAbove": typed("EUR", 5000), "tiers": []}
SHIPPING_METHOD: dict[str, Any] = {
    "id": "sm-1",
    "version": 3,
    "key": "standard",
    "name": "Standard",
    "localizedName": {"en": "Standard"},
    "description": "Three days",
    "taxCategory": {"typeId": "tax-category", "id": "tax-1"},
    "predicate": "1 = 1",
    "isDefault": False,
    "active": True,
    "zoneRates": [{"zone": {"typeId": "zone", "id": "zone-1"}, "shippingRates": [RATE_DE]}],
}
SM_DRAFT: dict[str, Any] = {"key": "standard", "name": "Standard", "taxCategory": "std"}
DE_RATE_DRAFT = {
    "price": {"currencyCode": "EUR", "centAmount": 500},
    "freeAbove": {"currencyCode": "EUR", "centAmount": 5000},
}


def test_equal_shipping_method_needs_no_action() -> None:
    zones = [{"zone": "de", "shippingRates": [DE_RATE_DRAFT]}]
    assert push(SHIPPING_METHODS, {**SM_DRAFT, "zoneRates": zones}, SHIPPING_METHOD) == []


@pytest.mark.parametrize(
    ("field", "value", "action"),
    [
        ("name", "Express", "changeName"),
        ("localizedName", {"en": "Express"}, "setLocalizedName"),
        ("description", "One day", "setDescription"),
        ("localizedDescription", {"en": "One day"}, "setLocalizedDescription"),
        ("predicate", 'country = "DE"', "setPredicate"),
        ("isDefault", True, "changeIsDefault"),
        ("active", False, "changeActive"),
    ],
)
def test_shipping_method_field_changes(field: str, value: Any, action: str) -> None:
    assert push(SHIPPING_METHODS, {**SM_DRAFT, field: value}, SHIPPING_METHOD) == [
        {"action": action, field: value}
    ]
    assert (
        push(SHIPPING_METHODS, {**SM_DRAFT, field: value}, {**SHIPPING_METHOD, field: value}) == []
    )


def test_shipping_method_tax_category_and_unsets() -> None:
    assert push(SHIPPING_METHODS, {**SM_DRAFT, "taxCategory": "low"}, SHIPPING_METHOD) == [
        {"action": "changeTaxCategory", "taxCategory": {"typeId": "tax-category", "id": "tax-2"}}
    ]
    assert push(SHIPPING_METHODS, {**SM_DRAFT, "predicate": None}, SHIPPING_METHOD) == [
        {"action": "setPredicate"}
    ]
    assert names(push(SHIPPING_METHODS, SM_DRAFT, SHIPPING_METHOD, replace=True)) == [
        "setLocalizedName",
        "setDescription",
        "setPredicate",
        "removeZone",
    ]


def test_zone_rates_are_the_desired_set() -> None:
    de = {"typeId": "zone", "id": "zone-1"}
    fr = {"typeId": "zone", "id": "zone-2"}
    cheaper = {"price": {"currencyCode": "EUR", "centAmount": 400}}
    zones = [{"zone": "de", "shippingRates": [cheaper]}, {"zone": "fr", "shippingRates": [cheaper]}]
    assert push(SHIPPING_METHODS, {**SM_DRAFT, "zoneRates": zones}, SHIPPING_METHOD) == [
        {
            "action": "removeShippingRate",
            "zone": de,
            "shippingRate": {
                "price": {"currencyCode": "EUR", "centAmount": 500},
                "freeAbove": {"currencyCode": "EUR", "centAmount": 5000},
            },
        },
        {"action": "addShippingRate", "zone": de, "shippingRate": cheaper},
        {"action": "addZone", "zone": fr},
        {"action": "addShippingRate", "zone": fr, "shippingRate": cheaper},
    ]
    assert push(SHIPPING_METHODS, {**SM_DRAFT, "zoneRates": []}, SHIPPING_METHOD) == [
        {"action": "removeZone", "zone": de}
    ]


def test_shipping_method_round_trip_and_not_copyable() -> None:
    document = round_trip(SHIPPING_METHODS, SHIPPING_METHOD)
    assert document["zoneRates"] == [
        {"zone": {"typeId": "zone", "id": "zone-1"}, "shippingRates": [DE_RATE_DRAFT]}
    ]
    assert document["taxCategory"] == {"typeId": "tax-category", "id": "tax-1"}
    with pytest.raises(NotCopyable, match="shipping-method sm-1 has no key"):
        SHIPPING_METHODS.to_draft({**SHIPPING_METHOD, "key": ""}, key_of)  # type: ignore[misc]
    lost = {**SHIPPING_METHOD, "taxCategory": {"typeId": "tax-category", "id": "tax-9"}}
    with pytest.raises(NotCopyable, match="tax-category tax-9 has no key"):
        SHIPPING_METHODS.to_draft(lost, key_of)  # type: ignore[misc]


# -- standalone prices -----------------------------------------------------------------------

PRICE: dict[str, Any] = {
    "id": "sp-1",
    "version": 1,
    "key": "sku-1-eur",
    "sku": "SKU-1",
    "value": typed("EUR", 1000),
    "country": "DE",
    "channel": {"typeId": "channel", "id": "chan-1"},
    "validFrom": "2026-01-01T00:00:00.000Z",
    "tiers": [{"minimumQuantity": 10, "value": typed("EUR", 900)}],
    "active": True,
    "discounted": {
        "value": typed("EUR", 800),
        "discount": {"typeId": "product-discount", "id": "pd"},
    },
}
SP_DRAFT: dict[str, Any] = {
    "key": "sku-1-eur",
    "sku": "SKU-1",
    "value": {"currencyCode": "EUR", "centAmount": 1000},
}
TIER_10 = {"minimumQuantity": 10, "value": {"currencyCode": "EUR", "centAmount": 900}}
TIER_20 = {"minimumQuantity": 20, "value": {"currencyCode": "EUR", "centAmount": 800}}


def test_equal_standalone_price_needs_no_action() -> None:
    draft = {**SP_DRAFT, "country": "DE", "channel": "eu", "tiers": [TIER_10], "active": True}
    assert push(STANDALONE_PRICES, draft, PRICE) == []


def test_standalone_price_value_active_validity() -> None:
    cheaper = {"currencyCode": "EUR", "centAmount": 950}
    assert push(STANDALONE_PRICES, {**SP_DRAFT, "value": cheaper}, PRICE) == [
        {"action": "changeValue", "value": cheaper}
    ]
    assert push(STANDALONE_PRICES, {**SP_DRAFT, "active": False}, PRICE) == [
        {"action": "changeActive", "active": False}
    ]
    assert push(STANDALONE_PRICES, {**SP_DRAFT, "validUntil": "2027-01-01T00:00:00Z"}, PRICE) == [
        {"action": "setValidUntil", "validUntil": "2027-01-01T00:00:00.000Z"}
    ]
    assert push(STANDALONE_PRICES, {**SP_DRAFT, "validFrom": None}, PRICE) == [
        {"action": "setValidFrom"}
    ]


def test_standalone_price_tiers() -> None:
    assert push(STANDALONE_PRICES, {**SP_DRAFT, "tiers": [TIER_10, TIER_20]}, PRICE) == [
        {"action": "addPriceTier", "tier": TIER_20}
    ]
    assert push(STANDALONE_PRICES, {**SP_DRAFT, "tiers": []}, PRICE) == [
        {"action": "removePriceTier", "minimumQuantity": 10}
    ]
    other = {**TIER_10, "value": {"currencyCode": "EUR", "centAmount": 850}}
    assert push(STANDALONE_PRICES, {**SP_DRAFT, "tiers": [other, TIER_20]}, PRICE) == [
        {"action": "setPriceTiers", "tiers": [other, TIER_20]}
    ]


def test_standalone_price_replace_leaves_the_discount_alone() -> None:
    assert names(push(STANDALONE_PRICES, SP_DRAFT, PRICE, replace=True)) == [
        "setValidFrom",
        "removePriceTier",
    ]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("sku", "SKU-2", "sku SKU-1 -> SKU-2"),
        ("value", {"currencyCode": "USD", "centAmount": 1000}, "currency EUR -> USD"),
        ("country", "FR", "country DE -> FR"),
        ("channel", None, "channel -> none"),
        ("customerGroup", "vip", "customerGroup -> vip"),
    ],
)
def test_a_moved_scope_fails_with_the_reason(field: str, value: Any, reason: str) -> None:
    with pytest.raises(ScopeChanged, match=reason):
        push(STANDALONE_PRICES, {**SP_DRAFT, field: value}, PRICE)


def test_standalone_price_round_trip_and_not_copyable() -> None:
    document = round_trip(STANDALONE_PRICES, PRICE)
    assert document == {
        "key": "sku-1-eur",
        "sku": "SKU-1",
        "value": {"currencyCode": "EUR", "centAmount": 1000},
        "country": "DE",
        "channel": {"typeId": "channel", "id": "chan-1"},
        "validFrom": "2026-01-01T00:00:00.000Z",
        "tiers": [TIER_10],
        "active": True,
    }
    with pytest.raises(NotCopyable, match="standalone-price sp-1 has no key"):
        STANDALONE_PRICES.to_draft({**PRICE, "key": None}, key_of)  # type: ignore[misc]
    group = {**PRICE, "customerGroup": {"typeId": "customer-group", "id": "g-9"}}
    with pytest.raises(NotCopyable, match="customer-group g-9 has no key"):
        STANDALONE_PRICES.to_draft(group, key_of)  # type: ignore[misc]


def test_a_batch_of_prices_is_looked_up_in_chunks() -> None:
    drafts = [
        STANDALONE_PRICES.model.model_validate({**SP_DRAFT, "key": f"price-{i}"})
        for i in range(500)
    ]
    ((field, keys),) = STANDALONE_PRICES.lookups(drafts)
    chunks = predicate_chunks(field, keys)
    assert len(chunks) == 5 and all(c.startswith("key in (") for c in chunks)
