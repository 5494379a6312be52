"""Custom fields, which most resources have the same way: the draft, its references, its update
actions, and a resource's custom fields as a draft's (copy_project)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ctsync.push.copied import keyed_value
from ctsync.push.diff import Action, Ids, blank, named_values
from ctsync.push.draft_types import DraftModel, KeyReference
from ctsync.push.entity import Reference
from ctsync.push.keys import KeyOf, key_of_reference
from ctsync.push.references import ref_id, reference


class CustomFieldsDraft(DraftModel):
    type: KeyReference
    fields: dict[str, Any] = Field(default_factory=dict)


def custom_draft(custom: CustomFieldsDraft | None, ids: Ids) -> dict[str, Any] | None:
    if custom is None:
        return None
    return {"type": reference("type", custom.type, ids), "fields": dict(custom.fields)}


def custom_actions(
    draft: CustomFieldsDraft | None,
    current: Any,
    ids: Ids,
    prefix: str = "",
    *,
    replace: bool = False,
) -> list[Action]:
    """`setCustomType` when the type changes (or goes), else one `setCustomField` per field
    the draft names (with `replace`, every field it does not name is unset too)."""
    current = current if isinstance(current, dict) else None
    current_type = ref_id(current.get("type")) if current else None
    if draft is None:
        return [{"action": f"set{prefix}CustomType"}] if current else []
    wanted = custom_draft(draft, ids)
    assert wanted is not None
    if wanted["type"]["id"] != current_type:
        return [{"action": f"set{prefix}CustomType", **wanted}]
    fields: dict[str, Any] = (current or {}).get("fields") or {}
    actions = []
    for name, value in named_values(draft.fields, fields, replace):
        action: Action = {"action": f"set{prefix}CustomField", "name": name}
        if not blank(value):
            action["value"] = value
        actions.append(action)
    return actions


def custom_refs(custom: Any) -> list[Reference]:
    """The custom type a draft's custom fields refer to, if any."""
    return [("type", custom.type.key)] if custom is not None else []


def custom_to_draft(
    custom: Any, key_of: KeyOf, *, keyed_fields: bool = True
) -> dict[str, Any] | None:
    """A resource's custom fields as a draft's: the type by key, and with `keyed_fields` every
    reference in the field values by key too (else the values as they are)."""
    if not isinstance(custom, dict) or not custom.get("type"):
        return None
    fields = custom.get("fields") or {}
    return {
        "type": key_of_reference(custom["type"], key_of),
        "fields": keyed_value(fields, key_of) if keyed_fields else dict(fields),
    }


def with_custom(
    draft: dict[str, Any], resource: dict[str, Any], key_of: KeyOf, *, keyed_fields: bool = True
) -> dict[str, Any]:
    """The draft with the resource's custom fields, if it has any (`custom_to_draft`)."""
    custom = custom_to_draft(resource.get("custom"), key_of, keyed_fields=keyed_fields)
    return {**draft, "custom": custom} if custom else draft
