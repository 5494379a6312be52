"""What the catalog set-up pushes (product types, channels, customer groups, stores) share: lists
compared as sets and lists of key references."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ctsync.push.actions.common import Action, Ids, reference
from ctsync.push.drafts import KeyReference


def key_references(type_id: str, refs: Iterable[KeyReference], ids: Ids) -> list[dict[str, str]]:
    """Key references as the id references commercetools takes."""
    return [ref for ref in (reference(type_id, r, ids) for r in refs) if ref is not None]


def id_set(refs: Any) -> set[str]:
    """The ids of a list of references (a resource's `distributionChannels`, say)."""
    return {str(r.get("id")) for r in refs or [] if isinstance(r, dict)}


def set_list(action: str, field: str, wanted: list[Any], same_set: bool) -> list[Action]:
    """`setX` with the whole list when the set differs; without a value when it goes empty."""
    if same_set:
        return []
    return [{"action": action, field: wanted} if wanted else {"action": action}]
