"""Types (of custom fields): name, description and field definitions.

commercetools cannot change a type's resourceTypeIds, a field's type or whether it is required,
nor remove an enum value: a draft asking for one fails its record with `ImmutableField` (the push
fails a record on any CommercetoolsError, so it is one) instead of pushing half of it.

Here: the types draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from ctsync.client.errors import CommercetoolsError
from ctsync.push.copied import copied
from ctsync.push.diff import Action, Ids, change_field, manages, same, set_field
from ctsync.push.draft_types import DraftModel, Key, LocalizedString
from ctsync.push.entity import PushEntity
from ctsync.push.keys import KeyOf, own_key
from ctsync.push.matching import by_keys, find_by_key
from ctsync.registry import get_entity

FieldTypeName = Literal[
    "Boolean",
    "String",
    "LocalizedString",
    "Enum",
    "LocalizedEnum",
    "Number",
    "Money",
    "Date",
    "Time",
    "DateTime",
    "Reference",
    "Set",
]

FieldName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{2,36}$")]


class ImmutableField(CommercetoolsError):
    """A draft asks for a change commercetools has no update action for."""


class EnumValueDraft(DraftModel):
    key: Key
    label: str


class LocalizedEnumValueDraft(DraftModel):
    key: Key
    label: LocalizedString


class FieldTypeDraft(DraftModel):
    """A field's type: `values` for (Localized)Enum, `referenceTypeId` for Reference,
    `elementType` for Set."""

    name: FieldTypeName
    values: list[EnumValueDraft | LocalizedEnumValueDraft] | None = None
    referenceTypeId: str | None = None
    elementType: FieldTypeDraft | None = None

    @model_validator(mode="after")
    def _parts_fit_the_name(self) -> FieldTypeDraft:
        enum = {"Enum": EnumValueDraft, "LocalizedEnum": LocalizedEnumValueDraft}.get(self.name)
        if (self.values is not None) != (enum is not None):
            raise ValueError(f"values: only an Enum or LocalizedEnum has values ({self.name})")
        if enum and not all(isinstance(v, enum) for v in self.values or []):
            raise ValueError(f"values: every label of a {self.name} must be a {enum.__name__}")
        keys = [v.key for v in self.values or []]
        if len(set(keys)) != len(keys):
            raise ValueError("values: two values share a key")
        if (self.referenceTypeId is not None) != (self.name == "Reference"):
            raise ValueError("referenceTypeId: a Reference, and only one, needs it")
        if (self.elementType is not None) != (self.name == "Set"):
            raise ValueError("elementType: a Set, and only one, needs it")
        return self


class FieldDefinitionDraft(DraftModel):
    name: FieldName
    type: FieldTypeDraft
    label: Annotated[LocalizedString, Field(min_length=1)]
    required: bool = False
    inputHint: Literal["SingleLine", "MultiLine"] | None = None


class TypeDraft(DraftModel):
    """Matched by `key`; `resourceTypeIds` are set on create and never change."""

    key: Key
    name: Annotated[LocalizedString, Field(min_length=1)]
    description: LocalizedString | None = None
    resourceTypeIds: Annotated[list[Key], Field(min_length=1)]
    fieldDefinitions: list[FieldDefinitionDraft] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_field_names(self) -> TypeDraft:
        names = [field.name for field in self.fieldDefinitions]
        if len(set(names)) != len(names):
            raise ValueError("fieldDefinitions: two fields share a name")
        return self

    @property
    def identity(self) -> str:
        return f"key {self.key}"


def field_document(field: FieldDefinitionDraft) -> dict[str, Any]:
    return field.model_dump(exclude_none=True)


def type_shape(field_type: dict[str, Any]) -> dict[str, Any]:
    """What of a field type cannot change: all but enum values."""
    shape = {k: v for k, v in field_type.items() if k in ("name", "referenceTypeId")}
    if field_type.get("elementType"):
        shape["elementType"] = type_shape(field_type["elementType"])
    return shape


def enum_type(field_type: dict[str, Any]) -> dict[str, Any] | None:
    """The (Localized)Enum a field's values live in: the type, or the element type of a Set."""
    if field_type.get("name") == "Set":
        field_type = field_type.get("elementType") or {}
    return field_type if field_type.get("name") in ("Enum", "LocalizedEnum") else None


