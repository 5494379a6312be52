"""Seed sections for shopping and selling: carts, quote requests, staged quotes, quotes, recurring
orders, reviews, product discounts and product selections. Each section draws from its own RNG
stream (see `sandbox.seed`); carts come from three of them: the shoppers' and the B2B buyers'
from "carts", quotation carts from "staged-quotes", recurring carts from "recurring-orders"."""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox import seed_settings
from sandbox.seed import (
    BASE,
    CURRENCY_OF,
    SPAN_SECONDS,
    Resource,
    _base,
    _iso,
    _key_ref,
    _ls,
    _money,
    _ref,
    _rng,
    _uuid,
)

WINDOW_END = BASE + timedelta(seconds=SPAN_SECONDS)
LOCALE_OF = {"DE": "de", "NL": "nl"}
CART_DEFAULTS: Resource = {
    "customLineItems": [],
    "taxMode": "Platform",
    "priceRoundingMode": "HalfEven",
    "taxRoundingMode": "HalfEven",
    "taxCalculationMode": "LineItemLevel",
    "inventoryMode": "None",
}


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _after(rng: random.Random, res: Resource, earliest: str, days: int = 14) -> Resource:
    """Move `res`'s createdAt/lastModifiedAt to after `earliest` (by up to `days` each), inside
    the window."""

    def later(at: datetime) -> datetime:
        room = int((WINDOW_END - at).total_seconds() * 1000)
        return at + timedelta(milliseconds=rng.randrange(1, max(2, min(room, days * 86_400_000))))

    created = later(_parse(earliest))
    res["createdAt"], res["lastModifiedAt"] = _iso(created), _iso(later(created))
    return res


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
        return [p for p in self.products if _price(p, currency, country)]


def _price(product: Resource, currency: str, country: str) -> Resource | None:
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
    price = _price(product, currency, country)
    assert price is not None
    total = price["value"]["centAmount"] * qty
    line: Resource = {
        "id": _uuid(rng),
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
        "totalPrice": _money(total, currency),
        "taxedPricePortions": [],
    }
    if "shippingAddress" in cart:
        rate = cat.rates[(product["taxCategory"]["id"], country)]
        net = round(total / (1 + rate["amount"])) if rate["includedInPrice"] else total
        gross = total if rate["includedInPrice"] else round(total * (1 + rate["amount"]))
        line["taxRate"] = copy.deepcopy(rate)
        line["taxedPrice"] = {
            "totalNet": _money(net, currency),
            "totalGross": _money(gross, currency),
            "taxPortions": [
                {
                    "rate": rate["amount"],
                    "amount": _money(gross - net, currency),
                    "name": rate["name"],
                }
            ],
            "totalTax": _money(gross - net, currency),
        }
    return line


def _set_lines(res: Resource, lines: list[Resource]) -> None:
    """lineItems, totalPrice and (when the lines are taxed) taxedPrice of a cart or quote."""
    currency = res["totalPrice"]["currencyCode"]
    res["lineItems"] = lines
    res["totalPrice"] = _money(sum(li["totalPrice"]["centAmount"] for li in lines), currency)
    if any("taxedPrice" in li for li in lines):
        portions: dict[str, Resource] = {}
        for li in lines:
            for p in li["taxedPrice"]["taxPortions"]:
                had = portions.get(p["name"])
                cents = p["amount"]["centAmount"] + (had["amount"]["centAmount"] if had else 0)
                portions[p["name"]] = {**p, "amount": _money(cents, currency)}

        def total(field: str) -> dict[str, Any]:
            return _money(sum(li["taxedPrice"][field]["centAmount"] for li in lines), currency)

        res["taxedPrice"] = {
            "totalNet": total("totalNet"),
            "totalGross": total("totalGross"),
            "taxPortions": list(portions.values()),
            "totalTax": total("totalTax"),
        }


