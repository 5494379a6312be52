"""Drafts of custom objects and shopping lists, validated before any call is made.

They follow `ctsync.push.drafts`: unknown fields are refused, references are given by key, a field a
draft leaves out is left as it is. A named list of line items is the desired set of them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from ctsync.push.drafts import CustomFieldsDraft, DraftModel, Key, KeyReference, LocalizedString

ContainerOrKey = Annotated[
    str, StringConstraints(min_length=1, max_length=256, pattern=r"^[-_~.a-zA-Z0-9]+$")
]
"""commercetools' pattern for a custom object's container and key (no `/`: the registry joins
them with it)."""

LINE_ITEM_KEY = re.compile(r"^[A-Za-z0-9_-]{2,256}$")
"""What commercetools accepts as the key of a line item."""


class CustomObjectDraft(DraftModel):
    """A custom object: its value is the whole document (commercetools has no partial update)."""

    container: ContainerOrKey
    key: ContainerOrKey
    value: Any

    @model_validator(mode="before")
    @classmethod
    def _value_required(cls, data: Any) -> Any:
        # `Any` would make a missing value silently None, and commercetools refuses a null value.
        if isinstance(data, dict) and "value" in data and data["value"] is None:
            raise ValueError("value: a custom object needs a value (null is not one)")
        return data

    @property
    def identity(self) -> str:
        return f"custom object {self.container}/{self.key}"


class ShoppingListLineItemDraft(DraftModel):
    """A product variant on the list: by SKU, or by product key and variant id (what a copy
    knows, since commercetools returns a line item's product id and variant id, not its SKU).
    `key` is how a push recognises the line item on the next run."""

    sku: Key | None = None
    product: KeyReference | None = None
    variantId: int | None = Field(default=None, ge=1)
    quantity: int = Field(default=1, ge=1)
    key: Annotated[str, StringConstraints(pattern=LINE_ITEM_KEY.pattern)] | None = None

    @model_validator(mode="after")
    def _one_variant(self) -> ShoppingListLineItemDraft:
        if (self.sku is None) == (self.product is None):
            raise ValueError("a line item names its variant by sku, or by product and variantId")
        return self

    @property
    def match_key(self) -> str | None:
        """The key the push gives the line item: the draft's, else the SKU when it is a valid
        line item key (else the line item is recognised by its SKU or product and variant)."""
        if self.key:
            return self.key
        return self.sku if self.sku and LINE_ITEM_KEY.match(self.sku) else None


class TextLineItemDraft(DraftModel):
    """A text line item, recognised by `key` when it has one, else by its name."""

    name: Annotated[LocalizedString, Field(min_length=1)]
    description: LocalizedString | None = None
    quantity: int = Field(default=1, ge=1)
    key: Annotated[str, StringConstraints(pattern=LINE_ITEM_KEY.pattern)] | None = None


class ShoppingListDraft(DraftModel):
    """Matched by `key`; the customer and the store by key."""

    key: Key
    name: Annotated[LocalizedString, Field(min_length=1)]
    slug: LocalizedString | None = None
    description: LocalizedString | None = None
    customer: KeyReference | None = None
    anonymousId: str | None = None
    deleteDaysAfterLastModification: int | None = Field(default=None, ge=1)
    store: KeyReference | None = None
    lineItems: list[ShoppingListLineItemDraft] = Field(default_factory=list)
    textLineItems: list[TextLineItemDraft] = Field(default_factory=list)
    custom: CustomFieldsDraft | None = None

    @model_validator(mode="after")
    def _items_recognisable(self) -> ShoppingListDraft:
        variants = [
            item.sku or (item.product and item.product.key, item.variantId or 1)
            for item in self.lineItems
        ]
        if len(set(variants)) != len(variants):
            raise ValueError("lineItems: two line items name the same variant")
        keys = [k for k in (item.match_key for item in self.lineItems) if k]
        if len(set(keys)) != len(keys):
            raise ValueError("lineItems: two line items have the same key")
        texts = [item.key or repr(sorted(item.name.items())) for item in self.textLineItems]
        if len(set(texts)) != len(texts):
            raise ValueError("textLineItems: two text line items have the same key or name")
        return self

    @property
    def identity(self) -> str:
        return f"key {self.key}"
