"""The product catalog: product types, the category tree, products with their variants and
embedded prices, inventory, standalone prices and product selections."""

from __future__ import annotations

import json
import random
from typing import Any

from sandbox.seed.common import (
    Resource,
    SeedDoc,
    cent_money,
    id_reference,
    localized,
    random_uuid,
    resource_base,
    section_rng,
    slugify,
)

ADJECTIVES = ["Classic", "Urban", "Alpine", "Coastal", "Nordic", "Vintage", "Smart", "Eco"]
NOUNS = {
    "apparel": ["T-Shirt", "Hoodie", "Jacket", "Jeans", "Sneaker", "Scarf"],
    "electronics": ["Headphones", "Speaker", "Charger", "Smartwatch", "Keyboard", "Lamp"],
    "home": ["Mug", "Blanket", "Vase", "Cushion", "Candle", "Chair"],
}
NOUNS_DE = {
    "T-Shirt": "T-Shirt",
    "Hoodie": "Kapuzenpulli",
    "Jacket": "Jacke",
    "Jeans": "Jeans",
    "Sneaker": "Turnschuh",
    "Scarf": "Schal",
    "Headphones": "Kopfhörer",
    "Speaker": "Lautsprecher",
    "Charger": "Ladegerät",
    "Smartwatch": "Smartwatch",
    "Keyboard": "Tastatur",
    "Lamp": "Lampe",
    "Mug": "Becher",
    "Blanket": "Decke",
    "Vase": "Vase",
    "Cushion": "Kissen",
    "Candle": "Kerze",
    "Chair": "Stuhl",
}
COLORS = [
    ("black", "Black", "Schwarz"),
    ("white", "White", "Weiß"),
    ("red", "Red", "Rot"),
    ("blue", "Blue", "Blau"),
    ("green", "Green", "Grün"),
]
SIZES = ["XS", "S", "M", "L", "XL"]


def product_model_sections(seed: int, doc: SeedDoc) -> dict[str, list[Resource]]:
    """Product types and the category tree (root categories carry `doc`'s category type)."""
    return {"product-type": _product_types(seed), "category": _categories(seed, doc["type"])}


def product_sections(seed: int, n: int, doc: SeedDoc) -> dict[str, list[Resource]]:
    """`n` products of `doc`'s types and categories, their stock and standalone prices."""
    products = _products(
        seed, n, doc["product-type"], doc["category"], doc["tax-category"], doc["channel"]
    )
    return {
        "product": products,
        "inventory-entry": _inventory(seed, products, doc["channel"]),
        "standalone-price": _standalone_prices(seed, products),
    }


def _product_types(seed: int) -> list[Resource]:
    rng = section_rng(seed, "product-types")

    def attr(name: str, label: str, type_: dict[str, Any], constraint: str = "None") -> Resource:
        return {
            "name": name,
            "label": localized(label),
            "isRequired": False,
            "type": type_,
            "attributeConstraint": constraint,
            "isSearchable": True,
            "inputHint": "SingleLine",
            "level": "Variant",
        }

    color = {
        "name": "lenum",
        "values": [{"key": k, "label": localized(en, de)} for k, en, de in COLORS],
    }
    size = {"name": "enum", "values": [{"key": s, "label": s} for s in SIZES]}
    out = []
    for key, name, attrs in [
        (
            "apparel",
            "Apparel",
            [
                attr("color", "Color", color),
                attr("size", "Size", size),
                attr("material", "Material", {"name": "ltext"}),
            ],
        ),
        (
            "electronics",
            "Electronics",
            [
                attr("color", "Color", color),
                attr("weightGrams", "Weight (g)", {"name": "number"}),
                attr("wireless", "Wireless", {"name": "boolean"}),
            ],
        ),
        (
            "home",
            "Home & Living",
            [attr("color", "Color", color), attr("material", "Material", {"name": "ltext"})],
        ),
    ]:
        pt = resource_base(rng, key)
        pt.update(name=name, description=f"{name} products", attributes=attrs)
        out.append(pt)
    return out


