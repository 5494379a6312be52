"""The pieces every draft is made of, validated before any call is made.

A draft is what another system (ERP, PIM, CRM) owns of one resource: the fields it names, with
references given by key (`{"key": "vip"}` or just `"vip"`). A field it leaves out is left as it
is, a null unsets it (`ctsync.push.diff`), unless a push replaces whole records. Unknown fields
are refused, so a typo never silently does nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
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


CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class MoneyDraft(DraftModel):
    currencyCode: CurrencyCode
    centAmount: int


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
