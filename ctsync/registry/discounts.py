"""Discounts: discount groups, cart discounts and discount codes."""

from __future__ import annotations

from pydantic import Field

from ctsync.registry.entity import Entity
from ctsync.registry.resource import Reference, Resource
from ctsync.registry.view_columns import boolean, integer, localized, text, timestamp


class DiscountGroup(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]
    sortOrder: str


class CartDiscount(Resource):
    name: dict[str, str]
    sortOrder: str


class DiscountCode(Resource):
    code: str = Field(min_length=1)
    cartDiscounts: list[Reference]


_NAME_AND_DESCRIPTION = ("name", "description")

ROWS = (
    Entity(
        "discount-groups",
        DiscountGroup,
        view_columns=(
            localized("name", "name"),
            text("sort_order", "sortOrder"),
            boolean("is_active", "isActive"),
        ),
        localized_fields=_NAME_AND_DESCRIPTION,
    ),
    Entity(
        "cart-discounts",
        CartDiscount,
        depends_on=("types", "stores", "discount-groups"),
        view_columns=(
            localized("name", "name"),
            boolean("is_active", "isActive"),
            text("sort_order", "sortOrder"),
            boolean("requires_discount_code", "requiresDiscountCode"),
            text("stacking_mode", "stackingMode"),
            text("value_type", "value.type"),
            timestamp("valid_from", "validFrom"),
            timestamp("valid_until", "validUntil"),
        ),
        localized_fields=_NAME_AND_DESCRIPTION,
    ),
    Entity(
        "discount-codes",
        DiscountCode,
        natural_key="code",
        depends_on=("cart-discounts",),
        view_columns=(
            text("code", "code"),
            boolean("is_active", "isActive"),
            localized("name", "name"),
            integer("max_applications", "maxApplications"),
            integer("max_applications_per_customer", "maxApplicationsPerCustomer"),
            timestamp("valid_from", "validFrom"),
            timestamp("valid_until", "validUntil"),
            text("resource_key", "key"),
        ),
        localized_fields=_NAME_AND_DESCRIPTION,
    ),
)
