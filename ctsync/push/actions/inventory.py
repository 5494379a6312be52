"""Inventory entries: quantity, restocking, expected delivery, custom fields."""

from __future__ import annotations

from typing import Any

from ctsync.push.actions.common import (
    Action,
    Ids,
    custom_actions,
    custom_draft,
    manages,
    reference,
    set_field,
)
from ctsync.push.drafts import InventoryDraft
from ctsync.timestamps import normalize_timestamp


def inventory_actions(
    draft: InventoryDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    actions: list[Action] = []
    if draft.quantityOnStock != current.get("quantityOnStock"):
        actions.append({"action": "changeQuantity", "quantity": draft.quantityOnStock})
    if manages(draft, "restockableInDays", replace):
        actions += set_field(
            "setRestockableInDays",
            "restockableInDays",
            draft.restockableInDays,
            current.get("restockableInDays"),
        )
    if manages(draft, "expectedDelivery", replace):
        current_delivery = current.get("expectedDelivery")
        actions += set_field(
            "setExpectedDelivery",
            "expectedDelivery",
            draft.expectedDelivery,
            normalize_timestamp(current_delivery) if current_delivery else None,
        )
    if manages(draft, "custom", replace):
        actions += custom_actions(draft.custom, current.get("custom"), ids, replace=replace)
    return actions


def inventory_create(draft: InventoryDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = draft.model_dump(
        exclude_none=True, exclude={"supplyChannel", "custom"}
    )
    if draft.supplyChannel:
        document["supplyChannel"] = reference("channel", draft.supplyChannel, ids)
    if draft.custom:
        document["custom"] = custom_draft(draft.custom, ids)
    return document
