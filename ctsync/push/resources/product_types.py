"""Product types: name, description and attribute definitions, matched by name.

commercetools cannot change an attribute's type, `isRequired` or `level`, and changes an
attribute constraint only to `None`: a draft that asks for any of these fails its record with the
reason rather than pushing something else. Enum values are matched by key; a value that goes while
one with the same label comes is a renamed key (`changeEnumKey`, which keeps the products' values),
not a removal and an addition.

Here: the product types draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from ctsync.client.errors import CommercetoolsError
from ctsync.push.diff import Action, Ids, blank, change_field, manages, same
from ctsync.push.draft_types import DraftModel, Key, KeyReference, LocalizedString
from ctsync.push.entity import PushEntity
from ctsync.push.keys import KeyOf, key_of_reference, own_key
from ctsync.push.matching import by_keys, find_by_key
from ctsync.push.references import ref_id, reference
from ctsync.push.resources._attribute_enums import enum_actions, enum_of
from ctsync.registry import get_entity

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
    wanted_enum, have_enum = enum_of(wanted_type), enum_of(have.get("type") or {})
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


def _product_type_parent(draft: ProductTypeDraft) -> str | None:
    """A product type nesting another comes a level after it (the first one it nests)."""
    nested = [key for key in nested_type_keys(draft) if key != draft.key]
    return f"key {nested[0]}" if nested else None


def _type_to_draft(kind: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft = {k: v for k, v in kind.items() if k not in ("elementType", "typeReference")}
    if isinstance(kind.get("elementType"), dict):
        draft["elementType"] = _type_to_draft(kind["elementType"], key_of)
    if isinstance(kind.get("typeReference"), dict):
        draft["typeReference"] = {"key": key_of_reference(kind["typeReference"], key_of)}
    return draft


def product_type_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    fields = AttributeDefinitionDraft.model_fields
    attributes = [
        {
            **{k: v for k, v in attribute.items() if k in fields and k != "type" and not blank(v)},
            "type": _type_to_draft(attribute.get("type") or {}, key_of),
        }
        for attribute in resource.get("attributes") or []
    ]
    return {
        "key": own_key(resource, "product-type"),
        "name": resource.get("name"),
        "description": resource.get("description") or "",
        "attributes": attributes,
    }


PUSH: PushEntity[ProductTypeDraft] = PushEntity(
    entity=get_entity("product-types"),
    model=ProductTypeDraft,
    identity=lambda d: d.identity,
    references=lambda d: [("product-type", key) for key in nested_type_keys(d)],
    lookups=by_keys,
    find=find_by_key,
    create=product_type_create,
    actions=product_type_actions,
    parent=_product_type_parent,
    to_draft=product_type_to_draft,
)
