"""Pushing inventory into the sandbox: entries by SKU and supply channel, minimal updates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from flows.push import push_inventory
from sandbox import Sandbox
from tests.flows.push_support import CHANNEL_EU, all_of, credentials_for, hub_in, write_jsonl

pytestmark = pytest.mark.sandbox

FIRST: list[dict[str, Any]] = [
    {"sku": "SKU-1", "quantityOnStock": 10},
    {"sku": "SKU-1", "supplyChannel": "warehouse-eu", "quantityOnStock": 4, "restockableInDays": 2},
    {"sku": "SKU-2", "quantityOnStock": 0, "expectedDelivery": "2026-12-01T00:00:00Z"},
]
CHANGED: list[dict[str, Any]] = [
    {"sku": "SKU-1", "quantityOnStock": 10},
    # A null unsets; a field left out would be left as it is.
    {
        "sku": "SKU-1",
        "supplyChannel": "warehouse-eu",
        "quantityOnStock": 9,
        "restockableInDays": None,
    },
    {"sku": "SKU-2", "quantityOnStock": 5, "expectedDelivery": "2026-12-02T00:00:00Z"},
]


@pytest.fixture
def blank(private_sandbox: Sandbox) -> Iterator[Sandbox]:
    private_sandbox.reset({"channel": [CHANNEL_EU]})
    yield private_sandbox


def entries(sandbox: Sandbox) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {
        (e["sku"], (e.get("supplyChannel") or {}).get("id")): e
        for e in all_of(sandbox, "inventory")
    }


def test_create_update_with_exact_actions_then_nothing(blank, tmp_path) -> None:
    credentials, hub = credentials_for(blank), hub_in(tmp_path)
    source = write_jsonl(tmp_path / "inventory.jsonl", FIRST)
    first = push_inventory(credentials, str(source), hub=hub)
    assert (first.created, first.failed) == (3, 0)
    stored = entries(blank)
    assert set(stored) == {("SKU-1", None), ("SKU-1", CHANNEL_EU["id"]), ("SKU-2", None)}
    assert stored[("SKU-1", CHANNEL_EU["id"])]["restockableInDays"] == 2

    write_jsonl(source, CHANGED)
    second = push_inventory(credentials, str(source), hub=hub)
    assert (second.created, second.updated, second.unchanged) == (0, 2, 1)
    assert second.actions == {
        "changeQuantity": 2,
        "setRestockableInDays": 1,
        "setExpectedDelivery": 1,
    }
    stored = entries(blank)
    eu = stored[("SKU-1", CHANNEL_EU["id"])]
    assert eu["quantityOnStock"] == 9 and eu.get("restockableInDays") is None
    assert stored[("SKU-2", None)]["quantityOnStock"] == 5
    assert stored[("SKU-2", None)]["expectedDelivery"] == "2026-12-02T00:00:00.000Z"

    third = push_inventory(credentials, str(source), hub=hub)
    assert (third.created, third.updated, third.unchanged) == (0, 0, 3)


def test_unknown_channel_and_create_missing_off(blank, tmp_path) -> None:
    drafts = [
        {"sku": "SKU-9", "supplyChannel": "nowhere", "quantityOnStock": 1},
        {"sku": "SKU-8", "quantityOnStock": 1},
    ]
    report = push_inventory(
        credentials_for(blank), drafts, create_missing=False, hub=hub_in(tmp_path)
    )
    assert (report.created, report.skipped, report.failed) == (0, 1, 1)
    assert "channel 'nowhere' not found" in report.first_failures[0]
    assert all_of(blank, "inventory") == []
