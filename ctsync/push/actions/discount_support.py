"""What the discount and shipping pushes share: money as a draft states it, validity periods,
store key references and lists compared as sets."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ctsync.push.actions.common import Action, manages
from ctsync.push.drafts import KeyReference, MoneyDraft
from ctsync.timestamps import normalize_timestamp


def money(value: Any) -> dict[str, Any] | None:
    """A money value (a TypedMoney as commercetools returns it, or a draft) as a draft states
    it: currency and cent amount, so `type` and `fractionDigits` never make two values differ."""
    if isinstance(value, MoneyDraft):
        return value.model_dump()
    if not isinstance(value, dict):
        return None
    return {"currencyCode": value.get("currencyCode"), "centAmount": value.get("centAmount")}


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


def store_keys(current: Any) -> list[str]:
    """The keys of a resource's stores (commercetools answers StoreKeyReferences)."""
    return sorted(s.get("key") for s in current or [] if isinstance(s, dict) and s.get("key"))


def stores_document(stores: list[KeyReference]) -> list[dict[str, str]]:
    """Stores as StoreResourceIdentifiers by key: commercetools keeps stores by key (a
    StoreKeyReference), and the push has checked that each one exists."""
    return [{"typeId": "store", "key": store.key} for store in stores]


def id_set(refs: Any) -> list[str]:
    return sorted(r.get("id") for r in refs or [] if isinstance(r, dict) and r.get("id"))
