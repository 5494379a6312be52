"""The child views: one row per object of an array in a document (an order's line items, a
product's variants and their prices, a customer's addresses)."""

from __future__ import annotations

from ctsync.hub.views.declarations import (
    Source,
    View,
    constant,
    decimal,
    equals,
    integer,
    localized,
    money,
    outer,
    position,
    source,
    text,
    timestamp,
)


def _variant_sources() -> tuple[Source, ...]:
    """Current and staged: the master variant at position 0, then `variants` from 1 (the order
    of commercetools' allVariants)."""
    sources = []
    for data in ("current", "staged"):
        staged = data == "staged"
        sources += [
            source(f"masterData.{data}.masterVariant", single=True, staged=staged, is_master=True),
            source(f"masterData.{data}.variants", first_position=1, staged=staged, is_master=False),
        ]
    return tuple(sources)


def _price_sources() -> tuple[Source, ...]:
    return tuple(
        source(f"masterData.{data}.{path}", single=single, inner="prices", staged=data == "staged")
        for data in ("current", "staged")
        for path, single in (("masterVariant", True), ("variants", False))
    )


CHILD_VIEWS = (
    View(
        "customer_addresses",
        "customers",
        (
            position(),
            text("address_id", "id"),
            text("key", "key"),
            text("first_name", "firstName"),
            text("last_name", "lastName"),
            text("street_name", "streetName"),
            text("street_number", "streetNumber"),
            text("postal_code", "postalCode"),
            text("city", "city"),
            text("region", "region"),
            text("country", "country"),
            text("email", "email"),
            text("phone", "phone"),
            equals("is_default_shipping", "id", "defaultShippingAddressId"),
            equals("is_default_billing", "id", "defaultBillingAddressId"),
        ),
        "customer_id",
        (source("addresses"),),
    ),
    View(
        "order_line_items",
        "orders",
        (
            position(),
            text("line_item_id", "id"),
            text("product_id", "productId"),
            text("product_key", "productKey"),
            text("sku", "variant.sku"),
            integer("variant_id", "variant.id"),
            localized("name", "name"),
            integer("quantity", "quantity"),
            money("price", "price.value"),
            money("total_price", "totalPrice"),
        ),
        "order_id",
        (source("lineItems"),),
    ),
    View(
        "order_shipping_info",
        "orders",
        (
            position(),
            # Single shipping: the order's shippingInfo (position 0, no key); Multiple: each
            # `shipping` element's shippingInfo under its shippingKey.
            outer(text("shipping_key", "shippingKey")),
            text("shipping_method_id", "shippingMethod.id"),
            text("shipping_method_name", "shippingMethodName"),
            money("price", "price"),
            text("tax_category_id", "taxCategory.id"),
            decimal("tax_rate", "taxRate.amount"),
            text("shipping_method_state", "shippingMethodState"),
        ),
        "order_id",
        (source("shippingInfo", single=True), source("shipping", item="shippingInfo")),
    ),
    View(
        "order_payments",
        "orders",
        (position(), text("payment_id", "id")),
        "order_id",
        (source("paymentInfo.payments"),),
    ),
    View(
        "product_variants",
        "products",
        (
            constant("staged"),
            constant("is_master"),
            position(),
            integer("variant_id", "id"),
            text("sku", "sku"),
            text("key", "key"),
        ),
        "product_id",
        _variant_sources(),
    ),
    View(
        "variant_prices",
        "products",
        (
            constant("staged"),
            outer(integer("variant_id", "id")),
            position(),
            text("price_id", "id"),
            text("key", "key"),
            money("", "value"),
            text("country", "country"),
            text("customer_group_id", "customerGroup.id"),
            text("channel_id", "channel.id"),
            timestamp("valid_from", "validFrom"),
            timestamp("valid_until", "validUntil"),
        ),
        "product_id",
        _price_sources(),
    ),
    View(
        "category_ancestors",
        "categories",
        (position(), text("ancestor_id", "id")),
        "category_id",
        (source("ancestors"),),
    ),
    View(
        "discount_code_cart_discounts",
        "discount-codes",
        (position(), text("cart_discount_id", "id")),
        "discount_code_id",
        (source("cartDiscounts"),),
    ),
)
