"""References in update actions: a draft's key references as the id references commercetools
takes (from `ids`, which the push filled before), and references compared by id or store key."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ctsync.push.diff import Action, Ids
from ctsync.push.draft_types import KeyReference


def reference(type_id: str, ref: KeyReference | None, ids: Ids) -> dict[str, str] | None:
    """The draft's key reference as an id reference; KeyError names the missing key."""
    if ref is None:
        return None
    return {"typeId": type_id, "id": ids[(type_id, ref.key)]}


def ref_id(current: Any) -> str | None:
    return current.get("id") if isinstance(current, dict) else None


def set_reference(
    action: str, field: str, type_id: str, draft: KeyReference | None, current: Any, ids: Ids
) -> list[Action]:
    wanted = reference(type_id, draft, ids)
    if ref_id(wanted) == ref_id(current):
        return []
    return [{"action": action, field: wanted} if wanted else {"action": action}]


def key_references(type_id: str, refs: Iterable[KeyReference], ids: Ids) -> list[dict[str, str]]:
    """Key references as the id references commercetools takes."""
    return [ref for ref in (reference(type_id, r, ids) for r in refs) if ref is not None]


def id_set(refs: Any) -> set[str]:
    """The ids of a list of references (a resource's `distributionChannels`, say)."""
    return {str(r.get("id")) for r in refs or [] if isinstance(r, dict)}


def store_keys(current: Any) -> list[str]:
    """The keys of a resource's stores (commercetools answers StoreKeyReferences)."""
    return sorted(s.get("key") for s in current or [] if isinstance(s, dict) and s.get("key"))


def stores_document(stores: list[KeyReference]) -> list[dict[str, str]]:
    """Stores as StoreResourceIdentifiers by key: commercetools keeps stores by key (a
    StoreKeyReference), and the push has checked that each one exists."""
    return [{"typeId": "store", "key": store.key} for store in stores]


def sorted_ids(refs: Any) -> list[str]:
    """The ids of a list of references, sorted (a discount code's `cartDiscounts`)."""
    return sorted(r.get("id") for r in refs or [] if isinstance(r, dict) and r.get("id"))
