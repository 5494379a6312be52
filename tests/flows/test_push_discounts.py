"""Pushing cart discounts, discount codes, shipping methods and standalone prices into the
sandbox: creates, exact update actions, then nothing; references by key; bad records alone fail.

The mock lacks some of commercetools' update actions (cart discounts' changeValue,
changeCartPredicate, changeName, changeRequiresDiscountCode, changeStackingMode; shipping
methods' changeTaxCategory; discount codes' changeGroups and setKey; standalone prices'
changeActive, tiers and validity actions) and keeps no key of a created standalone price: those
are unit-tested (tests/unit/test_actions_discounts.py); here only what the mock implements.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.push import PUSH_FLOWS
from sandbox import Sandbox
from tests.flows.push_support import all_of, by_key, credentials_for, hub_in, write_jsonl

pytestmark = pytest.mark.sandbox

TAX = {"id": "9a0c0c1e-0000-4000-8000-0000000000a1", "key": "std", "name": "Standard", "rates": []}
ZONE_DE = {"id": "9a0c0c1e-0000-4000-8000-0000000000b1", "key": "de", "name": "DE", "locations": []}
ZONE_FR = {"id": "9a0c0c1e-0000-4000-8000-0000000000b2", "key": "fr", "name": "FR", "locations": []}
CHANNEL = {
    "id": "9a0c0c1e-0000-4000-8000-0000000000c1",
    "key": "web",
    "roles": ["ProductDistribution"],
    "name": {"en": "Web"},
}
STORE = {
    "id": "9a0c0c1e-0000-4000-8000-0000000000d1",
    "key": "berlin",
    "name": {"en": "Berlin"},
    "languages": [],
    "countries": [],
    "distributionChannels": [],
    "supplyChannels": [],
    "productSelections": [],
}
EUR = {"currencyCode": "EUR"}


@pytest.fixture
def blank(private_sandbox: Sandbox) -> Iterator[Sandbox]:
    private_sandbox.reset(
        {
            "tax-category": [TAX],
            "zone": [ZONE_DE, ZONE_FR],
            "channel": [CHANNEL],
            "store": [STORE],
        }
    )
    yield private_sandbox


def push(sandbox: Sandbox, entity: str, source: Any, tmp_path: Path, **options: Any) -> Any:
    return PUSH_FLOWS[entity](credentials_for(sandbox), source, hub=hub_in(tmp_path), **options)


CART_DISCOUNTS: list[dict[str, Any]] = [
    {
        "key": "ten",
        "name": {"en": "Ten off"},
        "value": {"type": "absolute", "money": [{**EUR, "centAmount": 1000}]},
        "cartPredicate": "1 = 1",
        "target": {"type": "lineItems", "predicate": "1 = 1"},
        "sortOrder": "0.5",
        "isActive": True,
        "stores": ["berlin"],
    },
    {
        "key": "half",
        "name": {"en": "Half off"},
        "value": {"type": "relative", "permyriad": 5000},
        "cartPredicate": "1 = 1",
        "target": {"type": "lineItems", "predicate": "1 = 1"},
        "sortOrder": "0.4",
        "isActive": True,
        "stores": ["berlin"],
    },
]
CART_DISCOUNTS_CHANGED: list[dict[str, Any]] = [
    {**CART_DISCOUNTS[0], "isActive": False, "sortOrder": "0.6", "description": {"en": "Ten"}},
    {
        **CART_DISCOUNTS[1],
        "target": {"type": "shipping"},
        "validUntil": "2027-01-01T00:00:00Z",
        "stores": [],
    },
]


def test_cart_discounts_then_codes(blank, tmp_path) -> None:
    source = write_jsonl(tmp_path / "cart-discounts.jsonl", CART_DISCOUNTS)
    first = push(blank, "cart-discounts", str(source), tmp_path)
    assert (first.created, first.failed) == (2, 0)
    stored = by_key(blank, "cart-discounts")
    assert stored["ten"]["stores"] == [{"typeId": "store", "key": "berlin"}]
    assert stored["ten"]["value"]["money"][0]["centAmount"] == 1000

    write_jsonl(source, CART_DISCOUNTS_CHANGED)
    second = push(blank, "cart-discounts", str(source), tmp_path)
    assert (second.created, second.updated, second.unchanged, second.failed) == (0, 2, 0, 0)
    assert second.actions == {
        "changeIsActive": 1,
        "changeSortOrder": 1,
        "setDescription": 1,
        "changeTarget": 1,
        "setValidUntil": 1,
        "setStores": 1,
    }
    stored = by_key(blank, "cart-discounts")
    assert stored["ten"]["isActive"] is False and stored["ten"]["sortOrder"] == "0.6"
    assert stored["half"]["target"] == {"type": "shipping"} and not stored["half"].get("stores")

    third = push(blank, "cart-discounts", str(source), tmp_path)
    assert (third.updated, third.unchanged) == (0, 2)
    _discount_codes(blank, tmp_path, stored)


def _discount_codes(sandbox: Sandbox, tmp_path: Path, discounts: dict[str, Any]) -> None:
    """Codes from CSV, their cart discounts by key; one refers to a missing discount."""
    source = tmp_path / "discount-codes.csv"
    source.write_text(
        "code,cartDiscounts.0,cartDiscounts.1,maxApplications,name.en\n"
        "SAVE10,ten,,,Save ten\n"
        "SAVE5,half,ten,10,\n"
        "LOST,nope,,,\n",
        encoding="utf-8",
    )
    first = push(sandbox, "discount-codes", str(source), tmp_path)
    assert (first.created, first.failed) == (2, 1)
    assert "line 4 (code LOST): cart-discount 'nope' not found" in first.first_failures[0]
    codes = {c["code"]: c for c in all_of(sandbox, "discount-codes")}
    assert codes["SAVE5"]["cartDiscounts"] == [
        {"typeId": "cart-discount", "id": discounts["half"]["id"]},
        {"typeId": "cart-discount", "id": discounts["ten"]["id"]},
    ]
    changed = [
        {"code": "SAVE10", "cartDiscounts": ["half"], "name": {"en": "Save ten"}},
        {
            "code": "SAVE5",
            "cartDiscounts": ["half", "ten"],
            "maxApplications": None,
            "name": {"en": "Save five"},
        },
    ]
    second = push(sandbox, "discount-codes", changed, tmp_path)
    assert (second.updated, second.unchanged, second.failed) == (2, 0, 0)
    assert second.actions == {"changeCartDiscounts": 1, "setMaxApplications": 1, "setName": 1}
    codes = {c["code"]: c for c in all_of(sandbox, "discount-codes")}
    assert codes["SAVE10"]["cartDiscounts"][0]["id"] == discounts["half"]["id"]
    assert codes["SAVE5"].get("maxApplications") is None
    third = push(sandbox, "discount-codes", changed, tmp_path)
    assert (third.updated, third.unchanged) == (0, 2)


def test_dry_run_writes_nothing(blank, tmp_path) -> None:
    report = push(blank, "cart-discounts", CART_DISCOUNTS, tmp_path, dry_run=True)
    assert (report.created, report.failed) == (2, 0)
    assert all_of(blank, "cart-discounts") == []


RATE = {"price": {**EUR, "centAmount": 500}, "freeAbove": {**EUR, "centAmount": 5000}}
SHIPPING: list[dict[str, Any]] = [
    {
        "key": "standard",
        "name": "Standard",
        "taxCategory": "std",
        "isDefault": False,
        "zoneRates": [{"zone": "de", "shippingRates": [RATE]}],
    },
    {"key": "lost", "name": "Lost", "taxCategory": "std", "zoneRates": [{"zone": "nowhere"}]},
]


def test_shipping_methods_with_zone_rates(blank, tmp_path) -> None:
    source = write_jsonl(tmp_path / "shipping-methods.jsonl", SHIPPING)
    first = push(blank, "shipping-methods", str(source), tmp_path)
    assert (first.created, first.failed) == (1, 1)
    assert "zone 'nowhere' not found" in first.first_failures[0]
    stored = by_key(blank, "shipping-methods")["standard"]
    assert stored["taxCategory"]["id"] == TAX["id"]
    assert stored["zoneRates"][0]["zone"]["id"] == ZONE_DE["id"]

    changed = {
        **SHIPPING[0],
        "localizedName": {"en": "Standard", "de": "Standard"},
        "predicate": 'country = "DE"',
        "isDefault": True,
        "zoneRates": [{"zone": "de", "shippingRates": []}, {"zone": "fr"}],
    }
    write_jsonl(source, [changed])
    second = push(blank, "shipping-methods", str(source), tmp_path)
    assert (second.updated, second.failed) == (1, 0)
    assert second.actions == {
        "setLocalizedName": 1,
        "setPredicate": 1,
        "changeIsDefault": 1,
        "removeShippingRate": 1,
        "addZone": 1,
    }
    stored = by_key(blank, "shipping-methods")["standard"]
    assert [(z["zone"]["id"], z["shippingRates"]) for z in stored["zoneRates"]] == [
        (ZONE_DE["id"], []),
        (ZONE_FR["id"], []),
    ]
    third = push(blank, "shipping-methods", str(source), tmp_path)
    assert (third.updated, third.unchanged) == (0, 1)


def price(key: str, sku: str, cents: int, **fields: Any) -> dict[str, Any]:
    """A stored standalone price (loaded: the mock keeps no key of a created one)."""
    money = {"type": "centPrecision", **EUR, "centAmount": cents, "fractionDigits": 2}
    return {"key": key, "sku": sku, "value": money, "active": True, **fields}


def test_standalone_prices_from_csv_then_updates(blank, tmp_path) -> None:
    source = tmp_path / "prices.csv"
    source.write_text(
        "key,sku,value.currencyCode,value.centAmount,country,channel\n"
        "sku-1-de,SKU-1,EUR,1000,DE,web\n"
        "sku-2,SKU-2,EUR,2000,,\n"
        "sku-3,SKU-3,EUR,3000,,nowhere\n",
        encoding="utf-8",
    )
    first = push(blank, "standalone-prices", str(source), tmp_path)
    assert (first.created, first.failed) == (2, 1)
    assert "channel 'nowhere' not found" in first.first_failures[0]
    stored = {p["sku"]: p for p in all_of(blank, "standalone-prices")}
    assert stored["SKU-1"]["channel"]["id"] == CHANNEL["id"]
    assert stored["SKU-1"]["country"] == "DE" and stored["SKU-2"]["value"]["centAmount"] == 2000

    blank.reset(
        {
            "channel": [CHANNEL],
            "standalone-price": [price("p1", "SKU-1", 1000), price("p2", "SKU-2", 2000)],
        }
    )
    drafts = [
        {"key": "p1", "sku": "SKU-1", "value": {**EUR, "centAmount": 900}},
        {"key": "p2", "sku": "SKU-9", "value": {**EUR, "centAmount": 2000}},
    ]
    second = push(blank, "standalone-prices", drafts, tmp_path)
    assert (second.updated, second.failed) == (1, 1)
    assert second.actions == {"changeValue": 1}
    assert "key p2" in second.first_failures[0] and "sku SKU-2 -> SKU-9" in second.first_failures[0]
    assert by_key(blank, "standalone-prices")["p1"]["value"]["centAmount"] == 900
    third = push(blank, "standalone-prices", drafts[:1], tmp_path)
    assert (third.updated, third.unchanged) == (0, 1)


def test_five_thousand_standalone_prices_in_batches(blank, tmp_path) -> None:
    count = 5000
    blank.reset({"standalone-price": [price(f"p{i}", f"SKU-{i}", 100) for i in range(count)]})
    drafts = [
        {"key": f"p{i}", "sku": f"SKU-{i}", "value": {**EUR, "centAmount": 100 + (i % 2)}}
        for i in range(count)
    ]
    source = write_jsonl(tmp_path / "prices.jsonl", drafts)
    report = push(blank, "standalone-prices", str(source), tmp_path, batch_size=500)
    assert (report.read, report.updated, report.unchanged, report.failed) == (5000, 2500, 2500, 0)
    assert report.actions == {"changeValue": 2500}
    prices = by_key_all(blank)
    assert prices["p1"]["value"]["centAmount"] == 101 and prices["p2"]["value"]["centAmount"] == 100


def by_key_all(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    """Every standalone price by key, past the 500 of one page."""
    found: dict[str, dict[str, Any]] = {}
    with sandbox.client() as http:
        for offset in range(0, 10000, 500):
            response = http.get(
                f"{sandbox.api_url}/standalone-prices",
                params={"limit": 500, "offset": offset, "sort": "id asc"},
            )
            results = response.json()["results"]
            found.update({r["key"]: r for r in results})
            if len(results) < 500:
                break
    return found
