"""The product catalog: product types, attribute groups, categories, product discounts,
products, product selections, standalone prices, inventory and reviews."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ctsync.registry.entity import Entity
from ctsync.registry.resource import Money, Reference, Resource
from ctsync.registry.view_columns import boolean, integer, localized, money, text, timestamp


class ProductType(Resource):
    name: str


class AttributeGroup(Resource):
    name: dict[str, str]
    attributes: list[dict[str, Any]]


class Category(Resource):
    name: dict[str, str]
    slug: dict[str, str]
    parent: Reference | None = None
    orderHint: str | None = None


class ProductDiscount(Resource):
    name: dict[str, str]
    value: dict[str, Any]
    predicate: str
    sortOrder: str
    isActive: bool


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


class ProductSelection(Resource):
    name: dict[str, str]


class StandalonePrice(Resource):
    sku: str = Field(min_length=1)
    value: Money


class InventoryEntry(Resource):
    sku: str = Field(min_length=1)
    supplyChannel: Reference | None = None
    quantityOnStock: int


class Review(Resource):
    rating: int | None = None


_SEO = ("description", "metaTitle", "metaDescription", "metaKeywords")

ROWS = (
    Entity(
        "product-types",
        ProductType,
        scope="view_products",
        view_columns=(text("name", "name"), text("description", "description")),
    ),
    Entity(
        "attribute-groups",
        AttributeGroup,
        depends_on=("product-types",),
        view_columns=(localized("name", "name"),),
        localized_fields=("name", "description"),
    ),
    Entity(
        "categories",
        Category,
        depends_on=("types",),
        view_columns=(
            localized("name", "name"),
            localized("slug", "slug"),
            text("parent_id", "parent.id"),
            text("order_hint", "orderHint"),
            text("external_id", "externalId"),
        ),
        localized_fields=("name", "slug", *_SEO),
    ),
    Entity(
        "product-discounts",
        ProductDiscount,
        view_columns=(
            localized("name", "name"),
            boolean("is_active", "isActive"),
            text("sort_order", "sortOrder"),
            text("value_type", "value.type"),
            text("predicate", "predicate"),
            timestamp("valid_from", "validFrom"),
            timestamp("valid_until", "validUntil"),
        ),
        localized_fields=("name", "description"),
    ),
    Entity(
        "products",
        Product,
        depends_on=("product-types", "categories", "tax-categories", "states", "product-discounts"),
        view_columns=(
            text("product_type_id", "productType.id"),
            boolean("published", "masterData.published"),
            boolean("has_staged_changes", "masterData.hasStagedChanges"),
            localized("name", "masterData.current.name"),
            localized("slug", "masterData.current.slug"),
            text("tax_category_id", "taxCategory.id"),
            text("state_id", "state.id"),
            text("price_mode", "priceMode"),
        ),
        localized_fields=tuple(
            (f"{data}.{field}", f"masterData.{data}.{field}")
            for data in ("current", "staged")
            for field in ("name", "slug", *_SEO)
        ),
    ),
    Entity(
        "product-selections",
        ProductSelection,
        depends_on=("products", "types"),
        view_columns=(
            localized("name", "name"),
            text("mode", "mode"),
            integer("product_count", "productCount"),
        ),
        localized_fields=("name",),
    ),
    Entity(
        "standalone-prices",
        StandalonePrice,
        depends_on=("products", "channels", "customer-groups", "product-discounts"),
        view_columns=(
            text("sku", "sku"),
            money("value", "value"),
            text("country", "country"),
            text("customer_group_id", "customerGroup.id"),
            text("channel_id", "channel.id"),
            boolean("active", "active"),
            timestamp("valid_from", "validFrom"),
            timestamp("valid_until", "validUntil"),
        ),
    ),
    Entity(
        "inventory",
        InventoryEntry,
        type_id="inventory-entry",
        scope="view_products",
        natural_key="sku",
        depends_on=("channels", "types"),
        view_columns=(
            text("sku", "sku"),
            text("supply_channel_id", "supplyChannel.id"),
            integer("quantity_on_stock", "quantityOnStock"),
            integer("available_quantity", "availableQuantity"),
            integer("restockable_in_days", "restockableInDays"),
            timestamp("expected_delivery", "expectedDelivery"),
            text("resource_key", "key"),
        ),
    ),
    Entity(
        "reviews",
        Review,
        depends_on=("products", "channels", "customers", "states", "types"),
        view_columns=(
            text("target_type", "target.typeId"),
            text("target_id", "target.id"),
            integer("rating", "rating"),
            text("title", "title"),
            text("author_name", "authorName"),
            text("locale", "locale"),
            text("customer_id", "customer.id"),
            boolean("included_in_statistics", "includedInStatistics"),
        ),
    ),
)
