"""The registry of commercetools entities a sync knows: one generic engine, driven by this table.

Each entity names its endpoint, a pydantic model that validates the fields the hub indexes (the
document itself is stored as commercetools returned it), the field that is its natural key, and the
entities it refers to, which gives the dependency order of `sync_all`.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from graphlib import TopologicalSorter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ctsync.hub import HubRecord
from ctsync.timestamps import TIMESTAMP

KEY_SEPARATOR = "/"
"""Joins the fields of a natural key of several (`container/key` of a custom object), as
commercetools' own URL does; neither field may contain it."""


class Reference(BaseModel):
    model_config = ConfigDict(extra="ignore")

    typeId: str
    id: str = Field(min_length=1)


class Resource(BaseModel):
    """What every versioned commercetools resource has, and what the hub indexes."""

    model_config = ConfigDict(extra="ignore", strict=True)

    id: str = Field(min_length=1, max_length=256)
    version: int = Field(ge=1)
    createdAt: str = Field(pattern=TIMESTAMP)
    lastModifiedAt: str = Field(pattern=TIMESTAMP)
    key: str | None = None


class Project(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    key: str = Field(min_length=1)
    version: int = Field(ge=1)
    createdAt: str = Field(pattern=TIMESTAMP)
    countries: list[str]
    currencies: list[str]
    languages: list[str]


class Customer(Resource):
    email: str = Field(min_length=3)
    customerGroup: Reference | None = None


class CustomerGroup(Resource):
    name: str


class ProductData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: dict[str, str]
    slug: dict[str, str]
    categories: list[Reference] = []


class ProductCatalogData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    published: bool
    current: ProductData
    staged: ProductData


class Product(Resource):
    productType: Reference
    masterData: ProductCatalogData


class ProductType(Resource):
    name: str


class Category(Resource):
    name: dict[str, str]
    slug: dict[str, str]
    parent: Reference | None = None
    orderHint: str | None = None


class Money(BaseModel):
    model_config = ConfigDict(extra="ignore")

    currencyCode: str = Field(min_length=3, max_length=3)
    centAmount: int


class Order(Resource):
    orderNumber: str | None = None
    customerId: str | None = None
    totalPrice: Money
    orderState: str


class InventoryEntry(Resource):
    sku: str = Field(min_length=1)
    supplyChannel: Reference | None = None
    quantityOnStock: int


class Payment(Resource):
    amountPlanned: Money


class DiscountCode(Resource):
    code: str = Field(min_length=1)
    cartDiscounts: list[Reference]


class CartDiscount(Resource):
    name: dict[str, str]
    sortOrder: str


class Channel(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]
    roles: list[str]


class Store(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]


class TaxCategory(Resource):
    name: str


class Type(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]
    resourceTypeIds: list[str]


class State(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]
    type: str


class ShippingMethod(Resource):
    name: str
    taxCategory: Reference


class Zone(Resource):
    name: str


class ShoppingList(Resource):
    name: dict[str, str]


class StandalonePrice(Resource):
    sku: str = Field(min_length=1)
    value: Money


class Cart(Resource):
    cartState: str
    totalPrice: Money
    customerId: str | None = None
    anonymousId: str | None = None


class CustomObject(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]
    container: str = Field(min_length=1)
    value: Any


class ProductDiscount(Resource):
    name: dict[str, str]
    value: dict[str, Any]
    predicate: str
    sortOrder: str
    isActive: bool


class ProductSelection(Resource):
    name: dict[str, str]


class BusinessUnit(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]
    name: str
    unitType: str | None = None


class AssociateRole(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]
    permissions: list[str]


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


class Review(Resource):
    rating: int | None = None


class RecurrencePolicy(Resource):
    schedule: dict[str, Any]


class RecurringOrder(Resource):
    recurringOrderState: str
    cart: Reference
    originOrder: Reference


class AttributeGroup(Resource):
    name: dict[str, str]
    attributes: list[dict[str, Any]]


class DiscountGroup(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]
    sortOrder: str


class Extension(Resource):
    destination: dict[str, Any]
    triggers: list[dict[str, Any]]


class Subscription(Resource):
    destination: dict[str, Any]


@dataclass(frozen=True)
class Entity:
    """How one kind of commercetools resource is read, referred to and stored."""

    name: str
    endpoint: str
    type_id: str
    """The `typeId` of a reference to it (`{"typeId": "customer-group", "id": ...}`)."""
    model: type[BaseModel]
    scope: str
    """The scope commercetools asks of a client that reads it (`view_orders`, without the
    project key); its 403 names the one it missed, and only this entity's run fails."""
    natural_key: str | tuple[str, ...] = "key"
    """The field people know a resource by; a tuple when it takes several (custom objects:
    container and key), stored joined by `/` (neither may contain one)."""
    depends_on: tuple[str, ...] = ()
    singleton: bool = False
    """One resource read whole every time (the project): no paging, no delta, no deletions."""
    retention: str | None = None
    """The document's field by which commercetools deletes the resource itself, days after its
    last change (carts, shopping lists): a plain delta marks them deleted like any other."""

    @functools.cached_property
    def _is_resource(self) -> bool:
        return issubclass(self.model, Resource)

    def validate(self, document: Any) -> str | None:
        """None when the document is valid, else the reason (field and problem) it is not."""
        try:
            # The model's validator itself: `model_validate`'s wrapper costs as much again on a
            # pull's every record (bench/cpu_per_record.py).
            self.model.__pydantic_validator__.validate_python(document)
        except ValidationError as error:
            problems = []
            for detail in error.errors()[:3]:
                where = ".".join(str(part) for part in detail["loc"]) or "document"
                problems.append(f"{where}: {detail['msg']}")
            return "; ".join(problems)
        return None

    def to_record(self, document: Any) -> HubRecord | str:
        """The hub's record of a valid document, else the reason it is not valid: `validate`
        and `record` in one call, for a pull's every record."""
        try:
            self.model.__pydantic_validator__.validate_python(document)
        except ValidationError:
            reason = self.validate(document)
            assert reason is not None
            return reason
        return self.record(document)

    def records_of(self, documents: Iterable[Any]) -> tuple[list[HubRecord], list[tuple[Any, str]]]:
        """The hub's records of the valid documents, and each invalid one with its reason.

        A pull's every record passes here, so the usual entity (a `Resource` keyed by one
        field) takes one loop with no call but the validator's: `to_record` per document
        cost a fifth of the page path's CPU (bench/cpu_per_record.py)."""
        records: list[HubRecord] = []
        invalid: list[tuple[Any, str]] = []
        if self.singleton or not self._is_resource or not isinstance(self.natural_key, str):
            for document in documents:
                checked = self.to_record(document)
                if type(checked) is str:
                    invalid.append((document, checked))
                else:
                    records.append(checked)  # type: ignore[arg-type]
            return records, invalid
        validate = self.model.__pydantic_validator__.validate_python
        key_field = self.natural_key
        keep = records.append
        for document in documents:
            try:
                validate(document)
            except ValidationError:
                reason = self.validate(document)
                assert reason is not None
                invalid.append((document, reason))
                continue
            key = document.get(key_field)
            # Validated by a strict `Resource`: id, version and timestamps are there and of
            # their types.
            keep(
                HubRecord(
                    document["id"],
                    key if type(key) is str else None,
                    document["version"],
                    document["createdAt"],
                    document["lastModifiedAt"],
                    document,
                )
            )
        return records, invalid

    def natural_key_of(self, document: dict[str, Any]) -> str | None:
        """The document's natural key as the hub stores it, None when it has none."""
        if isinstance(self.natural_key, str):
            value = document.get(self.natural_key)
            return value if isinstance(value, str) else None
        parts = [document.get(name) for name in self.natural_key]
        if all(isinstance(part, str) and part for part in parts):
            return KEY_SEPARATOR.join(parts)  # type: ignore[arg-type]
        return None

    def record(self, document: dict[str, Any]) -> HubRecord:
        """The hub's record of a document `validate` passed; the singleton is stored under its
        key."""
        if not self.singleton:
            if self._is_resource:
                # Validated by a strict `Resource`: id, version and timestamps are there and of
                # their types, so the checks of `HubRecord.from_document` would only cost time.
                return HubRecord(
                    document["id"],
                    self.natural_key_of(document),
                    document["version"],
                    document["createdAt"],
                    document["lastModifiedAt"],
                    document,
                )
            record = HubRecord.from_document(document)
            return dataclasses.replace(record, key=self.natural_key_of(document))
        return HubRecord(
            id=document["key"],
            key=document["key"],
            version=document["version"],
            created_at=document["createdAt"],
            last_modified_at=document.get("lastModifiedAt", document["createdAt"]),
            document=document,
        )


_ENTITIES = [
    Entity("project", "", "project", Project, "view_project_settings", singleton=True),
    # Project configuration.
    Entity("types", "types", "type", Type, "view_types"),
    Entity("states", "states", "state", State, "view_states"),
    Entity("channels", "channels", "channel", Channel, "view_channels", depends_on=("types",)),
    Entity("zones", "zones", "zone", Zone, "view_zones"),
    Entity("tax-categories", "tax-categories", "tax-category", TaxCategory, "view_tax_categories"),
    Entity("stores", "stores", "store", Store, "view_stores", depends_on=("channels", "types")),
    Entity(
        "shipping-methods",
        "shipping-methods",
        "shipping-method",
        ShippingMethod,
        "view_shipping_methods",
        depends_on=("zones", "tax-categories", "types"),
    ),
    Entity("extensions", "extensions", "extension", Extension, "manage_extensions"),
    Entity("subscriptions", "subscriptions", "subscription", Subscription, "manage_subscriptions"),
    Entity(
        "custom-objects",
        "custom-objects",
        "key-value-document",
        CustomObject,
        "view_key_value_documents",
        natural_key=("container", "key"),
    ),
    # Customers and B2B.
    Entity(
        "customer-groups",
        "customer-groups",
        "customer-group",
        CustomerGroup,
        "view_customer_groups",
        depends_on=("types",),
    ),
    Entity(
        "customers",
        "customers",
        "customer",
        Customer,
        "view_customers",
        natural_key="email",
        depends_on=("customer-groups", "stores", "types"),
    ),
    Entity(
        "associate-roles",
        "associate-roles",
        "associate-role",
        AssociateRole,
        "view_associate_roles",
        depends_on=("types",),
    ),
    Entity(
        "business-units",
        "business-units",
        "business-unit",
        BusinessUnit,
        "view_business_units",
        depends_on=("customers", "associate-roles", "stores", "types"),
    ),
    # Product catalog.
    Entity("product-types", "product-types", "product-type", ProductType, "view_products"),
    Entity(
        "attribute-groups",
        "attribute-groups",
        "attribute-group",
        AttributeGroup,
        "view_attribute_groups",
        depends_on=("product-types",),
    ),
    Entity(
        "categories", "categories", "category", Category, "view_categories", depends_on=("types",)
    ),
    Entity(
        "product-discounts",
        "product-discounts",
        "product-discount",
        ProductDiscount,
        "view_product_discounts",
    ),
    Entity(
        "products",
        "products",
        "product",
        Product,
        "view_products",
        depends_on=(
            "product-types",
            "categories",
            "tax-categories",
            "states",
            "product-discounts",
        ),
    ),
    Entity(
        "product-selections",
        "product-selections",
        "product-selection",
        ProductSelection,
        "view_product_selections",
        depends_on=("products", "types"),
    ),
    Entity(
        "standalone-prices",
        "standalone-prices",
        "standalone-price",
        StandalonePrice,
        "view_standalone_prices",
        depends_on=("products", "channels", "customer-groups", "product-discounts"),
    ),
    Entity(
        "inventory",
        "inventory",
        "inventory-entry",
        InventoryEntry,
        "view_products",
        natural_key="sku",
        depends_on=("channels", "types"),
    ),
    Entity(
        "reviews",
        "reviews",
        "review",
        Review,
        "view_reviews",
        depends_on=("products", "channels", "customers", "states", "types"),
    ),
    # Discounts.
    Entity(
        "discount-groups",
        "discount-groups",
        "discount-group",
        DiscountGroup,
        "view_discount_groups",
    ),
    Entity(
        "cart-discounts",
        "cart-discounts",
        "cart-discount",
        CartDiscount,
        "view_cart_discounts",
        depends_on=("types", "stores", "discount-groups"),
    ),
    Entity(
        "discount-codes",
        "discount-codes",
        "discount-code",
        DiscountCode,
        "view_discount_codes",
        natural_key="code",
        depends_on=("cart-discounts",),
    ),
    # Carts, quotes and orders.
    Entity(
        "carts",
        "carts",
        "cart",
        Cart,
        "view_orders",
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
    ),
    Entity(
        "quote-requests",
        "quote-requests",
        "quote-request",
        QuoteRequest,
        "view_quote_requests",
        depends_on=("carts", "customers", "business-units", "stores", "states", "types"),
    ),
    Entity(
        "staged-quotes",
        "staged-quotes",
        "staged-quote",
        StagedQuote,
        "view_staged_quotes",
        depends_on=("quote-requests", "carts", "customers", "business-units", "states", "types"),
    ),
    Entity(
        "quotes",
        "quotes",
        "quote",
        Quote,
        "view_quotes",
        depends_on=("staged-quotes", "quote-requests", "customers", "business-units", "states"),
    ),
    Entity(
        "payments",
        "payments",
        "payment",
        Payment,
        "view_payments",
        depends_on=("customers", "types"),
    ),
    Entity(
        "orders",
        "orders",
        "order",
        Order,
        "view_orders",
        natural_key="orderNumber",
        depends_on=(
            "customers",
            "products",
            "shipping-methods",
            "payments",
            "stores",
            "states",
        ),
        # Not carts or quotes, which an order also refers to: carts can be as many as orders,
        # and an initialization would read the two one after the other instead of at once.
    ),
    Entity(
        "recurrence-policies",
        "recurrence-policies",
        "recurrence-policy",
        RecurrencePolicy,
        "view_recurrence_policies",
    ),
    Entity(
        "recurring-orders",
        "recurring-orders",
        "recurring-order",
        RecurringOrder,
        "view_recurring_orders",
        depends_on=("orders", "carts", "recurrence-policies", "customers", "stores", "types"),
    ),
    Entity(
        "shopping-lists",
        "shopping-lists",
        "shopping-list",
        ShoppingList,
        "view_shopping_lists",
        depends_on=("customers", "products", "stores", "business-units"),
        retention="deleteDaysAfterLastModification",
    ),
]

ENTITIES: dict[str, Entity] = {entity.name: entity for entity in _ENTITIES}
_BY_TYPE_ID: dict[str, Entity] = {entity.type_id: entity for entity in _ENTITIES}


def get_entity(name: str) -> Entity:
    """The entity called `name`, or a ValueError listing the known names."""
    try:
        return ENTITIES[name]
    except KeyError:
        known = ", ".join(sorted(ENTITIES))
        raise ValueError(f"unknown entity {name!r}: use one of {known}") from None


def entity_of_type(type_id: str) -> Entity:
    """The entity a reference with this `typeId` points to."""
    try:
        return _BY_TYPE_ID[type_id]
    except KeyError:
        known = ", ".join(sorted(_BY_TYPE_ID))
        raise ValueError(f"unknown reference typeId {type_id!r}: use one of {known}") from None


def dependency_levels(names: Iterable[str] | None = None) -> list[list[str]]:
    """Entities grouped so that each group depends only on earlier groups (run a group at once).

    Dependencies outside `names` are ignored: syncing a subset never drags in other entities.
    """
    chosen = [get_entity(n).name for n in (names or ENTITIES)]
    wanted = set(chosen)
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for name in chosen:
        sorter.add(name, *(d for d in ENTITIES[name].depends_on if d in wanted))
    sorter.prepare()
    levels = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        levels.append(ready)
        sorter.done(*ready)
    return levels
