"""Typed relational views over the hub's `records`, so other systems read tables, not JSON.

Each view is declared once as data (`View`, `Column`, `Source`) and rendered for SQLite or
PostgreSQL by `create_view_statements`; `python_rows` computes the same rows by walking the
documents in Python, which is how the tests check the SQL. The rules below hold on both
databases and in `python_rows`:

- Only live records (`deleted_at IS NULL`). Every view starts with `project_key`.
- Main views (one per entity, named after it with "-" as "_") have `id`, `key` (the hub's natural
  key of the record: the email of a customer, the order number of an order, the SKU of an
  inventory entry, the code of a discount code, `container/key` of a custom object),
  `version`, `created_at`, `last_modified_at`, then a few fields people filter on.
- A column holds a value only when the JSON value has the column's type; a missing field, a
  JSON null, or a value of another type (a string where a number belongs) is SQL NULL, never
  an error: text = JSON strings; integer = JSON integers of at most 18 digits; decimal = JSON
  numbers (exact NUMERIC on PostgreSQL, REAL on SQLite); boolean = true/false (boolean on
  PostgreSQL, 1/0 on SQLite); text list = the strings of an array joined by ", " (NULL when
  there are none); timestamp = a string in ISO 8601 form with a zone (timestamptz on
  PostgreSQL, where calendar-impossible dates such as 2026-02-30 are NULL; the string itself
  on SQLite, which checks only its shape).
- Money `<x>` is three columns: `<x>_amount` = (preciseAmount when it is an integer, for
  high-precision money, else centAmount) / 10^fractionDigits, exact NUMERIC on PostgreSQL and
  REAL on SQLite, NULL unless fractionDigits is an integer 0..20; `<x>_currency`;
  `<x>_cent_amount`.
- Localized fields are shown in the project's first language: `languages[0]` of the live
  `project` record whose id is the project_key (a pull stores the project under its key; the
  view `project_language` shows it); NULL when the hub has no such record or that language is
  not a language tag (letters, digits, "-", "_"); joined by primary key, one index lookup a
  row. `localized_values` has every locale of every localized field.
- Child views have one row per array element that is a JSON object (other elements are
  skipped); `position` is the element's 0-based index in its array, the index a JSON path
  uses (`lineItems[2]`), so a skipped element's position is not reused.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal

from sqlalchemy.engine import Connection

Kind = Literal[
    "text",
    "integer",
    "decimal",
    "boolean",
    "timestamp",
    "localized",
    "money",
    "text_list",
    "equals",
    "position",
    "constant",
]
SqlType = Literal["text", "integer", "decimal", "boolean", "timestamp"]
Step = str | int

INTEGER_DIGITS: Final = 18
"""Integers of more digits are NULL: a bigint holds them on both databases, and SQLite reads
larger JSON integers as floating point."""
_INT_MAX = 10**INTEGER_DIGITS - 1
MAX_FRACTION_DIGITS: Final = 20
LIST_SEPARATOR: Final = ", "

_DATE = (
    "([1-9][0-9]{3}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)"
    "|(0[13578]|1[02])-31)"
    "|([1-9][0-9](0[48]|[2468][048]|[13579][26])|([2468][048]|[13579][26])00)-02-29)"
)
TIMESTAMP_PATTERN: Final = (
    _DATE
    + "T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]+)?(Z|[+-](0[0-9]|1[0-5]):[0-5][0-9])"
)
"""A timestamp PostgreSQL reads without error: a real calendar date (years 1000-9999), a time,
a zone (Z or an offset up to 15:59). Written without `\\`, `%` or `:word`, so that the SQL runs
unchanged through any driver and through SQLAlchemy's `text()` (an Alembic `op.execute`)."""
_TIMESTAMP_RE = re.compile(TIMESTAMP_PATTERN)
_SQLITE_TIMESTAMP_GLOB = (
    "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*"
)
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9]*")
LANGUAGE_PATTERN: Final = "[A-Za-z0-9_-]+"
"""A language the views use: a language tag, which a JSON path may quote on every database (a
backslash or a control character is escaped in SQLite's JSON text and would never match)."""
_LANGUAGE_RE = re.compile(LANGUAGE_PATTERN)


# -- declarations --------------------------------------------------------------------------------


def _path(dotted: str) -> tuple[Step, ...]:
    steps: list[Step] = []
    for part in dotted.split(".") if dotted else []:
        if part.isdigit():
            steps.append(int(part))
        elif _KEY.fullmatch(part):
            steps.append(part)
        else:  # keys go into SQL unquoted: letters and digits only
            raise ValueError(f"path step {part!r} of {dotted!r} is not a plain field name")
    return tuple(steps)


@dataclass(frozen=True)
class Column:
    """One field of a view: where it is (relative to the row's item) and how it is typed.

    `money` expands to `<name>_amount`, `<name>_currency` and `<name>_cent_amount` (or `amount`,
    `currency`, `cent_amount` when the name is empty). `equals` is TRUE when the text at `path`
    equals the text at `other` in the whole document (a customer's default address).
    """

    name: str
    path: tuple[Step, ...]
    kind: Kind
    of: Literal["item", "outer"] = "item"
    """`outer`: relative to the outer element of a nested source (a variant, for its prices)."""
    other: tuple[Step, ...] = ()

    def outputs(self) -> list[tuple[str, SqlType]]:
        """The view's columns this declaration makes, with their types."""
        if self.kind == "money":
            prefix = f"{self.name}_" if self.name else ""
            return [
                (f"{prefix}amount", "decimal"),
                (f"{prefix}currency", "text"),
                (f"{prefix}cent_amount", "integer"),
            ]
        kinds: dict[Kind, SqlType] = {
            "localized": "text",
            "text_list": "text",
            "equals": "boolean",
            "position": "integer",
            "constant": "boolean",
        }
        return [(self.name, kinds.get(self.kind, self.kind))]  # type: ignore[list-item]


