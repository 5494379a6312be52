"""Pushing types, states, tax categories and zones into the sandbox: creates, exact update
actions, nothing the second time, dry runs, references by key and records that cannot be pushed.

The mock lacks some update actions commercetools has (types' changeLabel, changeInputHint and the
localized enum actions): those are covered by tests/unit/test_actions_configuration.py only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows.push import PUSH_FLOWS
from sandbox import Sandbox
from tests.flows.push_support import all_of, by_key, credentials_for, hub_in, write_jsonl

pytestmark = pytest.mark.sandbox


def push(sandbox: Sandbox, tmp_path: Path, entity: str, source: Any, **options: Any) -> Any:
    return PUSH_FLOWS[entity](credentials_for(sandbox), source, hub=hub_in(tmp_path), **options)


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


TEXT = {"name": "note", "type": {"name": "String"}, "label": {"en": "Note"}}
COLOR = {
    "name": "color",
    "type": {"name": "Enum", "values": [{"key": "red", "label": "Red"}]},
    "label": {"en": "Color"},
}
TYPES = [
    {
        "key": "category-extra",
        "name": {"en": "Category extra"},
        "resourceTypeIds": ["category"],
        "fieldDefinitions": [TEXT, COLOR],
    },
    {"key": "order-extra", "name": {"en": "Order extra"}, "resourceTypeIds": ["order"]},
]


def test_types_created_updated_then_unchanged(blank, tmp_path) -> None:
    source = write_jsonl(tmp_path / "types.jsonl", TYPES)
    first = push(blank, tmp_path, "types", str(source))
    assert (first.created, first.failed) == (2, 0)
    assert [f["name"] for f in by_key(blank, "types")["category-extra"]["fieldDefinitions"]] == [
        "note",
        "color",
    ]

    values = [{"key": "red", "label": "Rot"}, {"key": "blue", "label": "Blue"}]
    extra = {**TEXT, "name": "extra"}
    changed = [
        {
            **TYPES[0],
            "name": {"en": "Category fields"},
            "fieldDefinitions": [
                extra,
                {**COLOR, "type": {"name": "Enum", "values": values}},
            ],
        },
        {**TYPES[1], "description": {"en": "On orders"}},
    ]
    write_jsonl(source, changed)
    second = push(blank, tmp_path, "types", str(source), allow_destructive=True)
    assert (second.updated, second.unchanged, second.failed) == (2, 0, 0)
    assert second.actions == {
        "changeName": 1,
        "setDescription": 1,
        "removeFieldDefinition": 1,
        "addFieldDefinition": 1,
        "changeEnumValueLabel": 1,
        "addEnumValue": 1,
        "changeFieldDefinitionOrder": 1,
    }
    stored = by_key(blank, "types")["category-extra"]
    assert [f["name"] for f in stored["fieldDefinitions"]] == ["extra", "color"]
    assert stored["fieldDefinitions"][1]["type"]["values"] == values

    third = push(blank, tmp_path, "types", str(source))
    assert (third.updated, third.unchanged) == (0, 2)


def test_a_type_change_commercetools_cannot_make_fails_that_record(blank, tmp_path) -> None:
    push(blank, tmp_path, "types", TYPES)
    number = {**TEXT, "type": {"name": "Number"}}
    drafts = [
        {**TYPES[0], "fieldDefinitions": [number, COLOR]},
        {**TYPES[1], "resourceTypeIds": ["customer"], "name": {"en": "Moved"}},
    ]
    report = push(blank, tmp_path, "types", drafts)
    assert (report.updated, report.failed) == (0, 2)
    failures = " | ".join(report.first_failures)
    assert "(key category-extra): ImmutableField: field 'note': its type cannot change" in failures
    assert "(key order-extra): ImmutableField: resourceTypeIds cannot change" in failures
    assert by_key(blank, "types")["order-extra"]["name"] == {"en": "Order extra"}


STATES = [
    {"key": "open", "type": "OrderState", "initial": True, "transitions": ["shipped"]},
    {"key": "shipped", "type": "OrderState", "name": {"en": "Shipped"}, "transitions": ["done"]},
    {"key": "done", "type": "OrderState", "transitions": []},
]


def test_states_with_transitions_created_in_the_same_push(blank, tmp_path) -> None:
    source = write_jsonl(tmp_path / "states.jsonl", STATES)
    first = push(blank, tmp_path, "states", str(source))
    assert (first.created, first.failed) == (3, 0)
    stored = by_key(blank, "states")
    assert [t["id"] for t in stored["open"]["transitions"]] == [stored["shipped"]["id"]]
    assert [t["id"] for t in stored["shipped"]["transitions"]] == [stored["done"]["id"]]
    assert stored["open"]["initial"] is True

    changed = [
        {**STATES[0], "initial": False, "transitions": ["shipped", "done"]},
        {**STATES[1], "name": {"en": "Sent"}},
        STATES[2],
    ]
    write_jsonl(source, changed)
    second = push(blank, tmp_path, "states", str(source))
    assert (second.updated, second.unchanged) == (2, 1)
    assert second.actions == {"changeInitial": 1, "setTransitions": 1, "setName": 1}
    stored = by_key(blank, "states")
    assert {t["id"] for t in stored["open"]["transitions"]} == {
        stored["shipped"]["id"],
        stored["done"]["id"],
    }
    third = push(blank, tmp_path, "states", str(source))
    assert (third.updated, third.unchanged) == (0, 3)


def test_a_missing_transition_target_fails_only_its_state(blank, tmp_path) -> None:
    drafts = [*STATES, {"key": "lost", "type": "OrderState", "transitions": ["nowhere"]}]
    report = push(blank, tmp_path, "states", drafts)
    assert (report.created, report.failed) == (3, 1)
    assert "(key lost): state 'nowhere' not found" in " | ".join(report.first_failures)
    assert sorted(by_key(blank, "states")) == ["done", "open", "shipped"]


TAX_HEADER = (
    "key,name,description,rates.0.key,rates.0.name,rates.0.amount,rates.0.includedInPrice,"
    "rates.0.country,rates.1.name,rates.1.amount,rates.1.includedInPrice,rates.1.country\n"
)
TAX_FIRST = (
    TAX_HEADER
    + "standard,Standard,,de,19%,0.19,true,DE,20%,0.2,true,AT\n"
    + "reduced,Reduced,Food,de-reduced,7%,0.07,true,DE,,,,\n"
)
TAX_CHANGED = (
    TAX_HEADER
    + "standard,Standard rate,,de,19% VAT,0.19,true,DE,,,,\n"
    + "reduced,Reduced,Food and books,de-reduced,7%,0.07,true,DE,10%,0.1,true,AT\n"
)


def test_tax_categories_from_csv(blank, tmp_path) -> None:
    source = write(tmp_path / "tax.csv", TAX_FIRST)
    first = push(blank, tmp_path, "tax-categories", source)
    assert (first.created, first.failed) == (2, 0)
    stored = by_key(blank, "tax-categories")
    assert [(r.get("key"), r["amount"], r["country"]) for r in stored["standard"]["rates"]] == [
        ("de", 0.19, "DE"),
        (None, 0.2, "AT"),
    ]

    write(tmp_path / "tax.csv", TAX_CHANGED)
    second = push(blank, tmp_path, "tax-categories", source)
    assert (second.updated, second.unchanged) == (2, 0)
    assert second.actions == {
        "changeName": 1,
        "replaceTaxRate": 1,
        "removeTaxRate": 1,
        "setDescription": 1,
        "addTaxRate": 1,
    }
    stored = by_key(blank, "tax-categories")
    assert [r["name"] for r in stored["standard"]["rates"]] == ["19% VAT"]
    assert sorted(r["country"] for r in stored["reduced"]["rates"]) == ["AT", "DE"]

    third = push(blank, tmp_path, "tax-categories", source)
    assert (third.updated, third.unchanged) == (0, 2)


def test_a_keyless_tax_category_of_the_same_name_is_adopted(blank, tmp_path) -> None:
    with blank.client() as http:
        http.post(
            f"{blank.api_url}/tax-categories", json={"name": "Legacy", "rates": []}
        ).raise_for_status()
    report = push(blank, tmp_path, "tax-categories", [{"key": "legacy", "name": "Legacy"}])
    assert (report.created, report.updated, report.actions) == (0, 1, {"setKey": 1})
    assert [c.get("key") for c in all_of(blank, "tax-categories")] == ["legacy"]


ZONE_HEADER = "key,name,description,locations.0.country,locations.1.country,locations.1.state\n"
ZONE_FIRST = ZONE_HEADER + "eu,Europe,,DE,ES,Canarias\n" + "us,USA,Mainland,US,,\n"
ZONE_CHANGED = ZONE_HEADER + "eu,European Union,,DE,ES,\n" + "us,USA,Mainland,US,,\n"


def test_zones_from_csv_and_dry_run(blank, tmp_path) -> None:
    source = write(tmp_path / "zones.csv", ZONE_FIRST)
    dry = push(blank, tmp_path, "zones", source, dry_run=True)
    assert (dry.created, dry.failed) == (2, 0)
    assert all_of(blank, "zones") == []

    first = push(blank, tmp_path, "zones", source)
    assert (first.created, first.failed) == (2, 0)
    assert by_key(blank, "zones")["eu"]["locations"] == [
        {"country": "DE"},
        {"country": "ES", "state": "Canarias"},
    ]

    write(tmp_path / "zones.csv", ZONE_CHANGED)
    planned = push(blank, tmp_path, "zones", source, dry_run=True)
    assert (planned.updated, planned.unchanged) == (1, 1)
    assert by_key(blank, "zones")["eu"]["name"] == "Europe"
    second = push(blank, tmp_path, "zones", source)
    assert (second.updated, second.unchanged) == (1, 1)
    assert second.actions == {"changeName": 1, "removeLocation": 1, "addLocation": 1}
    assert sorted(map(str, by_key(blank, "zones")["eu"]["locations"])) == sorted(
        map(str, [{"country": "DE"}, {"country": "ES"}])
    )

    third = push(blank, tmp_path, "zones", source)
    assert (third.updated, third.unchanged) == (0, 2)
