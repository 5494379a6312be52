"""Promotions: cart discounts with their discount codes, and product discounts."""

from __future__ import annotations

import copy

from sandbox.seed.carts import Catalog
from sandbox.seed.common import (
    Resource,
    cent_money,
    id_reference,
    localized,
    resource_base,
    section_rng,
)

# (key, name en, name de, value, validity) of each product discount
PRODUCT_DISCOUNTS: list[tuple[str, str, str, Resource, tuple[str, str] | None]] = [
    (
        "apparel-summer-10",
        "10% off apparel",
        "10% auf Bekleidung",
        {"type": "relative", "permyriad": 1000},
        ("2026-06-01T00:00:00.000Z", "2026-08-31T23:59:59.000Z"),
    ),
    (
        "headphones-20",
        "20% off headphones",
        "20% auf Kopfhörer",
        {"type": "relative", "permyriad": 2000},
        None,
    ),
    (
        "five-off-bestsellers",
        "5 off bestsellers",
        "5 Rabatt auf Bestseller",
        {"type": "absolute", "money": [cent_money(500, "EUR"), cent_money(500, "USD")]},
        ("2026-03-01T00:00:00.000Z", "2026-03-31T23:59:59.000Z"),
    ),
    ("erp-promotions", "ERP promotions", "ERP-Aktionen", {"type": "external"}, None),
    (
        "black-friday-25",
        "Black Friday 25%",
        "Black Friday 25%",
        {"type": "relative", "permyriad": 2500},
        ("2026-11-27T00:00:00.000Z", "2026-11-30T23:59:59.000Z"),
    ),
]


def cart_discount_sections(seed: int) -> dict[str, list[Resource]]:
    """Three cart discounts and the discount codes that apply them."""
    cart_discounts, codes = _discounts(seed)
    return {"cart-discount": cart_discounts, "discount-code": codes}


def _discounts(seed: int) -> tuple[list[Resource], list[Resource]]:
    rng = section_rng(seed, "discounts")
    cart_discounts = []
    for key, name, permyriad, hint in [
        ("ten-percent", "10% off", 1000, "0.1"),
        ("vip-fifteen", "15% off for VIPs", 1500, "0.2"),
        ("summer-sale", "Summer sale 20%", 2000, "0.3"),
    ]:
        cd = resource_base(rng, key)
        cd.update(
            name=localized(name),
            value={"type": "relative", "permyriad": permyriad},
            cartPredicate="1 = 1",
            target={"type": "lineItems", "predicate": "1 = 1"},
            sortOrder=hint,
            isActive=True,
            requiresDiscountCode=key != "vip-fifteen",
            stackingMode="Stacking",
            references=[],
            stores=[],
        )
        cart_discounts.append(cd)
    codes = []
    for code, cd in [
        ("WELCOME10", cart_discounts[0]),
        ("SUMMER20", cart_discounts[2]),
        ("FRIENDS10", cart_discounts[0]),
    ]:
        dc = resource_base(rng, code.lower())
        dc.update(
            code=code,
            name=localized(code),
            cartDiscounts=[id_reference("cart-discount", cd)],
            isActive=True,
            references=[],
            groups=[],
            applicationVersion=1,
            maxApplications=1000,
        )
        codes.append(dc)
    return cart_discounts, codes


def _targets(
    cat: Catalog, product_types: list[Resource], categories: list[Resource]
) -> dict[str, tuple[str, list[Resource]]]:
    """The predicate and the references of each product discount, by key."""
    apparel = next(pt for pt in product_types if pt["key"] == "apparel")
    headphones = next(c for c in categories if c["key"] == "electronics-audio-headphones")
    skus = [p["masterData"]["current"]["masterVariant"]["sku"] for p in cat.products[:3]]
    return {
        "apparel-summer-10": (
            f'productType.id = "{apparel["id"]}"',
            [id_reference("product-type", apparel)],
        ),
        "headphones-20": (
            f'categories.id contains "{headphones["id"]}"',
            [id_reference("category", headphones)],
        ),
        "five-off-bestsellers": (f'sku in ("{skus[0]}", "{skus[1]}")', []),
        "erp-promotions": (f'sku = "{skus[2]}"', []),
        "black-friday-25": ("1 = 1", []),
    }


def product_discounts(
    seed: int, cat: Catalog, product_types: list[Resource], categories: list[Resource]
) -> list[Resource]:
    rng = section_rng(seed, "product-discounts")
    out = []
    targets = _targets(cat, product_types, categories)
    for key, en, de, value, validity in PRODUCT_DISCOUNTS:
        predicate, refs = targets[key]
        discount = resource_base(rng, key)
        discount.update(
            name=localized(en, de),
            description=localized(f"{en} (product discount)", f"{de} (Produktrabatt)"),
            value=copy.deepcopy(value),
            predicate=predicate,
            sortOrder=f"0.{9 - len(out)}{rng.randint(1, 9)}",
            isActive=key != "black-friday-25",
            references=refs,
        )
        if validity:
            discount["validFrom"], discount["validUntil"] = validity
        out.append(discount)
    return out
