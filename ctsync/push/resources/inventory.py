"""Inventory entries: matched by SKU and supply channel; quantity, restock days, expected
delivery, custom fields.

Here: the inventory entries draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ctsync.client.identity import is_inventory_entry
from ctsync.push.copied import copied
from ctsync.push.custom_fields import (
    CustomFieldsDraft,
    custom_actions,
    custom_draft,
    custom_refs,
    with_custom,
)
from ctsync.push.diff import Action, Ids, manages, set_field
from ctsync.push.draft_types import DraftModel, Key, KeyReference, Timestamp
from ctsync.push.entity import PushEntity, Reference
from ctsync.push.keys import KeyOf, NotCopyable, key_of_reference
from ctsync.push.references import reference
from ctsync.registry import get_entity
from ctsync.timestamps import normalize_timestamp


class InventoryDraft(DraftModel):
    """Matched by SKU and supply channel (none is a channel of its own)."""

    sku: Key
    supplyChannel: KeyReference | None = None
    quantityOnStock: int = Field(ge=0)
    restockableInDays: int | None = Field(default=None, ge=0)
    expectedDelivery: Timestamp | None = None
    custom: CustomFieldsDraft | None = None

    @property
    def identity(self) -> str:
        channel = self.supplyChannel.key if self.supplyChannel else "-"
        return f"sku {self.sku} channel {channel}"


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


def inventory_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    if not resource.get("sku"):
        raise NotCopyable(f"inventory-entry {resource.get('id')} has no sku")
    draft = copied(resource, "sku", "restockableInDays", "expectedDelivery")
    draft["quantityOnStock"] = resource.get("quantityOnStock", 0)
    if resource.get("supplyChannel"):
        draft["supplyChannel"] = key_of_reference(resource["supplyChannel"], key_of)
    return with_custom(draft, resource, key_of)


def _inventory_refs(draft: InventoryDraft) -> list[Reference]:
    refs = [("channel", draft.supplyChannel.key)] if draft.supplyChannel else []
    return refs + custom_refs(draft.custom)


def _find_inventory(
    draft: InventoryDraft, candidates: list[dict[str, Any]], ids: Ids
) -> dict[str, Any] | None:
    channel = ids.get(("channel", draft.supplyChannel.key)) if draft.supplyChannel else None
    return next((c for c in candidates if is_inventory_entry(c, draft.sku, channel)), None)


PUSH: PushEntity[InventoryDraft] = PushEntity(
    entity=get_entity("inventory"),
    model=InventoryDraft,
    identity=lambda d: d.identity,
    references=_inventory_refs,
    lookups=lambda drafts: [("sku", sorted({d.sku for d in drafts}))],
    find=_find_inventory,
    create=inventory_create,
    actions=inventory_actions,
    to_draft=inventory_to_draft,
)
