"""Update actions of the configuration pushes (types, states, tax categories, zones): each one
emitted exactly when what it changes differs, never when equal; null unsets; `replace` makes the
draft the whole record; what commercetools cannot change fails the record; to_draft round trips."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from ctsync.push import guard
from ctsync.push.keys import NotCopyable
from ctsync.push.resources.states import PUSH as STATES
from ctsync.push.resources.states import StateDraft, state_actions, state_create
from ctsync.push.resources.tax_categories import PUSH as TAX_CATEGORIES
from ctsync.push.resources.tax_categories import (
    TaxCategoryDraft,
    tax_category_actions,
    tax_category_create,
)
from ctsync.push.resources.types import PUSH as TYPES
from ctsync.push.resources.types import ImmutableField, TypeDraft, type_actions, type_create
from ctsync.push.resources.zones import PUSH as ZONES
from ctsync.push.resources.zones import ZoneDraft, zone_actions, zone_create

IDS = {("state", "open"): "s-open", ("state", "shipped"): "s-shipped", ("state", "x"): "s-x"}
KEYS = {("state", v): k for (_, k), v in IDS.items()}


def key_of(type_id: str, resource_id: str) -> str | None:
    return KEYS.get((type_id, resource_id))


# Types.

TEXT = {"name": "note", "type": {"name": "String"}, "label": {"en": "Note"}}
COLOR = {
    "name": "color",
    "type": {"name": "Enum", "values": [{"key": "red", "label": "Red"}]},
    "label": {"en": "Color"},
}
SIZES = {
    "name": "sizes",
    "type": {
        "name": "Set",
        "elementType": {"name": "LocalizedEnum", "values": [{"key": "s", "label": {"en": "S"}}]},
    },
    "label": {"en": "Sizes"},
}
TYPE = {
    "key": "extra",
    "name": {"en": "Extra"},
    "resourceTypeIds": ["category", "order"],
    "fieldDefinitions": [TEXT, COLOR, SIZES],
}


def a_type(**fields: Any) -> TypeDraft:
    return TypeDraft.model_validate({**copy.deepcopy(TYPE), **fields})


def stored_type(**fields: Any) -> dict[str, Any]:
    """A type as commercetools returns it (every field with `required` and its input hint)."""
    document = {"id": "t1", "version": 2, **type_create(a_type(**fields), {})}
    for field in document["fieldDefinitions"]:
        field.setdefault("inputHint", "SingleLine")
    return document


def type_acts(draft: TypeDraft, current: dict[str, Any], replace: bool = False) -> list[Any]:
    return type_actions(draft, current, {}, replace)


def test_equal_type_needs_no_action() -> None:
    assert type_acts(a_type(), stored_type()) == []
    assert type_acts(a_type(resourceTypeIds=["order", "category"]), stored_type()) == []


def test_type_name_and_description() -> None:
    assert type_acts(a_type(name={"en": "New"}), stored_type()) == [
        {"action": "changeName", "name": {"en": "New"}}
    ]
    described = stored_type(description={"en": "D"})
    assert type_acts(a_type(description={"en": "E"}), described) == [
        {"action": "setDescription", "description": {"en": "E"}}
    ]
    assert type_acts(a_type(description=None), described) == [{"action": "setDescription"}]
    assert type_acts(a_type(), described) == []
    assert type_acts(a_type(), described, replace=True) == [{"action": "setDescription"}]


def test_resource_type_ids_cannot_change() -> None:
    with pytest.raises(ImmutableField, match="resourceTypeIds cannot change"):
        type_acts(a_type(resourceTypeIds=["category"]), stored_type())


def test_fields_added_removed_and_reordered() -> None:
    current = stored_type()
    draft = a_type(fieldDefinitions=[SIZES, TEXT, {**TEXT, "name": "extra"}])
    assert type_acts(draft, current) == [
        {"action": "removeFieldDefinition", "fieldName": "color"},
        {
            "action": "addFieldDefinition",
            "fieldDefinition": {**TEXT, "name": "extra", "required": False},
        },
        {"action": "changeFieldDefinitionOrder", "fieldNames": ["sizes", "note", "extra"]},
    ]
    # A field added at the end needs no reordering; fields not named are left alone.
    assert [
        a["action"]
        for a in type_acts(
            a_type(fieldDefinitions=[TEXT, COLOR, SIZES, {**TEXT, "name": "more"}]), current
        )
    ] == ["addFieldDefinition"]
    assert (
        type_acts(
            TypeDraft.model_validate({k: v for k, v in TYPE.items() if k != "fieldDefinitions"}),
            current,
        )
        == []
    )
    assert (
        len(
            type_acts(
                TypeDraft.model_validate(
                    {k: v for k, v in TYPE.items() if k != "fieldDefinitions"}
                ),
                current,
                replace=True,
            )
        )
        == 3
    )


def test_label_and_input_hint() -> None:
    current = stored_type()
    relabelled = {**TEXT, "label": {"en": "Remark"}, "inputHint": "MultiLine"}
    assert type_acts(a_type(fieldDefinitions=[relabelled, COLOR, SIZES]), current) == [
        {"action": "changeLabel", "fieldName": "note", "label": {"en": "Remark"}},
        {"action": "changeInputHint", "fieldName": "note", "inputHint": "MultiLine"},
    ]
    explicit = {**TEXT, "inputHint": "SingleLine"}
    assert type_acts(a_type(fieldDefinitions=[explicit, COLOR, SIZES]), current) == []


def test_field_type_and_required_cannot_change() -> None:
    current = stored_type()
    number = {**TEXT, "type": {"name": "Number"}}
    with pytest.raises(ImmutableField, match="field 'note': its type cannot change"):
        type_acts(a_type(fieldDefinitions=[number, COLOR, SIZES]), current)
    with pytest.raises(ImmutableField, match="required"):
        type_acts(a_type(fieldDefinitions=[{**TEXT, "required": True}, COLOR, SIZES]), current)


def test_enum_values_added_relabelled_reordered() -> None:
    current = stored_type()
    values = [{"key": "blue", "label": "Blue"}, {"key": "red", "label": "Rot"}]
    color = {**COLOR, "type": {"name": "Enum", "values": values}}
    assert type_acts(a_type(fieldDefinitions=[TEXT, color, SIZES]), current) == [
        {"action": "addEnumValue", "fieldName": "color", "value": values[0]},
        {"action": "changeEnumValueLabel", "fieldName": "color", "value": values[1]},
        {"action": "changeEnumValueOrder", "fieldName": "color", "keys": ["blue", "red"]},
    ]
    dropped = {**COLOR, "type": {"name": "Enum", "values": [{"key": "blue", "label": "B"}]}}
    with pytest.raises(ImmutableField, match="cannot be removed"):
        type_acts(a_type(fieldDefinitions=[TEXT, dropped, SIZES]), current)


def test_localized_enum_values_of_a_set() -> None:
    values = [{"key": "s", "label": {"en": "Small"}}, {"key": "m", "label": {"en": "M"}}]
    sizes = {
        **SIZES,
        "type": {"name": "Set", "elementType": {"name": "LocalizedEnum", "values": values}},
    }
    assert type_acts(a_type(fieldDefinitions=[TEXT, COLOR, sizes]), stored_type()) == [
        {"action": "changeLocalizedEnumValueLabel", "fieldName": "sizes", "value": values[0]},
        {"action": "addLocalizedEnumValue", "fieldName": "sizes", "value": values[1]},
    ]
    reordered = {
        **SIZES,
        "type": {"name": "Set", "elementType": {"name": "LocalizedEnum", "values": values[::-1]}},
    }
    current = stored_type(fieldDefinitions=[TEXT, COLOR, sizes])
    assert type_acts(a_type(fieldDefinitions=[TEXT, COLOR, reordered]), current) == [
        {"action": "changeLocalizedEnumValueOrder", "fieldName": "sizes", "keys": ["m", "s"]}
    ]


def test_field_types_are_validated() -> None:
    with pytest.raises(ValidationError, match="only an Enum or LocalizedEnum"):
        a_type(fieldDefinitions=[{**TEXT, "type": {"name": "String", "values": []}}])
    with pytest.raises(ValidationError, match="LocalizedEnumValueDraft"):
        a_type(
            fieldDefinitions=[
                {**COLOR, "type": {"name": "LocalizedEnum", "values": [{"key": "a", "label": "A"}]}}
            ]
        )
    with pytest.raises(ValidationError, match="two fields share a name"):
        a_type(fieldDefinitions=[TEXT, TEXT])


def test_type_round_trip_and_no_key() -> None:
    resource = stored_type(description={"en": "D"})
    draft = TYPES.model.model_validate(TYPES.to_draft(resource, key_of))
    created = type_create(draft, {})
    assert {**created, "id": "t1", "version": 2} == resource  # input hints as returned
    assert type_acts(draft, resource) == []
    with pytest.raises(NotCopyable, match="type t1 has no key"):
        TYPES.to_draft({**resource, "key": None}, key_of)


# States.


def a_state(**fields: Any) -> StateDraft:
    return StateDraft.model_validate({"key": "paid", "type": "OrderState", **fields})


STATE = {"id": "s-paid", "version": 1, "key": "paid", "type": "OrderState", "initial": False}


def state_acts(draft: StateDraft, current: dict[str, Any], replace: bool = False) -> list[Any]:
    return state_actions(draft, current, IDS, replace)


def test_equal_state_needs_no_action() -> None:
    current = {
        **STATE,
        "name": {"en": "Paid"},
        "roles": [],
        "transitions": [{"typeId": "state", "id": "s-open"}],
    }
    assert state_acts(a_state(name={"en": "Paid"}, transitions=["open"]), current) == []


@pytest.mark.parametrize(
    ("field", "action"), [("name", "setName"), ("description", "setDescription")]
)
def test_state_localized_fields(field: str, action: str) -> None:
    assert state_acts(a_state(**{field: {"en": "X"}}), STATE) == [
        {"action": action, field: {"en": "X"}}
    ]
    has_it = {**STATE, field: {"en": "X"}}
    assert state_acts(a_state(**{field: None}), has_it) == [{"action": action}]
    assert state_acts(a_state(), has_it) == []
    assert state_acts(a_state(), has_it, replace=True) == [{"action": action}]


def test_state_type_and_initial() -> None:
    assert state_acts(a_state(type="PaymentState"), STATE) == [
        {"action": "changeType", "type": "PaymentState"}
    ]
    assert state_acts(a_state(initial=True), STATE) == [
        {"action": "changeInitial", "initial": True}
    ]
    initial = {**STATE, "initial": True}
    assert state_acts(a_state(initial=True), initial) == []
    assert state_acts(a_state(), initial) == []
    assert state_acts(a_state(initial=None), initial) == [
        {"action": "changeInitial", "initial": False}
    ]


def test_state_roles_are_a_set() -> None:
    current = {**STATE, "roles": ["Return"]}
    assert state_acts(a_state(roles=["ReviewIncludedInStatistics"]), current) == [
        {"action": "removeRoles", "roles": ["Return"]},
        {"action": "addRoles", "roles": ["ReviewIncludedInStatistics"]},
    ]
    assert state_acts(a_state(roles=["Return"]), current) == []
    assert state_acts(a_state(), current) == []
    assert state_acts(a_state(), current, replace=True) == [
        {"action": "removeRoles", "roles": ["Return"]}
    ]


def test_state_transitions_any_none_or_some() -> None:
    some = {
        **STATE,
        "transitions": [
            {"typeId": "state", "id": "s-shipped"},
            {"typeId": "state", "id": "s-open"},
        ],
    }
    assert state_acts(a_state(transitions=["open", "shipped"]), some) == []
    assert state_acts(a_state(transitions=["open"]), some) == [
        {"action": "setTransitions", "transitions": [{"typeId": "state", "id": "s-open"}]}
    ]
    assert state_acts(a_state(transitions=[]), some) == [
        {"action": "setTransitions", "transitions": []}
    ]
    assert state_acts(a_state(transitions=None), some) == [{"action": "setTransitions"}]
    assert state_acts(a_state(transitions=[]), {**STATE, "transitions": []}) == []
    assert state_acts(a_state(transitions=[]), STATE) == [
        {"action": "setTransitions", "transitions": []}
    ]
    assert state_acts(a_state(transitions=None), STATE) == []
    assert state_acts(a_state(), some) == []


def test_state_create_references_and_parent() -> None:
    draft = a_state(name={"en": "Paid"}, transitions=[{"key": "shipped"}, "paid"])
    assert state_create(draft, {**IDS, ("state", "paid"): "s-paid"}) == {
        "key": "paid",
        "type": "OrderState",
        "name": {"en": "Paid"},
        "transitions": [
            {"typeId": "state", "id": "s-shipped"},
            {"typeId": "state", "id": "s-paid"},
        ],
    }
    assert STATES.references(draft) == [("state", "shipped"), ("state", "paid")]
    assert STATES.parent is not None
    assert STATES.parent(draft) == "key shipped"
    assert STATES.parent(a_state(transitions=["paid"])) is None


def test_state_round_trip_and_no_key() -> None:
    draft = a_state(name={"en": "Paid"}, roles=["Return"], initial=True, transitions=["open", "x"])
    resource = {"id": "s-paid", "version": 1, "builtIn": False, **state_create(draft, IDS)}
    copied = STATES.model.model_validate(STATES.to_draft(resource, key_of))
    assert state_create(copied, IDS) == state_create(draft, IDS)
    assert state_acts(copied, resource) == []
    final = STATES.model.model_validate(STATES.to_draft({**resource, "transitions": []}, key_of))
    assert final.transitions == []
    anything = {k: v for k, v in resource.items() if k != "transitions"}
    assert STATES.model.model_validate(STATES.to_draft(anything, key_of)).transitions is None
    gone = {**resource, "transitions": [{"typeId": "state", "id": "s-gone"}]}
    with pytest.raises(NotCopyable, match="state s-gone has no key"):
        STATES.to_draft(gone, key_of)
    with pytest.raises(NotCopyable, match="state s-paid has no key"):
        STATES.to_draft({**resource, "key": ""}, key_of)


# Tax categories.

STANDARD = {"key": "de", "name": "19%", "amount": 0.19, "includedInPrice": True, "country": "DE"}
REDUCED_AT = {"name": "10%", "amount": 0.1, "includedInPrice": True, "country": "AT"}


def a_category(**fields: Any) -> TaxCategoryDraft:
    return TaxCategoryDraft.model_validate(
        {"key": "std", "name": "Standard", "rates": [STANDARD, REDUCED_AT], **fields}
    )


def stored_category(**fields: Any) -> dict[str, Any]:
    document = {"id": "tc1", "version": 1, **tax_category_create(a_category(**fields), {})}
    for index, rate in enumerate(document["rates"]):
        rate["id"] = f"r{index}"
        rate.setdefault("subRates", [])
    return document


def tax_acts(draft: TaxCategoryDraft, current: dict[str, Any], replace: bool = False) -> list[Any]:
    return tax_category_actions(draft, current, {}, replace)


def test_equal_tax_category_needs_no_action() -> None:
    assert tax_acts(a_category(), stored_category()) == []
    as_csv = [{**STANDARD, "amount": "0.19", "includedInPrice": "true"}, REDUCED_AT]
    assert tax_acts(a_category(rates=as_csv), stored_category()) == []


def test_tax_category_key_name_description() -> None:
    assert tax_acts(a_category(), {**stored_category(), "key": None}) == [
        {"action": "setKey", "key": "std"}
    ]
    assert tax_acts(a_category(name="Normal"), stored_category()) == [
        {"action": "changeName", "name": "Normal"}
    ]
    described = stored_category(description="All goods")
    assert tax_acts(a_category(description="Goods"), described) == [
        {"action": "setDescription", "description": "Goods"}
    ]
    assert tax_acts(a_category(description=None), described) == [{"action": "setDescription"}]
    assert tax_acts(a_category(), described) == []
    assert tax_acts(a_category(), described, replace=True) == [{"action": "setDescription"}]


def test_rates_by_key_then_by_country_and_state() -> None:
    current = stored_category()
    standard = {**STANDARD, "amount": 0.2}
    reduced = {**REDUCED_AT, "name": "Reduced"}
    new = {"key": "fr", "name": "20%", "amount": 0.2, "includedInPrice": True, "country": "FR"}
    assert tax_acts(a_category(rates=[standard, reduced, new]), current) == [
        {"action": "replaceTaxRate", "taxRateId": "r0", "taxRate": standard},
        {"action": "replaceTaxRate", "taxRateId": "r1", "taxRate": reduced},
        {"action": "addTaxRate", "taxRate": new},
    ]
    assert tax_acts(a_category(rates=[STANDARD]), current) == [
        {"action": "removeTaxRate", "taxRateId": "r1"}
    ]
    # A rate of another state is another rate; a keyed rate is never taken by country.
    vienna = {**REDUCED_AT, "state": "Wien"}
    assert [a["action"] for a in tax_acts(a_category(rates=[STANDARD, vienna]), current)] == [
        "removeTaxRate",
        "addTaxRate",
    ]
    unkeyed = {k: v for k, v in STANDARD.items() if k != "key"}
    assert [a["action"] for a in tax_acts(a_category(rates=[unkeyed, REDUCED_AT]), current)] == [
        "removeTaxRate",
        "addTaxRate",
    ]
    assert tax_acts(a_category(rates=[]), current) == [
        {"action": "removeTaxRate", "taxRateId": "r0"},
        {"action": "removeTaxRate", "taxRateId": "r1"},
    ]
    named = TaxCategoryDraft.model_validate({"key": "std", "name": "Standard"})
    assert tax_acts(named, current) == []
    assert len(tax_acts(named, current, replace=True)) == 2


def test_sub_rates_give_the_amount() -> None:
    rate = {
        "key": "us",
        "name": "NY",
        "includedInPrice": False,
        "country": "US",
        "state": "NY",
        "subRates": [{"name": "state", "amount": 0.04}, {"name": "city", "amount": 0.045}],
    }
    current = stored_category(rates=[rate])
    current["rates"][0]["amount"] = 0.085  # what commercetools computes
    assert tax_acts(a_category(rates=[rate]), current) == []
    with pytest.raises(ValidationError, match="give an amount or subRates"):
        a_category(rates=[{k: v for k, v in REDUCED_AT.items() if k != "amount"}])
    with pytest.raises(ValidationError, match="share a country"):
        a_category(rates=[REDUCED_AT, REDUCED_AT])


def test_tax_category_round_trip_and_no_key() -> None:
    resource = stored_category(description="D")
    copied = TAX_CATEGORIES.model.model_validate(TAX_CATEGORIES.to_draft(resource, key_of))
    assert tax_category_create(copied, {}) == tax_category_create(a_category(description="D"), {})
    assert tax_acts(copied, resource) == []
    with pytest.raises(NotCopyable, match="tax-category tc1 has no key"):
        TAX_CATEGORIES.to_draft({**resource, "key": None}, key_of)


def test_adopts_a_keyless_record_of_the_same_name() -> None:
    draft = a_category()
    keyed_other = {"id": "a", "key": "other", "name": "Standard"}
    keyless = {"id": "b", "name": "Standard"}
    assert TAX_CATEGORIES.find(draft, [keyed_other, keyless], {}) is keyless
    assert TAX_CATEGORIES.find(draft, [keyed_other], {}) is None
    assert (
        TAX_CATEGORIES.find(draft, [keyless, {"id": "c", "key": "std", "name": "N"}], {})["id"]
        == "c"
    )
    assert TAX_CATEGORIES.lookups([draft]) == [("key", ["std"]), ("name", ["Standard"])]


# Zones.


def a_zone(**fields: Any) -> ZoneDraft:
    return ZoneDraft.model_validate(
        {
            "key": "eu",
            "name": "Europe",
            "locations": [{"country": "DE"}, {"country": "ES", "state": "Canarias"}],
            **fields,
        }
    )


def stored_zone(**fields: Any) -> dict[str, Any]:
    return {"id": "z1", "version": 1, **zone_create(a_zone(**fields), {})}


def zone_acts(draft: ZoneDraft, current: dict[str, Any], replace: bool = False) -> list[Any]:
    return zone_actions(draft, current, {}, replace)


def test_equal_zone_needs_no_action() -> None:
    assert zone_acts(a_zone(), stored_zone()) == []
    reordered = a_zone(locations=[{"country": "ES", "state": "Canarias"}, {"country": "DE"}])
    assert zone_acts(reordered, stored_zone()) == []


def test_zone_key_name_description() -> None:
    assert zone_acts(a_zone(), {**stored_zone(), "key": None}) == [
        {"action": "setKey", "key": "eu"}
    ]
    assert zone_acts(a_zone(name="EU"), stored_zone()) == [{"action": "changeName", "name": "EU"}]
    described = stored_zone(description="D")
    assert zone_acts(a_zone(description="E"), described) == [
        {"action": "setDescription", "description": "E"}
    ]
    assert zone_acts(a_zone(description=None), described) == [{"action": "setDescription"}]
    assert zone_acts(a_zone(), described) == []
    assert zone_acts(a_zone(), described, replace=True) == [{"action": "setDescription"}]


def test_zone_locations_are_a_set() -> None:
    draft = a_zone(locations=[{"country": "DE"}, {"country": "ES"}])
    assert zone_acts(draft, stored_zone()) == [
        {"action": "removeLocation", "location": {"country": "ES", "state": "Canarias"}},
        {"action": "addLocation", "location": {"country": "ES"}},
    ]
    unnamed = ZoneDraft.model_validate({"key": "eu", "name": "Europe"})
    assert zone_acts(unnamed, stored_zone()) == []
    assert len(zone_acts(unnamed, stored_zone(), replace=True)) == 2
    with pytest.raises(ValidationError, match="listed twice"):
        a_zone(locations=[{"country": "DE"}, {"country": "DE"}])


def test_zone_round_trip_and_no_key() -> None:
    resource = stored_zone(description="D")
    copied = ZONES.model.model_validate(ZONES.to_draft(resource, key_of))
    assert zone_create(copied, {}) == zone_create(a_zone(description="D"), {})
    assert zone_acts(copied, resource) == []
    with pytest.raises(NotCopyable, match="zone z1 has no key"):
        ZONES.to_draft({**resource, "key": None}, key_of)


def test_the_guard_reads_a_state_set_name_as_a_change_not_an_unset() -> None:
    setting = state_acts(a_state(name={"en": "X"}), STATE)[0]
    assert not guard.is_destructive(setting)
    unsetting = state_acts(a_state(name=None), {**STATE, "name": {"en": "X"}})[0]
    assert guard.is_destructive(unsetting)
    assert guard.describe(unsetting) == "unset name"