def text(name: str, path: str) -> Column:
    return Column(name, _path(path), "text")


def integer(name: str, path: str) -> Column:
    return Column(name, _path(path), "integer")


def decimal(name: str, path: str) -> Column:
    return Column(name, _path(path), "decimal")


def boolean(name: str, path: str) -> Column:
    return Column(name, _path(path), "boolean")


def timestamp(name: str, path: str) -> Column:
    return Column(name, _path(path), "timestamp")


def localized(name: str, path: str) -> Column:
    return Column(name, _path(path), "localized")


def money(name: str, path: str) -> Column:
    return Column(name, _path(path), "money")


def text_list(name: str, path: str) -> Column:
    return Column(name, _path(path), "text_list")


def equals(name: str, path: str, document_path: str) -> Column:
    return Column(name, _path(path), "equals", other=_path(document_path))


def position() -> Column:
    return Column("position", (), "position")


def constant(name: str) -> Column:
    """A boolean set by each `Source` (`staged`, `is_master`)."""
    return Column(name, (), "constant")


def outer(column: Column) -> Column:
    return Column(column.name, column.path, column.kind, "outer", column.other)


@dataclass(frozen=True)
class Source:
    """Where the rows of a child view come from, in the document.

    The outer elements are the objects of the array at `path` (or the one object there, when
    `single`); `inner` makes a row of each object of that array inside each outer element, and
    `item` instead takes one object inside each outer element as the row's item.
    """

    path: tuple[Step, ...]
    single: bool = False
    inner: tuple[Step, ...] = ()
    item: tuple[Step, ...] = ()
    first_position: int = 0
    """Added to the index (an array after a single object: product variants after the master)."""
    constants: tuple[tuple[str, bool], ...] = ()


def source(
    path: str,
    *,
    single: bool = False,
    inner: str = "",
    item: str = "",
    first_position: int = 0,
    **constants: bool,
) -> Source:
    return Source(
        _path(path), single, _path(inner), _path(item), first_position, tuple(constants.items())
    )


@dataclass(frozen=True)
class View:
    """A main view (no sources: one row per live record) or a child view (rows from sources)."""

    name: str
    entity: str
    columns: tuple[Column, ...]
    parent_id: str | None = None
    """The child view's column holding its record's id (`order_id`)."""
    sources: tuple[Source, ...] = ()

    def outputs(self) -> list[tuple[str, SqlType]]:
        """The view's columns in order, with their types."""
        if self.parent_id is None:
            head: list[tuple[str, SqlType]] = [
                ("project_key", "text"),
                ("id", "text"),
                ("key", "text"),
                ("version", "integer"),
                ("created_at", "timestamp"),
                ("last_modified_at", "timestamp"),
            ]
        else:
            head = [("project_key", "text"), (self.parent_id, "text")]
        return head + [output for column in self.columns for output in column.outputs()]

    @property
    def needs_language(self) -> bool:
        return any(column.kind == "localized" for column in self.columns)


# -- the views -----------------------------------------------------------------------------------

