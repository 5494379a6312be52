"""Keys for references between projects: a resource as one project returns it refers by id,
a draft for another project refers by key (copy_project)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

KeyOf = Callable[[str, str], str | None]
"""(typeId, id) -> the `key` of that resource in the project a document came from, None when
it has none (copy_project turns id references into key references with it)."""


class NotCopyable(ValueError):
    """A source resource that cannot become a draft: the message is the reason a copy reports
    (`product-type 0c1… has no key`, …)."""


def key_of_reference(reference: Any, key_of: KeyOf) -> str:
    """The key of a reference's target; NotCopyable names the target when it has none. A key
    reference (a business unit's stores) carries its key already."""
    if reference.get("key"):
        return str(reference["key"])
    type_id, target = reference.get("typeId"), reference.get("id")
    key = key_of(type_id, target) if type_id and target else None
    if not key:
        raise NotCopyable(f"{type_id} {target} has no key")
    return key


def own_key(resource: dict[str, Any], what: str) -> str:
    """The resource's own key: a push finds a resource again by key only."""
    key = resource.get("key")
    if not key:
        raise NotCopyable(f"{what} {resource.get('id')} has no key")
    return str(key)
