"""Validity periods (cart discounts, discount codes, standalone prices): timestamps compared
normalised, both ends changed in one action."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ctsync.push.diff import Action, manages
from ctsync.timestamps import normalize_timestamp


def timestamp(value: Any) -> str | None:
    return normalize_timestamp(value) if isinstance(value, str) and value else None


def validity_actions(draft: BaseModel, current: dict[str, Any], replace: bool) -> list[Action]:
    """`setValidFrom`, `setValidUntil`, or one `setValidFromAndUntil` when both change (so the
    period is never invalid in between); a field not managed keeps its current value."""
    wanted: dict[str, str | None] = {}
    for field in ("validFrom", "validUntil"):
        have = timestamp(current.get(field))
        want = timestamp(getattr(draft, field)) if manages(draft, field, replace) else have
        if want != have:
            wanted[field] = want
    if not wanted:
        return []
    if len(wanted) == 2:
        action: Action = {"action": "setValidFromAndUntil"}
        action.update({f: v for f, v in wanted.items() if v is not None})
        return [action]
    ((field, value),) = wanted.items()
    name = "setValidFrom" if field == "validFrom" else "setValidUntil"
    return [{"action": name, field: value} if value is not None else {"action": name}]
