"""Pushing products into the sandbox: a CSV of variants and prices, minimal updates, publishing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.push import push_products
from sandbox import Sandbox
from tests.flows.push_support import by_key, credentials_for, hub_in

pytestmark = pytest.mark.sandbox


def _id(n: int) -> str:
    return f"7b0c0c1e-0000-4000-8000-{n:012d}"


SEED: dict[str, Any] = {
    "product-type": [{"id": _id(1), "key": "shirt", "name": "Shirt", "attributes": []}],
    "tax-category": [
        {"id": _id(2), "key": "standard", "name": "Standard", "rates": []},
        {"id": _id(3), "key": "reduced", "name": "Reduced", "rates": []},
    ],
    "category": [
        {"id": _id(4), "key": "women", "name": {"en": "Women"}, "slug": {"en": "women"}},
        {"id": _id(5), "key": "sale", "name": {"en": "Sale"}, "slug": {"en": "sale"}},
    ],
}
CATEGORY_IDS = {"women": _id(4), "sale": _id(5)}
TAX_IDS = {"standard": _id(2), "reduced": _id(3)}

HEADER = (
    "key,productType,name.en,slug.en,description.en,categories.0,categories.1,taxCategory,"
    "publish,masterVariant.sku,masterVariant.prices.0.value.currencyCode,"
    "masterVariant.prices.0.value.centAmount,masterVariant.prices.0.country,"
    "masterVariant.prices.1.value.currencyCode,masterVariant.prices.1.value.centAmount,"
    "masterVariant.attributes.color,variants.0.sku,variants.0.prices.0.value.currencyCode,"
    "variants.0.prices.0.value.centAmount,variants.0.attributes.size\n"
)
FIRST = (
    HEADER
    + "tee,shirt,Tee,tee,Soft,women,,standard,true,tee-s,EUR,1999,DE,USD,2199,red,"
    + "tee-m,EUR,2099,M\n"
    + "polo,shirt,Polo,polo,,women,,,false,polo-1,EUR,2999,,,,blue,,,,\n"
)
CHANGED = (
    HEADER
    + "tee,shirt,Tee Shirt,tee,Softer,women,sale,reduced,true,tee-s,EUR,1799,DE,,,green,"
    + "tee-l,EUR,2299,L\n"
    + "polo,shirt,Polo,polo,,women,,,false,polo-1,EUR,2999,,,,blue,,,,\n"
)


@pytest.fixture
def blank(private_sandbox: Sandbox) -> Iterator[Sandbox]:
    private_sandbox.reset(SEED)
    yield private_sandbox


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def row_draft(text: str, key: str) -> dict[str, Any]:
    """What a CSV row asks for, in the shape the sandbox serves."""
    columns = HEADER.strip().split(",")
    for line in text.splitlines()[1:]:
        cells = dict(zip(columns, line.split(","), strict=True))
        if cells["key"] == key:
            return cells
    raise KeyError(key)


def variant_view(variant: dict[str, Any]) -> tuple[Any, ...]:
    prices = sorted(
        (p["value"]["currencyCode"], p["value"]["centAmount"], p.get("country"))
        for p in variant.get("prices") or []
    )
    attributes = {a["name"]: a["value"] for a in variant.get("attributes") or [] if "value" in a}
    return variant["sku"], prices, attributes


def assert_data_matches(data: dict[str, Any], cells: dict[str, str]) -> None:
    assert data["name"] == {"en": cells["name.en"]}
    assert data["slug"] == {"en": cells["slug.en"]}
    assert (data.get("description") or None) == (
        {"en": cells["description.en"]} if cells["description.en"] else None
    )
    wanted = {CATEGORY_IDS[cells[c]] for c in ("categories.0", "categories.1") if cells[c]}
    assert {c["id"] for c in data["categories"]} == wanted
    prices = [
        (
            "EUR",
            int(cells["masterVariant.prices.0.value.centAmount"]),
            cells["masterVariant.prices.0.country"] or None,
        )
    ]
    if cells["masterVariant.prices.1.value.currencyCode"]:
        prices.append(("USD", int(cells["masterVariant.prices.1.value.centAmount"]), None))
    assert variant_view(data["masterVariant"]) == (
        cells["masterVariant.sku"],
        sorted(prices),
        {"color": cells["masterVariant.attributes.color"]},
    )
    variants = [variant_view(v) for v in data["variants"]]
    if cells["variants.0.sku"]:
        price = ("EUR", int(cells["variants.0.prices.0.value.centAmount"]), None)
        assert variants == [
            (cells["variants.0.sku"], [price], {"size": cells["variants.0.attributes.size"]})
        ]
    else:
        assert variants == []


def assert_product_matches(product: dict[str, Any], cells: dict[str, str]) -> None:
    master_data = product["masterData"]
    assert_data_matches(master_data["staged"], cells)
    published = cells["publish"] == "true"
    assert master_data["published"] is published
    if published:
        assert_data_matches(master_data["current"], cells)
        assert master_data["hasStagedChanges"] is False
    tax = TAX_IDS[cells["taxCategory"]] if cells["taxCategory"] else None
    assert (product.get("taxCategory") or {}).get("id") == tax
    assert product["productType"]["id"] == _id(1)


def test_create_update_with_exact_actions_then_nothing(blank, tmp_path) -> None:
    credentials, hub = credentials_for(blank), hub_in(tmp_path)
    source = write(tmp_path / "products.csv", FIRST)
    first = push_products(credentials, source, hub=hub)
    assert (first.created, first.updated, first.failed) == (2, 0, 0), first.first_failures
    stored = by_key(blank, "products")
    assert_product_matches(stored["tee"], row_draft(FIRST, "tee"))
    assert_product_matches(stored["polo"], row_draft(FIRST, "polo"))

    write(tmp_path / "products.csv", CHANGED)
    second = push_products(credentials, source, hub=hub)
    assert (second.created, second.updated, second.unchanged, second.failed) == (0, 1, 1, 0)
    assert second.actions == {
        "changeName": 1,
        "setDescription": 1,
        "addToCategory": 1,
        "setTaxCategory": 1,
        "addVariant": 1,
        "removeVariant": 1,
        "setAttribute": 1,
        "changePrice": 1,
        "removePrice": 1,
        "publish": 1,
    }
    stored = by_key(blank, "products")
    assert_product_matches(stored["tee"], row_draft(CHANGED, "tee"))
    assert_product_matches(stored["polo"], row_draft(CHANGED, "polo"))

    blank.reset_stats()
    third = push_products(credentials, source, hub=hub)
    assert (third.created, third.updated, third.unchanged, third.actions) == (0, 0, 2, {})
    writes = [k for k in blank.stats()["by_method_path"] if k.startswith("POST /sandbox/")]
    assert writes == []


def test_unpublishing_keeps_changes_staged(blank, tmp_path) -> None:
    credentials, hub = credentials_for(blank), hub_in(tmp_path)
    push_products(credentials, write(tmp_path / "p.csv", FIRST), hub=hub)
    staged_only = FIRST.replace("tee,shirt,Tee,tee,Soft", "tee,shirt,Tee 2,tee,Soft").replace(
        ",standard,true,", ",standard,false,"
    )
    report = push_products(credentials, write(tmp_path / "p.csv", staged_only), hub=hub)
    assert report.actions == {"changeName": 1, "unpublish": 1}
    tee = by_key(blank, "products")["tee"]["masterData"]
    assert tee["staged"]["name"] == {"en": "Tee 2"}
    assert tee["current"]["name"] == {"en": "Tee"}
    assert (tee["published"], tee["hasStagedChanges"]) == (False, True)


def test_missing_category_fails_only_its_record(blank, tmp_path) -> None:
    broken = FIRST.replace("polo,shirt,Polo,polo,,women,", "polo,shirt,Polo,polo,,no-such-cat,")
    report = push_products(
        credentials_for(blank), write(tmp_path / "p.csv", broken), hub=hub_in(tmp_path)
    )
    assert (report.created, report.failed) == (1, 1)
    assert report.first_failures == ["line 3 (key polo): category 'no-such-cat' not found"]
    assert sorted(by_key(blank, "products")) == ["tee"]
