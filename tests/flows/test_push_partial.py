"""Pushes change only what a draft names: partial feeds keep the rest, nulls and empty cells
unset, `replace` restores whole-record semantics, and a destructive push stops before writing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ctsync.run.report import RunFailed
from flows.push import push_categories, push_customers, push_inventory, push_products
from sandbox import Sandbox
from tests.flows.push_support import CHANNEL_EU, by_key, credentials_for, hub_in, write_jsonl
from tests.flows.test_sync import read_artifact

pytestmark = pytest.mark.sandbox


def _id(n: int) -> str:
    return f"5c0c0c1e-0000-4000-8000-{n:012d}"


def customer(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": _id(100 + n),
        "version": 1,
        "key": f"c{n}",
        "email": f"c{n}@example.com",
        "firstName": "First",
        "lastName": f"Last{n}",
        "addresses": [{"id": f"a{n}", "key": "home", "country": "DE", "city": "Berlin"}],
        "defaultShippingAddressId": f"a{n}",
        "isEmailVerified": False,
        "authenticationMode": "Password",
        **fields,
    }


CATEGORY = {
    "id": _id(1),
    "version": 1,
    "key": "shoes",
    "name": {"en": "Shoes"},
    "slug": {"en": "shoes"},
    "description": {"en": "For walking"},
    "orderHint": "0.5",
}
PRODUCT_TYPE = {"id": _id(2), "version": 1, "key": "shirt", "name": "Shirt", "attributes": []}
TAX = {"id": _id(3), "version": 1, "key": "standard", "name": "Standard", "rates": []}
PRICE = {"id": "price-1", "value": {"currencyCode": "EUR", "centAmount": 1999}}


def product() -> dict[str, Any]:
    data = {
        "name": {"en": "Tee"},
        "slug": {"en": "tee"},
        "description": {"en": "Soft"},
        "categories": [{"typeId": "category", "id": _id(1)}],
        "masterVariant": {
            "id": 1,
            "sku": "tee-s",
            "prices": [PRICE],
            "attributes": [{"name": "color", "value": "red"}],
        },
        "variants": [{"id": 2, "sku": "tee-m", "prices": [], "attributes": []}],
        "searchKeywords": {},
    }
    return {
        "id": _id(4),
        "version": 1,
        "key": "tee",
        "productType": {"typeId": "product-type", "id": _id(2)},
        "taxCategory": {"typeId": "tax-category", "id": _id(3)},
        "masterData": {
            "current": data,
            "staged": json.loads(json.dumps(data)),
            "published": True,
            "hasStagedChanges": False,
        },
    }


INVENTORY = {
    "id": _id(5),
    "version": 1,
    "sku": "tee-s",
    "supplyChannel": {"typeId": "channel", "id": CHANNEL_EU["id"]},
    "quantityOnStock": 4,
    "availableQuantity": 4,
    "restockableInDays": 3,
    "expectedDelivery": "2026-12-01T00:00:00.000Z",
}


@pytest.fixture
def shop(private_sandbox: Sandbox) -> Iterator[Sandbox]:
    private_sandbox.reset(
        {
            "customer": [customer(n) for n in range(1, 31)],
            "category": [CATEGORY],
            "product-type": [PRODUCT_TYPE],
            "tax-category": [TAX],
            "product": [product()],
            "channel": [CHANNEL_EU],
            "inventory-entry": [INVENTORY],
        }
    )
    private_sandbox.clear_faults()
    yield private_sandbox


def fetch(sandbox: Sandbox, endpoint: str, key: str) -> dict[str, Any]:
    with sandbox.client() as http:
        response = http.get(f"{sandbox.api_url}/{endpoint}/key={key}")
        response.raise_for_status()
        found: dict[str, Any] = response.json()
        return found


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_partial_customer_draft_keeps_what_it_does_not_name(shop: Sandbox, tmp_path) -> None:
    credentials, hub = credentials_for(shop), hub_in(tmp_path)
    drafts = [{"key": "c1", "email": "c1@example.com", "firstName": "Ada"}]
    report = push_customers(credentials, drafts, hub=hub)
    assert (report.updated, report.actions) == (1, {"setFirstName": 1})
    c1 = fetch(shop, "customers", "c1")
    assert (c1["firstName"], c1["lastName"]) == ("Ada", "Last1")
    assert [a["key"] for a in c1["addresses"]] == ["home"]
    assert c1["defaultShippingAddressId"] == c1["addresses"][0]["id"]
    assert push_customers(credentials, drafts, hub=hub).unchanged == 1  # nothing twice

    nulls = [{"key": "c1", "email": "c1@example.com", "lastName": None}]
    assert push_customers(credentials, nulls, hub=hub).actions == {"setLastName": 1}
    assert "lastName" not in fetch(shop, "customers", "c1")


def test_a_csv_changes_its_columns_only_and_an_empty_cell_unsets(shop: Sandbox, tmp_path) -> None:
    credentials, hub = credentials_for(shop), hub_in(tmp_path)
    source = write(
        tmp_path / "crm.csv",
        "key,email,firstName,lastName\nc2,c2@example.com,Bea,\nc3,c3@example.com,Cy,Last3\n",
    )
    report = push_customers(credentials, source, hub=hub)
    assert (report.updated, report.unchanged) == (2, 0)
    assert report.actions == {"setFirstName": 2, "setLastName": 1}
    c2, c3 = fetch(shop, "customers", "c2"), fetch(shop, "customers", "c3")
    assert c2["firstName"] == "Bea" and "lastName" not in c2  # the empty cell unset it
    assert (c3["firstName"], c3["lastName"]) == ("Cy", "Last3")
    assert len(c2["addresses"]) == len(c3["addresses"]) == 1  # no address column: kept
    assert push_customers(credentials, source, hub=hub).unchanged == 2


def test_replace_makes_each_draft_the_whole_record(shop: Sandbox, tmp_path) -> None:
    credentials, hub = credentials_for(shop), hub_in(tmp_path)
    drafts = [{"key": "c4", "email": "c4@example.com", "firstName": "First"}]
    assert push_customers(credentials, drafts, hub=hub).unchanged == 1
    report = push_customers(credentials, drafts, replace=True, hub=hub)
    # Removing the default address unsets it as the default too: no action of its own.
    assert report.actions == {"setLastName": 1, "removeAddress": 1}
    c4 = fetch(shop, "customers", "c4")
    assert "lastName" not in c4 and c4["addresses"] == []


def test_partial_categories_inventory_and_products(shop: Sandbox, tmp_path) -> None:
    credentials, hub = credentials_for(shop), hub_in(tmp_path)
    category = {"key": "shoes", "name": {"en": "Shoes"}, "slug": {"en": "shoes"}}
    assert push_categories(credentials, [category], hub=hub).unchanged == 1
    assert fetch(shop, "categories", "shoes")["description"] == {"en": "For walking"}
    unset = push_categories(credentials, [{**category, "description": None}], hub=hub)
    assert unset.actions == {"setDescription": 1}
    assert "description" not in fetch(shop, "categories", "shoes")

    stock = [{"sku": "tee-s", "supplyChannel": "warehouse-eu", "quantityOnStock": 9}]
    assert push_inventory(credentials, stock, hub=hub).actions == {"changeQuantity": 1}
    entries = {e["sku"]: e for e in _all(shop, "inventory")}
    assert entries["tee-s"]["restockableInDays"] == 3
    assert entries["tee-s"]["expectedDelivery"] == "2026-12-01T00:00:00.000Z"

    prices = write(
        tmp_path / "prices.csv",
        "key,productType,name.en,slug.en,masterVariant.sku,"
        "masterVariant.prices.0.value.currencyCode,masterVariant.prices.0.value.centAmount\n"
        "tee,shirt,Tee,tee,tee-s,EUR,1499\n",
    )
    report = push_products(credentials, prices, hub=hub)
    assert report.actions == {"changePrice": 1}
    staged = fetch(shop, "products", "tee")["masterData"]["staged"]
    assert staged["description"] == {"en": "Soft"}
    assert [c["id"] for c in staged["categories"]] == [_id(1)]
    assert [v["sku"] for v in staged["variants"]] == ["tee-m"]
    assert staged["masterVariant"]["attributes"] == [{"name": "color", "value": "red"}]
    assert staged["masterVariant"]["prices"][0]["value"]["centAmount"] == 1499
    assert push_products(credentials, prices, hub=hub).unchanged == 1


def _all(sandbox: Sandbox, endpoint: str) -> list[dict[str, Any]]:
    with sandbox.client() as http:
        results: list[dict[str, Any]] = http.get(
            f"{sandbox.api_url}/{endpoint}", params={"limit": 500}
        ).json()["results"]
        return results


TRUNCATED_HEADER = "key,email,addresses.0.key,addresses.0.country,addresses.0.city\n"


def truncated_feed(path: Path) -> str:
    """An export cut off after its first columns on most rows: their address cells are empty."""
    rows = [f"c{n},c{n}@example.com,home,DE,Berlin\n" for n in range(1, 6)]
    rows += [f"c{n},c{n}@example.com,,,\n" for n in range(6, 31)]
    return write(path, TRUNCATED_HEADER + "".join(rows))


def test_the_guard_refuses_a_truncated_feed_before_writing(shop: Sandbox, tmp_path) -> None:
    credentials, hub = credentials_for(shop), hub_in(tmp_path)
    source = truncated_feed(tmp_path / "customers.csv")
    before = by_key(shop, "customers")
    shop.reset_stats()
    with pytest.raises(RunFailed) as caught:
        push_customers(credentials, source, hub=hub)
    message = str(caught.value)
    assert "push stopped before writing anything: 25 of 30 drafts (83%)" in message
    assert "removeAddress 25" in message and "line 7 (key c6): removeAddress home" in message
    assert "allow_destructive=True" in message
    writes = [k for k in shop.stats()["by_method_path"] if not k.startswith(("GET", "POST /oauth"))]
    assert writes == []
    assert by_key(shop, "customers") == before
    report = caught.value.report
    assert report is not None and report.destructive == 25

    allowed = push_customers(credentials, source, allow_destructive=True, hub=hub)
    assert allowed.updated == 25 and allowed.destructive == 25
    assert all(by_key(shop, "customers")[f"c{n}"]["addresses"] == [] for n in range(6, 31))


def test_a_push_under_the_threshold_writes(shop: Sandbox, tmp_path) -> None:
    credentials, hub = credentials_for(shop), hub_in(tmp_path)
    drafts = [{"key": f"c{n}", "email": f"c{n}@example.com", "addresses": []} for n in (1, 2)]
    report = push_customers(credentials, drafts, hub=hub)
    assert report.updated == 2 and report.destructive == 2  # 2 of 2, under the floor of 10


async def test_a_dry_run_plan_lists_destructive_actions_first(shop: Sandbox, tmp_path) -> None:
    credentials, hub = credentials_for(shop), hub_in(tmp_path)
    source = truncated_feed(tmp_path / "customers.csv")
    rename = tmp_path / "names.jsonl"
    report = await asyncio.to_thread(push_customers, credentials, source, dry_run=True, hub=hub)
    assert report.dry_run and report.destructive == 25 and report.updated == 25
    assert report.flow_run_id
    plan = await read_artifact(f"ct-{shop.project_key}-push-customers-plan", report.flow_run_id)
    rows = plan.data if isinstance(plan.data, list) else json.loads(plan.data)
    assert [r["record"] for r in rows[:25]] == [f"key c{n}" for n in range(6, 31)]
    assert all(r["removes or unsets"] == "removeAddress home" for r in rows[:25])
    assert all(r["operation"] == "update" and "removeAddress" in r["actions"] for r in rows[:25])
    assert by_key(shop, "customers")["c6"]["addresses"] != []
    write_jsonl(rename, [{"key": "c1", "email": "c1@example.com", "firstName": "New"}])
    names = await asyncio.to_thread(push_customers, credentials, str(rename), dry_run=True, hub=hub)
    assert names.destructive == 0
