"""Pushes of types, states, tax categories and zones: the project's configuration.

Each is matched by key. Tax categories and zones may have no key in commercetools (made in the
Merchant Center): a draft adopts one of the same name that has none, and gives it its key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ctsync.push.actions.common import Ids
from ctsync.push.actions.states import StateDraft, state_actions, state_create
from ctsync.push.actions.tax_categories import (
    TaxCategoryDraft,
    tax_category_actions,
    tax_category_create,
)
from ctsync.push.actions.types import TypeDraft, type_actions, type_create
from ctsync.push.actions.zones import ZoneDraft, zone_actions, zone_create
from ctsync.push.entities import PushEntity, Reference, by_keys, find_by_key
from ctsync.push.keys import KeyOf, key_of_reference, own_key
from ctsync.registry import get_entity


def _by_keys_and_names(drafts: Sequence[Any]) -> list[tuple[str, list[str]]]:
    return [*by_keys(drafts), ("name", sorted({d.name for d in drafts}))]


def _find_by_key_or_name(
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


def _with_optional(draft: dict[str, Any], resource: dict[str, Any], *fields: str) -> None:
    """Copy the optional fields the resource has (commercetools leaves out unset ones)."""
    for field in fields:
        if resource.get(field) not in (None, "", {}):
            draft[field] = resource[field]


def _field_type_draft(field_type: dict[str, Any]) -> dict[str, Any]:
    draft = {"name": field_type["name"]}
    if "values" in field_type:
        draft["values"] = [{"key": v["key"], "label": v["label"]} for v in field_type["values"]]
    _with_optional(draft, field_type, "referenceTypeId")
    if field_type.get("elementType"):
        draft["elementType"] = _field_type_draft(field_type["elementType"])
    return draft


def type_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    fields = []
    for field in resource.get("fieldDefinitions") or []:
        field_draft = {
            "name": field["name"],
            "type": _field_type_draft(field["type"]),
            "label": field["label"],
            "required": bool(field.get("required")),
        }
        _with_optional(field_draft, field, "inputHint")
        fields.append(field_draft)
    draft = {
        "key": own_key(resource, "type"),
        "name": resource["name"],
        "resourceTypeIds": list(resource["resourceTypeIds"]),
        "fieldDefinitions": fields,
    }
    _with_optional(draft, resource, "description")
    return draft


def state_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft: dict[str, Any] = {
        "key": own_key(resource, "state"),
        "type": resource["type"],
        "initial": bool(resource.get("initial")),
        "roles": list(resource.get("roles") or []),
    }
    _with_optional(draft, resource, "name", "description")
    if resource.get("transitions") is not None:
        draft["transitions"] = [key_of_reference(ref, key_of) for ref in resource["transitions"]]
    return draft


def _rate_draft(rate: dict[str, Any]) -> dict[str, Any]:
    draft = {k: rate[k] for k in ("name", "amount", "includedInPrice", "country") if k in rate}
    _with_optional(draft, rate, "key", "state")
    if rate.get("subRates"):
        draft["subRates"] = [{"name": s["name"], "amount": s["amount"]} for s in rate["subRates"]]
    return draft


def tax_category_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft = {
        "key": own_key(resource, "tax-category"),
        "name": resource["name"],
        "rates": [_rate_draft(rate) for rate in resource.get("rates") or []],
    }
    _with_optional(draft, resource, "description")
    return draft


def zone_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    locations = []
    for location in resource.get("locations") or []:
        locations.append({"country": location["country"]})
        _with_optional(locations[-1], location, "state")
    draft = {"key": own_key(resource, "zone"), "name": resource["name"], "locations": locations}
    _with_optional(draft, resource, "description")
    return draft


def _state_refs(draft: StateDraft) -> list[Reference]:
    return [("state", key) for key in draft.transition_keys or []]


def _state_parent(draft: StateDraft) -> str | None:
    """A transition target pushed a level before the state (the first other one it names), so
    a chain of states created in one push is created target first. A state's other targets and
    cycles get no such order: a target not created yet fails the state, naming its key."""
    other = [key for key in draft.transition_keys or [] if key != draft.key]
    return f"key {other[0]}" if other else None


TYPES: PushEntity[TypeDraft] = PushEntity(
    entity=get_entity("types"),
    model=TypeDraft,
    identity=lambda d: d.identity,
    references=lambda d: [],
    lookups=by_keys,
    find=find_by_key,
    create=type_create,
    actions=type_actions,
    to_draft=type_to_draft,
)
STATES: PushEntity[StateDraft] = PushEntity(
    entity=get_entity("states"),
    model=StateDraft,
    identity=lambda d: d.identity,
    references=_state_refs,
    lookups=by_keys,
    find=find_by_key,
    create=state_create,
    actions=state_actions,
    parent=_state_parent,
    to_draft=state_to_draft,
)
TAX_CATEGORIES: PushEntity[TaxCategoryDraft] = PushEntity(
    entity=get_entity("tax-categories"),
    model=TaxCategoryDraft,
    identity=lambda d: d.identity,
    references=lambda d: [],
    lookups=_by_keys_and_names,
    find=_find_by_key_or_name,
    create=tax_category_create,
    actions=tax_category_actions,
    to_draft=tax_category_to_draft,
)
ZONES: PushEntity[ZoneDraft] = PushEntity(
    entity=get_entity("zones"),
    model=ZoneDraft,
    identity=lambda d: d.identity,
    references=lambda d: [],
    lookups=_by_keys_and_names,
    find=_find_by_key_or_name,
    create=zone_create,
    actions=zone_actions,
    to_draft=zone_to_draft,
)

CONFIGURATION_PUSHES: tuple[PushEntity[Any], ...] = (TYPES, STATES, TAX_CATEGORIES, ZONES)