def _categories(seed: int, types: list[Resource]) -> list[Resource]:
    rng = section_rng(seed, "categories")
    tree = {
        ("Women", "Damen"): [
            ("Tops", "Oberteile"),
            ("Shoes", "Schuhe"),
            ("Accessories", "Zubehör"),
        ],
        ("Men", "Herren"): [("Tops", "Oberteile"), ("Jeans", "Jeans"), ("Shoes", "Schuhe")],
        ("Electronics", "Elektronik"): [("Audio", "Audio"), ("Wearables", "Wearables")],
        ("Home", "Wohnen"): [("Kitchen", "Küche"), ("Living", "Wohnzimmer"), ("Decor", "Deko")],
        ("Sale", "Sale"): [],
    }
    out: list[Resource] = []

    def make(en: str, de: str, parent: Resource | None, hint: str) -> Resource:
        slug_en = (f"{parent['slug']['en']}-" if parent else "") + slugify(en)
        slug_de = (f"{parent['slug']['de']}-" if parent else "") + slugify(de)
        cat = resource_base(rng, slug_en)
        cat.update(
            name=localized(en, de),
            slug={"en": slug_en, "de": slug_de},
            description=localized(f"All {en.lower()}"),
            ancestors=(parent["ancestors"] + [id_reference("category", parent)]) if parent else [],
            orderHint=hint,
            externalId=f"CAT-{len(out) + 1:03d}",
            assets=[],
        )
        if parent:
            cat["parent"] = id_reference("category", parent)
        if parent is None and types:
            cat["custom"] = {
                "type": id_reference("type", types[2]),
                "fields": {"bannerUrl": f"https://images.example.com/{slug_en}.jpg"},
            }
        out.append(cat)
        return cat

    for r, ((en, de), children) in enumerate(tree.items()):
        root = make(en, de, None, f"0.{r + 1}")
        for c, (cen, cde) in enumerate(children):
            child = make(cen, cde, root, f"0.{r + 1}{c + 1}")
            if cen in ("Shoes", "Audio"):
                for g, (gen, gde) in enumerate(
                    [("Sneakers", "Sneaker"), ("Boots", "Stiefel")]
                    if cen == "Shoes"
                    else [("Headphones", "Kopfhörer"), ("Speakers", "Lautsprecher")]
                ):
                    make(gen, gde, child, f"0.{r + 1}{c + 1}{g + 1}")
    return out


def _products(
    seed: int,
    n: int,
    product_types: list[Resource],
    categories: list[Resource],
    tax: list[Resource],
    channels: list[Resource],
) -> list[Resource]:
    rng = section_rng(seed, "products")
    leaf_cats = [
        c
        for c in categories
        if not any(d.get("parent", {}).get("id") == c["id"] for d in categories)
    ]
    dist = next(c for c in channels if c["key"] == "dist-eu")
    return [
        _product(rng, i, product_types[(i - 1) % len(product_types)], leaf_cats, tax, dist)
        for i in range(1, n + 1)
    ]


def _product(
    rng: random.Random,
    i: int,
    pt: Resource,
    leaf_cats: list[Resource],
    tax: list[Resource],
    dist: Resource,
) -> Resource:
    noun = rng.choice(NOUNS[pt["key"]])
    adj = rng.choice(ADJECTIVES)
    name_en = f"{adj} {noun} {i}"
    name_de = f"{adj} {NOUNS_DE[noun]} {i}"
    prod = resource_base(rng, f"product-{i:05d}")
    base_cents = rng.randrange(990, 24990, 100)
    cats = rng.sample(leaf_cats, k=rng.choice((1, 1, 2)))
    usd = rng.random() < 0.5
    variants = [
        _variant(rng, i, v, pt, base_cents, usd, dist)
        for v in range(1, rng.choice((1, 1, 1, 2, 3)) + 1)
    ]
    slug_en = f"{slugify(name_en)}"
    current = {
        "name": localized(name_en, name_de),
        "description": localized(f"The {name_en.lower()}.", f"Der {name_de}."),
        "categories": [id_reference("category", c) for c in cats],
        "categoryOrderHints": {},
        "slug": {"en": slug_en, "de": slugify(name_de)},
        "masterVariant": variants[0],
        "variants": variants[1:],
        "searchKeywords": {},
    }
    staged = json.loads(json.dumps(current))
    has_staged = rng.random() < 0.15
    if has_staged:
        staged["name"] = localized(f"{name_en} (new)", f"{name_de} (neu)")
    published = rng.random() < 0.85
    prod.update(
        productType=id_reference("product-type", pt),
        masterData={
            "published": published,
            "hasStagedChanges": has_staged,
            "current": current,
            "staged": staged,
        },
        taxCategory=id_reference("tax-category", tax[0 if pt["key"] != "home" else 1]),
        priceMode="Embedded",
    )
    return prod


