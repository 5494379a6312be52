"""Customers and B2B: customer groups, customers, associate roles and business units."""

from __future__ import annotations

from pydantic import Field

from ctsync.registry.entity import Entity
from ctsync.registry.resource import Reference, Resource
from ctsync.registry.view_columns import boolean, text, text_list


class CustomerGroup(Resource):
    name: str


class Customer(Resource):
    email: str = Field(min_length=3)
    customerGroup: Reference | None = None


class AssociateRole(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]
    permissions: list[str]


class BusinessUnit(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]
    name: str
    unitType: str | None = None


ROWS = (
    Entity(
        "customer-groups",
        CustomerGroup,
        depends_on=("types",),
        view_columns=(text("name", "name"),),
    ),
    Entity(
        "customers",
        Customer,
        natural_key="email",
        depends_on=("customer-groups", "stores", "types"),
        view_columns=(
            text("email", "email"),
            text("first_name", "firstName"),
            text("last_name", "lastName"),
            text("customer_number", "customerNumber"),
            text("customer_group_id", "customerGroup.id"),
            text("company_name", "companyName"),
            boolean("is_email_verified", "isEmailVerified"),
            text("resource_key", "key"),
        ),
    ),
    Entity(
        "associate-roles",
        AssociateRole,
        depends_on=("types",),
        view_columns=(
            text("name", "name"),
            boolean("buyer_assignable", "buyerAssignable"),
            text_list("permissions", "permissions"),
        ),
    ),
    Entity(
        "business-units",
        BusinessUnit,
        depends_on=("customers", "associate-roles", "stores", "types"),
        view_columns=(
            text("name", "name"),
            text("unit_type", "unitType"),
            text("status", "status"),
            text("contact_email", "contactEmail"),
            text("store_mode", "storeMode"),
            text("parent_unit_key", "parentUnit.key"),
        ),
    ),
)
