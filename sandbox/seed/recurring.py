"""Recurring orders: started by seeded orders, each with its RecurringOrder-origin cart and the
schedule of a recurrence policy."""

from __future__ import annotations

import copy
import random
from datetime import datetime, timedelta

from sandbox.seed.carts import Catalog, can_shop, empty_cart, fill_cart, selected_price
from sandbox.seed.common import (
    CURRENCY_OF,
    WINDOW_END,
    Resource,
    id_reference,
    iso_timestamp,
    parse_timestamp,
    resource_base,
    section_rng,
)

RECURRING_STATES = ["Active", "Paused", "Canceled", "Expired"]


def recurring_orders(
    seed: int,
    cat: Catalog,
    customers: list[Resource],
    orders: list[Resource],
    policies: list[Resource],
) -> tuple[list[Resource], list[Resource]]:
    """Recurring orders started by seeded orders, each with its RecurringOrder-origin cart."""
    rng = section_rng(seed, "recurring-orders")
    by_id = {c["id"]: c for c in customers if can_shop(c)}
    candidates = [
        o
        for o in orders
        if o.get("customerId") in by_id
        and o["totalPrice"]["currencyCode"] == CURRENCY_OF[o["country"]]
        and all(
            selected_price(
                cat.by_id[li["productId"]], o["totalPrice"]["currencyCode"], o["country"]
            )
            for li in o["lineItems"]
        )
    ]
    recurring, carts = [], []
    for i, order in enumerate(
        rng.sample(candidates, k=min(len(candidates), len(RECURRING_STATES)))
    ):
        customer, policy = by_id[order["customerId"]], policies[i % len(policies)]
        cart = _recurring_cart(cat, rng, customer, order, policy)
        recurring.append(_recurring_order(rng, i, cart, customer, order, policy))
        carts.append(cart)
    return recurring, carts


def _recurring_cart(
    cat: Catalog, rng: random.Random, customer: Resource, order: Resource, policy: Resource
) -> Resource:
    """A cart with the order's line items, made after the order, recurring under `policy`."""
    cart = empty_cart(
        cat,
        rng,
        customer=customer,
        country=order["country"],
        origin="RecurringOrder",
        store=order.get("store", {}).get("key"),
        earliest=order["createdAt"],
    )
    picks = [(cat.by_id[li["productId"]], li["quantity"]) for li in order["lineItems"]]
    fill_cart(cat, rng, cart, picks)
    for li in cart["lineItems"]:
        li["recurrenceInfo"] = {
            "recurrencePolicy": id_reference("recurrence-policy", policy),
            "priceSelectionMode": "Fixed",
        }
    return cart


def _recurring_order(
    rng: random.Random,
    i: int,
    cart: Resource,
    customer: Resource,
    order: Resource,
    policy: Resource,
) -> Resource:
    """The recurring order of `cart`, changed some time after it, with its schedule's dates."""
    ro = resource_base(rng, f"recurring-{i + 1:04d}" if i % 2 == 0 else None)
    room = int((WINDOW_END - parse_timestamp(cart["createdAt"])).total_seconds() * 1000)
    modified = parse_timestamp(cart["createdAt"]) + timedelta(milliseconds=rng.randrange(room))
    ro.update(createdAt=cart["createdAt"], lastModifiedAt=iso_timestamp(modified))
    ro.update(cart=id_reference("cart", cart), originOrder=id_reference("order", order))
    ro.update(startsAt=cart["createdAt"], recurringOrderState=RECURRING_STATES[i])
    ro["schedule"] = copy.deepcopy(policy["schedule"])
    _schedule_dates(ro)
    ro.update(customer=id_reference("customer", customer), customerEmail=customer["email"])
    if "store" in order:
        ro["store"] = order["store"]
    return ro


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
    now = parse_timestamp(ro["lastModifiedAt"])
    last, due = None, _step(parse_timestamp(ro["startsAt"]), ro["schedule"])
    while due <= now:
        last, due = due, _step(due, ro["schedule"])
    if last is not None:
        ro["lastOrderAt"] = iso_timestamp(last)
    if ro["recurringOrderState"] == "Active":
        ro["nextOrderAt"] = iso_timestamp(due)
    elif ro["recurringOrderState"] == "Expired":
        ro["expiresAt"] = ro["lastModifiedAt"]
