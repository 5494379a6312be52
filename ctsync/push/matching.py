"""How a push finds the current resource of a draft: the (field, values) queries of a batch
(`lookups`) and the candidate that is the draft's (`find`). Most resources are found by key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ctsync.push.diff import Ids


def by_keys(drafts: Sequence[Any]) -> list[tuple[str, list[str]]]:
    return [("key", sorted({d.key for d in drafts}))]


def find_by_key(draft: Any, candidates: list[dict[str, Any]], _ids: Ids) -> dict[str, Any] | None:
    return next((c for c in candidates if c.get("key") == draft.key), None)


def by_keys_and_names(drafts: Sequence[Any]) -> list[tuple[str, list[str]]]:
    return [*by_keys(drafts), ("name", sorted({d.name for d in drafts}))]


def find_by_key_or_name(
    draft: Any, candidates: list[dict[str, Any]], ids: Ids
) -> dict[str, Any] | None:
    """The resource with the draft's key, else one of the same name that has no key yet (one
    with another key belongs to another draft)."""
    found = find_by_key(draft, candidates, ids)
    if found is None:
        found = next(
            (c for c in candidates if not c.get("key") and c.get("name") == draft.name), None
        )
    return found
