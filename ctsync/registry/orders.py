"""Carts, quotes and orders: carts, quote requests, staged quotes, quotes, payments, orders,
recurrence policies, recurring orders and shopping lists."""

from __future__ import annotations

from typing import Any

from ctsync.registry.entity import Entity
from ctsync.registry.resource import Money, Reference, Resource
from ctsync.registry.view_columns import integer, localized, money, text, timestamp


class Cart(Resource):
    cartState: str
    totalPrice: Money
    customerId: str | None = None
    anonymousId: str | None = None


class QuoteRequest(Resource):
    quoteRequestState: str
    customer: Reference


class StagedQuote(Resource):
    stagedQuoteState: str
    quoteRequest: Reference
    quotationCart: Reference


class Quote(Resource):
    quoteState: str
    quoteRequest: Reference
    stagedQuote: Reference


class Payment(Resource):
    amountPlanned: Money


class Order(Resource):
    orderNumber: str | None = None
    customerId: str | None = None
    totalPrice: Money
    orderState: str


class RecurrencePolicy(Resource):
    schedule: dict[str, Any]


class RecurringOrder(Resource):
    recurringOrderState: str
    cart: Reference
    originOrder: Reference


class ShoppingList(Resource):
    name: dict[str, str]


ROWS = (
    Entity(
        "carts",
        Cart,
        scope="view_orders",
        depends_on=(
            "customers",
            "products",
            "shipping-methods",
            "stores",
            "discount-codes",
            "business-units",
            "types",
        ),
        retention="deleteDaysAfterLastModification",
        view_columns=(
            text("customer_id", "customerId"),
            text("customer_email", "customerEmail"),
            text("anonymous_id", "anonymousId"),
            text("cart_state", "cartState"),
            money("total_price", "totalPrice"),
            text("country", "country"),
            text("store_key", "store.key"),
            text("origin", "origin"),
        ),
    ),
    Entity(
        "quote-requests",
        QuoteRequest,
        depends_on=("carts", "customers", "business-units", "stores", "states", "types"),
        view_columns=(
            text("quote_request_state", "quoteRequestState"),
            text("customer_id", "customer.id"),
            money("total_price", "totalPrice"),
            text("store_key", "store.key"),
            text("business_unit_key", "businessUnit.key"),
        ),
    ),
    Entity(
        "staged-quotes",
        StagedQuote,
        depends_on=("quote-requests", "carts", "customers", "business-units", "states", "types"),
        view_columns=(
            text("staged_quote_state", "stagedQuoteState"),
            text("customer_id", "customer.id"),
            text("quote_request_id", "quoteRequest.id"),
            text("quotation_cart_id", "quotationCart.id"),
            timestamp("valid_to", "validTo"),
            text("business_unit_key", "businessUnit.key"),
        ),
    ),
    Entity(
        "quotes",
        Quote,
        depends_on=("staged-quotes", "quote-requests", "customers", "business-units", "states"),
        view_columns=(
            text("quote_state", "quoteState"),
            text("customer_id", "customer.id"),
            text("quote_request_id", "quoteRequest.id"),
            text("staged_quote_id", "stagedQuote.id"),
            money("total_price", "totalPrice"),
            timestamp("valid_to", "validTo"),
            text("business_unit_key", "businessUnit.key"),
        ),
    ),
    Entity(
        "payments",
        Payment,
        depends_on=("customers", "types"),
        view_columns=(
            text("customer_id", "customer.id"),
            text("anonymous_id", "anonymousId"),
            money("amount_planned", "amountPlanned"),
            text("payment_interface", "paymentMethodInfo.paymentInterface"),
            text("payment_method", "paymentMethodInfo.method"),
            text("interface_id", "interfaceId"),
            text("payment_status", "paymentStatus.interfaceCode"),
        ),
        localized_fields=("paymentMethodInfo.name",),
    ),
    Entity(
        "orders",
        Order,
        natural_key="orderNumber",
        # Not carts or quotes, which an order also refers to: carts can be as many as orders,
        # and an initialization would read the two one after the other instead of at once.
        depends_on=("customers", "products", "shipping-methods", "payments", "stores", "states"),
        view_columns=(
            text("order_number", "orderNumber"),
            text("order_state", "orderState"),
            text("payment_state", "paymentState"),
            text("shipment_state", "shipmentState"),
            text("customer_id", "customerId"),
            text("customer_email", "customerEmail"),
            money("total_price", "totalPrice"),
            text("country", "country"),
            text("store_key", "store.key"),
            timestamp("completed_at", "completedAt"),
            text("state_id", "state.id"),
        ),
    ),
    Entity(
        "recurrence-policies",
        RecurrencePolicy,
        view_columns=(
            localized("name", "name"),
            text("interval_unit", "schedule.intervalUnit"),
            integer("interval_value", "schedule.value"),
        ),
        localized_fields=("name", "description"),
    ),
    Entity(
        "recurring-orders",
        RecurringOrder,
        depends_on=("orders", "carts", "recurrence-policies", "customers", "stores", "types"),
        view_columns=(
            text("recurring_order_state", "recurringOrderState"),
            text("cart_id", "cart.id"),
            text("origin_order_id", "originOrder.id"),
            text("customer_id", "customer.id"),
            text("customer_email", "customerEmail"),
            timestamp("starts_at", "startsAt"),
            timestamp("next_order_at", "nextOrderAt"),
            timestamp("expires_at", "expiresAt"),
        ),
    ),
    Entity(
        "shopping-lists",
        ShoppingList,
        depends_on=("customers", "products", "stores", "business-units"),
        retention="deleteDaysAfterLastModification",
        view_columns=(
            localized("name", "name"),
            localized("slug", "slug"),
            text("customer_id", "customer.id"),
            text("anonymous_id", "anonymousId"),
            text("store_key", "store.key"),
            integer("delete_days_after_last_modification", "deleteDaysAfterLastModification"),
        ),
        localized_fields=("name", "description", "slug"),
    ),
)
