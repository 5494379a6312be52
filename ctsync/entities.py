"""The registry of commercetools entities a sync knows: one generic engine, driven by this table.

Each entity names its endpoint, a pydantic model that validates the fields the hub indexes (the
document itself is stored as commercetools returned it), the field that is its natural key, and the
entities it refers to, which gives the dependency order of `sync_all`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from graphlib import TopologicalSorter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ctsync.hub import HubRecord
from ctsync.timestamps import TIMESTAMP


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


@dataclass(frozen=True)
class Entity:
    """How one kind of commercetools resource is read, referred to and stored."""

    name: str
    endpoint: str
    type_id: str
    """The `typeId` of a reference to it (`{"typeId": "customer-group", "id": ...}`)."""
    model: type[BaseModel]
    natural_key: str = "key"
    depends_on: tuple[str, ...] = ()
    singleton: bool = False
    """One resource read whole every time (the project): no paging, no delta, no deletions."""

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

    def natural_key_of(self, document: dict[str, Any]) -> str | None:
        value = document.get(self.natural_key)
        return None if value is None else str(value)

    def record(self, document: dict[str, Any]) -> HubRecord:
        """The hub's record of a document `validate` passed; the singleton is stored under its
        key."""
        if not self.singleton:
            if self._is_resource:
                # Validated by a strict `Resource`: id, version and timestamps are there and of
                # their types, so the checks of `HubRecord.from_document` would only cost time.
                key = document.get(self.natural_key)
                return HubRecord(
                    document["id"],
                    key if isinstance(key, str) else None,
                    document["version"],
                    document["createdAt"],
                    document["lastModifiedAt"],
                    document,
                )
            return HubRecord.from_document(document, key_field=self.natural_key)
        return HubRecord(
            id=document["key"],
            key=document["key"],
            version=document["version"],
            created_at=document["createdAt"],
            last_modified_at=document.get("lastModifiedAt", document["createdAt"]),
            document=document,
        )


_ENTITIES = [
    Entity("project", "", "project", Project, singleton=True),
    Entity("types", "types", "type", Type),
    Entity("states", "states", "state", State),
    Entity("channels", "channels", "channel", Channel, depends_on=("types",)),
    Entity("zones", "zones", "zone", Zone),
    Entity("tax-categories", "tax-categories", "tax-category", TaxCategory),
    Entity(
        "customer-groups", "customer-groups", "customer-group", CustomerGroup, depends_on=("types",)
    ),
    Entity("product-types", "product-types", "product-type", ProductType),
    Entity("categories", "categories", "category", Category, depends_on=("types",)),
    Entity("stores", "stores", "store", Store, depends_on=("channels", "types")),
    Entity(
        "shipping-methods",
        "shipping-methods",
        "shipping-method",
        ShippingMethod,
        depends_on=("zones", "tax-categories", "types"),
    ),
    Entity(
        "customers",
        "customers",
        "customer",
        Customer,
        natural_key="email",
        depends_on=("customer-groups", "stores", "types"),
    ),
    Entity(
        "products",
        "products",
        "product",
        Product,
        depends_on=("product-types", "categories", "tax-categories", "states"),
    ),
    Entity(
        "standalone-prices",
        "standalone-prices",
        "standalone-price",
        StandalonePrice,
        depends_on=("products", "channels", "customer-groups"),
    ),
    Entity(
        "inventory",
        "inventory",
        "inventory-entry",
        InventoryEntry,
        natural_key="sku",
        depends_on=("channels", "types"),
    ),
    Entity(
        "cart-discounts",
        "cart-discounts",
        "cart-discount",
        CartDiscount,
        depends_on=("types", "stores"),
    ),
    Entity(
        "discount-codes",
        "discount-codes",
        "discount-code",
        DiscountCode,
        natural_key="code",
        depends_on=("cart-discounts",),
    ),
    Entity("payments", "payments", "payment", Payment, depends_on=("customers", "types")),
    Entity(
        "orders",
        "orders",
        "order",
        Order,
        natural_key="orderNumber",
        depends_on=("customers", "products", "shipping-methods", "payments", "stores", "states"),
    ),
    Entity(
        "shopping-lists",
        "shopping-lists",
        "shopping-list",
        ShoppingList,
        depends_on=("customers", "products", "stores"),
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
