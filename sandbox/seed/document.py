"""The default data set as one document: its sections in the order the seed file lists them,
each built from the sections before it, and the file's format."""

from __future__ import annotations

import json

from sandbox.paths import DEFAULT_SEED
from sandbox.seed.carts import Catalog, buyer_carts
from sandbox.seed.catalog import product_model_sections, product_sections, product_selections
from sandbox.seed.common import Resource, SeedDoc
from sandbox.seed.customers import customer_sections
from sandbox.seed.orders import order_sections
from sandbox.seed.promotions import cart_discount_sections, product_discounts
from sandbox.seed.quotes import QUOTE_FLOW, quote_requests, quotes, staged_quotes
from sandbox.seed.recurring import recurring_orders
from sandbox.seed.reference import reference_sections
from sandbox.seed.reviews import reviews
from sandbox.seed.settings import settings_sections

DEFAULT_SEED_PATH = DEFAULT_SEED  # the committed file, which generate()'s defaults reproduce


def generate(
    *, customers: int = 300, products: int = 300, orders: int = 200, seed: int = 42
) -> SeedDoc:
    """The default data set: a small but realistic project, every reference resolvable."""
    doc: SeedDoc = {
        "project": {
            "name": "Sandbox Fashion & Home",
            "countries": ["DE", "NL", "US", "GB", "FR"],
            "currencies": ["EUR", "USD", "GBP"],
            "languages": ["en", "de", "nl"],
            "createdAt": "2026-01-01T08:00:00.000Z",
            "messages": {"enabled": True, "deleteDaysAfterCreation": 15},
        },
    }
    doc.update(reference_sections(seed))
    doc.update(product_model_sections(seed, doc))
    doc.update(customer_sections(seed, customers, doc))
    doc.update(product_sections(seed, products, doc))
    doc.update(cart_discount_sections(seed))
    doc.update(order_sections(seed, orders, doc))
    doc.update(_commerce_sections(seed, doc))
    return doc


def _commerce_sections(seed: int, doc: SeedDoc) -> dict[str, list[Resource]]:
    """Carts, quotes, recurring orders, promotions, reviews and the project's settings."""
    settings = settings_sections(seed, doc)
    customers = doc["customer"]
    cat = Catalog.of(doc["product"], doc["tax-category"], doc["store"])
    units = settings["business-unit"]
    shopper, b2b = buyer_carts(seed, cat, customers, units, len(QUOTE_FLOW))
    requests = quote_requests(seed, b2b)
    staged, quotation_carts = staged_quotes(seed, cat, requests, customers)
    policies = settings["recurrence-policy"]
    recurring, recurring_carts = recurring_orders(seed, cat, customers, doc["order"], policies)
    return {
        "cart": shopper + b2b + quotation_carts + recurring_carts,
        "key-value-document": settings["key-value-document"],
        "product-discount": product_discounts(seed, cat, doc["product-type"], doc["category"]),
        "product-selection": product_selections(seed),
        "business-unit": units,
        "associate-role": settings["associate-role"],
        "quote-request": requests,
        "staged-quote": staged,
        "quote": quotes(seed, requests, staged, quotation_carts),
        "review": reviews(seed, cat, customers, doc["state"]),
        "recurrence-policy": policies,
        "recurring-order": recurring,
        "attribute-group": settings["attribute-group"],
        "discount-group": settings["discount-group"],
        "extension": settings["extension"],
        "subscription": settings["subscription"],
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
