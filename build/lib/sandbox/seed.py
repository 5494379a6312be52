"""Deterministic seed data for the sandbox, shaped as the commercetools HTTP API returns it.

Every id comes from a seeded `random.Random`, every timestamp from a fixed window
(2026-01-01 .. 2026-06-30), so the committed `sandbox/data/seed.json` is reproducible and tests
can assert on exact data. Each section uses its own RNG stream, so growing one section (say, more
customers) does not reshuffle the others.

CLI: ``python -m sandbox.seed -o sandbox/data/seed.json`` writes the default data set.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

Resource = dict[str, Any]
SeedDoc = dict[str, Any]

DEFAULT_SEED_PATH = Path(__file__).resolve().parent / "data" / "seed.json"
CLIENT_ID = "sandbox-client"
BASE = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 181 * 24 * 3600  # 2026-01-01 .. 2026-06-30
# Many customers share this lastModifiedAt, as after a bulk import: delta paging must not lose
# or repeat any of them when a page boundary falls inside the group.
BULK_IMPORT_AT = "2026-03-14T09:26:53.589Z"
BULK_IMPORT_SIZE = 45

# fmt: off
FIRST_NAMES = [
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannes", "Ida", "Jonas", "Katja",
    "Lukas", "Mia", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Sven", "Tara", "Ulla", "Victor",
    "Wiebke", "Xaver", "Yara", "Zoe", "Liam", "Sophie", "Max", "Lena",
]
LAST_NAMES = [
    "Müller", "Schmidt", "de Vries", "Jansen", "Smith", "Johnson", "Brown", "Fischer", "Weber",
    "Meyer", "Bakker", "Visser", "Wagner", "Becker", "Hoffmann", "Garcia", "Miller", "Davis",
    "Koch", "Richter", "Klein", "Wolf", "Peters", "Mulder", "Dubois", "Martin", "Bernard",
]
COMPANIES = [
    "Acme GmbH", "Northwind BV", "Globex Inc.", "Initech LLC", "Umbrella AG", "Hooli Ltd",
    "Stark Handels GmbH", "Wayne Retail Inc.", "Tyrell BV", "Vandelay Industries",
]
STREETS = [
    "Hauptstraße", "Bahnhofstraße", "Keizersgracht", "Prinsengracht", "Main Street", "Oak Avenue",
    "Schillerstraße", "Marktplatz", "High Street", "Rue de Rivoli", "Lindenallee", "Damrak",
]
# fmt: on
CITIES = {
    "DE": [("Berlin", "10115"), ("München", "80331"), ("Hamburg", "20095"), ("Köln", "50667")],
    "NL": [("Amsterdam", "1012 AB"), ("Utrecht", "3511 AA"), ("Rotterdam", "3011 AD")],
    "US": [("New York", "10001"), ("Chicago", "60601"), ("Austin", "73301")],
    "GB": [("London", "EC1A 1BB"), ("Manchester", "M1 1AE")],
    "FR": [("Paris", "75001"), ("Lyon", "69001")],
}
COUNTRY_WEIGHTS = [("DE", 4), ("NL", 3), ("US", 3), ("GB", 1), ("FR", 1)]
CURRENCY_OF = {"DE": "EUR", "NL": "EUR", "FR": "EUR", "US": "USD", "GB": "GBP"}

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


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _rng(seed: int, section: str) -> random.Random:
    """One RNG stream per section, so sections stay stable when others change size."""
    return random.Random(f"{seed}:{section}")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _times(rng: random.Random) -> tuple[str, str]:
    """createdAt <= lastModifiedAt, both inside the fixed window, millisecond precision."""
    created = rng.randrange(SPAN_SECONDS * 1000)
    modified = created + rng.randrange(SPAN_SECONDS * 1000 - created)
    return (
        _iso(BASE + timedelta(milliseconds=created)),
        _iso(BASE + timedelta(milliseconds=modified)),
    )


def _base(rng: random.Random, key: str | None = None, version: int | None = None) -> Resource:
    created, modified = _times(rng)
    # createdBy/lastModifiedBy are left to the sandbox, which fills them in on load.
    res: Resource = {"id": _uuid(rng), "version": version or rng.randint(1, 9)}
    res["createdAt"] = created
    res["lastModifiedAt"] = modified
    if key is not None:
        res["key"] = key
    return res


def _ref(type_id: str, resource: Resource) -> dict[str, str]:
    return {"typeId": type_id, "id": resource["id"]}


def _key_ref(type_id: str, resource: Resource) -> dict[str, str]:
    return {"typeId": type_id, "key": resource["key"]}


def _money(cents: int, currency: str) -> dict[str, Any]:
    return {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": cents,
        "fractionDigits": 2,
    }


def _ls(en: str, de: str | None = None) -> dict[str, str]:
    return {"en": en, "de": de or en}


def _slug(text: str) -> str:
    out = []
    for ch in text.lower():
        out.append(ch if ch.isascii() and ch.isalnum() else "-")
    return "-".join(filter(None, "".join(out).split("-")))


def _country(rng: random.Random) -> str:
    countries, weights = zip(*COUNTRY_WEIGHTS, strict=True)
    return rng.choices(countries, weights)[0]


def _address(rng: random.Random, key: str, first: str, last: str, email: str) -> Resource:
    country = _country(rng)
    city, postal = rng.choice(CITIES[country])
    return {
        "id": "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789", k=8)),
        "key": key,
        "firstName": first,
        "lastName": last,
        "streetName": rng.choice(STREETS),
        "streetNumber": str(rng.randint(1, 220)),
        "postalCode": postal,
        "city": city,
        "country": country,
        "email": email,
        "phone": f"+{rng.randint(10, 49)} {rng.randint(100, 999)} {rng.randint(100000, 999999)}",
    }


def _ascii(text: str) -> str:
    table = str.maketrans({"ü": "ue", "ö": "oe", "ä": "ae", "ß": "ss", " ": ""})
    return text.lower().translate(table)


# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------


def _types(seed: int) -> list[Resource]:
    rng = _rng(seed, "types")

    def field(name: str, label: str, type_: dict[str, Any], required: bool = False) -> Resource:
        return {
            "name": name,
            "label": _ls(label),
            "required": required,
            "type": type_,
            "inputHint": "SingleLine",
        }

    tiers = [{"key": k, "label": k.title()} for k in ("bronze", "silver", "gold", "platinum")]
    customer_type = _base(rng, "customer-loyalty", version=1)
    customer_type.update(
        name=_ls("Customer loyalty", "Kundentreue"),
        description=_ls("Loyalty programme fields"),
        resourceTypeIds=["customer"],
        fieldDefinitions=[
            field("loyaltyTier", "Loyalty tier", {"name": "Enum", "values": tiers}),
            field("loyaltyPoints", "Points", {"name": "Number"}),
            field("newsletter", "Newsletter", {"name": "Boolean"}),
            field("erpId", "ERP id", {"name": "String"}),
        ],
    )
    order_type = _base(rng, "order-extra", version=1)
    order_type.update(
        name=_ls("Order extras", "Bestellzusätze"),
        resourceTypeIds=["order"],
        fieldDefinitions=[
            field("giftMessage", "Gift message", {"name": "String"}),
            field("erpOrderId", "ERP order id", {"name": "String"}),
        ],
    )
    category_type = _base(rng, "category-extra", version=1)
    category_type.update(
        name=_ls("Category extras"),
        resourceTypeIds=["category"],
        fieldDefinitions=[field("bannerUrl", "Banner", {"name": "String"})],
    )
    return [customer_type, order_type, category_type]


def _customer_groups(seed: int) -> list[Resource]:
    rng = _rng(seed, "customer-groups")
    out = []
    for key, name in [
        ("b2c-regular", "Regular customers"),
        ("b2c-vip", "VIP customers"),
        ("b2b-wholesale", "Wholesale"),
        ("employees", "Employees"),
    ]:
        group = _base(rng, key)
        group["name"] = name
        out.append(group)
    return out


def _channels(seed: int) -> list[Resource]:
    rng = _rng(seed, "channels")
    out = []
    for key, name, roles, country in [
        ("warehouse-eu", "Warehouse Europe", ["InventorySupply"], "DE"),
        ("warehouse-us", "Warehouse US", ["InventorySupply"], "US"),
        ("store-amsterdam", "Store Amsterdam", ["InventorySupply", "ProductDistribution"], "NL"),
        ("dist-eu", "Distribution Europe", ["ProductDistribution"], "DE"),
    ]:
        channel = _base(rng, key)
        channel.update(roles=roles, name=_ls(name), address={"country": country})
        out.append(channel)
    return out


def _tax_categories(seed: int) -> list[Resource]:
    rng = _rng(seed, "tax-categories")
    out = []
    for key, name, rates in [
        ("standard", "Standard", {"DE": 0.19, "NL": 0.21, "FR": 0.2, "GB": 0.2, "US": 0.0}),
        ("reduced", "Reduced", {"DE": 0.07, "NL": 0.09, "FR": 0.055, "GB": 0.05, "US": 0.0}),
    ]:
        cat = _base(rng, key)
        cat.update(
            name=name,
            rates=[
                {
                    "id": "".join(rng.choices("abcdefghijkmnpqrstuvwxyz23456789", k=8)),
                    "name": f"{name} {country}",
                    "amount": amount,
                    "includedInPrice": country != "US",
                    "country": country,
                    "subRates": [],
                }
                for country, amount in rates.items()
            ],
        )
        out.append(cat)
    return out


def _zones(seed: int) -> list[Resource]:
    rng = _rng(seed, "zones")
    europe = _base(rng, "europe")
    europe.update(name="Europe", locations=[{"country": c} for c in ("DE", "NL", "FR", "GB")])
    na = _base(rng, "north-america")
    na.update(name="North America", locations=[{"country": "US"}])
    return [europe, na]


def _shipping_methods(seed: int, tax: list[Resource], zones: list[Resource]) -> list[Resource]:
    rng = _rng(seed, "shipping-methods")
    out = []
    for key, name, eur, usd, default in [
        ("standard", "Standard", 495, 599, True),
        ("express", "Express", 1295, 1499, False),
    ]:
        method = _base(rng, key)
        method.update(
            name=name,
            localizedName=_ls(name, "Express" if key == "express" else "Standardversand"),
            taxCategory=_ref("tax-category", tax[0]),
            active=True,
            isDefault=default,
            zoneRates=[
                {
                    "zone": _ref("zone", zones[0]),
                    "shippingRates": [{"price": _money(eur, "EUR"), "tiers": []}],
                },
                {
                    "zone": _ref("zone", zones[1]),
                    "shippingRates": [{"price": _money(usd, "USD"), "tiers": []}],
                },
            ],
        )
        out.append(method)
    return out


def _states(seed: int) -> list[Resource]:
    rng = _rng(seed, "states")
    out = []
    for key, type_, initial, name in [
        ("order-open", "OrderState", True, "Open"),
        ("order-picking", "OrderState", False, "Picking"),
        ("order-shipped", "OrderState", False, "Shipped"),
        ("order-delivered", "OrderState", False, "Delivered"),
        ("review-pending", "ReviewState", True, "Pending"),
        ("review-approved", "ReviewState", False, "Approved"),
    ]:
        state = _base(rng, key)
        state.update(type=type_, name=_ls(name), initial=initial, builtIn=False, roles=[])
        out.append(state)
    by_key = {s["key"]: s for s in out}
    flow = [
        ("order-open", "order-picking"),
        ("order-picking", "order-shipped"),
        ("order-shipped", "order-delivered"),
        ("review-pending", "review-approved"),
    ]
    for src, dst in flow:
        by_key[src]["transitions"] = [_ref("state", by_key[dst])]
    return out


def _stores(seed: int, channels: list[Resource]) -> list[Resource]:
    rng = _rng(seed, "stores")
    by_key = {c["key"]: c for c in channels}
    eu = _base(rng, "eu-store")
    eu.update(
        name=_ls("EU store", "EU-Shop"),
        languages=["en", "de", "nl"],
        countries=[{"code": c} for c in ("DE", "NL", "FR", "GB")],
        distributionChannels=[_key_ref("channel", by_key["dist-eu"])],
        supplyChannels=[_key_ref("channel", by_key["warehouse-eu"])],
        productSelections=[],
    )
    us = _base(rng, "us-store")
    us.update(
        name=_ls("US store"),
        languages=["en"],
        countries=[{"code": "US"}],
        distributionChannels=[],
        supplyChannels=[_key_ref("channel", by_key["warehouse-us"])],
        productSelections=[],
    )
    return [eu, us]


# --------------------------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------------------------


def _customer(
    rng: random.Random,
    i: int,
    *,
    key_prefix: str,
    groups: list[Resource],
    loyalty_type: Resource | None,
    stores: list[Resource],
) -> Resource:
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    email = f"{_ascii(first)}.{_ascii(last)}.{key_prefix}{i:05d}@example.com"
    key = f"{key_prefix}-{i:05d}"
    cust = _base(rng, key)
    n_addr = rng.choice((1, 1, 2, 2, 3))
    addresses = [
        _address(rng, f"{key}-{label}", first, last, email)
        for label in ("home", "work", "other")[:n_addr]
    ]
    company = rng.choice(COMPANIES) if rng.random() < 0.3 else None
    cust.update(
        customerNumber=f"C{100000 + i}",
        email=email,
        firstName=first,
        lastName=last,
        salutation=rng.choice(("Mr", "Ms", "Mx")),
        dateOfBirth=f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        addresses=addresses,
        defaultShippingAddressId=addresses[0]["id"],
        defaultBillingAddressId=addresses[-1]["id"],
        shippingAddressIds=[a["id"] for a in addresses[:2]],
        billingAddressIds=[addresses[-1]["id"]],
        isEmailVerified=rng.random() < 0.8,
        authenticationMode="Password",
        stores=[],
        customerGroupAssignments=[],
    )
    if company:
        cust["companyName"] = company
        cust["vatId"] = f"DE{rng.randint(100000000, 999999999)}"
    if groups and rng.random() < 0.7:
        group = rng.choice(groups)
        cust["customerGroup"] = _ref("customer-group", group)
        cust["customerGroupAssignments"] = [{"customerGroup": _ref("customer-group", group)}]
    if stores and rng.random() < 0.4:
        cust["stores"] = [_key_ref("store", rng.choice(stores))]
    if loyalty_type and rng.random() < 0.6:
        cust["custom"] = {
            "type": _ref("type", loyalty_type),
            "fields": {
                "loyaltyTier": rng.choice(("bronze", "silver", "gold", "platinum")),
                "loyaltyPoints": rng.randint(0, 20000),
                "newsletter": rng.random() < 0.5,
                "erpId": f"ERP-{rng.randint(10000, 99999)}",
            },
        }
    return cust


def _customers(
    seed: int, n: int, groups: list[Resource], types: list[Resource], stores: list[Resource]
) -> list[Resource]:
    rng = _rng(seed, "customers")
    out = [
        _customer(
            rng, i, key_prefix="customer", groups=groups, loyalty_type=types[0], stores=stores
        )
        for i in range(1, n + 1)
    ]
    # A bulk import touched a block of customers in the same millisecond.
    for cust in out[: min(BULK_IMPORT_SIZE, n)]:
        cust["lastModifiedAt"] = BULK_IMPORT_AT
        cust["createdAt"] = min(cust["createdAt"], BULK_IMPORT_AT)
    return out


def customers_only(
    n: int, *, seed: int = 7, start: int = 1, key_prefix: str = "bulk"
) -> list[Resource]:
    """Lean, cheap customers for bulk tests (e.g. 12 000 or 40 000); unique keys and emails.

    Ids are random-looking but deterministic. Every 25 consecutive customers share one
    lastModifiedAt, so delta paging meets ties at any scale.
    """
    rng = random.Random(f"{seed}:bulk-customers:{start}")
    getrandbits = rng.getrandbits
    out: list[Resource] = []
    for i in range(start, start + n):
        ms = (i // 25) * 7919 % (SPAN_SECONDS * 1000)
        modified = _iso(BASE + timedelta(milliseconds=ms))
        u = getrandbits(128)
        uid = f"{u:032x}"
        uid = f"{uid[:8]}-{uid[8:12]}-4{uid[13:16]}-{'89ab'[u & 3]}{uid[17:20]}-{uid[20:]}"
        out.append(
            {
                "id": uid,
                "version": 1 + i % 5,
                "key": f"{key_prefix}-{i:06d}",
                "customerNumber": f"B{i:07d}",
                "email": f"{key_prefix}{i:06d}@example.com",
                "firstName": FIRST_NAMES[i % len(FIRST_NAMES)],
                "lastName": LAST_NAMES[i % len(LAST_NAMES)],
                "addresses": [],
                "shippingAddressIds": [],
                "billingAddressIds": [],
                "isEmailVerified": bool(i & 1),
                "authenticationMode": "Password",
                "stores": [],
                "customerGroupAssignments": [],
                "createdAt": "2026-01-01T00:00:00.000Z",
                "lastModifiedAt": modified,
            }
        )
    return out


LARGE_PRODUCT_LOCALES = ("en", "de", "fr", "nl", "es")
LARGE_PRODUCT_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK")


def large_products(
    n: int, *, variants: int = 43, prices: int = 20, seed: int = 7
) -> list[Resource]:
    """Products the size a large merchant's are: `variants` variants of `prices` prices each,
    names and descriptions in five locales, in current and staged (~300 KB as JSON with the
    defaults; 100 variants make ~700 KB), for the memory of a full products pull. Their
    product type reference points nowhere: a pull stores documents, it resolves nothing."""
    rng = random.Random(f"{seed}:large-products")
    product_type = {"typeId": "product-type", "id": "00000000-0000-4000-8000-00000000beef"}

    def localized(text: str) -> dict[str, str]:
        return {locale: f"{text} ({locale})" for locale in LARGE_PRODUCT_LOCALES}

    def variant(product: int, number: int) -> Resource:
        sku = f"LARGE-{product:06d}-{number:03d}"
        return {
            "id": number,
            "sku": sku,
            "key": sku.lower(),
            "prices": [
                {
                    "id": _uuid(rng),
                    "value": _money(1000 + 7 * p + number, LARGE_PRODUCT_CURRENCIES[p % 5]),
                    "country": ("DE", "NL", "US", "GB", "FR")[p % 5],
                }
                for p in range(prices)
            ],
            "images": [
                {"url": f"https://images.example.com/{sku}.jpg", "dimensions": {"w": 800, "h": 800}}
            ],
            "attributes": [
                {"name": "color", "value": {"key": "blue", "label": localized("Blue")}},
                {"name": "material", "value": localized(f"Material {number}")},
            ],
            "assets": [],
        }

    out = []
    for i in range(1, n + 1):
        ms = i * 7919 % (SPAN_SECONDS * 1000)
        modified = _iso(BASE + timedelta(milliseconds=ms))
        data = {
            "name": localized(f"Large product {i}"),
            "description": localized(f"A product with {variants} variants, number {i}."),
            "categories": [],
            "categoryOrderHints": {},
            "slug": {locale: f"large-product-{i}-{locale}" for locale in LARGE_PRODUCT_LOCALES},
            "masterVariant": variant(i, 1),
            "variants": [variant(i, v) for v in range(2, variants + 1)],
            "searchKeywords": {},
        }
        out.append(
            {
                "id": _uuid(rng),
                "version": 1,
                "key": f"large-{i:06d}",
                "productType": product_type,
                "masterData": {
                    "published": True,
                    "hasStagedChanges": False,
                    "current": data,
                    "staged": data,
                },
                "priceMode": "Embedded",
                "createdAt": "2026-01-01T00:00:00.000Z",
                "lastModifiedAt": modified,
            }
        )
    return out


# --------------------------------------------------------------------------------------------
# Catalog
# --------------------------------------------------------------------------------------------


def _product_types(seed: int) -> list[Resource]:
    rng = _rng(seed, "product-types")

    def attr(name: str, label: str, type_: dict[str, Any], constraint: str = "None") -> Resource:
        return {
            "name": name,
            "label": _ls(label),
            "isRequired": False,
            "type": type_,
            "attributeConstraint": constraint,
            "isSearchable": True,
            "inputHint": "SingleLine",
            "level": "Variant",
        }

    color = {
        "name": "lenum",
        "values": [{"key": k, "label": _ls(en, de)} for k, en, de in COLORS],
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
        pt = _base(rng, key)
        pt.update(name=name, description=f"{name} products", attributes=attrs)
        out.append(pt)
    return out


def _categories(seed: int, types: list[Resource]) -> list[Resource]:
    rng = _rng(seed, "categories")
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
        prefix = f"{parent['slug']['en']}-" if parent else ""
        slug_en = prefix + _slug(en)
        cat = _base(rng, slug_en)
        cat.update(
            name=_ls(en, de),
            slug={"en": slug_en, "de": (f"{parent['slug']['de']}-" if parent else "") + _slug(de)},
            description=_ls(f"All {en.lower()}"),
            ancestors=(parent["ancestors"] + [_ref("category", parent)]) if parent else [],
            orderHint=hint,
            externalId=f"CAT-{len(out) + 1:03d}",
            assets=[],
        )
        if parent:
            cat["parent"] = _ref("category", parent)
        if parent is None and types:
            cat["custom"] = {
                "type": _ref("type", types[2]),
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
    rng = _rng(seed, "products")
    leaf_cats = [
        c
        for c in categories
        if not any(d.get("parent", {}).get("id") == c["id"] for d in categories)
    ]
    dist = next(c for c in channels if c["key"] == "dist-eu")
    out = []
    for i in range(1, n + 1):
        pt = product_types[(i - 1) % len(product_types)]
        noun = rng.choice(NOUNS[pt["key"]])
        adj = rng.choice(ADJECTIVES)
        name_en = f"{adj} {noun} {i}"
        name_de = f"{adj} {NOUNS_DE[noun]} {i}"
        key = f"product-{i:05d}"
        prod = _base(rng, key)
        base_cents = rng.randrange(990, 24990, 100)
        cats = rng.sample(leaf_cats, k=rng.choice((1, 1, 2)))
        usd = rng.random() < 0.5

        variants = []
        for v in range(1, rng.choice((1, 1, 1, 2, 3)) + 1):
            sku = f"SKU-{i:05d}-{v}"
            color = rng.choice(COLORS)
            attrs: list[dict[str, Any]] = [
                {"name": "color", "value": {"key": color[0], "label": _ls(color[1], color[2])}}
            ]
            if pt["key"] == "apparel":
                size = SIZES[(v + i) % len(SIZES)]
                attrs.append({"name": "size", "value": {"key": size, "label": size}})
            elif pt["key"] == "electronics":
                attrs.append({"name": "weightGrams", "value": rng.randint(50, 2500)})
            prices = [{"id": _uuid(rng), "value": _money(base_cents, "EUR")}]
            if usd:
                prices.append(
                    {"id": _uuid(rng), "value": _money(base_cents + 200, "USD"), "country": "US"}
                )
            if rng.random() < 0.25:
                prices.append(
                    {
                        "id": _uuid(rng),
                        "value": _money(base_cents - 100, "EUR"),
                        "country": "DE",
                        "channel": _ref("channel", dist),
                    }
                )
            variants.append(
                {
                    "id": v,
                    "sku": sku,
                    "key": f"{key}-v{v}",
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
            )
        slug_en = f"{_slug(name_en)}"
        current = {
            "name": _ls(name_en, name_de),
            "description": _ls(f"The {name_en.lower()}.", f"Der {name_de}."),
            "categories": [_ref("category", c) for c in cats],
            "categoryOrderHints": {},
            "slug": {"en": slug_en, "de": _slug(name_de)},
            "masterVariant": variants[0],
            "variants": variants[1:],
            "searchKeywords": {},
        }
        staged = json.loads(json.dumps(current))
        has_staged = rng.random() < 0.15
        if has_staged:
            staged["name"] = _ls(f"{name_en} (new)", f"{name_de} (neu)")
        published = rng.random() < 0.85
        prod.update(
            productType=_ref("product-type", pt),
            masterData={
                "published": published,
                "hasStagedChanges": has_staged,
                "current": current,
                "staged": staged,
            },
            taxCategory=_ref("tax-category", tax[0 if pt["key"] != "home" else 1]),
            priceMode="Embedded",
        )
        out.append(prod)
    return out


def _inventory(seed: int, products: list[Resource], channels: list[Resource]) -> list[Resource]:
    rng = _rng(seed, "inventory")
    supply = [c for c in channels if "InventorySupply" in c["roles"]]
    out = []
    for prod in products:
        data = prod["masterData"]["current"]
        for variant in [data["masterVariant"], *data["variants"]]:
            channels_for_sku: list[Resource | None] = [None]
            if rng.random() < 0.3:
                channels_for_sku.append(rng.choice(supply))
            for channel in channels_for_sku:
                entry = _base(rng)
                qty = rng.randint(0, 500)
                entry.update(
                    sku=variant["sku"],
                    quantityOnStock=qty,
                    availableQuantity=qty,
                    restockableInDays=rng.choice((3, 7, 14)),
                )
                if channel is not None:
                    entry["supplyChannel"] = _ref("channel", channel)
                out.append(entry)
    return out


def _standalone_prices(seed: int, products: list[Resource], n: int = 20) -> list[Resource]:
    rng = _rng(seed, "standalone-prices")
    out = []
    for prod in products[:n]:
        sku = prod["masterData"]["current"]["masterVariant"]["sku"]
        price = _base(rng, f"sp-{sku.lower()}")
        price.update(
            sku=sku,
            value=_money(rng.randrange(990, 9990, 10), "EUR"),
            country="NL",
            active=True,
            validFrom="2026-01-01T00:00:00.000Z",
            validUntil="2026-12-31T23:59:59.000Z",
        )
        out.append(price)
    return out


# --------------------------------------------------------------------------------------------
# Orders and friends
# --------------------------------------------------------------------------------------------


def _discounts(seed: int) -> tuple[list[Resource], list[Resource]]:
    rng = _rng(seed, "discounts")
    cart_discounts = []
    for key, name, permyriad, hint in [
        ("ten-percent", "10% off", 1000, "0.1"),
        ("vip-fifteen", "15% off for VIPs", 1500, "0.2"),
        ("summer-sale", "Summer sale 20%", 2000, "0.3"),
    ]:
        cd = _base(rng, key)
        cd.update(
            name=_ls(name),
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
        dc = _base(rng, code.lower())
        dc.update(
            code=code,
            name=_ls(code),
            cartDiscounts=[_ref("cart-discount", cd)],
            isActive=True,
            references=[],
            groups=[],
            applicationVersion=1,
            maxApplications=1000,
        )
        codes.append(dc)
    return cart_discounts, codes


def _orders(
    seed: int,
    n: int,
    customers: list[Resource],
    products: list[Resource],
    states: list[Resource],
    stores: list[Resource],
    shipping: list[Resource],
    order_type: Resource,
) -> tuple[list[Resource], list[Resource]]:
    rng = _rng(seed, "orders")
    order_states = [s for s in states if s["type"] == "OrderState"]
    published = [p for p in products if p["masterData"]["published"]] or products
    orders: list[Resource] = []
    payments: list[Resource] = []
    for i in range(1, n + 1):
        cust = rng.choice(customers) if customers else None
        order = _base(rng)
        addr = (
            dict(cust["addresses"][0])
            if cust and cust["addresses"]
            else {"country": "DE", "city": "Berlin", "postalCode": "10115"}
        )
        currency = CURRENCY_OF.get(addr["country"], "EUR")
        line_items = []
        total = 0
        for prod in rng.sample(published, k=min(len(published), rng.randint(1, 3))):
            data = prod["masterData"]["current"]
            variant = data["masterVariant"]
            price = next(
                (p for p in variant["prices"] if p["value"]["currencyCode"] == currency),
                variant["prices"][0],
            )
            qty = rng.randint(1, 3)
            cents = price["value"]["centAmount"]
            li_total = cents * qty
            total += li_total
            line_items.append(
                {
                    "id": _uuid(rng),
                    "productId": prod["id"],
                    "productKey": prod["key"],
                    "name": data["name"],
                    "productType": prod["productType"],
                    "variant": {"id": variant["id"], "sku": variant["sku"]},
                    "price": {"id": price["id"], "value": _money(cents, currency)},
                    "quantity": qty,
                    "totalPrice": _money(li_total, currency),
                    "discountedPricePerQuantity": [],
                    "state": [{"quantity": qty, "state": _ref("state", order_states[0])}],
                    "priceMode": "Platform",
                    "lineItemMode": "Standard",
                }
            )
        method = rng.choice(shipping)
        ship_cents = 495 if method["key"] == "standard" else 1295
        total += ship_cents
        net = round(total / 1.19)
        order_state = rng.choices(("Open", "Confirmed", "Complete", "Cancelled"), (3, 3, 5, 1))[0]
        order.update(
            orderNumber=f"ORD-2026-{i:06d}",
            customerEmail=cust["email"] if cust else f"guest{i}@example.com",
            lineItems=line_items,
            customLineItems=[],
            totalPrice=_money(total, currency),
            taxedPrice={
                "totalNet": _money(net, currency),
                "totalGross": _money(total, currency),
                "taxPortions": [
                    {"rate": 0.19, "amount": _money(total - net, currency), "name": "Standard"}
                ],
                "totalTax": _money(total - net, currency),
            },
            shippingAddress=addr,
            billingAddress=addr,
            shippingMode="Single",
            shippingInfo={
                "shippingMethodName": method["name"],
                "price": _money(ship_cents, currency),
                "shippingRate": {"price": _money(ship_cents, currency), "tiers": []},
                "shippingMethod": _ref("shipping-method", method),
                "shippingMethodState": "MatchesCart",
                "deliveries": [],
            },
            country=addr["country"],
            orderState=order_state,
            shipmentState=rng.choice(("Pending", "Ready", "Shipped", "Delivered")),
            paymentState=rng.choice(("Pending", "Paid", "Paid", "Paid")),
            state=_ref("state", rng.choice(order_states)),
            origin="Customer",
            taxMode="Platform",
            taxRoundingMode="HalfEven",
            taxCalculationMode="LineItemLevel",
            inventoryMode="None",
            refusedGifts=[],
            syncInfo=[],
            returnInfo=[],
            discountCodes=[],
            itemShippingAddresses=[],
            directDiscounts=[],
        )
        if cust:
            order["customerId"] = cust["id"]
            if "customerGroup" in cust:
                order["customerGroup"] = cust["customerGroup"]
        if stores and rng.random() < 0.5:
            order["store"] = _key_ref("store", stores[0 if currency != "USD" else 1])
        if order_state == "Complete":
            order["completedAt"] = order["lastModifiedAt"]
        if rng.random() < 0.2:
            order["custom"] = {
                "type": _ref("type", order_type),
                "fields": {"erpOrderId": f"ERP-O-{i:06d}", "giftMessage": "Happy birthday!"},
            }
        if i <= 30:
            payment = _base(rng, f"payment-{i:05d}")
            payment.update(
                amountPlanned=_money(total, currency),
                paymentMethodInfo={
                    "paymentInterface": "psp-sandbox",
                    "method": "CREDIT_CARD",
                    "name": _ls("Credit card", "Kreditkarte"),
                },
                paymentStatus={"interfaceCode": "AUTHORISED", "interfaceText": "Authorised"},
                transactions=[
                    {
                        "id": _uuid(rng),
                        "timestamp": order["createdAt"],
                        "type": "Authorization",
                        "amount": _money(total, currency),
                        "interactionId": f"psp-{i:08d}",
                        "state": "Success",
                    }
                ],
                interfaceInteractions=[],
                interfaceId=f"psp-{i:08d}",
            )
            if cust:
                payment["customer"] = _ref("customer", cust)
            payments.append(payment)
            order["paymentInfo"] = {"payments": [_ref("payment", payment)]}
        orders.append(order)
    return orders, payments


def _shopping_lists(
    seed: int, customers: list[Resource], products: list[Resource], n: int = 10
) -> list[Resource]:
    rng = _rng(seed, "shopping-lists")
    out = []
    for i in range(1, min(n, len(customers)) + 1):
        cust = customers[i - 1]
        sl = _base(rng, f"wishlist-{i:03d}")
        items = []
        for prod in rng.sample(products, k=min(len(products), rng.randint(1, 3))):
            items.append(
                {
                    "id": _uuid(rng),
                    "productId": prod["id"],
                    "name": prod["masterData"]["current"]["name"],
                    "productType": prod["productType"],
                    "variantId": 1,
                    "quantity": rng.randint(1, 2),
                    "addedAt": sl["createdAt"],
                }
            )
        sl.update(
            name=_ls("Wishlist", "Wunschzettel"),
            customer=_ref("customer", cust),
            lineItems=items,
            textLineItems=[],
            deleteDaysAfterLastModification=360,
        )
        out.append(sl)
    return out


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def generate(
    *, customers: int = 300, products: int = 300, orders: int = 200, seed: int = 42
) -> SeedDoc:
    """The default data set: a small but realistic project, every reference resolvable."""
    from sandbox.seed_commerce import sections  # imports this module's helpers

    types = _types(seed)
    groups = _customer_groups(seed)
    channels = _channels(seed)
    tax = _tax_categories(seed)
    zones = _zones(seed)
    shipping = _shipping_methods(seed, tax, zones)
    states = _states(seed)
    stores = _stores(seed, channels)
    product_types = _product_types(seed)
    categories = _categories(seed, types)
    custs = _customers(seed, customers, groups, types, stores)
    prods = _products(seed, products, product_types, categories, tax, channels)
    cart_discounts, codes = _discounts(seed)
    order_list, payments = _orders(seed, orders, custs, prods, states, stores, shipping, types[1])
    return {
        "project": {
            "name": "Sandbox Fashion & Home",
            "countries": ["DE", "NL", "US", "GB", "FR"],
            "currencies": ["EUR", "USD", "GBP"],
            "languages": ["en", "de", "nl"],
            "createdAt": "2026-01-01T08:00:00.000Z",
            "messages": {"enabled": True, "deleteDaysAfterCreation": 15},
        },
        "type": types,
        "customer-group": groups,
        "channel": channels,
        "tax-category": tax,
        "zone": zones,
        "shipping-method": shipping,
        "state": states,
        "store": stores,
        "product-type": product_types,
        "category": categories,
        "customer": custs,
        "product": prods,
        "inventory-entry": _inventory(seed, prods, channels),
        "standalone-price": _standalone_prices(seed, prods),
        "cart-discount": cart_discounts,
        "discount-code": codes,
        "payment": payments,
        "order": order_list,
        "shopping-list": _shopping_lists(seed, custs, prods),
        **sections(
            seed,
            customers=custs,
            products=prods,
            product_types=product_types,
            categories=categories,
            tax=tax,
            stores=stores,
            states=states,
            orders=order_list,
        ),
    }


def dumps(doc: SeedDoc) -> str:
    """One resource per line: compact, yet diffs of the committed file stay readable."""
    lines = ["{"]
    items = list(doc.items())
    for n, (name, value) in enumerate(items):
        tail = "," if n < len(items) - 1 else ""
        if isinstance(value, list):
            lines.append(f"{json.dumps(name)}: [")
            lines.extend(
                json.dumps(r, ensure_ascii=False, separators=(",", ":"))
                + ("," if j < len(value) - 1 else "")
                for j, r in enumerate(value)
            )
            lines.append(f"]{tail}")
        else:
            lines.append(
                f"{json.dumps(name)}: "
                f"{json.dumps(value, ensure_ascii=False, separators=(',', ':'))}{tail}"
            )
    lines.append("}")
    return "\n".join(lines) + "\n"


def counts(doc: SeedDoc) -> dict[str, int]:
    """Resources per type id, as the sandbox reports them in its ready line."""
    return {k: len(v) for k, v in doc.items() if isinstance(v, list)}


def _iter_resources(doc: SeedDoc) -> Iterable[tuple[str, Resource]]:
    for type_id, items in doc.items():
        if isinstance(items, list):
            for item in items:
                yield type_id, item


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: write a data set to a file (default: the committed seed)."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.seed", description=__doc__)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_SEED_PATH)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    doc = generate(
        customers=args.customers, products=args.products, orders=args.orders, seed=args.seed
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(dumps(doc), encoding="utf-8")
    total = sum(1 for _ in _iter_resources(doc))
    size = args.output.stat().st_size
    print(f"wrote {total} resources ({size / 1e6:.2f} MB) to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
