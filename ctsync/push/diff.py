"""Draft vs current resource, field by field: set, change and unset a field, and which fields a
draft manages. Pure functions: an empty list of actions means "already equal".

A draft manages the fields it names: an absent field is left as it is, `null` unsets it. With
`replace` a draft is the whole desired state instead, and an absent field is unset too (feeds that
export full records). A named list (addresses, variants, prices, categories) is always the
desired set; named values of a map (custom fields, attributes) are set one by one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

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


def set_list(action: str, field: str, wanted: list[Any], same_set: bool) -> list[Action]:
    """`setX` with the whole list when the set differs; without a value when it goes empty."""
    if same_set:
        return []
    return [{"action": action, field: wanted} if wanted else {"action": action}]
