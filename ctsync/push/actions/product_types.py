"""Product types: name, description and attribute definitions, matched by name.

commercetools cannot change an attribute's type, `isRequired` or `level`, and changes an
attribute constraint only to `None`: a draft that asks for any of these fails its record with the
reason rather than pushing something else. Enum values are matched by key; a value that goes while
one with the same label comes is a renamed key (`changeEnumKey`, which keeps the products' values),
not a removal and an addition.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from ctsync.client.errors import CommercetoolsError
from ctsync.push.actions.common import Action, Ids, change_field, manages, ref_id, reference, same
from ctsync.push.drafts import DraftModel, Key, KeyReference, LocalizedString

AttributeTypeName = Literal[
    "boolean",
    "text",
    "ltext",
    "enum",
    "lenum",
    "number",
    "money",
    "date",
    "time",
    "datetime",
    "reference",
    "set",
    "nested",
]
AttributeConstraint = Literal["None", "Unique", "CombinationUnique", "SameForAll"]
TextInputHint = Literal["SingleLine", "MultiLine"]
AttributeLevel = Literal["Product", "Variant"]
AttributeName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{2,256}$")]

# What each type needs besides its name.
_TYPE_NEEDS = {
    "enum": "values",
    "lenum": "values",
    "reference": "referenceTypeId",
    "set": "elementType",
    "nested": "typeReference",
}


class UnchangeableAttribute(CommercetoolsError):
    """A draft changes what commercetools cannot change on an attribute definition: the record
    fails with the reason (a CommercetoolsError, so the push fails that record only)."""


class EnumValueDraft(DraftModel):
    """An enum value: a text label (`enum`) or a localized one (`lenum`)."""

    key: str
    label: str | LocalizedString


class AttributeTypeDraft(DraftModel):
    """An attribute type; a nested type names its product type by key."""

    name: AttributeTypeName
    values: list[EnumValueDraft] | None = None
    referenceTypeId: str | None = None
    elementType: AttributeTypeDraft | None = None
    typeReference: KeyReference | None = None

    @model_validator(mode="after")
    def _complete(self) -> AttributeTypeDraft:
        needed = _TYPE_NEEDS.get(self.name)
        if needed and getattr(self, needed) is None:
            raise ValueError(f"an attribute type {self.name} needs {needed}")
        if self.values is not None and self.name not in ("enum", "lenum"):
            raise ValueError(f"an attribute type {self.name} has no values")
        label_type = {"enum": str, "lenum": dict}.get(self.name)
        if label_type and any(not isinstance(v.label, label_type) for v in self.values or []):
            kind = "text" if self.name == "enum" else "localized"
            raise ValueError(f"the values of an attribute type {self.name} need {kind} labels")
        return self


class AttributeDefinitionDraft(DraftModel):
    """An attribute definition; fields left out keep their value on an existing attribute."""

    name: AttributeName
    type: AttributeTypeDraft
    label: Annotated[LocalizedString, Field(min_length=1)]
    isRequired: bool = False
    attributeConstraint: AttributeConstraint = "None"
    inputTip: LocalizedString | None = None
    inputHint: TextInputHint = "SingleLine"
    isSearchable: bool = True
    level: AttributeLevel = "Variant"


class ProductTypeDraft(DraftModel):
    key: Key
    name: Annotated[str, StringConstraints(min_length=1)]
    description: str
    attributes: list[AttributeDefinitionDraft] | None = None

    @model_validator(mode="after")
    def _unique_attribute_names(self) -> ProductTypeDraft:
        names = [attribute.name for attribute in self.attributes or []]
        if len(set(names)) != len(names):
            raise ValueError("attributes: two attributes share a name")
        return self

    @property
    def identity(self) -> str:
        return f"key {self.key}"


def nested_type_keys(draft: ProductTypeDraft) -> list[str]:
    """Keys of the product types the draft's nested attributes use, in order, once each."""
    keys: list[str] = []
    for attribute in draft.attributes or []:
        kind: AttributeTypeDraft | None = attribute.type
        while kind is not None:
            if kind.typeReference is not None:
                keys.append(kind.typeReference.key)
            kind = kind.elementType
    return list(dict.fromkeys(keys))


def type_document(kind: AttributeTypeDraft, ids: Ids) -> dict[str, Any]:
    """An attribute type as commercetools takes it (a nested type by id)."""
    document: dict[str, Any] = {"name": kind.name}
    if kind.values is not None:
        document["values"] = [value.model_dump() for value in kind.values]
    if kind.referenceTypeId is not None:
        document["referenceTypeId"] = kind.referenceTypeId
    if kind.elementType is not None:
        document["elementType"] = type_document(kind.elementType, ids)
    if kind.typeReference is not None:
        document["typeReference"] = reference("product-type", kind.typeReference, ids)
    return document


