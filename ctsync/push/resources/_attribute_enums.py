"""The enum values of a product type's attribute (`enum`, `lenum`, or a set of either): the
draft's values are the desired set, in order. A value that goes while one with its label comes
is a renamed key (`changeEnumKey`, which keeps the products' values), not a removal and an
addition. A helper of `product_types`."""

from __future__ import annotations

from typing import Any

from ctsync.push.diff import Action, same


def enum_of(kind: dict[str, Any]) -> tuple[bool, list[dict[str, Any]]] | None:
    """(localized, values) of an enum type or a set of one; None for any other type."""
    name = kind.get("name")
    if name in ("enum", "lenum"):
        return name == "lenum", list(kind.get("values") or [])
    if name == "set":
        return enum_of(kind.get("elementType") or {})
    return None


def enum_actions(
    attribute: str, localized: bool, wanted: list[dict[str, Any]], have: list[dict[str, Any]]
) -> list[Action]:
    """The draft's enum values are the desired set, in order: renamed keys, new values, changed
    labels, removed values, then the order."""
    kind = "Localized" if localized else "Plain"
    renames = _renamed_keys(wanted, have)
    actions: list[Action] = [
        {"action": "changeEnumKey", "attributeName": attribute, "key": old, "newKey": new}
        for old, new in renames.items()
    ]
    labels = {renames.get(v["key"], v["key"]): v.get("label") for v in have}
    for value in wanted:
        if value["key"] not in labels:
            actions.append(
                {"action": f"add{kind}EnumValue", "attributeName": attribute, "value": value}
            )
        elif not same(value["label"], labels[value["key"]]):
            actions.append(
                {
                    "action": f"change{kind}EnumValueLabel",
                    "attributeName": attribute,
                    "newValue": value,
                }
            )
    keys = [value["key"] for value in wanted]
    gone = [key for key in labels if key not in keys]
    if gone:
        actions.append({"action": "removeEnumValues", "attributeName": attribute, "keys": gone})
    order = [key for key in labels if key in keys] + [k for k in keys if k not in labels]
    if order != keys:
        actions.append(
            {"action": f"change{kind}EnumValueOrder", "attributeName": attribute, "values": wanted}
        )
    return actions


def _renamed_keys(wanted: list[dict[str, Any]], have: list[dict[str, Any]]) -> dict[str, str]:
    """old key -> new key of each value that goes while a new one with its label comes."""
    wanted_keys, have_keys = {v["key"] for v in wanted}, {v["key"] for v in have}
    coming = [value for value in wanted if value["key"] not in have_keys]
    renames: dict[str, str] = {}
    for old in (value for value in have if value["key"] not in wanted_keys):
        match = next(
            (
                value["key"]
                for value in coming
                if value["label"] == old.get("label") and value["key"] not in renames.values()
            ),
            None,
        )
        if match is not None:
            renames[old["key"]] = match
    return renames
