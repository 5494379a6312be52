"""Lean data sets for bulk tests and benchmarks: many cheap customers, or few very large
products. Deterministic like the default seed, but not part of it."""

from __future__ import annotations

import random
from datetime import timedelta

from sandbox.seed.common import (
    BASE,
    FIRST_NAMES,
    LAST_NAMES,
    SPAN_SECONDS,
    Resource,
    cent_money,
    iso_timestamp,
    random_uuid,
)


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
        modified = iso_timestamp(BASE + timedelta(milliseconds=ms))
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
    names and descriptions in five locales, in current and staged, for the memory of a full
    products pull. Their product type reference points nowhere: a pull stores documents, it
    resolves nothing."""
    rng = random.Random(f"{seed}:large-products")
    product_type = {"typeId": "product-type", "id": "00000000-0000-4000-8000-00000000beef"}
    out = []
    for i in range(1, n + 1):
        ms = i * 7919 % (SPAN_SECONDS * 1000)
        modified = iso_timestamp(BASE + timedelta(milliseconds=ms))
        data = {
            "name": _localized(f"Large product {i}"),
            "description": _localized(f"A product with {variants} variants, number {i}."),
            "categories": [],
            "categoryOrderHints": {},
            "slug": {locale: f"large-product-{i}-{locale}" for locale in LARGE_PRODUCT_LOCALES},
            "masterVariant": _large_variant(rng, i, 1, prices),
            "variants": [_large_variant(rng, i, v, prices) for v in range(2, variants + 1)],
            "searchKeywords": {},
        }
        out.append(
            {
                "id": random_uuid(rng),
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


def _localized(text: str) -> dict[str, str]:
    return {locale: f"{text} ({locale})" for locale in LARGE_PRODUCT_LOCALES}


def _large_variant(rng: random.Random, product: int, number: int, prices: int) -> Resource:
    sku = f"LARGE-{product:06d}-{number:03d}"
    return {
        "id": number,
        "sku": sku,
        "key": sku.lower(),
        "prices": [
            {
                "id": random_uuid(rng),
                "value": cent_money(1000 + 7 * p + number, LARGE_PRODUCT_CURRENCIES[p % 5]),
                "country": ("DE", "NL", "US", "GB", "FR")[p % 5],
            }
            for p in range(prices)
        ],
        "images": [
            {"url": f"https://images.example.com/{sku}.jpg", "dimensions": {"w": 800, "h": 800}}
        ],
        "attributes": [
            {"name": "color", "value": {"key": "blue", "label": _localized("Blue")}},
            {"name": "material", "value": _localized(f"Material {number}")},
        ],
        "assets": [],
    }
