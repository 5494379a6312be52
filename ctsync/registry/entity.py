"""`Entity`: one row of the registry.

A row states only what differs from the defaults (`Entity.__post_init__`). It says whether a
document is valid and what its natural key is; `ctsync.hub.documents` makes the hub's records of
documents with it.
"""

from __future__ import annotations

import functools
from dataclasses import KW_ONLY, dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

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
    def is_resource(self) -> bool:
        """Its model is a strict `Resource`: a valid document has id, version and timestamps of
        their types."""
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

    def natural_key_of(self, document: dict[str, Any]) -> str | None:
        """The document's natural key as the hub stores it, None when it has none."""
        if isinstance(self.natural_key, str):
            value = document.get(self.natural_key)
            return value if isinstance(value, str) else None
        parts = [document.get(name) for name in self.natural_key]
        if all(isinstance(part, str) and part for part in parts):
            return KEY_SEPARATOR.join(parts)  # type: ignore[arg-type]
        return None


def _singular(name: str) -> str:
    """`tax-categories` -> `tax-category`, `customers` -> `customer`."""
    if name.endswith("ies"):
        return name[: -len("ies")] + "y"
    return name.removesuffix("s")