def _variant(
    rng: random.Random,
    i: int,
    v: int,
    pt: Resource,
    base_cents: int,
    usd: bool,
    dist: Resource,
) -> Resource:
    """Variant `v` of product `i`: its attributes, and prices in EUR, maybe USD and a channel's."""
    sku = f"SKU-{i:05d}-{v}"
    color = rng.choice(COLORS)
    attrs: list[dict[str, Any]] = [
        {"name": "color", "value": {"key": color[0], "label": localized(color[1], color[2])}}
    ]
    if pt["key"] == "apparel":
        size = SIZES[(v + i) % len(SIZES)]
        attrs.append({"name": "size", "value": {"key": size, "label": size}})
    elif pt["key"] == "electronics":
        attrs.append({"name": "weightGrams", "value": rng.randint(50, 2500)})
    prices = [{"id": random_uuid(rng), "value": cent_money(base_cents, "EUR")}]
    if usd:
        prices.append(
            {"id": random_uuid(rng), "value": cent_money(base_cents + 200, "USD"), "country": "US"}
        )
    if rng.random() < 0.25:
        prices.append(
            {
                "id": random_uuid(rng),
                "value": cent_money(base_cents - 100, "EUR"),
                "country": "DE",
                "channel": id_reference("channel", dist),
            }
        )
    return {
        "id": v,
        "sku": sku,
        "key": f"product-{i:05d}-v{v}",
        "prices": prices,
        "images": [
            {
                "url": f"https://images.example.com/{sku.lower()}.jpg",
                "dimensions": {"w": 800, "h": 800},
            }
        ],
        "attributes": attrs,
        "assets": [],
    }


def _inventory(seed: int, products: list[Resource], channels: list[Resource]) -> list[Resource]:
    rng = section_rng(seed, "inventory")
    supply = [c for c in channels if "InventorySupply" in c["roles"]]
    out = []
    for prod in products:
        data = prod["masterData"]["current"]
        for variant in [data["masterVariant"], *data["variants"]]:
            channels_for_sku: list[Resource | None] = [None]
            if rng.random() < 0.3:
                channels_for_sku.append(rng.choice(supply))
            for channel in channels_for_sku:
                entry = resource_base(rng)
                qty = rng.randint(0, 500)
                entry.update(
                    sku=variant["sku"],
                    quantityOnStock=qty,
                    availableQuantity=qty,
                    restockableInDays=rng.choice((3, 7, 14)),
                )
                if channel is not None:
                    entry["supplyChannel"] = id_reference("channel", channel)
                out.append(entry)
    return out


def _standalone_prices(seed: int, products: list[Resource], n: int = 20) -> list[Resource]:
    rng = section_rng(seed, "standalone-prices")
    out = []
    for prod in products[:n]:
        sku = prod["masterData"]["current"]["masterVariant"]["sku"]
        price = resource_base(rng, f"sp-{sku.lower()}")
        price.update(
            sku=sku,
            value=cent_money(rng.randrange(990, 9990, 10), "EUR"),
            country="NL",
            active=True,
            validFrom="2026-01-01T00:00:00.000Z",
            validUntil="2026-12-31T23:59:59.000Z",
        )
        out.append(price)
    return out


def product_selections(seed: int) -> list[Resource]:
    rng = section_rng(seed, "product-selections")
    out = []
    for key, en, de, count, mode in [
        ("summer-collection", "Summer collection", "Sommerkollektion", 24, "Individual"),
        ("b2b-assortment", "B2B assortment", "B2B-Sortiment", 60, "Individual"),
        ("no-clearance", "All but clearance", "Alles außer Abverkauf", 12, "IndividualExclusion"),
        ("eu-only", "EU only", "Nur EU", 8, "IndividualExclusion"),
    ]:
        selection = resource_base(rng, key)
        selection.update(name=localized(en, de), productCount=count, mode=mode)
        out.append(selection)
    return out
