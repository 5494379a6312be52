"""Hub -> outbox -> commercetools -> hub: drafts derived from pulled customers round-trip."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from flows.push import push_customers
from flows.sync import sync_customers
from sandbox import Sandbox
from tests.flows.push_support import all_of, credentials_for, hub_in

pytestmark = pytest.mark.sandbox

DRAFT_FIELDS = ("key", "email", "firstName", "lastName")
ADDRESS_FIELDS = ("key", "country", "city", "streetName", "postalCode")


def customer(n: int) -> dict[str, Any]:
    return {
        "id": f"5c0c0c1e-0000-4000-8000-{n:012d}",
        "key": f"crm-{n}",
        "email": f"person{n}@example.com",
        "firstName": f"First{n}",
        "lastName": f"Last{n}",
        "authenticationMode": "ExternalAuth",
        "addresses": [{"id": f"addr-{n}", "key": "home", "country": "DE", "city": "Berlin"}],
    }


@pytest.fixture
def seeded(private_sandbox: Sandbox) -> Iterator[Sandbox]:
    private_sandbox.reset({"customer": [customer(n) for n in range(1, 6)]})
    yield private_sandbox


def draft_from(document: dict[str, Any]) -> dict[str, Any]:
    """What a CRM would send back: the managed fields of a hub document."""
    draft = {name: document[name] for name in DRAFT_FIELDS if document.get(name)}
    draft["addresses"] = [
        {name: address[name] for name in ADDRESS_FIELDS if address.get(name)}
        for address in document.get("addresses", [])
    ]
    return draft


def hub_documents(hub: Any, project_key: str) -> dict[str, dict[str, Any]]:
    store = hub.get_store()
    return {r.id: r.document for r in store.records.iterate(project_key, "customers")}


def test_changes_queued_in_the_outbox_reach_commercetools_and_come_back(seeded, tmp_path) -> None:
    credentials, hub = credentials_for(seeded), hub_in(tmp_path)
    project = seeded.project_key
    assert sync_customers(credentials, hub=hub, mode="full").inserted == 5
    pulled = {doc["key"]: doc for doc in hub_documents(hub, project).values()}

    changed = []
    one = draft_from(pulled["crm-1"])
    one["firstName"] = "Renamed"
    changed.append(one)
    two = draft_from(pulled["crm-2"])
    two["addresses"].append({"key": "work", "country": "NL", "city": "Utrecht"})
    changed.append(two)
    three = draft_from(pulled["crm-3"])
    three["lastName"] = "Older draft"
    changed.append(three)
    newer_three = {**three, "lastName": "Newest draft"}
    changed.append(newer_three)
    broken = {**draft_from(pulled["crm-4"]), "customerGroup": "no-such-group"}
    changed.append(broken)
    store = hub.get_store()
    ids = store.outbox.enqueue(project, "customers", [(d["key"], d) for d in changed])

    report = push_customers(credentials, source=None, hub=hub)
    assert (report.read, report.updated, report.failed) == (4, 3, 1), report.first_failures
    assert report.actions == {"setFirstName": 1, "addAddress": 1, "setLastName": 1}
    assert report.source == "hub outbox"

    rows = {row.id: row for row in store.outbox.items(project, "customers")}
    assert all(rows[i].processed_at is not None for i in ids[:4])
    assert rows[ids[4]].processed_at is None
    assert "customer-group 'no-such-group' not found" in (rows[ids[4]].last_error or "")
    assert [item.id for item in store.outbox.pending(project, "customers")] == [ids[4]]

    sync_customers(credentials, hub=hub, mode="full")
    served = {c["id"]: c for c in all_of(seeded, "customers")}
    assert hub_documents(hub, project) == served
    by_key = {doc["key"]: doc for doc in served.values()}
    assert by_key["crm-1"]["firstName"] == "Renamed"
    assert {a["key"] for a in by_key["crm-2"]["addresses"]} == {"home", "work"}
    assert by_key["crm-3"]["lastName"] == "Newest draft"
    assert by_key["crm-4"] == pulled["crm-4"]

    again = push_customers(credentials, source=None, hub=hub)
    assert (again.read, again.failed) == (1, 1)
