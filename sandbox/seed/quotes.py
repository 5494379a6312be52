"""B2B negotiations: each B2B cart becomes a quote request; accepted (or closed) requests get a
staged quote with its quotation cart; sent staged quotes become quotes."""

from __future__ import annotations

import copy
import random
from datetime import timedelta

from sandbox.seed.carts import Catalog, copy_line_items, empty_cart, set_line_items
from sandbox.seed.common import (
    Resource,
    id_reference,
    iso_timestamp,
    parse_timestamp,
    resource_base,
    restamp_after,
    section_rng,
)

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
    res["lineItems"] = copy_line_items(rng, cart["lineItems"], res["createdAt"])
    res["customLineItems"] = []
    res.update({f: copy.deepcopy(cart[f]) for f in FROM_CART if f in cart})
    res["itemShippingAddresses"] = []
    res["directDiscounts"] = []
    res["businessUnit"] = cart["businessUnit"]
    return res


def quote_requests(seed: int, b2b_carts: list[Resource]) -> list[Resource]:
    rng = section_rng(seed, "quote-requests")
    out = []
    for i, (cart, (state, _, _)) in enumerate(zip(b2b_carts, QUOTE_FLOW, strict=False)):
        qr = restamp_after(
            rng, resource_base(rng, f"qr-2026-{i + 1:04d}" if i % 2 else None), cart["createdAt"]
        )
        qr.update(
            quoteRequestState=state,
            comment=rng.choice(BUYER_COMMENTS),
            customer={"typeId": "customer", "id": cart["customerId"]},
        )
        _from_cart(rng, qr, cart)
        if i % 3 == 0:
            qr["purchaseOrderNumber"] = f"PO-{rng.randint(100000, 999999)}"
        qr["cart"] = id_reference("cart", cart)
        out.append(qr)
    return out


def staged_quotes(
    seed: int, cat: Catalog, requests: list[Resource], customers: list[Resource]
) -> tuple[list[Resource], list[Resource]]:
    """Staged quotes of the accepted (or closed) requests, and their quotation carts."""
    rng = section_rng(seed, "staged-quotes")
    by_id = {c["id"]: c for c in customers}
    staged, carts = [], []
    for i, (qr, (_, state, _)) in enumerate(zip(requests, QUOTE_FLOW, strict=False)):
        if state is None:
            continue
        sq = restamp_after(
            rng, resource_base(rng, f"sq-2026-{i + 1:04d}" if i % 2 else None), qr["createdAt"]
        )
        customer = by_id[qr["customer"]["id"]]
        cart = empty_cart(
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
        lines = copy_line_items(rng, qr["lineItems"], sq["createdAt"])
        set_line_items(cart, lines)
        cart["totalLineItemQuantity"] = sum(li["quantity"] for li in lines)
        valid_to = parse_timestamp(sq["createdAt"]) + timedelta(days=30)
        sq.update(
            stagedQuoteState=state,
            customer=qr["customer"],
            quoteRequest=id_reference("quote-request", qr),
            quotationCart=id_reference("cart", cart),
            validTo=iso_timestamp(valid_to),
            sellerComment=rng.choice(SELLER_COMMENTS),
            businessUnit=qr["businessUnit"],
            store=qr["store"],
        )
        if "purchaseOrderNumber" in qr:
            sq["purchaseOrderNumber"] = qr["purchaseOrderNumber"]
        staged.append(sq)
        carts.append(cart)
    return staged, carts


def quotes(
    seed: int, requests: list[Resource], staged: list[Resource], carts: list[Resource]
) -> list[Resource]:
    rng = section_rng(seed, "quotes")
    sq_of = {sq["quoteRequest"]["id"]: sq for sq in staged}
    cart_of = {c["id"]: c for c in carts}
    out = []
    for i, (qr, (_, _, state)) in enumerate(zip(requests, QUOTE_FLOW, strict=False)):
        if state is None:
            continue
        sq = sq_of[qr["id"]]
        quote = restamp_after(
            rng, resource_base(rng, f"quote-2026-{i + 1:04d}" if i % 2 else None), sq["createdAt"]
        )
        quote.update(
            quoteRequest=id_reference("quote-request", qr),
            stagedQuote=id_reference("staged-quote", sq),
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
