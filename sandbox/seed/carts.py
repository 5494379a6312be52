"""Carts and what they are made of: a view of the catalog, line items with prices and taxes,
the shoppers' carts and the B2B buyers' carts that quotes start from.

The shoppers' and the B2B buyers' carts draw from one RNG stream ("carts"); the quotes' and the
recurring orders' modules build their carts with the same helpers, from their own streams.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from typing import Any

from sandbox.seed.common import (
    CURRENCY_OF,
    Resource,
    cent_money,
    key_reference,
    random_uuid,
    resource_base,
    restamp_after,
    section_rng,
)
from sandbox.seed.settings import eu_shopper

LOCALE_OF = {"DE": "de", "NL": "nl"}
CART_DEFAULTS: Resource = {
    "customLineItems": [],
    "taxMode": "Platform",
    "priceRoundingMode": "HalfEven",
    "taxRoundingMode": "HalfEven",
    "taxCalculationMode": "LineItemLevel",
    "inventoryMode": "None",
}


def buyer_carts(
    seed: int, cat: Catalog, customers: list[Resource], units: list[Resource], b2b: int
) -> tuple[list[Resource], list[Resource]]:
    """The shoppers' carts, and `b2b` carts of the business `units`' associates."""
    rng = section_rng(seed, "carts")
    return _shopper_carts(cat, rng, customers), _b2b_carts(cat, rng, customers, units, b2b)


@dataclass(frozen=True)
class Catalog:
    """What line items are made of: published products, tax rates, stores by key."""

    products: list[Resource]
    by_id: dict[str, Resource]
    rates: dict[tuple[str, str], Resource]
    stores: dict[str, Resource]

    @classmethod
    def of(cls, products: list[Resource], tax: list[Resource], stores: list[Resource]) -> Catalog:
        published = [p for p in products if p["masterData"]["published"]]
        rates = {(t["id"], r["country"]): r for t in tax for r in t["rates"]}
        return cls(published, {p["id"]: p for p in products}, rates, {s["key"]: s for s in stores})

    def priced(self, currency: str, country: str) -> list[Resource]:
        return [p for p in self.products if selected_price(p, currency, country)]


def selected_price(product: Resource, currency: str, country: str) -> Resource | None:
    """The embedded price a cart in `currency` and `country` selects (no channel, no group)."""
    for price in product["masterData"]["current"]["masterVariant"]["prices"]:
        if (
            price["value"]["currencyCode"] == currency
            and "channel" not in price
            and price.get("country", country) == country
        ):
            return price
    return None


def _line(
    cat: Catalog, rng: random.Random, product: Resource, qty: int, cart: Resource
) -> Resource:
    """A line item of `cart` (currency from its totalPrice, taxed when it has an address)."""
    data = product["masterData"]["current"]
    variant = data["masterVariant"]
    currency, country = cart["totalPrice"]["currencyCode"], cart["country"]
    price = selected_price(product, currency, country)
    assert price is not None
    total = price["value"]["centAmount"] * qty
    line: Resource = {
        "id": random_uuid(rng),
        "productId": product["id"],
        "productKey": product["key"],
        "name": copy.deepcopy(data["name"]),
        "productType": dict(product["productType"]),
        "variant": {k: variant[k] for k in ("id", "sku", "key")},
        "price": copy.deepcopy(price),
        "quantity": qty,
        "discountedPricePerQuantity": [],
        "perMethodTaxRate": [],
        "addedAt": cart["createdAt"],
        "lastModifiedAt": cart["createdAt"],
        "state": [],
        "priceMode": "Platform",
        "lineItemMode": "Standard",
        "totalPrice": cent_money(total, currency),
        "taxedPricePortions": [],
    }
    if "shippingAddress" in cart:
        rate = cat.rates[(product["taxCategory"]["id"], country)]
        net = round(total / (1 + rate["amount"])) if rate["includedInPrice"] else total
        gross = total if rate["includedInPrice"] else round(total * (1 + rate["amount"]))
        line["taxRate"] = copy.deepcopy(rate)
        line["taxedPrice"] = {
            "totalNet": cent_money(net, currency),
            "totalGross": cent_money(gross, currency),
            "taxPortions": [
                {
                    "rate": rate["amount"],
                    "amount": cent_money(gross - net, currency),
                    "name": rate["name"],
                }
            ],
            "totalTax": cent_money(gross - net, currency),
        }
    return line


def set_line_items(res: Resource, lines: list[Resource]) -> None:
    """lineItems, totalPrice and (when the lines are taxed) taxedPrice of a cart or quote."""
    currency = res["totalPrice"]["currencyCode"]
    res["lineItems"] = lines
    res["totalPrice"] = cent_money(sum(li["totalPrice"]["centAmount"] for li in lines), currency)
    if any("taxedPrice" in li for li in lines):
        portions: dict[str, Resource] = {}
        for li in lines:
            for p in li["taxedPrice"]["taxPortions"]:
                had = portions.get(p["name"])
                cents = p["amount"]["centAmount"] + (had["amount"]["centAmount"] if had else 0)
                portions[p["name"]] = {**p, "amount": cent_money(cents, currency)}

        def total(field: str) -> dict[str, Any]:
            return cent_money(sum(li["taxedPrice"][field]["centAmount"] for li in lines), currency)

        res["taxedPrice"] = {
            "totalNet": total("totalNet"),
            "totalGross": total("totalGross"),
            "taxPortions": list(portions.values()),
            "totalTax": total("totalTax"),
        }


def copy_line_items(rng: random.Random, lines: list[Resource], at: str) -> list[Resource]:
    """Line items carried over to a quote request, quotation cart or quote: new ids."""
    out = copy.deepcopy(lines)
    for li in out:
        li["id"] = random_uuid(rng)
        li["addedAt"] = li["lastModifiedAt"] = at
    return out


def empty_cart(
    cat: Catalog,
    rng: random.Random,
    *,
    customer: Resource | None,
    country: str,
    state: str = "Active",
    origin: str = "Customer",
    store: str | None = None,
    key: str | None = None,
    earliest: str | None = None,
    addressed: bool = True,
) -> Resource:
    """A cart without line items; an addressed customer's has the customer's addresses, so its
    line items are taxed."""
    cart = resource_base(rng, key)
    if earliest is not None:
        restamp_after(rng, cart, earliest)
    if customer is None:
        cart["anonymousId"] = random_uuid(rng)
    else:
        cart.update(customerId=customer["id"], customerEmail=customer["email"])
        if "customerGroup" in customer:
            cart["customerGroup"] = dict(customer["customerGroup"])
    if store is not None:
        cart["store"] = key_reference("store", cat.stores[store])
    cart.update(
        lineItems=[],
        totalPrice=cent_money(0, CURRENCY_OF[country]),
        cartState=state,
        **copy.deepcopy(CART_DEFAULTS),
    )
    if state == "Frozen":
        cart["freezeStrategy"] = "SoftFreeze"
    if customer is not None and addressed:
        cart["shippingAddress"] = copy.deepcopy(customer["addresses"][0])
        cart["billingAddress"] = copy.deepcopy(customer["addresses"][-1])
    cart.update(
        shippingMode="Single",
        shipping=[],
        itemShippingAddresses=[],
        discountCodes=[],
        directDiscounts=[],
        refusedGifts=[],
        country=country,
        locale=LOCALE_OF.get(country, "en"),
        origin=origin,
        deleteDaysAfterLastModification=90,
    )
    return cart


def fill_cart(
    cat: Catalog, rng: random.Random, cart: Resource, picks: list[tuple[Resource, int]]
) -> Resource:
    """Add a line item per (product, quantity) of `picks` to `cart`, with its totals."""
    set_line_items(cart, [_line(cat, rng, product, qty, cart) for product, qty in picks])
    cart["totalLineItemQuantity"] = sum(qty for _, qty in picks)
    return cart


def _region_store(country: str) -> str:
    return "us-store" if country == "US" else "eu-store"


def can_shop(customer: Resource) -> bool:
    """Default address in a country with prices, and no store outside its region."""
    country = customer["addresses"][0]["country"]
    stores = [s["key"] for s in customer["stores"]]
    return country in ("DE", "NL", "FR", "US") and stores in ([], [_region_store(country)])


def _picks(
    cat: Catalog, rng: random.Random, cart: Resource, most: int, qty: tuple[int, int]
) -> list[tuple[Resource, int]]:
    priced = cat.priced(cart["totalPrice"]["currencyCode"], cart["country"])
    k = min(rng.randint(1, most), len(priced))
    return [(p, rng.randint(*qty)) for p in rng.sample(priced, k=k)]


# (state, anonymous) of the shoppers' carts
SHOPPER_CARTS = [
    ("Active", False),
    ("Active", False),
    ("Active", False),
    ("Ordered", False),
    ("Ordered", False),
    ("Frozen", False),
    ("Active", True),
    ("Merged", True),
    ("Active", True),
]


def _shopper_carts(cat: Catalog, rng: random.Random, customers: list[Resource]) -> list[Resource]:
    shoppers = [c for c in customers if can_shop(c)]
    people = iter(rng.sample(shoppers, k=min(len(shoppers), len(SHOPPER_CARTS))))
    out = []
    for n, (state, anonymous) in enumerate(SHOPPER_CARTS, start=1):
        customer = None if anonymous else next(people, None)
        if customer is None:
            country, store = rng.choice(("DE", "NL", "US")), None
        else:
            country = customer["addresses"][0]["country"]
            store = customer["stores"][0]["key"] if customer["stores"] else None
        if store is None and rng.random() < 0.5:
            store = _region_store(country)
        cart = empty_cart(
            cat,
            rng,
            customer=customer,
            country=country,
            state=state,
            store=store,
            key=f"cart-{n:04d}" if n % 3 == 0 else None,
            addressed=state != "Active",
        )
        out.append(fill_cart(cat, rng, cart, _picks(cat, rng, cart, 3, (1, 3))))
    return out


def _b2b_carts(
    cat: Catalog, rng: random.Random, customers: list[Resource], units: list[Resource], n: int
) -> list[Resource]:
    """Carts of business units' associates (EU shoppers, see business_units), in the EU store,
    to their company's address."""
    by_id = {c["id"]: c for c in customers}
    by_key = {u["key"]: u for u in units}
    buyers = [
        (unit, by_id[a["customer"]["id"]])
        for unit in units
        if unit["status"] == "Active"
        for a in unit["associates"]
    ]
    out = []
    for i in range(n if buyers else 0):
        unit, customer = buyers[i % len(buyers)]
        assert eu_shopper(customer)
        address = by_key[unit["topLevelUnit"]["key"]]["addresses"][0]
        cart = empty_cart(
            cat,
            rng,
            customer=customer,
            country=address["country"],
            state="Frozen" if i == 0 else "Active",
            store="eu-store",
            key=f"b2b-cart-{i + 1:04d}",
            addressed=False,
        )
        cart["businessUnit"] = key_reference("business-unit", unit)
        cart["shippingAddress"] = copy.deepcopy(address)
        cart["billingAddress"] = copy.deepcopy(address)
        out.append(fill_cart(cat, rng, cart, _picks(cat, rng, cart, 2, (10, 120))))
    return out
