"""Money as a draft states it."""

from __future__ import annotations

from typing import Any

from ctsync.push.draft_types import MoneyDraft


def money(value: Any) -> dict[str, Any] | None:
    """A money value (a TypedMoney as commercetools returns it, or a draft) as a draft states
    it: currency and cent amount, so `type` and `fractionDigits` never make two values differ."""
    if isinstance(value, MoneyDraft):
        return value.model_dump()
    if not isinstance(value, dict):
        return None
    return {"currencyCode": value.get("currencyCode"), "centAmount": value.get("centAmount")}
