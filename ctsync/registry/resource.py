"""What the models of every entity share: the fields of a versioned resource, references, money."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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


class Money(BaseModel):
    model_config = ConfigDict(extra="ignore")

    currencyCode: str = Field(min_length=3, max_length=3)
    centAmount: int