def _copy_lines(rng: random.Random, lines: list[Resource], at: str) -> list[Resource]:
    """Line items carried over to a quote request, quotation cart or quote: new ids."""
    out = copy.deepcopy(lines)
    for li in out:
        li["id"] = _uuid(rng)
        li["addedAt"] = li["lastModifiedAt"] = at
    return out


def _cart(
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
    cart = _base(rng, key)
    if earliest is not None:
        _after(rng, cart, earliest)
    if customer is None:
        cart["anonymousId"] = _uuid(rng)
    else:
        cart.update(customerId=customer["id"], customerEmail=customer["email"])
        if "customerGroup" in customer:
            cart["customerGroup"] = dict(customer["customerGroup"])
    if store is not None:
        cart["store"] = _key_ref("store", cat.stores[store])
    cart.update(
        lineItems=[],
        totalPrice=_money(0, CURRENCY_OF[country]),
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


def _fill(
    cat: Catalog, rng: random.Random, cart: Resource, picks: list[tuple[Resource, int]]
) -> Resource:
    _set_lines(cart, [_line(cat, rng, product, qty, cart) for product, qty in picks])
    cart["totalLineItemQuantity"] = sum(qty for _, qty in picks)
    return cart


def _region_store(country: str) -> str:
    return "us-store" if country == "US" else "eu-store"


def _can_shop(customer: Resource) -> bool:
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
    shoppers = [c for c in customers if _can_shop(c)]
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
        cart = _cart(
            cat,
            rng,
            customer=customer,
            country=country,
            state=state,
            store=store,
            key=f"cart-{n:04d}" if n % 3 == 0 else None,
            addressed=state != "Active",
        )
        out.append(_fill(cat, rng, cart, _picks(cat, rng, cart, 3, (1, 3))))
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
        assert seed_settings.eu_shopper(customer)
        address = by_key[unit["topLevelUnit"]["key"]]["addresses"][0]
        cart = _cart(
            cat,
            rng,
            customer=customer,
            country=address["country"],
            state="Frozen" if i == 0 else "Active",
            store="eu-store",
            key=f"b2b-cart-{i + 1:04d}",
            addressed=False,
        )
        cart["businessUnit"] = _key_ref("business-unit", unit)
        cart["shippingAddress"] = copy.deepcopy(address)
        cart["billingAddress"] = copy.deepcopy(address)
        out.append(_fill(cat, rng, cart, _picks(cat, rng, cart, 2, (10, 120))))
    return out


# --------------------------------------------------------------------------------------------
# Quotes: quote request -> staged quote (with its quotation cart) -> quote
# --------------------------------------------------------------------------------------------

# (quote request state, staged quote state, quote state) of each B2B cart's negotiation
QUOTE_FLOW: list[tuple[str, str | None, str | None]] = [
    ("Submitted", None, None),
    ("Accepted", "InProgress", None),
    ("Accepted", "Sent", "Pending"),
    ("Rejected", None, None),
    ("Accepted", "Sent", "Accepted"),
    ("Cancelled", None, None),
    ("Accepted", "Sent", "DeclinedForRenegotiation"),
    ("Closed", "Closed", "Withdrawn"),
]
BUYER_COMMENTS = [
    "We order this every quarter; can you offer a volume discount?",
    "Please quote with delivery to our warehouse within two weeks.",
    "Looking for 10% off at these quantities.",
    "Can you match last year's prices for this order?",
]
SELLER_COMMENTS = [
    "Volume pricing applied, free express shipping included.",
    "Prices as listed; delivery within 10 working days.",
    "Best we can do this quarter, valid for 30 days.",
]
FROM_CART = (
    "customerGroup",
    "store",
    "totalPrice",
    "taxedPrice",
    "shippingAddress",
    "billingAddress",
    "inventoryMode",
    "taxMode",
    "priceRoundingMode",
    "taxRoundingMode",
    "taxCalculationMode",
    "country",
)


def _from_cart(rng: random.Random, res: Resource, cart: Resource) -> Resource:
    """The cart-like fields a quote request or quote takes over from its cart."""
    res["lineItems"] = _copy_lines(rng, cart["lineItems"], res["createdAt"])
    res["customLineItems"] = []
    res.update({f: copy.deepcopy(cart[f]) for f in FROM_CART if f in cart})
    res["itemShippingAddresses"] = []
    res["directDiscounts"] = []
    res["businessUnit"] = cart["businessUnit"]
    return res


def _quote_requests(seed: int, b2b_carts: list[Resource]) -> list[Resource]:
    rng = _rng(seed, "quote-requests")
    out = []
    for i, (cart, (state, _, _)) in enumerate(zip(b2b_carts, QUOTE_FLOW, strict=False)):
        qr = _after(rng, _base(rng, f"qr-2026-{i + 1:04d}" if i % 2 else None), cart["createdAt"])
        qr.update(
            quoteRequestState=state,
            comment=rng.choice(BUYER_COMMENTS),
            customer={"typeId": "customer", "id": cart["customerId"]},
        )
        _from_cart(rng, qr, cart)
        if i % 3 == 0:
            qr["purchaseOrderNumber"] = f"PO-{rng.randint(100000, 999999)}"
        qr["cart"] = _ref("cart", cart)
        out.append(qr)
    return out


def _staged_quotes(
    seed: int, cat: Catalog, requests: list[Resource], customers: list[Resource]
) -> tuple[list[Resource], list[Resource]]:
    """Staged quotes of the accepted (or closed) requests, and their quotation carts."""
    rng = _rng(seed, "staged-quotes")
    by_id = {c["id"]: c for c in customers}
    staged, carts = [], []
    for i, (qr, (_, state, _)) in enumerate(zip(requests, QUOTE_FLOW, strict=False)):
        if state is None:
            continue
        sq = _after(rng, _base(rng, f"sq-2026-{i + 1:04d}" if i % 2 else None), qr["createdAt"])
        customer = by_id[qr["customer"]["id"]]
        cart = _cart(
            cat,
            rng,
            customer=customer,
            country=qr["country"],
            origin="Quote",
            store="eu-store",
            addressed=False,
        )
        cart["createdAt"], cart["lastModifiedAt"] = sq["createdAt"], sq["lastModifiedAt"]
        cart["businessUnit"] = qr["businessUnit"]
        cart["shippingAddress"] = copy.deepcopy(qr["shippingAddress"])
        cart["billingAddress"] = copy.deepcopy(qr["billingAddress"])
        lines = _copy_lines(rng, qr["lineItems"], sq["createdAt"])
        _set_lines(cart, lines)
        cart["totalLineItemQuantity"] = sum(li["quantity"] for li in lines)
        valid_to = _parse(sq["createdAt"]) + timedelta(days=30)
        sq.update(
            stagedQuoteState=state,
            customer=qr["customer"],
            quoteRequest=_ref("quote-request", qr),
            quotationCart=_ref("cart", cart),
            validTo=_iso(valid_to),
            sellerComment=rng.choice(SELLER_COMMENTS),
            businessUnit=qr["businessUnit"],
            store=qr["store"],
        )
        if "purchaseOrderNumber" in qr:
            sq["purchaseOrderNumber"] = qr["purchaseOrderNumber"]
        staged.append(sq)
        carts.append(cart)
    return staged, carts


def _quotes(
    seed: int, requests: list[Resource], staged: list[Resource], carts: list[Resource]
) -> list[Resource]:
    rng = _rng(seed, "quotes")
    sq_of = {sq["quoteRequest"]["id"]: sq for sq in staged}
    cart_of = {c["id"]: c for c in carts}
    out = []
    for i, (qr, (_, _, state)) in enumerate(zip(requests, QUOTE_FLOW, strict=False)):
        if state is None:
            continue
        sq = sq_of[qr["id"]]
        quote = _after(
            rng, _base(rng, f"quote-2026-{i + 1:04d}" if i % 2 else None), sq["createdAt"]
        )
        quote.update(
            quoteRequest=_ref("quote-request", qr),
            stagedQuote=_ref("staged-quote", sq),
            customer=qr["customer"],
            validTo=sq["validTo"],
            sellerComment=sq["sellerComment"],
        )
        if state.startswith("Declined"):
            quote["buyerComment"] = "The discount is too small for this quantity."
        _from_cart(rng, quote, cart_of[sq["quotationCart"]["id"]])
        quote["quoteState"] = state
        if "purchaseOrderNumber" in qr:
            quote["purchaseOrderNumber"] = qr["purchaseOrderNumber"]
        out.append(quote)
    return out


# --------------------------------------------------------------------------------------------
# Recurring orders
# --------------------------------------------------------------------------------------------

RECURRING_STATES = ["Active", "Paused", "Canceled", "Expired"]


def _step(at: datetime, schedule: Resource) -> datetime:
    """The schedule's next date after `at`."""
    if schedule["type"] == "dayOfMonth":
        month = at.replace(day=schedule["day"])
        if month > at:
            return month
        return (month.replace(day=1) + timedelta(days=32)).replace(day=schedule["day"])
    unit, value = schedule["intervalUnit"], schedule["value"]
    if unit == "Months":
        months = at.month - 1 + value
        return at.replace(year=at.year + months // 12, month=months % 12 + 1, day=min(at.day, 28))
    return at + timedelta(days=value * (7 if unit == "Weeks" else 1))


def _schedule_dates(ro: Resource) -> None:
    """lastOrderAt, nextOrderAt and expiresAt as of the recurring order's last modification."""
    now = _parse(ro["lastModifiedAt"])
    last, due = None, _step(_parse(ro["startsAt"]), ro["schedule"])
    while due <= now:
        last, due = due, _step(due, ro["schedule"])
    if last is not None:
        ro["lastOrderAt"] = _iso(last)
    if ro["recurringOrderState"] == "Active":
        ro["nextOrderAt"] = _iso(due)
    elif ro["recurringOrderState"] == "Expired":
        ro["expiresAt"] = ro["lastModifiedAt"]


def _recurring_orders(
    seed: int,
    cat: Catalog,
    customers: list[Resource],
    orders: list[Resource],
    policies: list[Resource],
) -> tuple[list[Resource], list[Resource]]:
    """Recurring orders started by seeded orders, each with its RecurringOrder-origin cart."""
    rng = _rng(seed, "recurring-orders")
    by_id = {c["id"]: c for c in customers if _can_shop(c)}
    candidates = [
        o
        for o in orders
        if o.get("customerId") in by_id
        and o["totalPrice"]["currencyCode"] == CURRENCY_OF[o["country"]]
        and all(
            _price(cat.by_id[li["productId"]], o["totalPrice"]["currencyCode"], o["country"])
            for li in o["lineItems"]
        )
    ]
    recurring, carts = [], []
    for i, order in enumerate(
        rng.sample(candidates, k=min(len(candidates), len(RECURRING_STATES)))
    ):
        customer, policy = by_id[order["customerId"]], policies[i % len(policies)]
        store = order.get("store", {}).get("key")
        cart = _cart(
            cat,
            rng,
            customer=customer,
            country=order["country"],
            origin="RecurringOrder",
            store=store,
            earliest=order["createdAt"],
        )
        picks = [(cat.by_id[li["productId"]], li["quantity"]) for li in order["lineItems"]]
        _fill(cat, rng, cart, picks)
        for li in cart["lineItems"]:
            li["recurrenceInfo"] = {
                "recurrencePolicy": _ref("recurrence-policy", policy),
                "priceSelectionMode": "Fixed",
            }
        ro = _base(rng, f"recurring-{i + 1:04d}" if i % 2 == 0 else None)
        room = int((WINDOW_END - _parse(cart["createdAt"])).total_seconds() * 1000)
        modified = _parse(cart["createdAt"]) + timedelta(milliseconds=rng.randrange(room))
        ro.update(createdAt=cart["createdAt"], lastModifiedAt=_iso(modified))
        ro.update(cart=_ref("cart", cart), originOrder=_ref("order", order))
        ro.update(startsAt=cart["createdAt"], recurringOrderState=RECURRING_STATES[i])
        ro["schedule"] = copy.deepcopy(policy["schedule"])
        _schedule_dates(ro)
        ro.update(customer=_ref("customer", customer), customerEmail=customer["email"])
        if store is not None:
            ro["store"] = order["store"]
        recurring.append(ro)
        carts.append(cart)
    return recurring, carts


# --------------------------------------------------------------------------------------------
# Catalog extras: reviews, product discounts, product selections
# --------------------------------------------------------------------------------------------

REVIEWS = [
    (5, "Great quality", "Exactly as described, fits perfectly. Would buy again."),
    (4, "Very good", "Good value for the price; delivery took a few days longer than expected."),
    (2, "Disappointing", "The colour looks different from the pictures."),
    (5, "Love it", "My second one already, the material is excellent."),
    (3, "Okay", "Does the job, nothing special."),
    (4, "Solid", "Well made. The size runs slightly small."),
    (1, "Broke after a week", "Stopped working after a week, I sent it back."),
    (5, "Perfect gift", "Bought it as a present and it was a hit."),
]


def _reviews(
    seed: int, cat: Catalog, customers: list[Resource], states: list[Resource]
) -> list[Resource]:
    """Reviews of published products, none included in statistics (states have no such role)."""
    rng = _rng(seed, "reviews")
    review_states = {s["key"]: s for s in states if s["type"] == "ReviewState"}
    products = rng.sample(cat.products, k=min(len(cat.products), len(REVIEWS)))
    authors = rng.sample(customers, k=min(len(customers), len(REVIEWS)))
    out = []
    for i, ((rating, title, text), product, author) in enumerate(
        zip(REVIEWS, products, authors, strict=False)
    ):
        review = _base(rng, f"review-{i + 1:04d}" if i % 2 == 0 else None)
        by_customer = i % 4 != 3
        if by_customer:
            review["uniquenessValue"] = f"{author['id']}+{product['id']}"
        review.update(
            locale="en",
            authorName=author["firstName"] if by_customer else "Guest",
            title=title,
            text=text,
            target=_ref("product", product),
            rating=rating,
            includedInStatistics=False,
        )
        state = "review-pending" if i % 3 == 2 else "review-approved"
        review["state"] = _ref("state", review_states[state])
        if by_customer:
            review["customer"] = _ref("customer", author)
        out.append(review)
    return out


def _discount_specs(
    cat: Catalog, product_types: list[Resource], categories: list[Resource]
) -> list[tuple[str, str, str, Resource, str, list[Resource], tuple[str, str] | None]]:
    """(key, name en, name de, value, predicate, references, validity) of product discounts."""
    apparel = next(pt for pt in product_types if pt["key"] == "apparel")
    headphones = next(c for c in categories if c["key"] == "electronics-audio-headphones")
    skus = [p["masterData"]["current"]["masterVariant"]["sku"] for p in cat.products[:3]]
    return [
        (
            "apparel-summer-10",
            "10% off apparel",
            "10% auf Bekleidung",
            {"type": "relative", "permyriad": 1000},
            f'productType.id = "{apparel["id"]}"',
            [_ref("product-type", apparel)],
            ("2026-06-01T00:00:00.000Z", "2026-08-31T23:59:59.000Z"),
        ),
        (
            "headphones-20",
            "20% off headphones",
            "20% auf Kopfhörer",
            {"type": "relative", "permyriad": 2000},
            f'categories.id contains "{headphones["id"]}"',
            [_ref("category", headphones)],
            None,
        ),
        (
            "five-off-bestsellers",
            "5 off bestsellers",
            "5 Rabatt auf Bestseller",
            {"type": "absolute", "money": [_money(500, "EUR"), _money(500, "USD")]},
            f'sku in ("{skus[0]}", "{skus[1]}")',
            [],
            ("2026-03-01T00:00:00.000Z", "2026-03-31T23:59:59.000Z"),
        ),
        (
            "erp-promotions",
            "ERP promotions",
            "ERP-Aktionen",
            {"type": "external"},
            f'sku = "{skus[2]}"',
            [],
            None,
        ),
        (
            "black-friday-25",
            "Black Friday 25%",
            "Black Friday 25%",
            {"type": "relative", "permyriad": 2500},
            "1 = 1",
            [],
            ("2026-11-27T00:00:00.000Z", "2026-11-30T23:59:59.000Z"),
        ),
    ]


def _product_discounts(
    seed: int, cat: Catalog, product_types: list[Resource], categories: list[Resource]
) -> list[Resource]:
    rng = _rng(seed, "product-discounts")
    out = []
    specs = _discount_specs(cat, product_types, categories)
    for key, en, de, value, predicate, refs, validity in specs:
        discount = _base(rng, key)
        discount.update(
            name=_ls(en, de),
            description=_ls(f"{en} (product discount)", f"{de} (Produktrabatt)"),
            value=value,
            predicate=predicate,
            sortOrder=f"0.{9 - len(out)}{rng.randint(1, 9)}",
            isActive=key != "black-friday-25",
            references=refs,
        )
        if validity:
            discount["validFrom"], discount["validUntil"] = validity
        out.append(discount)
    return out


def _product_selections(seed: int) -> list[Resource]:
    rng = _rng(seed, "product-selections")
    out = []
    for key, en, de, count, mode in [
        ("summer-collection", "Summer collection", "Sommerkollektion", 24, "Individual"),
        ("b2b-assortment", "B2B assortment", "B2B-Sortiment", 60, "Individual"),
        ("no-clearance", "All but clearance", "Alles außer Abverkauf", 12, "IndividualExclusion"),
        ("eu-only", "EU only", "Nur EU", 8, "IndividualExclusion"),
    ]:
        selection = _base(rng, key)
        selection.update(name=_ls(en, de), productCount=count, mode=mode)
        out.append(selection)
    return out


# --------------------------------------------------------------------------------------------
# All the sections
# --------------------------------------------------------------------------------------------


def sections(
    seed: int,
    *,
    customers: list[Resource],
    products: list[Resource],
    product_types: list[Resource],
    categories: list[Resource],
    tax: list[Resource],
    stores: list[Resource],
    states: list[Resource],
    orders: list[Resource],
) -> dict[str, list[Resource]]:
    """The sections of this module and of `sandbox.seed_settings`, by storage type id."""
    settings = seed_settings.settings(
        seed, product_types=product_types, customers=customers, stores=stores
    )
    cat = Catalog.of(products, tax, stores)
    rng = _rng(seed, "carts")
    shopper_carts = _shopper_carts(cat, rng, customers)
    b2b_carts = _b2b_carts(cat, rng, customers, settings["business-unit"], len(QUOTE_FLOW))
    requests = _quote_requests(seed, b2b_carts)
    staged, quotation_carts = _staged_quotes(seed, cat, requests, customers)
    recurring, recurring_carts = _recurring_orders(
        seed, cat, customers, orders, settings["recurrence-policy"]
    )
    return {
        "cart": shopper_carts + b2b_carts + quotation_carts + recurring_carts,
        "key-value-document": settings["key-value-document"],
        "product-discount": _product_discounts(seed, cat, product_types, categories),
        "product-selection": _product_selections(seed),
        "business-unit": settings["business-unit"],
        "associate-role": settings["associate-role"],
        "quote-request": requests,
        "staged-quote": staged,
        "quote": _quotes(seed, requests, staged, quotation_carts),
        "review": _reviews(seed, cat, customers, states),
        "recurrence-policy": settings["recurrence-policy"],
        "recurring-order": recurring,
        "attribute-group": settings["attribute-group"],
        "discount-group": settings["discount-group"],
        "extension": settings["extension"],
        "subscription": settings["subscription"],
    }
