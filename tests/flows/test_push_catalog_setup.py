"""Pushing product types, channels, customer groups and stores into the sandbox: create, exact
update actions, then nothing; references by key; a missing key or an unchangeable attribute fails
its record only; a dry run writes nothing.

The mock lacks some actions commercetools has (channel roles; store supply channels and product
selections; product type input hints, searchability, constraints, plain enum values, enum keys
and orders): those are covered by tests/unit/test_actions_catalog_setup.py only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.push import PUSH_FLOWS
from sandbox import Sandbox
from tests.flows.push_support import all_of, by_key, credentials_for, hub_in, write_jsonl

pytestmark = pytest.mark.sandbox

TYPE_EXTRA = {
    "id": "7b0c0c1e-0000-4000-8000-000000000001",
    "key": "extra",
    "name": {"en": "Extra"},
    "resourceTypeIds": ["channel", "customer-group", "store"],
    "fieldDefinitions": [
        {
            "name": "code",
            "label": {"en": "Code"},
            "required": False,
            "type": {"name": "String"},
            "inputHint": "SingleLine",
        }
    ],
}


@pytest.fixture
def blank(private_sandbox: Sandbox) -> Iterator[Sandbox]:
    private_sandbox.reset({"type": [TYPE_EXTRA]})
    yield private_sandbox


def push(entity: str, sandbox: Sandbox, source: Path, **options: Any) -> Any:
    return PUSH_FLOWS[entity](
        credentials_for(sandbox), str(source), hub=hub_in(source.parent), **options
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- product types ----------------------------------------------------------------------------

COLOR = {
    "name": "color",
    "label": {"en": "Color"},
    "type": {
        "name": "lenum",
        "values": [
            {"key": "red", "label": {"en": "Red"}},
            {"key": "blue", "label": {"en": "Blue"}},
        ],
    },
}
SEASON = {
    "name": "season",
    "label": {"en": "Season"},
    "type": {
        "name": "enum",
        "values": [{"key": "summer", "label": "Summer"}, {"key": "winter", "label": "Winter"}],
    },
}
SIZE = {"name": "size", "label": {"en": "Size"}, "type": {"name": "text"}}
WIDTH = {"name": "width", "label": {"en": "Width"}, "type": {"name": "number"}}
DIMENSIONS = {
    "name": "dimensions",
    "label": {"en": "Dimensions"},
    "type": {"name": "nested", "typeReference": "dimensions"},
}
# The shirt nests the dimensions type: listed first, it is still created after it.
TYPES = [
    {
        "key": "shirt",
        "name": "Shirt",
        "description": "Shirts",
        "attributes": [COLOR, SEASON, SIZE, DIMENSIONS],
    },
    {"key": "dimensions", "name": "Dimensions", "description": "Sizes", "attributes": [WIDTH]},
]
TYPES_CHANGED = [
    {
        "key": "shirt",
        "name": "Shirts",
        "description": "Shirts",
        "attributes": [
            DIMENSIONS,
            {
                **COLOR,
                "label": {"en": "Colour"},
                "type": {
                    "name": "lenum",
                    "values": [
                        {"key": "red", "label": {"en": "Rot"}},
                        {"key": "blue", "label": {"en": "Blue"}},
                    ],
                },
            },
            {**SEASON, "type": {"name": "enum", "values": [{"key": "summer", "label": "Summer"}]}},
            {"name": "fit", "label": {"en": "Fit"}, "type": {"name": "boolean"}},
        ],
    },
    {
        "key": "dimensions",
        "name": "Dimensions",
        "description": "Sizes in cm",
        "attributes": [WIDTH],
    },
]


def test_product_types_create_update_then_nothing(blank, tmp_path) -> None:
    source = write_jsonl(tmp_path / "types.jsonl", TYPES)
    first = push("product-types", blank, source)
    assert (first.created, first.failed) == (2, 0)
    stored = by_key(blank, "product-types")
    nested = stored["shirt"]["attributes"][3]["type"]
    assert nested["typeReference"]["id"] == stored["dimensions"]["id"]

    write_jsonl(source, TYPES_CHANGED)
    second = push("product-types", blank, source)
    assert (second.created, second.updated, second.unchanged, second.failed) == (0, 2, 0, 0)
    assert second.actions == {
        "changeName": 1,
        "changeDescription": 1,
        "removeAttributeDefinition": 1,
        "changeLabel": 1,
        "changeLocalizedEnumValueLabel": 1,
        "removeEnumValues": 1,
        "addAttributeDefinition": 1,
        "changeAttributeOrderByName": 1,
    }
    shirt = by_key(blank, "product-types")["shirt"]
    assert [a["name"] for a in shirt["attributes"]] == ["dimensions", "color", "season", "fit"]
    assert shirt["attributes"][1]["type"]["values"][0] == {"key": "red", "label": {"en": "Rot"}}
    assert shirt["attributes"][2]["type"]["values"] == [{"key": "summer", "label": "Summer"}]

    third = push("product-types", blank, source)
    assert (third.created, third.updated, third.unchanged) == (0, 0, 2)


def test_product_type_attribute_type_change_and_missing_nested_type_fail_alone(
    blank, tmp_path
) -> None:
    push("product-types", blank, write_jsonl(tmp_path / "types.jsonl", TYPES))
    retyped = {**TYPES[1], "attributes": [{**WIDTH, "type": {"name": "text"}}]}
    orphan = {
        "key": "coat",
        "name": "Coat",
        "description": "",
        "attributes": [{**DIMENSIONS, "type": {"name": "nested", "typeReference": "missing"}}],
    }
    source = write_jsonl(tmp_path / "types.jsonl", [retyped, orphan, TYPES[0]])
    report = push("product-types", blank, source)
    assert (report.failed, report.unchanged, report.created) == (2, 1, 0)
    failures = " | ".join(report.first_failures)
    assert (
        "(key dimensions): UnchangeableAttribute: attribute 'width' is of type number" in failures
    )
    assert "cannot change an attribute's type" in failures
    assert "(key coat): product-type 'missing' not found" in failures
    assert by_key(blank, "product-types")["dimensions"]["attributes"][0]["type"] == {
        "name": "number"
    }


# --- channels ---------------------------------------------------------------------------------

CHANNEL_HEADER = (
    "key,roles.0,name.en,description.en,address.country,address.city,"
    "geoLocation.coordinates.0,geoLocation.coordinates.1\n"
)
CHANNELS = (
    CHANNEL_HEADER
    + "berlin,InventorySupply,Berlin,Store Berlin,DE,Berlin,13.4,52.5\n"
    + "online,ProductDistribution,Online,,,,,\n"
)
CHANNELS_CHANGED = (
    CHANNEL_HEADER
    + "berlin,InventorySupply,Berlin Mitte,Store Berlin,DE,Berlin-Mitte,,\n"
    + "online,ProductDistribution,Online,Web shop,,,,\n"
)


def test_channels_from_csv_create_update_then_nothing(blank, tmp_path) -> None:
    source = write(tmp_path / "channels.csv", CHANNELS)
    first = push("channels", blank, source)
    assert (first.created, first.failed) == (2, 0)
    stored = by_key(blank, "channels")
    assert stored["online"]["roles"] == ["ProductDistribution"]
    assert stored["berlin"]["geoLocation"] == {"type": "Point", "coordinates": [13.4, 52.5]}

    write(source, CHANNELS_CHANGED)
    second = push("channels", blank, source)
    assert (second.updated, second.unchanged, second.failed) == (2, 0, 0)
    assert second.actions == {
        "changeName": 1,
        "setAddress": 1,
        "setGeoLocation": 1,
        "changeDescription": 1,
    }
    stored = by_key(blank, "channels")
    assert stored["berlin"]["address"]["city"] == "Berlin-Mitte"
    assert not stored["berlin"].get("geoLocation")
    assert stored["online"]["description"] == {"en": "Web shop"}

    third = push("channels", blank, source)
    assert (third.updated, third.unchanged) == (0, 2)


def test_channel_custom_type_by_key_and_a_missing_one(blank, tmp_path) -> None:
    drafts = [
        {"key": "berlin", "custom": {"type": "extra", "fields": {"code": "B1"}}},
        {"key": "hamburg", "custom": {"type": "nope"}},
    ]
    report = push("channels", blank, write_jsonl(tmp_path / "channels.jsonl", drafts))
    assert (report.created, report.failed) == (1, 1)
    assert "(key hamburg): type 'nope' not found" in " | ".join(report.first_failures)
    berlin = by_key(blank, "channels")["berlin"]
    assert berlin["custom"]["type"]["id"] == TYPE_EXTRA["id"]

    drafts[0]["custom"] = {"type": "extra", "fields": {"code": "B2"}}
    report = push("channels", blank, write_jsonl(tmp_path / "channels.jsonl", drafts[:1]))
    assert report.actions == {"setCustomField": 1}


# --- customer groups --------------------------------------------------------------------------


def test_customer_groups_from_csv(blank, tmp_path) -> None:
    source = write(
        tmp_path / "groups.csv",
        "key,groupName,custom.type,custom.fields.code\nvip,VIP,extra,V\nstaff,Staff,,\n",
    )
    first = push("customer-groups", blank, source)
    assert (first.created, first.failed) == (2, 0)
    assert by_key(blank, "customer-groups")["vip"]["name"] == "VIP"

    write(source, "key,groupName,custom.type,custom.fields.code\nvip,Gold,extra,G\nstaff,Staff,,\n")
    second = push("customer-groups", blank, source)
    assert (second.updated, second.unchanged) == (1, 1)
    assert second.actions == {"changeName": 1, "setCustomField": 1}
    vip = by_key(blank, "customer-groups")["vip"]
    assert (vip["name"], vip["custom"]["fields"]) == ("Gold", {"code": "G"})

    third = push("customer-groups", blank, source)
    assert (third.updated, third.unchanged) == (0, 2)


# --- stores -----------------------------------------------------------------------------------

CHANNEL_DRAFTS = [{"key": "eu", "roles": ["ProductDistribution"]}, {"key": "us"}]
STORES = [
    {
        "key": "berlin",
        "name": {"en": "Berlin"},
        "languages": ["en", "de"],
        "countries": ["DE"],
        "distributionChannels": ["eu"],
        "custom": {"type": "extra", "fields": {"code": "B"}},
    },
    {"key": "vienna", "languages": ["de"], "countries": [{"code": "AT"}]},
]
STORES_CHANGED = [
    {
        "key": "berlin",
        "name": None,
        "languages": ["de", "en"],
        "countries": ["DE", "AT"],
        "distributionChannels": ["eu", "us"],
    },
    {"key": "vienna", "name": {"de": "Wien"}, "languages": [], "countries": [{"code": "AT"}]},
]


def test_stores_create_update_then_nothing(blank, tmp_path) -> None:
    push("channels", blank, write_jsonl(tmp_path / "channels.jsonl", CHANNEL_DRAFTS))
    channels = by_key(blank, "channels")
    source = write_jsonl(tmp_path / "stores.jsonl", STORES)
    first = push("stores", blank, source)
    assert (first.created, first.failed) == (2, 0)
    berlin = by_key(blank, "stores")["berlin"]
    assert berlin["distributionChannels"][0]["id"] == channels["eu"]["id"]
    assert berlin["countries"] == [{"code": "DE"}]

    write_jsonl(source, STORES_CHANGED)
    second = push("stores", blank, source)
    assert (second.updated, second.unchanged, second.failed) == (2, 0, 0)
    assert second.actions == {
        "setName": 2,
        "setCountries": 1,
        "setDistributionChannels": 1,
        "setLanguages": 1,
    }
    stored = by_key(blank, "stores")
    assert not stored["berlin"].get("name")
    assert {r["id"] for r in stored["berlin"]["distributionChannels"]} == {
        channels["eu"]["id"],
        channels["us"]["id"],
    }
    assert stored["vienna"]["languages"] == []
    assert stored["berlin"]["custom"]["fields"] == {"code": "B"}  # not named: left as it is

    third = push("stores", blank, source)
    assert (third.updated, third.unchanged) == (0, 2)


def test_store_with_a_missing_channel_fails_alone_and_dry_run_writes_nothing(
    blank, tmp_path
) -> None:
    push("channels", blank, write_jsonl(tmp_path / "channels.jsonl", CHANNEL_DRAFTS))
    drafts = [STORES[1], {"key": "paris", "supplyChannels": ["nowhere"]}]
    source = write_jsonl(tmp_path / "stores.jsonl", drafts)
    planned = push("stores", blank, source, dry_run=True)
    assert (planned.created, planned.failed) == (1, 1)
    assert all_of(blank, "stores") == []

    report = push("stores", blank, source)
    assert (report.created, report.failed) == (1, 1)
    assert "(key paris): channel 'nowhere' not found" in " | ".join(report.first_failures)
    assert sorted(by_key(blank, "stores")) == ["vienna"]
