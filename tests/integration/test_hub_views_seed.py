"""The whole demo seed in a hub, on SQLite and on PostgreSQL: every view equals `python_rows`,
and the figures a person would look at first come out right."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from ctsync.hub import HubStore
from ctsync.hub.documents import record_of
from ctsync.hub.views import view_names
from ctsync.registry import ENTITIES, entity_of_type
from sandbox import SANDBOX_DIR
from tests.unit.test_hub_views import assert_views_match, install_views, view_rows

PROJECT_KEY = "sandbox"


def seed_pages() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(entity, documents) of the demo seed; the project as the sandbox serves it, with its key
    and version (a pull stores it under its key)."""
    seed = json.loads((SANDBOX_DIR / "data" / "seed.json").read_text())
    for type_id, documents in seed.items():
        if type_id == "project":
            yield "project", [{**documents, "key": PROJECT_KEY, "version": 1}]
        else:
            yield entity_of_type(type_id).name, documents


@pytest.fixture(scope="module")
def seed() -> list[tuple[str, list[dict[str, Any]]]]:
    return list(seed_pages())


@pytest.fixture
def seeded_hub(hub_url: str, seed: list[tuple[str, list[dict[str, Any]]]]) -> Iterator[HubStore]:
    hub = HubStore.connect(hub_url)
    for entity_name, documents in seed:
        entity = ENTITIES[entity_name]
        records = [record_of(entity, document) for document in documents]
        hub.records.upsert_page(PROJECT_KEY, entity_name, records, run_id="seed")
    install_views(hub)
    yield hub
    hub.close()


def test_every_view_of_the_seed_equals_python_rows(
    seeded_hub: HubStore, seed: list[tuple[str, list[dict[str, Any]]]]
) -> None:
    rows = assert_views_match(seeded_hub)
    assert rows > sum(len(documents) for _, documents in seed)  # child rows come on top
    for name in view_names():
        assert view_rows(seeded_hub, name), f"{name} shows nothing of the seed"


def test_the_seed_reads_as_a_person_expects(seeded_hub: HubStore) -> None:
    [language] = view_rows(seeded_hub, "project_language")
    assert language == {"project_key": PROJECT_KEY, "language": "en"}

    orders = {row["order_number"]: row for row in view_rows(seeded_hub, "orders")}
    first = orders["ORD-2026-000001"]
    assert Decimal(str(first["total_price_amount"])) == Decimal("616.45")
    assert (first["total_price_currency"], first["total_price_cent_amount"]) == ("EUR", 61645)
    assert (first["order_state"], first["payment_state"], first["country"]) == (
        "Complete",
        "Paid",
        "FR",
    )
    items = [r for r in view_rows(seeded_hub, "order_line_items") if r["order_id"] == first["id"]]
    assert sorted((r["position"], r["name"], r["quantity"]) for r in items) == [
        (0, "Coastal Scarf 175", 2),
        (1, "Classic Scarf 127", 3),
    ]

    customers = {row["email"]: row for row in view_rows(seeded_hub, "customers")}
    victor = customers["victor.jansen.customer00001@example.com"]
    assert victor["key"] == victor["email"]  # the natural key of a customer
    assert (victor["first_name"], victor["resource_key"]) == ("Victor", "customer-00001")
    addresses = [
        (r["position"], r["city"], r["is_default_shipping"], r["is_default_billing"])
        for r in view_rows(seeded_hub, "customer_addresses")
        if r["customer_id"] == victor["id"]
    ]
    assert sorted(addresses) == [(0, "Köln", True, False), (1, "Rotterdam", False, True)]

    women = next(r for r in view_rows(seeded_hub, "categories") if r["slug"] == "women")
    assert (women["name"], women["order_hint"], women["parent_id"]) == ("Women", "0.1", None)
