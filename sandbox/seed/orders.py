"""Order history: orders of seeded customers (with their line items, taxes and shipping),
payments of the first orders, and the customers' wishlists."""

from __future__ import annotations

import copy
import random
from typing import Any

from sandbox.seed.common import (
    CURRENCY_OF,
    Resource,
    SeedDoc,
    cent_money,
    id_reference,
    key_reference,
    localized,
    random_uuid,
    resource_base,
    section_rng,
)

PAID_ORDERS = 30  # the first orders have a payment each
ORDER_DEFAULTS: Resource = {
    "origin": "Customer",
    "taxMode": "Platform",
    "taxRoundingMode": "HalfEven",
    "taxCalculationMode": "LineItemLevel",
    "inventoryMode": "None",
    "refusedGifts": [],
    "syncInfo": [],
    "returnInfo": [],
    "discountCodes": [],
    "itemShippingAddresses": [],
    "directDiscounts": [],
}


def order_sections(seed: int, n: int, doc: SeedDoc) -> dict[str, list[Resource]]:
    """`n` orders of `doc`'s customers and products, their payments, and wishlists."""
    orders, payments = _orders(
        seed,
        n,
        doc["customer"],
        doc["product"],
        doc["state"],
        doc["store"],
        doc["shipping-method"],
        doc["type"][1],
    )
    return {
        "payment": payments,
        "order": orders,
        "shopping-list": _shopping_lists(seed, doc["customer"], doc["product"]),
    }


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
    rng = section_rng(seed, "orders")
    order_states = [s for s in states if s["type"] == "OrderState"]
    published = [p for p in products if p["masterData"]["published"]] or products
    orders: list[Resource] = []
    payments: list[Resource] = []
    for i in range(1, n + 1):
        cust = rng.choice(customers) if customers else None
        order = _order(rng, i, cust, published, order_states, shipping)
        if cust:
            order["customerId"] = cust["id"]
            if "customerGroup" in cust:
                order["customerGroup"] = cust["customerGroup"]
        currency = order["totalPrice"]["currencyCode"]
        if stores and rng.random() < 0.5:
            order["store"] = key_reference("store", stores[0 if currency != "USD" else 1])
        if order["orderState"] == "Complete":
            order["completedAt"] = order["lastModifiedAt"]
        if rng.random() < 0.2:
            order["custom"] = {
                "type": id_reference("type", order_type),
                "fields": {"erpOrderId": f"ERP-O-{i:06d}", "giftMessage": "Happy birthday!"},
            }
        if i <= PAID_ORDERS:
            payment = _payment(rng, i, order, cust)
            payments.append(payment)
            order["paymentInfo"] = {"payments": [id_reference("payment", payment)]}
        orders.append(order)
    return orders, payments


def _order(
    rng: random.Random,
    i: int,
    cust: Resource | None,
    published: list[Resource],
    order_states: list[Resource],
    shipping: list[Resource],
) -> Resource:
    """Order number `i`: its line items, shipping, totals with 19 % tax, and states."""
    order = resource_base(rng)
    addr = (
        dict(cust["addresses"][0])
        if cust and cust["addresses"]
        else {"country": "DE", "city": "Berlin", "postalCode": "10115"}
    )
    currency = CURRENCY_OF.get(addr["country"], "EUR")
    line_items = _line_items(rng, published, currency, order_states[0])
    method = rng.choice(shipping)
    ship_cents = 495 if method["key"] == "standard" else 1295
    total = sum(li["totalPrice"]["centAmount"] for li in line_items) + ship_cents
    order.update(
        orderNumber=f"ORD-2026-{i:06d}",
        customerEmail=cust["email"] if cust else f"guest{i}@example.com",
        lineItems=line_items,
        customLineItems=[],
        totalPrice=cent_money(total, currency),
        taxedPrice=_taxed_price(total, round(total / 1.19), currency),
        shippingAddress=addr,
        billingAddress=addr,
        shippingMode="Single",
        shippingInfo=_shipping_info(method, ship_cents, currency),
        country=addr["country"],
        orderState=rng.choices(("Open", "Confirmed", "Complete", "Cancelled"), (3, 3, 5, 1))[0],
        shipmentState=rng.choice(("Pending", "Ready", "Shipped", "Delivered")),
        paymentState=rng.choice(("Pending", "Paid", "Paid", "Paid")),
        state=id_reference("state", rng.choice(order_states)),
        **copy.deepcopy(ORDER_DEFAULTS),
    )
    return order


