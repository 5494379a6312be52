"""What every entity's update actions share: set, change and unset a field, references, custom
fields, and which fields a draft manages.

A draft manages the fields it names: an absent field is left as it is, `null` unsets it. With
`replace` a draft is the whole desired state instead, and an absent field is unset too (feeds that
export full records). A named list (addresses, variants, prices, categories) is always the
desired set; named values of a map (custom fields, attributes) are set one by one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from ctsync.push.drafts import CustomFieldsDraft, KeyReference

Action = dict[str, Any]
Ids = Mapping[tuple[str, str], str]


def manages(draft: BaseModel, field: str, replace: bool) -> bool:
    """Whether the draft says anything about `field`: it names it (a null included), or it is
    the whole desired state (`replace`)."""
    return replace or field in draft.model_fields_set


def blank(value: Any) -> bool:
    """commercetools drops empty values; "" and {} mean the same as absent."""
    return value is None or value == "" or value == {} or value == []


def same(draft: Any, current: Any) -> bool:
    return (blank(draft) and blank(current)) or draft == current


def set_field(action: str, field: str, draft: Any, current: Any) -> list[Action]:
    """`setX` with the value, or without it to unset; nothing when equal."""
    if same(draft, current):
        return []
    return [{"action": action, field: draft} if not blank(draft) else {"action": action}]


def change_field(action: str, field: str, draft: Any, current: Any) -> list[Action]:
    """`changeX` for a required field: it can be replaced, never unset."""
    if blank(draft) or same(draft, current):
        return []
    return [{"action": action, field: draft}]


def key_name_description_actions(
    key: str | None,
    name: Any,
    description: Any,
    current: dict[str, Any],
    *,
    manages_description: bool,
) -> list[Action]:
    """`setKey`, `changeName` and `setDescription` of the resources that have just those three
    plain fields besides their own (tax categories, zones)."""
    actions: list[Action] = []
    if key != current.get("key"):
        actions.append({"action": "setKey", "key": key})
    actions += change_field("changeName", "name", name, current.get("name"))
    if manages_description:
        actions += set_field(
            "setDescription", "description", description, current.get("description")
        )
    return actions


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


def custom_draft(custom: CustomFieldsDraft | None, ids: Ids) -> dict[str, Any] | None:
    if custom is None:
        return None
    return {"type": reference("type", custom.type, ids), "fields": dict(custom.fields)}


def named_values(
    draft: Mapping[str, Any], current: Mapping[str, Any], replace: bool
) -> list[tuple[str, Any]]:
    """(name, wanted value) of every value of a map that differs: the named ones, and with
    `replace` the unnamed ones too (wanted None: unset)."""
    names = set(draft) | (set(current) if replace else set())
    return [
        (name, draft.get(name))
        for name in sorted(names)
        if not same(draft.get(name), current.get(name))
    ]


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
