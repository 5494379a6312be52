"""A resource as commercetools returns it -> the fields of a draft (copy_project): the fields
that have a value, every id reference in them as a key reference."""

from __future__ import annotations

from typing import Any

from ctsync.push.diff import blank
from ctsync.push.keys import KeyOf, key_of_reference


def copied(resource: dict[str, Any], *names: str) -> dict[str, Any]:
    """The named fields that have a value (commercetools drops empty ones anyway)."""
    return {name: resource[name] for name in names if not blank(resource.get(name))}


def keyed_value(value: Any, key_of: KeyOf) -> Any:
    """A custom field or attribute value with every reference in it (a set of them, a nested
    one) as `{"typeId", "key"}`: the ids are the source project's."""
    if isinstance(value, dict):
        if set(value) in ({"typeId", "id"}, {"typeId", "id", "obj"}):
            return {"typeId": value["typeId"], "key": key_of_reference(value, key_of)}
        return {name: keyed_value(item, key_of) for name, item in value.items()}
    if isinstance(value, list):
        return [keyed_value(item, key_of) for item in value]
    return value


def keyed_references(resource: dict[str, Any], key_of: KeyOf, *fields: str) -> dict[str, str]:
    """The named references the resource has, each as the key of its target."""
    return {f: key_of_reference(resource[f], key_of) for f in fields if resource.get(f)}
