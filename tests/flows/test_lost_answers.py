"""The fault matrix's row for lost answers: the sandbox commits a write, then its answer is lost
(the connection dropped, a gateway's 504, or no answer within the client's timeout). Pushes of
each kind (create, update, upsert; found again by key, by email, by SKU and channel, by container
and key), copy_project and the public tasks each end with exactly one resource per draft, a
report without false failures, and the hub equal to commercetools after the next sync.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest

from blocks import CommercetoolsCredentials
from ctsync.client.errors import OutcomeUnknown
from flows.push import PUSH_FLOWS
from flows.sync import sync_customers
from flows.tasks import create_resource, delete_resource, update_resource
from sandbox import Sandbox
from tests.flows.push_support import CHANNEL_EU, GROUP_VIP, all_of, hub_in
from tests.flows.test_sync import hub_documents, source

pytestmark = pytest.mark.sandbox

CUSTOMERS = [
    {"key": f"c-{n}", "email": f"keyed{n}@example.com", "firstName": f"K{n}"} for n in range(8)
] + [{"email": f"Keyless{n}@Example.com", "firstName": f"E{n}"} for n in range(6)]
CATEGORIES = [{"key": "root", "name": {"en": "Root"}, "slug": {"en": "root"}}] + [
    {
        "key": f"cat-{n}",
        "name": {"en": f"Cat {n}"},
        "slug": {"en": f"cat-{n}"},
        "parent": {"key": "root"},
    }
    for n in range(6)
]
INVENTORY = [{"sku": f"SKU-{n}", "quantityOnStock": n} for n in range(5)] + [
    {"sku": f"SKU-{n}", "supplyChannel": "warehouse-eu", "quantityOnStock": 10 + n}
    for n in range(3)
]
CUSTOM_OBJECTS = [
    {"container": "flags", "key": f"flag-{n}", "value": {"on": n % 2 == 0}} for n in range(5)
]
PUSHED = {
    "customers": CUSTOMERS,
    "categories": CATEGORIES,
    "inventory": INVENTORY,
    "custom-objects": CUSTOM_OBJECTS,
}


def identity(entity: str, resource: dict[str, Any]) -> str:
    """What commercetools keeps unique for a resource of the entity."""
    if entity == "customers":
        return resource["key"] if resource.get("key") else resource["email"].lower()
    if entity == "inventory":
        return f"{resource['sku']}@{(resource.get('supplyChannel') or {}).get('id')}"
    if entity == "custom-objects":
        return f"{resource['container']}/{resource['key']}"
    return str(resource["key"])


def changed(entity: str, draft: dict[str, Any]) -> dict[str, Any]:
    """The draft with one field changed, for the updates' round."""
    draft = copy.deepcopy(draft)
    if entity == "customers":
        draft["firstName"] += "-2"
    elif entity == "categories":
        draft["name"] = {"en": draft["name"]["en"] + " 2"}
    elif entity == "inventory":
        draft["quantityOnStock"] += 100
    else:
        draft["value"] = {"changed": True}
    return draft


LOSSES = {
    "connection dropped after commit": {"drop": True, "every": 2},
    "504 after commit": {"status": 504, "every": 2},
    "no answer within the timeout": {"drop": True, "latency_ms": 1500, "every": 5},
}


def credentials_for(sandbox: Sandbox, timeout: float = 30.0) -> CommercetoolsCredentials:
    return CommercetoolsCredentials(
        api_url=sandbox.api_url,
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        scope=sandbox.scope,
        timeout_seconds=timeout,
    )


def lose_answers(sandbox: Sandbox, **rule: Any) -> None:
    """Every matching write to the project (POST or DELETE, never a token) loses its answer."""
    path = rf"/^\/{sandbox.project_key}\/(?!graphql)/"
    for method in ("POST", "DELETE"):
        sandbox.inject(after=True, count=None, path=path, method=method, **rule)


def served(sandbox: Sandbox) -> int:
    return sum(rule["served"] for rule in sandbox.faults())


@pytest.fixture
def seeded(blank: Sandbox) -> Sandbox:
    blank.reset({"customer-group": [GROUP_VIP], "channel": [CHANNEL_EU]})
    return blank


@pytest.mark.parametrize("loss", list(LOSSES))
def test_pushes_whose_answers_are_lost_land_once_and_report_no_failure(
    seeded, tmp_path, loss
) -> None:
    rule = LOSSES[loss]
    timeout = 1.0 if rule.get("latency_ms") else 30.0
    credentials, hub = credentials_for(seeded, timeout), hub_in(tmp_path)
    sync_customers(credentials, hub=hub, mode="full", settle=0)  # the hub, before the pushes
    lose_answers(seeded, **rule)
    for round_, drafts_of in (("create", lambda e, d: d), ("update", changed)):
        for entity, drafts in PUSHED.items():
            before = served(seeded)
            wanted = [drafts_of(entity, d) for d in drafts]
            report = PUSH_FLOWS[entity](credentials, wanted, hub=hub)
            assert report.failed == 0 and report.unknown_outcomes == 0, report.first_failures
            done = report.created if round_ == "create" else report.updated
            assert done == len(drafts), (entity, round_, report.summary())
            assert report.answers_lost == served(seeded) - before > 0, (entity, round_)
            held = Counter(identity(entity, r) for r in all_of(seeded, entity))
            assert len(held) == len(drafts) and set(held.values()) == {1}, (entity, held)
    seeded.clear_faults()
    for entity, drafts in PUSHED.items():
        again = PUSH_FLOWS[entity](credentials, [changed(entity, d) for d in drafts], hub=hub)
        assert again.unchanged == len(drafts), (entity, again.summary())
    assert sync_customers(credentials, hub=hub, settle=0).mode == "delta"
    assert hub_documents(hub, seeded.project_key, "customers") == source(seeded, "customers")


def test_the_public_tasks_resolve_lost_answers_and_name_what_cannot_be(seeded) -> None:
    credentials = credentials_for(seeded)
    lose_answers(seeded, status=504)  # every write
    group = create_resource(credentials, "customer-groups", {"key": "b2b", "groupName": "B2B"})
    signed_up = create_resource(credentials, "customers", {"email": "Zoe@Example.com"})
    assert group["key"] == "b2b" and signed_up["customer"]["email"].lower() == "zoe@example.com"
    updated = update_resource(
        credentials,
        "customer-groups",
        [{"action": "changeName", "name": "Business"}],
        key="b2b",
        version=group["version"],
    )
    assert updated["name"] == "Business" and updated["version"] == group["version"] + 1
    gone = delete_resource(credentials, "customer-groups", key="b2b")
    assert gone["id"] == group["id"]
    with pytest.raises(OutcomeUnknown, match="give drafts keys"):
        create_resource(credentials, "carts", {"currency": "EUR"})
    assert served(seeded) == 5  # each write lost its answer once, none was sent twice
    seeded.clear_faults()
    assert [g["key"] for g in all_of(seeded, "customer-groups")] == [GROUP_VIP["key"]]
    assert [c["email"].lower() for c in all_of(seeded, "customers")] == ["zoe@example.com"]
    assert len(all_of(seeded, "carts")) == 1  # landed once, reported as unknown, never resent