def attribute_document(attribute: AttributeDefinitionDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = attribute.model_dump(exclude_none=True, exclude={"type"})
    return {"type": type_document(attribute.type, ids), **document}


def product_type_create(draft: ProductTypeDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = {
        "key": draft.key,
        "name": draft.name,
        "description": draft.description,
    }
    if draft.attributes is not None:
        document["attributes"] = [attribute_document(a, ids) for a in draft.attributes]
    return document


def product_type_actions(
    draft: ProductTypeDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    """Actions that make `current` equal to the draft; UnchangeableAttribute when they cannot."""
    actions: list[Action] = []
    actions += change_field("changeName", "name", draft.name, current.get("name"))
    if draft.description != (current.get("description") or ""):
        actions.append({"action": "changeDescription", "description": draft.description})
    if manages(draft, "attributes", replace):
        actions += attribute_definition_actions(
            draft.attributes or [], current.get("attributes") or [], ids, replace
        )
    return actions


def attribute_definition_actions(
    wanted: list[AttributeDefinitionDraft],
    existing: list[dict[str, Any]],
    ids: Ids,
    replace: bool = False,
) -> list[Action]:
    """The draft's attributes are the desired set, in order: remove the unlisted, change the
    different, add the new, then reorder if the order still differs."""
    have = {a["name"]: a for a in existing}
    names = [a.name for a in wanted]
    actions: list[Action] = [
        {"action": "removeAttributeDefinition", "name": name} for name in have if name not in names
    ]
    for attribute in wanted:
        if attribute.name in have:
            actions += _attribute_changes(attribute, have[attribute.name], ids, replace)
    actions += [
        {"action": "addAttributeDefinition", "attribute": attribute_document(a, ids)}
        for a in wanted
        if a.name not in have
    ]
    order = [name for name in have if name in names] + [n for n in names if n not in have]
    if order != names:
        actions.append({"action": "changeAttributeOrderByName", "attributeNames": names})
    return actions


def _attribute_changes(
    wanted: AttributeDefinitionDraft, have: dict[str, Any], ids: Ids, replace: bool
) -> list[Action]:
    """One attribute's changes: label, input tip and hint, searchability, constraint, enums."""
    wanted_type = type_document(wanted.type, ids)
    _refuse_unchangeable(wanted, wanted_type, have, replace)
    name = wanted.name
    named = wanted.model_fields_set
    actions: list[Action] = []
    if not same(wanted.label, have.get("label")):
        actions.append({"action": "changeLabel", "attributeName": name, "label": wanted.label})
    if (replace or "inputTip" in named) and not same(wanted.inputTip, have.get("inputTip")):
        action: Action = {"action": "setInputTip", "attributeName": name}
        actions.append({**action, "inputTip": wanted.inputTip} if wanted.inputTip else action)
    if (replace or "isSearchable" in named) and wanted.isSearchable != have.get(
        "isSearchable", True
    ):
        actions.append(
            {
                "action": "changeIsSearchable",
                "attributeName": name,
                "isSearchable": wanted.isSearchable,
            }
        )
    for field, action_name, default in (
        ("inputHint", "changeInputHint", "SingleLine"),
        ("attributeConstraint", "changeAttributeConstraint", "None"),
    ):
        value = getattr(wanted, field)
        if (replace or field in named) and value != have.get(field, default):
            actions.append({"action": action_name, "attributeName": name, "newValue": value})
    wanted_enum, have_enum = _enum_of(wanted_type), _enum_of(have.get("type") or {})
    if wanted_enum is not None and have_enum is not None:
        actions += enum_actions(name, wanted_enum[0], wanted_enum[1], have_enum[1])
    return actions


def _refuse_unchangeable(
    wanted: AttributeDefinitionDraft,
    wanted_type: dict[str, Any],
    have: dict[str, Any],
    replace: bool,
) -> None:
    """Raise UnchangeableAttribute when the draft changes what commercetools cannot."""
    name, named = wanted.name, wanted.model_fields_set
    have_type = _shape(have.get("type") or {})
    if _shape(wanted_type) != have_type:
        raise UnchangeableAttribute(
            f"attribute {name!r} is of type {_type_name(have_type)}, the draft makes it "
            f"{_type_name(_shape(wanted_type))}: commercetools cannot change an attribute's "
            "type (remove the attribute first, or add one of another name)"
        )
    for field, default in (("isRequired", False), ("level", "Variant")):
        value, current = getattr(wanted, field), have.get(field, default)
        if (replace or field in named) and value != current:
            raise UnchangeableAttribute(
                f"attribute {name!r} has {field} {current}, the draft {value}: commercetools "
                f"cannot change an attribute's {field}"
            )
    constraint = wanted.attributeConstraint
    current = have.get("attributeConstraint", "None")
    if (replace or "attributeConstraint" in named) and constraint not in ("None", current):
        raise UnchangeableAttribute(
            f"attribute {name!r} has attributeConstraint {current}, the draft {constraint}: "
            "commercetools changes an attribute constraint only to None"
        )


def _shape(kind: dict[str, Any]) -> dict[str, Any]:
    """A type without its enum values (which may change): what must stay the same."""
    shape = {k: v for k, v in kind.items() if k != "values"}
    if isinstance(shape.get("elementType"), dict):
        shape["elementType"] = _shape(shape["elementType"])
    if "typeReference" in shape:
        shape["typeReference"] = ref_id(shape["typeReference"])
    return shape


def _type_name(shape: dict[str, Any]) -> str:
    name = str(shape.get("name"))
    if name == "set":
        return f"set of {_type_name(shape.get('elementType') or {})}"
    if name == "reference":
        return f"reference to {shape.get('referenceTypeId')}"
    if name == "nested":
        return f"nested product type {shape.get('typeReference')}"
    return name


def _enum_of(kind: dict[str, Any]) -> tuple[bool, list[dict[str, Any]]] | None:
    """(localized, values) of an enum type or a set of one; None for any other type."""
    name = kind.get("name")
    if name in ("enum", "lenum"):
        return name == "lenum", list(kind.get("values") or [])
    if name == "set":
        return _enum_of(kind.get("elementType") or {})
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