def enum_actions(name: str, wanted: dict[str, Any], have: dict[str, Any]) -> list[Action]:
    """Add new values, relabel changed ones, reorder; a value cannot be removed."""
    kind = "LocalizedEnumValue" if wanted["name"] == "LocalizedEnum" else "EnumValue"
    old = {value["key"]: value for value in have.get("values") or []}
    new = {value["key"]: value for value in wanted.get("values") or []}
    dropped = [key for key in old if key not in new]
    if dropped:
        raise ImmutableField(
            f"field {name!r}: enum values cannot be removed from a type (leaves out {dropped})"
        )
    actions: list[Action] = []
    for key, value in new.items():
        if key not in old:
            actions.append({"action": f"add{kind}", "fieldName": name, "value": value})
        elif not same(value["label"], old[key].get("label")):
            actions.append({"action": f"change{kind}Label", "fieldName": name, "value": value})
    after = [*old, *(key for key in new if key not in old)]
    if after != list(new):
        actions.append({"action": f"change{kind}Order", "fieldName": name, "keys": list(new)})
    return actions


def changed_field_actions(wanted: dict[str, Any], have: dict[str, Any]) -> list[Action]:
    """A field both sides have: label, input hint and enum values may change, nothing else."""
    name = wanted["name"]
    if type_shape(wanted["type"]) != type_shape(have.get("type") or {}):
        raise ImmutableField(
            f"field {name!r}: its type cannot change ({type_shape(have.get('type') or {})} -> "
            f"{type_shape(wanted['type'])}); remove the field in one push and add it in another"
        )
    if bool(wanted.get("required")) != bool(have.get("required")):
        raise ImmutableField(f"field {name!r}: whether it is required cannot change")
    actions: list[Action] = []
    if not same(wanted["label"], have.get("label")):
        actions.append({"action": "changeLabel", "fieldName": name, "label": wanted["label"]})
    hint = wanted.get("inputHint") or "SingleLine"
    if hint != (have.get("inputHint") or "SingleLine"):
        actions.append({"action": "changeInputHint", "fieldName": name, "inputHint": hint})
    wanted_enum, have_enum = enum_type(wanted["type"]), enum_type(have.get("type") or {})
    if wanted_enum and have_enum:
        actions += enum_actions(name, wanted_enum, have_enum)
    return actions


def field_actions(draft: TypeDraft, current: dict[str, Any]) -> list[Action]:
    """The named fields are the desired set: remove, change, add, then reorder."""
    have = {field["name"]: field for field in current.get("fieldDefinitions") or []}
    wanted = {field.name: field_document(field) for field in draft.fieldDefinitions}
    actions: list[Action] = [
        {"action": "removeFieldDefinition", "fieldName": name}
        for name in have
        if name not in wanted
    ]
    for name, field in wanted.items():
        if name in have:
            actions += changed_field_actions(field, have[name])
    actions += [
        {"action": "addFieldDefinition", "fieldDefinition": field}
        for name, field in wanted.items()
        if name not in have
    ]
    after = [name for name in have if name in wanted] + [n for n in wanted if n not in have]
    if after != list(wanted):
        actions.append({"action": "changeFieldDefinitionOrder", "fieldNames": list(wanted)})
    return actions


def type_actions(
    draft: TypeDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    have_ids = sorted(set(current.get("resourceTypeIds") or []))
    if sorted(set(draft.resourceTypeIds)) != have_ids:
        raise ImmutableField(
            f"resourceTypeIds cannot change once a type exists: it has {have_ids}, the draft "
            f"asks for {sorted(set(draft.resourceTypeIds))}"
        )
    actions = change_field("changeName", "name", draft.name, current.get("name"))
    if manages(draft, "description", replace):
        actions += set_field(
            "setDescription", "description", draft.description, current.get("description")
        )
    if manages(draft, "fieldDefinitions", replace):
        actions += field_actions(draft, current)
    return actions


def type_create(draft: TypeDraft, ids: Ids) -> dict[str, Any]:
    return draft.model_dump(exclude_none=True)


def _field_type_draft(field_type: dict[str, Any]) -> dict[str, Any]:
    draft = {"name": field_type["name"]}
    if "values" in field_type:
        draft["values"] = [{"key": v["key"], "label": v["label"]} for v in field_type["values"]]
    draft |= copied(field_type, "referenceTypeId")
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
        field_draft |= copied(field, "inputHint")
        fields.append(field_draft)
    draft = {
        "key": own_key(resource, "type"),
        "name": resource["name"],
        "resourceTypeIds": list(resource["resourceTypeIds"]),
        "fieldDefinitions": fields,
    }
    draft |= copied(resource, "description")
    return draft


PUSH: PushEntity[TypeDraft] = PushEntity(
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
