"""`Entity`: one row of the registry, and what it makes of a document for the hub.

A row states only what differs from the defaults (`Entity.__post_init__`); the methods are a
pull's path from a page of documents to the hub's records.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from dataclasses import KW_ONLY, dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ctsync.hub.record import HubRecord
from ctsync.registry.resource import Resource
from ctsync.registry.view_columns import ViewColumn

KEY_SEPARATOR = "/"
"""Joins the fields of a natural key of several (`container/key` of a custom object), as
commercetools' own URL does; neither field may contain it."""


@dataclass(frozen=True)
class Entity:
    """How one kind of commercetools resource is read, referred to, stored and shown.

    Left empty, `endpoint` is the name (the singleton's is the project's root), `type_id` the
    name in the singular and `scope` `view_<name with - as _>`: a row names only what differs.
    """

    name: str
    model: type[BaseModel]
    """Validates the fields the hub indexes; the document is stored as commercetools returned it."""
    _: KW_ONLY
    endpoint: str = ""
    type_id: str = ""
    """The `typeId` of a reference to it (`{"typeId": "customer-group", "id": ...}`)."""
    scope: str = ""
    """The scope commercetools asks of a client that reads it (`view_orders`, without the
    project key); its 403 names the one it missed, and only this entity's run fails."""
    natural_key: str | tuple[str, ...] = "key"
    """The field people know a resource by; a tuple when it takes several (custom objects:
    container and key), stored joined by `/` (neither may contain one)."""
    depends_on: tuple[str, ...] = ()
    """The entities it refers to, read before it by `sync_all` (`dependency_levels`)."""
    singleton: bool = False
    """One resource read whole every time (the project): no paging, no delta, no deletions."""
    retention: str | None = None
    """The document's field by which commercetools deletes the resource itself, days after its
    last change (carts, shopping lists): a plain delta marks them deleted like any other."""
    view_columns: tuple[ViewColumn, ...] = ()
    """Its main view's columns after the common head: the fields people filter on."""
    localized_fields: tuple[str | tuple[str, str], ...] = ()
    """Its localized fields, each locale a row of the `localized_values` view: a path, or (the
    field as the view names it, its path)."""

    def __post_init__(self) -> None:
        derived = {
            "endpoint": "" if self.singleton else self.name,
            "type_id": _singular(self.name),
            "scope": f"view_{self.name.replace('-', '_')}",
        }
        for field_name, value in derived.items():
            if not getattr(self, field_name):
                object.__setattr__(self, field_name, value)

    @functools.cached_property
    def _is_resource(self) -> bool:
        return issubclass(self.model, Resource)

    def validate(self, document: Any) -> str | None:
        """None when the document is valid, else the reason (field and problem) it is not."""
        try:
            # The model's validator itself, without `model_validate`'s wrapper: a pull's every
            # record passes here.
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
        field) takes one loop that calls nothing but the validator per document; the others
        go through `to_record`. Both paths make the same records and reasons."""
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


def _singular(name: str) -> str:
    """`tax-categories` -> `tax-category`, `customers` -> `customer`."""
    if name.endswith("ies"):
        return name[: -len("ies")] + "y"
    return name.removesuffix("s")
