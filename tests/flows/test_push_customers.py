"""Pushing customers into the sandbox: create, minimal updates, idempotence, conflicts, dry run."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from flows.push import push_customers
from sandbox import Sandbox
from tests.flows.push_support import (
    GROUP_VIP,
    all_of,
    by_key,
    credentials_for,
    hub_in,
    update,
    write_jsonl,
)

pytestmark = pytest.mark.sandbox

ADA: dict[str, Any] = {
    "key": "erp-1001",
    "email": "ada@example.com",
    "firstName": "Ada",
    "lastName": "Lovelace",
    "companyName": "Analytical Engines",
    "addresses": [
        {"key": "home", "country": "GB", "city": "London", "streetName": "St James's Square"},
        {"key": "work", "country": "GB", "city": "Cambridge"},
    ],
    "defaultShippingAddress": "home",
}
BOB: dict[str, Any] = {"email": "bob@example.com", "firstName": "Bob"}


@pytest.fixture
def blank(private_sandbox: Sandbox) -> Iterator[Sandbox]:
    private_sandbox.reset({"customer-group": [GROUP_VIP]})
    private_sandbox.clear_faults()
    yield private_sandbox
    private_sandbox.clear_faults()


def changed_ada() -> dict[str, Any]:
    ada = copy.deepcopy(ADA)
    ada["firstName"] = "Augusta Ada"
    ada["customerGroup"] = "vip"
    ada["addresses"] = [
        {"key": "home", "country": "GB", "city": "London", "streetName": "Great Cumberland Pl"},
        {"key": "office", "country": "GB", "city": "Oxford"},
    ]
    ada["defaultBillingAddress"] = "office"
    return ada


def assert_matches(customer: dict[str, Any], draft: dict[str, Any]) -> None:
    for name in ("key", "firstName", "lastName", "companyName"):
        assert customer.get(name) == draft.get(name), name
    assert customer["email"] == draft["email"]
    addresses = {a["key"]: {k: v for k, v in a.items() if k != "id"} for a in customer["addresses"]}
    assert addresses == {a["key"]: a for a in draft.get("addresses", [])}
    ids = {a["id"]: a["key"] for a in customer["addresses"]}
    assert ids.get(customer.get("defaultShippingAddressId")) == draft.get("defaultShippingAddress")
    assert ids.get(customer.get("defaultBillingAddressId")) == draft.get("defaultBillingAddress")
    group = customer.get("customerGroup")
    assert (group or {}).get("id") == (GROUP_VIP["id"] if draft.get("customerGroup") else None)


def test_create_update_with_exact_actions_then_nothing(blank, tmp_path) -> None:
    credentials, hub = credentials_for(blank), hub_in(tmp_path)
    source = write_jsonl(tmp_path / "customers.jsonl", [ADA, BOB])

    first = push_customers(credentials, str(source), hub=hub)
    assert (first.created, first.updated, first.unchanged, first.failed) == (2, 0, 0, 0)
    assert_matches(by_key(blank, "customers")["erp-1001"], ADA)

    write_jsonl(source, [changed_ada(), BOB])
    second = push_customers(credentials, str(source), hub=hub)
    assert (second.created, second.updated, second.unchanged, second.failed) == (0, 1, 1, 0)
    assert second.actions == {
        "setFirstName": 1,
        "setCustomerGroup": 1,
        "removeAddress": 1,
        "changeAddress": 1,
        "addAddress": 1,
        "setDefaultBillingAddress": 1,
    }
    assert_matches(by_key(blank, "customers")["erp-1001"], changed_ada())

    blank.reset_stats()
    third = push_customers(credentials, str(source), hub=hub)
    assert (third.created, third.updated, third.unchanged) == (0, 0, 2)
    assert third.actions == {}
    writes = [k for k in blank.stats()["by_method_path"] if k.startswith("POST /sandbox/")]
    assert writes == []


def test_a_concurrent_change_is_reread_and_resolved(blank, tmp_path) -> None:
    credentials, hub = credentials_for(blank), hub_in(tmp_path)
    push_customers(credentials, [ADA], hub=hub)
    ada = by_key(blank, "customers")["erp-1001"]
    # The push's update waits 1.5 s in the sandbox; meanwhile another system changes Ada.
    blank.inject(latency_ms=1500, path=f"/customers/{ada['id']}", method="POST", count=1)

    def other_system() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not blank.faults()[0]["served"]:
            time.sleep(0.05)
        update(blank, "customers", ada, {"action": "setLastName", "lastName": "Byron"})

    thread = threading.Thread(target=other_system)
    thread.start()
    report = push_customers(credentials, [changed_ada()], hub=hub)
    thread.join()
    assert report.conflict_retries == 1
    assert (report.updated, report.failed) == (1, 0)
    assert report.actions["setLastName"] == 1  # recomputed after the re-read
    assert_matches(by_key(blank, "customers")["erp-1001"], changed_ada())


def test_dry_run_writes_nothing_and_plans(blank, tmp_path) -> None:
    credentials, hub = credentials_for(blank), hub_in(tmp_path)
    push_customers(credentials, [ADA], hub=hub)
    before = all_of(blank, "customers")
    report = push_customers(credentials, [changed_ada(), BOB], dry_run=True, hub=hub)
    assert report.dry_run and (report.created, report.updated) == (1, 1)
    assert report.actions["setFirstName"] == 1
    assert all_of(blank, "customers") == before


def test_missing_reference_fails_only_its_record(blank, tmp_path) -> None:
    ghost = {**BOB, "customerGroup": "no-such-group"}
    carl = {"key": "erp-3", "email": "carl@example.com"}
    report = push_customers(credentials_for(blank), [ghost, carl], hub=hub_in(tmp_path))
    assert (report.created, report.failed) == (1, 1)
    assert "customer-group 'no-such-group' not found" in report.first_failures[0]
    assert "line 1" in report.first_failures[0]
    letters = hub_in(tmp_path).get_store().dead_letters.read(blank.project_key, "customers")
    assert len(letters) == 1 and "no-such-group" in letters[0].reason
