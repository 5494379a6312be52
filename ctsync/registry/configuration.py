"""The project and its configuration: types, states, channels, zones, tax categories, stores,
shipping methods, extensions, subscriptions and custom objects."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ctsync.registry.entity import Entity
from ctsync.registry.resource import Reference, Resource
from ctsync.registry.view_columns import boolean, integer, localized, text, text_list
from ctsync.timestamps import TIMESTAMP


class Project(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    key: str = Field(min_length=1)
    version: int = Field(ge=1)
    createdAt: str = Field(pattern=TIMESTAMP)
    countries: list[str]
    currencies: list[str]
    languages: list[str]


class Type(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]
    resourceTypeIds: list[str]


class State(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]
    type: str


class Channel(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]
    roles: list[str]


class Zone(Resource):
    name: str


class TaxCategory(Resource):
    name: str


class Store(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]


class ShippingMethod(Resource):
    name: str
    taxCategory: Reference


class Extension(Resource):
    destination: dict[str, Any]
    triggers: list[dict[str, Any]]


class Subscription(Resource):
    destination: dict[str, Any]


class CustomObject(Resource):
    key: str = Field(min_length=1)  # type: ignore[assignment]
    container: str = Field(min_length=1)
    value: Any


_NAME_AND_DESCRIPTION = ("name", "description")

ROWS = (
    Entity(
        "project",
        Project,
        scope="view_project_settings",
        singleton=True,
        view_columns=(
            text("name", "name"),
            text_list("languages", "languages"),
            text_list("countries", "countries"),
            text_list("currencies", "currencies"),
            boolean("messages_enabled", "messages.enabled"),
        ),
    ),
    Entity(
        "types",
        Type,
        view_columns=(
            localized("name", "name"),
            text_list("resource_type_ids", "resourceTypeIds"),
        ),
        localized_fields=_NAME_AND_DESCRIPTION,
    ),
    Entity(
        "states",
        State,
        view_columns=(
            text("type", "type"),
            boolean("initial", "initial"),
            boolean("built_in", "builtIn"),
            localized("name", "name"),
            text_list("roles", "roles"),
        ),
        localized_fields=_NAME_AND_DESCRIPTION,
    ),
    Entity(
        "channels",
        Channel,
        depends_on=("types",),
        view_columns=(
            localized("name", "name"),
            text_list("roles", "roles"),
            text("country", "address.country"),
        ),
        localized_fields=_NAME_AND_DESCRIPTION,
    ),
    Entity(
        "zones",
        Zone,
        view_columns=(text("name", "name"), text("description", "description")),
    ),
    Entity(
        "tax-categories",
        TaxCategory,
        view_columns=(text("name", "name"), text("description", "description")),
    ),
    Entity(
        "stores",
        Store,
        depends_on=("channels", "types"),
        view_columns=(localized("name", "name"), text_list("languages", "languages")),
        localized_fields=("name",),
    ),
    Entity(
        "shipping-methods",
        ShippingMethod,
        depends_on=("zones", "tax-categories", "types"),
        view_columns=(
            text("name", "name"),
            localized("localized_name", "localizedName"),
            text("tax_category_id", "taxCategory.id"),
            boolean("active", "active"),
            boolean("is_default", "isDefault"),
            text("predicate", "predicate"),
        ),
        localized_fields=("localizedName", "localizedDescription"),
    ),
    Entity(
        "extensions",
        Extension,
        scope="manage_extensions",
        view_columns=(
            text("destination_type", "destination.type"),
            integer("timeout_in_ms", "timeoutInMs"),
        ),
    ),
    Entity(
        "subscriptions",
        Subscription,
        scope="manage_subscriptions",
        view_columns=(text("destination_type", "destination.type"), text("status", "status")),
    ),
    Entity(
        "custom-objects",
        CustomObject,
        type_id="key-value-document",
        scope="view_key_value_documents",
        natural_key=("container", "key"),
        view_columns=(text("container", "container"), text("object_key", "key")),
    ),
)