_MAIN_COLUMNS: dict[str, tuple[Column, ...]] = {
    "project": (
        text("name", "name"),
        text_list("languages", "languages"),
        text_list("countries", "countries"),
        text_list("currencies", "currencies"),
        boolean("messages_enabled", "messages.enabled"),
    ),
    "types": (
        localized("name", "name"),
        text_list("resource_type_ids", "resourceTypeIds"),
    ),
    "states": (
        text("type", "type"),
        boolean("initial", "initial"),
        boolean("built_in", "builtIn"),
        localized("name", "name"),
        text_list("roles", "roles"),
    ),
    "channels": (
        localized("name", "name"),
        text_list("roles", "roles"),
        text("country", "address.country"),
    ),
    "zones": (text("name", "name"), text("description", "description")),
    "tax-categories": (text("name", "name"), text("description", "description")),
    "stores": (localized("name", "name"), text_list("languages", "languages")),
    "shipping-methods": (
        text("name", "name"),
        localized("localized_name", "localizedName"),
        text("tax_category_id", "taxCategory.id"),
        boolean("active", "active"),
        boolean("is_default", "isDefault"),
        text("predicate", "predicate"),
    ),
    "extensions": (
        text("destination_type", "destination.type"),
        integer("timeout_in_ms", "timeoutInMs"),
    ),
    "subscriptions": (text("destination_type", "destination.type"), text("status", "status")),
    "custom-objects": (text("container", "container"), text("object_key", "key")),
    "customer-groups": (text("name", "name"),),
    "customers": (
        text("email", "email"),
        text("first_name", "firstName"),
        text("last_name", "lastName"),
        text("customer_number", "customerNumber"),
        text("customer_group_id", "customerGroup.id"),
        text("company_name", "companyName"),
        boolean("is_email_verified", "isEmailVerified"),
        text("resource_key", "key"),
    ),
    "associate-roles": (
        text("name", "name"),
        boolean("buyer_assignable", "buyerAssignable"),
        text_list("permissions", "permissions"),
    ),
    "business-units": (
        text("name", "name"),
        text("unit_type", "unitType"),
        text("status", "status"),
        text("contact_email", "contactEmail"),
        text("store_mode", "storeMode"),
        text("parent_unit_key", "parentUnit.key"),
    ),
    "product-types": (text("name", "name"), text("description", "description")),
    "attribute-groups": (localized("name", "name"),),
    "categories": (
        localized("name", "name"),
        localized("slug", "slug"),
        text("parent_id", "parent.id"),
        text("order_hint", "orderHint"),
        text("external_id", "externalId"),
    ),
    "product-discounts": (
        localized("name", "name"),
        boolean("is_active", "isActive"),
        text("sort_order", "sortOrder"),
        text("value_type", "value.type"),
        text("predicate", "predicate"),
        timestamp("valid_from", "validFrom"),
        timestamp("valid_until", "validUntil"),
    ),
    "products": (
        text("product_type_id", "productType.id"),
        boolean("published", "masterData.published"),
        boolean("has_staged_changes", "masterData.hasStagedChanges"),
        localized("name", "masterData.current.name"),
        localized("slug", "masterData.current.slug"),
        text("tax_category_id", "taxCategory.id"),
        text("state_id", "state.id"),
        text("price_mode", "priceMode"),
    ),
    "product-selections": (
        localized("name", "name"),
        text("mode", "mode"),
        integer("product_count", "productCount"),
    ),
    "standalone-prices": (
        text("sku", "sku"),
        money("value", "value"),
        text("country", "country"),
        text("customer_group_id", "customerGroup.id"),
        text("channel_id", "channel.id"),
        boolean("active", "active"),
        timestamp("valid_from", "validFrom"),
        timestamp("valid_until", "validUntil"),
    ),
    "inventory": (
        text("sku", "sku"),
        text("supply_channel_id", "supplyChannel.id"),
        integer("quantity_on_stock", "quantityOnStock"),
        integer("available_quantity", "availableQuantity"),
        integer("restockable_in_days", "restockableInDays"),
        timestamp("expected_delivery", "expectedDelivery"),
        text("resource_key", "key"),
    ),
    "reviews": (
        text("target_type", "target.typeId"),
        text("target_id", "target.id"),
        integer("rating", "rating"),
        text("title", "title"),
        text("author_name", "authorName"),
        text("locale", "locale"),
        text("customer_id", "customer.id"),
        boolean("included_in_statistics", "includedInStatistics"),
    ),
    "discount-groups": (
        localized("name", "name"),
        text("sort_order", "sortOrder"),
        boolean("is_active", "isActive"),
    ),
    "cart-discounts": (
        localized("name", "name"),
        boolean("is_active", "isActive"),
        text("sort_order", "sortOrder"),
        boolean("requires_discount_code", "requiresDiscountCode"),
        text("stacking_mode", "stackingMode"),
        text("value_type", "value.type"),
        timestamp("valid_from", "validFrom"),
        timestamp("valid_until", "validUntil"),
    ),
    "discount-codes": (
        text("code", "code"),
        boolean("is_active", "isActive"),
        localized("name", "name"),
        integer("max_applications", "maxApplications"),
        integer("max_applications_per_customer", "maxApplicationsPerCustomer"),
        timestamp("valid_from", "validFrom"),
        timestamp("valid_until", "validUntil"),
        text("resource_key", "key"),
    ),
    "carts": (
        text("customer_id", "customerId"),
        text("customer_email", "customerEmail"),
        text("anonymous_id", "anonymousId"),
        text("cart_state", "cartState"),
        money("total_price", "totalPrice"),
        text("country", "country"),
        text("store_key", "store.key"),
        text("origin", "origin"),
    ),
    "quote-requests": (
        text("quote_request_state", "quoteRequestState"),
        text("customer_id", "customer.id"),
        money("total_price", "totalPrice"),
        text("store_key", "store.key"),
        text("business_unit_key", "businessUnit.key"),
    ),
    "staged-quotes": (
        text("staged_quote_state", "stagedQuoteState"),
        text("customer_id", "customer.id"),
        text("quote_request_id", "quoteRequest.id"),
        text("quotation_cart_id", "quotationCart.id"),
        timestamp("valid_to", "validTo"),
        text("business_unit_key", "businessUnit.key"),
    ),
    "quotes": (
        text("quote_state", "quoteState"),
        text("customer_id", "customer.id"),
        text("quote_request_id", "quoteRequest.id"),
        text("staged_quote_id", "stagedQuote.id"),
        money("total_price", "totalPrice"),
        timestamp("valid_to", "validTo"),
        text("business_unit_key", "businessUnit.key"),
    ),
    "payments": (
        text("customer_id", "customer.id"),
        text("anonymous_id", "anonymousId"),
        money("amount_planned", "amountPlanned"),
        text("payment_interface", "paymentMethodInfo.paymentInterface"),
        text("payment_method", "paymentMethodInfo.method"),
        text("interface_id", "interfaceId"),
        text("payment_status", "paymentStatus.interfaceCode"),
    ),
    "orders": (
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
    "recurrence-policies": (
        localized("name", "name"),
        text("interval_unit", "schedule.intervalUnit"),
        integer("interval_value", "schedule.value"),
    ),
    "recurring-orders": (
        text("recurring_order_state", "recurringOrderState"),
        text("cart_id", "cart.id"),
        text("origin_order_id", "originOrder.id"),
        text("customer_id", "customer.id"),
        text("customer_email", "customerEmail"),
        timestamp("starts_at", "startsAt"),
        timestamp("next_order_at", "nextOrderAt"),
        timestamp("expires_at", "expiresAt"),
    ),
    "shopping-lists": (
        localized("name", "name"),
        localized("slug", "slug"),
        text("customer_id", "customer.id"),
        text("anonymous_id", "anonymousId"),
        text("store_key", "store.key"),
        integer("delete_days_after_last_modification", "deleteDaysAfterLastModification"),
    ),
}

ENTITY_NAMES: Final = tuple(_MAIN_COLUMNS)
"""The registry's entities (`ctsync.entities.ENTITIES`; a test keeps the two equal). Named here
because the hub sits above the registry in the layers and may not import it."""


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


_CHILD_VIEWS = (
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

_SEO = ("description", "metaTitle", "metaDescription", "metaKeywords")
LOCALIZED_FIELDS: Final[dict[str, tuple[tuple[str, tuple[Step, ...]], ...]]] = {
    entity: tuple((name, _path(path)) for name, path in fields)
    for entity, fields in {
        "types": [("name", "name"), ("description", "description")],
        "states": [("name", "name"), ("description", "description")],
        "channels": [("name", "name"), ("description", "description")],
        "stores": [("name", "name")],
        "shipping-methods": [
            ("localizedName", "localizedName"),
            ("localizedDescription", "localizedDescription"),
        ],
        "categories": [("name", "name"), ("slug", "slug")] + [(f, f) for f in _SEO],
        "products": [
            (f"{data}.{f}", f"masterData.{data}.{f}")
            for data in ("current", "staged")
            for f in ("name", "slug", *_SEO)
        ],
        "product-discounts": [("name", "name"), ("description", "description")],
        "product-selections": [("name", "name")],
        "attribute-groups": [("name", "name"), ("description", "description")],
        "discount-groups": [("name", "name"), ("description", "description")],
        "cart-discounts": [("name", "name"), ("description", "description")],
        "discount-codes": [("name", "name"), ("description", "description")],
        "shopping-lists": [("name", "name"), ("description", "description"), ("slug", "slug")],
        "recurrence-policies": [("name", "name"), ("description", "description")],
        "payments": [("paymentMethodInfo.name", "paymentMethodInfo.name")],
    }.items()
}
"""The localized fields of each entity in `localized_values`: (field as shown, path)."""

PROJECT_LANGUAGE: Final = "project_language"
LOCALIZED_VALUES: Final = "localized_values"
_LOCALIZED_OUTPUTS: list[tuple[str, SqlType]] = [
    ("project_key", "text"),
    ("entity", "text"),
    ("id", "text"),
    ("field", "text"),
    ("locale", "text"),
    ("value", "text"),
]

VIEWS: Final[dict[str, View]] = {
    view.name: view
    for view in [
        *(View(e.replace("-", "_"), e, columns) for e, columns in _MAIN_COLUMNS.items()),
        *_CHILD_VIEWS,
    ]
}


def view_names() -> list[str]:
    """Every view, in creation order."""
    return [PROJECT_LANGUAGE, *VIEWS, LOCALIZED_VALUES]


def view_columns(view_name: str) -> list[tuple[str, SqlType]]:
    """The view's columns in order, with their types (text, integer, decimal, boolean,
    timestamp)."""
    if view_name == PROJECT_LANGUAGE:
        return [("project_key", "text"), ("language", "text")]
    if view_name == LOCALIZED_VALUES:
        return list(_LOCALIZED_OUTPUTS)
    return _view(view_name).outputs()


def _view(view_name: str) -> View:
    try:
        return VIEWS[view_name]
    except KeyError:
        raise ValueError(f"unknown view {view_name!r}: use one of {view_names()}") from None


# -- SQL -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Base:
    """A JSON value in SQL: a document expression and the path of steps into it."""

    doc: str
    steps: tuple[Step, ...] = ()

    def at(self, steps: Sequence[Step]) -> _Base:
        return _Base(self.doc, (*self.steps, *steps))


_PROJECT = "pl.document"
"""The project's document, joined as `pl` where a view needs its first language."""
_PROJECT_JOIN = (
    "LEFT JOIN records AS pl ON pl.project_key = r.project_key AND pl.entity = 'project' "
    "AND pl.id = r.project_key AND pl.deleted_at IS NULL"
)


class _Sql(ABC):
    """One dialect's rendering of typed JSON reads; `language` appends the project's first
    language to a path (a localized field)."""

    @abstractmethod
    def json_type(self, ref: _Base, language: bool = False) -> str: ...

    @abstractmethod
    def raw(self, ref: _Base, language: bool = False) -> str: ...

    @abstractmethod
    def text(self, ref: _Base, language: bool = False) -> str: ...

    @abstractmethod
    def integer(self, ref: _Base, *, fraction_digits: bool = False) -> str: ...

    @abstractmethod
    def decimal(self, ref: _Base) -> str: ...

    @abstractmethod
    def boolean(self, ref: _Base) -> str: ...

    @abstractmethod
    def timestamp_of(self, text_sql: str) -> str: ...

    @abstractmethod
    def text_list(self, ref: _Base) -> str: ...

    @abstractmethod
    def amount(self, units: str, fraction_digits: str) -> str: ...

    @abstractmethod
    def flag(self, condition: str) -> str: ...

    @abstractmethod
    def const(self, value: bool) -> str: ...

    @abstractmethod
    def elements(self, alias: str, ref: _Base) -> tuple[str, str, str, _Base]:
        """(join, guard, 0-based position, element) over the objects of the array at `ref`."""

    @abstractmethod
    def language(self, document: str) -> str:
        """The first language of this project document, when it is a language tag."""

    @abstractmethod
    def localized_values(self) -> str: ...

    def timestamp(self, ref: _Base) -> str:
        return self.timestamp_of(self.raw(ref))

    def money(self, ref: _Base) -> list[str]:
        units = (
            f"COALESCE({self.integer(ref.at(['preciseAmount']))}, "
            f"{self.integer(ref.at(['centAmount']))})"
        )
        digits = self.integer(ref.at(["fractionDigits"]), fraction_digits=True)
        return [
            self.amount(units, digits),
            self.text(ref.at(["currencyCode"])),
            self.integer(ref.at(["centAmount"])),
        ]


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class _Sqlite(_Sql):
    def _path(self, ref: _Base, language: bool) -> str:
        path = "$" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in ref.steps)
        if language:
            return f"{_literal(path + '.' + chr(34))} || {self.language(_PROJECT)} || '\"'"
        return _literal(path)

    def json_type(self, ref: _Base, language: bool = False) -> str:
        return f"json_type({ref.doc}, {self._path(ref, language)})"

    def raw(self, ref: _Base, language: bool = False) -> str:
        return f"json_extract({ref.doc}, {self._path(ref, language)})"

    def text(self, ref: _Base, language: bool = False) -> str:
        return (
            f"CASE {self.json_type(ref, language)} WHEN 'text' THEN {self.raw(ref, language)} END"
        )

    def integer(self, ref: _Base, *, fraction_digits: bool = False) -> str:
        low, high = (0, MAX_FRACTION_DIGITS) if fraction_digits else (-_INT_MAX, _INT_MAX)
        value = self.raw(ref)
        return (
            f"CASE WHEN {self.json_type(ref)} = 'integer' AND {value} BETWEEN {low} AND {high} "
            f"THEN {value} END"
        )

    def decimal(self, ref: _Base) -> str:
        return (
            f"CASE WHEN {self.json_type(ref)} IN ('integer', 'real') "
            f"THEN CAST({self.raw(ref)} AS REAL) END"
        )

    def boolean(self, ref: _Base) -> str:
        return f"CASE {self.json_type(ref)} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END"

    def timestamp_of(self, text_sql: str) -> str:
        # A JSON string comes out as its text; numbers, objects and arrays never match.
        return f"CASE WHEN {text_sql} GLOB '{_SQLITE_TIMESTAMP_GLOB}' THEN {text_sql} END"

    def text_list(self, ref: _Base) -> str:
        path = self._path(ref, False)
        return (
            f"(SELECT group_concat(l.value, '{LIST_SEPARATOR}') FROM (SELECT l.value AS value "
            f"FROM json_each({ref.doc}, {path}) AS l WHERE json_type({ref.doc}, {path}) = 'array' "
            "AND l.type = 'text' ORDER BY l.key) AS l)"
        )

    def amount(self, units: str, fraction_digits: str) -> str:
        return f"CAST({units} AS REAL) / CAST('1e' || {fraction_digits} AS REAL)"

    def flag(self, condition: str) -> str:
        return f"CASE WHEN {condition} THEN 1 ELSE 0 END"

    def const(self, value: bool) -> str:
        return "1" if value else "0"

    def elements(self, alias: str, ref: _Base) -> tuple[str, str, str, _Base]:
        path = self._path(ref, False)
        join = f"JOIN json_each({ref.doc}, {path}) AS {alias}"
        guard = f"json_type({ref.doc}, {path}) = 'array' AND {alias}.type = 'object'"
        return join, guard, f"{alias}.key", _Base(f"{alias}.value")

    def language(self, document: str) -> str:
        first = self.text(_Base(document, ("languages", 0)))
        return f"CASE WHEN {first} <> '' AND NOT ({first} GLOB '*[^A-Za-z0-9_-]*') THEN {first} END"

    def localized_values(self) -> str:
        fields = " UNION ALL ".join(
            f"SELECT {_literal(entity)} AS entity, {_literal(name)} AS field, "
            f"{self._path(_Base('', steps), False)} AS path"
            for entity, entries in LOCALIZED_FIELDS.items()
            for name, steps in entries
        )
        # CROSS JOIN keeps records the outer loop: one pass over the table, not one per field.
        return (
            "SELECT r.project_key AS project_key, r.entity AS entity, r.id AS id, "
            "f.field AS field, l.key AS locale, l.value AS value "
            f"FROM records AS r CROSS JOIN ({fields}) AS f "
            "JOIN json_each(r.document, f.path) AS l "
            "WHERE f.entity = r.entity AND r.deleted_at IS NULL "
            "AND json_type(r.document, f.path) = 'object' AND l.type = 'text'"
        )


class _Postgres(_Sql):
    def _operands(self, ref: _Base, language: bool) -> list[str]:
        operands = [str(s) if isinstance(s, int) else _literal(s) for s in ref.steps]
        return [*operands, self.language(_PROJECT)] if language else operands

    def _json(self, ref: _Base, language: bool = False) -> str:
        return ref.doc + "".join(f" -> {o}" for o in self._operands(ref, language))

    def raw(self, ref: _Base, language: bool = False) -> str:
        operands = self._operands(ref, language)
        if not operands:
            return f"({ref.doc} #>> '{{}}')"
        head = "".join(f" -> {o}" for o in operands[:-1])
        return f"({ref.doc}{head} ->> {operands[-1]})"

    def json_type(self, ref: _Base, language: bool = False) -> str:
        return f"jsonb_typeof({self._json(ref, language)})"

    def text(self, ref: _Base, language: bool = False) -> str:
        return (
            f"CASE WHEN {self.json_type(ref, language)} = 'string' "
            f"THEN {self.raw(ref, language)} END"
        )

    def integer(self, ref: _Base, *, fraction_digits: bool = False) -> str:
        # The pattern keeps the cast from failing: a string never gets here (jsonb_typeof),
        # 1.5 or a 19-digit number does not match. CASE evaluates the cast only after it.
        pattern = "^([0-9]|1[0-9]|20)$" if fraction_digits else f"^-?[0-9]{{1,{INTEGER_DIGITS}}}$"
        raw = self.raw(ref)
        return (
            f"CASE WHEN {self.json_type(ref)} = 'number' AND {raw} ~ '{pattern}' "
            f"THEN CAST({raw} AS BIGINT) END"
        )

    def decimal(self, ref: _Base) -> str:
        return (
            f"CASE WHEN {self.json_type(ref)} = 'number' "
            f"THEN CAST({self._json(ref)} AS NUMERIC) END"
        )

    def boolean(self, ref: _Base) -> str:
        return (
            f"CASE WHEN {self.json_type(ref)} = 'boolean' "
            f"THEN CAST({self._json(ref)} AS BOOLEAN) END"
        )

    def timestamp_of(self, text_sql: str) -> str:
        # Only text PostgreSQL reads as a timestamp gets cast: a bad value is NULL, not an error.
        return (
            f"CASE WHEN {text_sql} ~ '^{TIMESTAMP_PATTERN}$' "
            f"THEN CAST({text_sql} AS TIMESTAMPTZ) END"
        )

    def text_list(self, ref: _Base) -> str:
        value = self._json(ref)
        return (
            f"(SELECT string_agg(l.value #>> '{{}}', '{LIST_SEPARATOR}' ORDER BY l.ordinality) "
            f"FROM jsonb_array_elements(CASE WHEN jsonb_typeof({value}) = 'array' THEN {value} "
            "END) WITH ORDINALITY AS l(value, ordinality) WHERE jsonb_typeof(l.value) = 'string')"
        )

    def amount(self, units: str, fraction_digits: str) -> str:
        # Exact by construction: numeric times the exact 1e-n (a division picks its own scale).
        return f"CAST({units} AS NUMERIC) * CAST('1e-' || {fraction_digits} AS NUMERIC)"

    def flag(self, condition: str) -> str:
        return f"CASE WHEN {condition} THEN TRUE ELSE FALSE END"

    def const(self, value: bool) -> str:
        return "TRUE" if value else "FALSE"

    def elements(self, alias: str, ref: _Base) -> tuple[str, str, str, _Base]:
        value = self._json(ref)
        join = (
            "CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof("
            f"{value}) = 'array' THEN {value} END) WITH ORDINALITY AS {alias}(value, ordinality)"
        )
        guard = f"jsonb_typeof({alias}.value) = 'object'"
        return join, guard, f"({alias}.ordinality - 1)", _Base(f"{alias}.value")

    def language(self, document: str) -> str:
        first = self.text(_Base(document, ("languages", 0)))
        return f"CASE WHEN {first} ~ '^{LANGUAGE_PATTERN}$' THEN {first} END"

    def localized_values(self) -> str:
        fields = ", ".join(
            f"({_literal(entity)}, {_literal(name)}, "
            f"CAST({_literal('{' + ','.join(str(s) for s in steps) + '}')} AS TEXT[]))"
            for entity, entries in LOCALIZED_FIELDS.items()
            for name, steps in entries
        )
        value = "r.document #> f.path"
        return (
            "SELECT r.project_key AS project_key, r.entity AS entity, r.id AS id, "
            "f.field AS field, l.key AS locale, l.value #>> '{}' AS value "
            f"FROM records AS r JOIN (VALUES {fields}) AS f(entity, field, path) "
            "ON f.entity = r.entity "
            f"CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof({value}) = 'object' "
            f"THEN {value} END) AS l "
            "WHERE r.deleted_at IS NULL AND jsonb_typeof(l.value) = 'string'"
        )


_DIALECTS: dict[str, _Sql] = {"sqlite": _Sqlite(), "postgresql": _Postgres()}


def _dialect(dialect_name: str) -> _Sql:
    try:
        return _DIALECTS[dialect_name]
    except KeyError:
        raise ValueError(f"the views run on sqlite or postgresql, not {dialect_name!r}") from None


def _quote(name: str) -> str:
    return f'"{name}"'


def _column_sql(
    sql: _Sql, column: Column, item: _Base, outer_element: _Base, flags: dict[str, bool]
) -> list[str]:
    """The SQL of one declared column, one expression per output column."""
    base = (outer_element if column.of == "outer" else item).at(column.path)
    kind = column.kind
    if kind == "text":
        return [sql.text(base)]
    if kind == "integer":
        return [sql.integer(base)]
    if kind == "decimal":
        return [sql.decimal(base)]
    if kind == "boolean":
        return [sql.boolean(base)]
    if kind == "timestamp":
        return [sql.timestamp(base)]
    if kind == "localized":
        return [sql.text(base, language=True)]
    if kind == "money":
        return sql.money(base)
    if kind == "text_list":
        return [sql.text_list(base)]
    if kind == "equals":
        other = _Base("r.document", column.other)
        return [sql.flag(f"{sql.text(base)} = {sql.text(other)}")]
    if kind == "constant":
        return [sql.const(flags[column.name])]
    raise AssertionError(f"{kind} is rendered by its view")


def _select(sql: _Sql, view: View, columns: list[str], joins: list[str], guards: list[str]) -> str:
    names = [name for name, _ in view.outputs()]
    select = ", ".join(
        f"{expr} AS {_quote(name)}" for expr, name in zip(columns, names, strict=True)
    )
    language = [_PROJECT_JOIN] if view.needs_language else []
    where = [f"r.entity = {_literal(view.entity)}", "r.deleted_at IS NULL", *guards]
    return (
        f"SELECT {select} FROM records AS r {' '.join([*language, *joins])} "
        f"WHERE {' AND '.join(where)}"
    )


def _main_view_sql(sql: _Sql, view: View) -> str:
    document = _Base("r.document")
    columns = [
        "r.project_key",
        "r.id",
        "r.key",
        "r.version",
        sql.timestamp_of("r.created_at"),
        sql.timestamp_of("r.last_modified_at"),
    ]
    for column in view.columns:
        columns += _column_sql(sql, column, document, document, {})
    return _select(sql, view, columns, [], [])


def _child_view_sql(sql: _Sql, view: View) -> str:
    document = _Base("r.document")
    selects = []
    for src in view.sources:
        joins: list[str] = []
        guards: list[str] = []
        if src.single:
            element = document.at(src.path)
            guards.append(f"{sql.json_type(element)} = 'object'")
            index = str(src.first_position)
        else:
            join, guard, index, element = sql.elements("o", document.at(src.path))
            joins.append(join)
            guards.append(guard)
            if src.first_position:
                index = f"{index} + {src.first_position}"
        item = element
        if src.inner:
            join, guard, index, item = sql.elements("i", element.at(src.inner))
            joins.append(join)
            guards.append(guard)
        elif src.item:
            item = element.at(src.item)
            guards.append(f"{sql.json_type(item)} = 'object'")
        columns = ["r.project_key", "r.id"]
        for column in view.columns:
            if column.kind == "position":
                columns.append(index)
            else:
                columns += _column_sql(sql, column, item, element, dict(src.constants))
        selects.append(_select(sql, view, columns, joins, guards))
    return " UNION ALL ".join(selects)


def _view_sql(sql: _Sql, view: View) -> str:
    return _child_view_sql(sql, view) if view.sources else _main_view_sql(sql, view)


def create_view_statements(dialect_name: str) -> list[str]:
    """CREATE VIEW statements for "sqlite" or "postgresql", each view after those it reads.

    The SQL has no parameters, `%` or `:name`, so a driver or an Alembic `op.execute` runs it
    as written.
    """
    sql = _dialect(dialect_name)
    project_language = (
        f"SELECT p.project_key AS project_key, {sql.language('p.document')} AS language "
        "FROM records AS p WHERE p.entity = 'project' AND p.id = p.project_key "
        "AND p.deleted_at IS NULL"
    )
    statements = [f"CREATE VIEW {PROJECT_LANGUAGE} AS {project_language}"]
    statements += [f"CREATE VIEW {view.name} AS {_view_sql(sql, view)}" for view in VIEWS.values()]
    statements.append(f"CREATE VIEW {LOCALIZED_VALUES} AS {sql.localized_values()}")
    return statements


def drop_view_statements(dialect_name: str) -> list[str]:
    """DROP VIEW IF EXISTS for every view, readers before what they read."""
    _dialect(dialect_name)
    return [f"DROP VIEW IF EXISTS {name}" for name in reversed(view_names())]


def replace_views(connection: Connection) -> None:
    """Drop and create every view on this connection (inside the caller's transaction), so that
    the views always match this version of the code."""
    dialect_name = connection.dialect.name
    for statement in [*drop_view_statements(dialect_name), *create_view_statements(dialect_name)]:
        connection.exec_driver_sql(statement)


# -- the same rows, computed in Python -----------------------------------------------------------

_MISSING: Any = object()


def _at(node: Any, steps: Sequence[Step]) -> Any:
    for step in steps:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return _MISSING
            node = node[step]
        elif isinstance(node, dict) and step in node:
            node = node[step]
        else:
            return _MISSING
    return node


def _text(node: Any) -> str | None:
    return node if isinstance(node, str) else None


def _integer(node: Any, low: int = -_INT_MAX, high: int = _INT_MAX) -> int | None:
    if isinstance(node, int) and not isinstance(node, bool) and low <= node <= high:
        return node
    return None


def _decimal(node: Any) -> Decimal | None:
    if isinstance(node, bool) or not isinstance(node, int | float):
        return None
    return Decimal(node) if isinstance(node, int) else Decimal(repr(node))


def _timestamp(node: Any) -> str | None:
    return node if isinstance(node, str) and _TIMESTAMP_RE.fullmatch(node) else None


def _money(node: Any) -> list[Any]:
    cents = _integer(_at(node, ["centAmount"]))
    precise = _integer(_at(node, ["preciseAmount"]))
    digits = _integer(_at(node, ["fractionDigits"]), 0, MAX_FRACTION_DIGITS)
    units = precise if precise is not None else cents
    amount = None if units is None or digits is None else Decimal(units).scaleb(-digits)
    return [amount, _text(_at(node, ["currencyCode"])), cents]


def _python_column(
    column: Column,
    item: Any,
    outer_element: Any,
    document: Any,
    language: str | None,
    flags: dict[str, bool],
) -> list[Any]:
    node = _at(outer_element if column.of == "outer" else item, column.path)
    kind = column.kind
    if kind == "text":
        return [_text(node)]
    if kind == "integer":
        return [_integer(node)]
    if kind == "decimal":
        return [_decimal(node)]
    if kind == "boolean":
        return [node if isinstance(node, bool) else None]
    if kind == "timestamp":
        return [_timestamp(node)]
    if kind == "localized":
        return [None if language is None else _text(_at(node, [language]))]
    if kind == "money":
        return _money(node)
    if kind == "text_list":
        strings = [s for s in node if isinstance(s, str)] if isinstance(node, list) else []
        return [LIST_SEPARATOR.join(strings) if strings else None]
    if kind == "equals":
        mine = _text(node)
        return [mine is not None and mine == _text(_at(document, column.other))]
    if kind == "constant":
        return [flags[column.name]]
    raise AssertionError(f"{kind} is computed by its view")


@dataclass
class _Record:
    project_key: str
    entity: str
    id: str
    key: str | None
    version: int
    created_at: str
    last_modified_at: str
    document: Any


def _live_records(records: Sequence[dict[str, Any]]) -> list[_Record]:
    live = []
    for record in records:
        if record.get("deleted_at") is not None:
            continue
        document = record["document"]
        live.append(
            _Record(
                record["project_key"],
                record["entity"],
                record["id"],
                record.get("key"),
                record["version"],
                record["created_at"],
                record["last_modified_at"],
                json.loads(document) if isinstance(document, str | bytes) else document,
            )
        )
    return live


def _project_languages(live: list[_Record]) -> dict[str, str | None]:
    """project_key -> the first language of its project record (the one whose id is the key)."""
    languages: dict[str, str | None] = {}
    for record in live:
        if record.entity != "project" or record.id != record.project_key:
            continue
        first = _text(_at(record.document, ["languages", 0]))
        usable = first is not None and _LANGUAGE_RE.fullmatch(first)
        languages[record.project_key] = first if usable else None
    return languages


def _elements(node: Any, src_single: bool, first: int) -> Iterator[tuple[int, Any]]:
    if src_single:
        if isinstance(node, dict):
            yield first, node
    elif isinstance(node, list):
        for index, element in enumerate(node):
            if isinstance(element, dict):
                yield index + first, element


def _child_rows(view: View, record: _Record, language: str | None) -> Iterator[list[Any]]:
    document = record.document
    for src in view.sources:
        flags = dict(src.constants)
        for index, element in _elements(_at(document, src.path), src.single, src.first_position):
            items: list[tuple[int, Any]]
            if src.inner:
                items = list(_elements(_at(element, src.inner), False, 0))
            elif src.item:
                item = _at(element, src.item)
                items = [(index, item)] if isinstance(item, dict) else []
            else:
                items = [(index, element)]
            for position_, item in items:
                row: list[Any] = [record.project_key, record.id]
                for column in view.columns:
                    if column.kind == "position":
                        row.append(position_)
                    else:
                        row += _python_column(column, item, element, document, language, flags)
                yield row


def python_rows(view_name: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the view must return for these records (dicts with project_key, entity, id, key,
    version, created_at, last_modified_at, document as a dict or JSON text, and deleted_at),
    computed by walking the documents in Python, independently of the SQL.

    Values as `python_rows` gives them: decimals as exact `Decimal`, timestamps as the
    document's ISO text, booleans as `bool`; rows in no particular order.
    """
    live = _live_records(records)
    languages = _project_languages(live)
    names = [name for name, _ in view_columns(view_name)]
    rows: list[list[Any]] = []
    if view_name == PROJECT_LANGUAGE:
        rows = [[key, language] for key, language in languages.items()]
    elif view_name == LOCALIZED_VALUES:
        for record in live:
            for field_name, steps in LOCALIZED_FIELDS.get(record.entity, ()):
                values = _at(record.document, steps)
                if isinstance(values, dict):
                    rows += [
                        [record.project_key, record.entity, record.id, field_name, locale, value]
                        for locale, value in values.items()
                        if isinstance(value, str)
                    ]
    else:
        view = _view(view_name)
        for record in live:
            if record.entity != view.entity:
                continue
            language = languages.get(record.project_key)
            if view.sources:
                rows += _child_rows(view, record, language)
                continue
            row: list[Any] = [
                record.project_key,
                record.id,
                record.key,
                record.version,
                _timestamp(record.created_at),
                _timestamp(record.last_modified_at),
            ]
            for column in view.columns:
                document = record.document
                row += _python_column(column, document, document, document, language, {})
            rows.append(row)
    return [dict(zip(names, row, strict=True)) for row in rows]