def _line_items(
    rng: random.Random, published: list[Resource], currency: str, initial: Resource
) -> list[Resource]:
    """One to three products, each at its price in `currency` (else its first price)."""
    line_items = []
    for prod in rng.sample(published, k=min(len(published), rng.randint(1, 3))):
        data = prod["masterData"]["current"]
        variant = data["masterVariant"]
        price = next(
            (p for p in variant["prices"] if p["value"]["currencyCode"] == currency),
            variant["prices"][0],
        )
        qty = rng.randint(1, 3)
        cents = price["value"]["centAmount"]
        line_items.append(
            {
                "id": random_uuid(rng),
                "productId": prod["id"],
                "productKey": prod["key"],
                "name": data["name"],
                "productType": prod["productType"],
                "variant": {"id": variant["id"], "sku": variant["sku"]},
                "price": {"id": price["id"], "value": cent_money(cents, currency)},
                "quantity": qty,
                "totalPrice": cent_money(cents * qty, currency),
                "discountedPricePerQuantity": [],
                "state": [{"quantity": qty, "state": id_reference("state", initial)}],
                "priceMode": "Platform",
                "lineItemMode": "Standard",
            }
        )
    return line_items


def _taxed_price(total: int, net: int, currency: str) -> dict[str, Any]:
    return {
        "totalNet": cent_money(net, currency),
        "totalGross": cent_money(total, currency),
        "taxPortions": [
            {"rate": 0.19, "amount": cent_money(total - net, currency), "name": "Standard"}
        ],
        "totalTax": cent_money(total - net, currency),
    }


def _shipping_info(method: Resource, cents: int, currency: str) -> dict[str, Any]:
    return {
        "shippingMethodName": method["name"],
        "price": cent_money(cents, currency),
        "shippingRate": {"price": cent_money(cents, currency), "tiers": []},
        "shippingMethod": id_reference("shipping-method", method),
        "shippingMethodState": "MatchesCart",
        "deliveries": [],
    }


def _payment(rng: random.Random, i: int, order: Resource, cust: Resource | None) -> Resource:
    """An authorised credit card payment of the order's total."""
    total = order["totalPrice"]["centAmount"]
    currency = order["totalPrice"]["currencyCode"]
    payment = resource_base(rng, f"payment-{i:05d}")
    payment.update(
        amountPlanned=cent_money(total, currency),
        paymentMethodInfo={
            "paymentInterface": "psp-sandbox",
            "method": "CREDIT_CARD",
            "name": localized("Credit card", "Kreditkarte"),
        },
        paymentStatus={"interfaceCode": "AUTHORISED", "interfaceText": "Authorised"},
        transactions=[
            {
                "id": random_uuid(rng),
                "timestamp": order["createdAt"],
                "type": "Authorization",
                "amount": cent_money(total, currency),
                "interactionId": f"psp-{i:08d}",
                "state": "Success",
            }
        ],
        interfaceInteractions=[],
        interfaceId=f"psp-{i:08d}",
    )
    if cust:
        payment["customer"] = id_reference("customer", cust)
    return payment


def _shopping_lists(
    seed: int, customers: list[Resource], products: list[Resource], n: int = 10
) -> list[Resource]:
    rng = section_rng(seed, "shopping-lists")
    out = []
    for i in range(1, min(n, len(customers)) + 1):
        cust = customers[i - 1]
        sl = resource_base(rng, f"wishlist-{i:03d}")
        items = []
        for prod in rng.sample(products, k=min(len(products), rng.randint(1, 3))):
            items.append(
                {
                    "id": random_uuid(rng),
                    "productId": prod["id"],
                    "name": prod["masterData"]["current"]["name"],
                    "productType": prod["productType"],
                    "variantId": 1,
                    "quantity": rng.randint(1, 2),
                    "addedAt": sl["createdAt"],
                }
            )
        sl.update(
            name=localized("Wishlist", "Wunschzettel"),
            customer=id_reference("customer", cust),
            lineItems=items,
            textLineItems=[],
            deleteDaysAfterLastModification=360,
        )
        out.append(sl)
    return out
