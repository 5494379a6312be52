"""Drafts a push brings commercetools in line with, validated before any call is made.

A draft is what another system (ERP, PIM, CRM) owns of one resource: the fields it names, with
references given by key (`{"key": "vip"}` or just `"vip"`). A field it leaves out is left as it
is, a null unsets it (`ctsync.push.actions`), unless a push replaces whole records. Unknown
fields are refused, so a typo never silently does nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from ctsync.timestamps import normalize_timestamp

Key = Annotated[str, StringConstraints(min_length=1, max_length=256, strip_whitespace=True)]


def _without_nulls(value: Any) -> Any:
    """A localized value without the languages set to null (an empty CSV cell): not wanted."""
    if isinstance(value, dict):
        return {language: text for language, text in value.items() if text is not None}
    return value


LocalizedString = Annotated[dict[str, str], BeforeValidator(_without_nulls)]


Timestamp = Annotated[str, AfterValidator(normalize_timestamp)]


class DraftModel(BaseModel):
    """Base of every draft: strict about unknown fields, lax about CSV strings for numbers."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class KeyReference(DraftModel):
    """A reference by key; a plain string is read as the key."""

    key: Key

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        return {"key": value} if isinstance(value, str) else value


class CustomFieldsDraft(DraftModel):
    type: KeyReference
    fields: dict[str, Any] = Field(default_factory=dict)


class AddressDraft(DraftModel):
    """A customer address; `key` is how a push recognises it on the next run."""

    key: Key
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    title: str | None = None
    salutation: str | None = None
    firstName: str | None = None
    lastName: str | None = None
    streetName: str | None = None
    streetNumber: str | None = None
    additionalStreetInfo: str | None = None
    postalCode: str | None = None
    city: str | None = None
    region: str | None = None
    state: str | None = None
    company: str | None = None
    department: str | None = None
    building: str | None = None
    apartment: str | None = None
    pOBox: str | None = None
    phone: str | None = None
    mobile: str | None = None
    email: str | None = None


class CustomerDraft(DraftModel):
    """Matched by `key`, else by e-mail."""

    key: Key | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    firstName: str | None = None
    middleName: str | None = None
    lastName: str | None = None
    title: str | None = None
    salutation: str | None = None
    companyName: str | None = None
    customerGroup: KeyReference | None = None
    addresses: list[AddressDraft] = Field(default_factory=list)
    defaultShippingAddress: Key | None = None
    defaultBillingAddress: Key | None = None
    custom: CustomFieldsDraft | None = None

    @model_validator(mode="after")
    def _defaults_name_addresses(self) -> CustomerDraft:
        keys = [address.key for address in self.addresses]
        if len(set(keys)) != len(keys):
            raise ValueError("addresses: two addresses share a key")
        for name in ("defaultShippingAddress", "defaultBillingAddress"):
            value = getattr(self, name)
            if value is not None and value not in keys:
                raise ValueError(f"{name}: no address has the key {value!r}")
        return self

    @property
    def identity(self) -> str:
        return f"key {self.key}" if self.key else f"email {self.email.lower()}"


class CategoryDraft(DraftModel):
    key: Key
    name: Annotated[LocalizedString, Field(min_length=1)]
    slug: Annotated[LocalizedString, Field(min_length=1)]
    description: LocalizedString | None = None
    parent: KeyReference | None = None
    orderHint: str | None = None
    custom: CustomFieldsDraft | None = None

    @property
    def identity(self) -> str:
        return f"key {self.key}"


class InventoryDraft(DraftModel):
    """Matched by SKU and supply channel (none is a channel of its own)."""

    sku: Key
    supplyChannel: KeyReference | None = None
    quantityOnStock: int = Field(ge=0)
    restockableInDays: int | None = Field(default=None, ge=0)
    expectedDelivery: Timestamp | None = None
    custom: CustomFieldsDraft | None = None

    @property
    def identity(self) -> str:
        channel = self.supplyChannel.key if self.supplyChannel else "-"
        return f"sku {self.sku} channel {channel}"


CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class MoneyDraft(DraftModel):
    currencyCode: CurrencyCode
    centAmount: int


class PriceDraft(DraftModel):
    """A variant price; its scope (currency, country, group, channel) is how a push matches it."""

    value: MoneyDraft
    country: CountryCode | None = None
    customerGroup: KeyReference | None = None
    channel: KeyReference | None = None

    @property
    def scope(self) -> tuple[str, str | None, str | None, str | None]:
        group = self.customerGroup.key if self.customerGroup else None
        channel = self.channel.key if self.channel else None
        return (self.value.currencyCode, self.country, group, channel)


def _attributes_by_name(value: Any) -> Any:
    """`[{"name": n, "value": v}]` (commercetools' form) or `{n: v}` (the CSV form) -> `{n: v}`."""
    if isinstance(value, list):
        named = {}
        for item in value:
            if not isinstance(item, dict) or "name" not in item or "value" not in item:
                raise ValueError("give attributes as {name: value} or [{name, value}, ...]")
            named[item["name"]] = item["value"]
        return named
    return value


class VariantDraft(DraftModel):
    """A product variant, matched by SKU; attributes by name (a null value means "not set")."""

    sku: Key
    prices: list[PriceDraft] = Field(default_factory=list)
    attributes: Annotated[dict[str, Any], BeforeValidator(_attributes_by_name)] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _one_price_per_scope(self) -> VariantDraft:
        scopes = [price.scope for price in self.prices]
        if len(set(scopes)) != len(scopes):
            raise ValueError(f"prices: two prices of SKU {self.sku!r} have the same scope")
        return self


class ProductDraft(DraftModel):
    """Matched by `key`; `productType` applies on create only (commercetools cannot change it).

    `publish: true` publishes every change (current == staged); `false` keeps changes staged and
    unpublishes a published product.
    """

    key: Key
    productType: KeyReference
    name: Annotated[LocalizedString, Field(min_length=1)]
    slug: Annotated[LocalizedString, Field(min_length=1)]
    description: LocalizedString | None = None
    categories: list[KeyReference] = Field(default_factory=list)
    taxCategory: KeyReference | None = None
    masterVariant: VariantDraft
    variants: list[VariantDraft] = Field(default_factory=list)
    publish: bool = False

    @model_validator(mode="after")
    def _unique_skus_and_categories(self) -> ProductDraft:
        skus = [variant.sku for variant in self.all_variants]
        if len(set(skus)) != len(skus):
            raise ValueError("variants: two variants share a SKU")
        keys = [category.key for category in self.categories]
        if len(set(keys)) != len(keys):
            raise ValueError("categories: a category is listed twice")
        return self

    @property
    def all_variants(self) -> list[VariantDraft]:
        return [self.masterVariant, *self.variants]

    @property
    def identity(self) -> str:
        return f"key {self.key}"


Draft = CustomerDraft | CategoryDraft | InventoryDraft | ProductDraft
