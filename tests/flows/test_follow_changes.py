"""follow_changes against the sandbox, which delivers change notifications to moto's SQS server:
the hub ends equal to the project, duplicates and reordering change nothing, erasure removes
content, a silent queue or a stopped subscription makes the run fall back on a plain delta."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from blocks import SqsDestination
from flows import ensure_subscription, follow_changes, sync_all, sync_customers
from sandbox import Sandbox
from sandbox.seed import customers_only
from tests.flows.push_support import credentials_for, hub_in
from tests.flows.test_sync import hub_documents, read_events, source
from tests.queues import (
    ACCESS_KEY,
    REGION,
    SECRET_KEY,
    drain,
    moto_sqs,
    new_queue,
    queue_depth,
)

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    with moto_sqs() as endpoint:
        yield endpoint


def destination(endpoint: str, queue_url: str) -> SqsDestination:
    return SqsDestination(
        queue_url=queue_url,
        region=REGION,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
        endpoint_url=endpoint,
    )


def settle(sandbox: Sandbox) -> None:
    """Every notification the sandbox owes is sent."""
    deadline = time.monotonic() + 30
    while sandbox.deliveries()["pending"]:
        assert time.monotonic() < deadline, sandbox.deliveries()
        time.sleep(0.05)


def customer(api: httpx.Client) -> dict[str, Any]:
    answer = api.post("/customers", json={"email": f"{uuid.uuid4().hex[:12]}@example.com"})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()["customer"]
    return created


def rename(api: httpx.Client, found: dict[str, Any], name: str) -> dict[str, Any]:
    action = {"action": "setFirstName", "firstName": name}
    answer = api.post(
        f"/customers/{found['id']}", json={"version": found["version"], "actions": [action]}
    )
    assert answer.status_code == 200, answer.text
    updated: dict[str, Any] = answer.json()
    return updated


def delete(api: httpx.Client, found: dict[str, Any], *, erase: bool = False) -> None:
    params = {"version": found["version"], **({"dataErasure": "true"} if erase else {})}
    assert api.delete(f"/customers/{found['id']}", params=params).status_code == 200


def make_changes(api: httpx.Client, existing: list[dict[str, Any]]) -> tuple[list[str], str]:
    """30 customers created, 10 renamed twice, 4 of the `existing` deleted and 1 erased, a
    category created. Returns the deleted ids and the erased one."""
    made = [customer(api) for _ in range(30)] + existing
    for n, found in enumerate(made[25:35], start=25):
        made[n] = rename(api, rename(api, found, "Ada"), "Grace")
    for found in made[30:34]:
        delete(api, found)
    delete(api, made[34], erase=True)
    category = {"name": {"en": "Follow"}, "slug": {"en": f"follow-{uuid.uuid4().hex[:8]}"}}
    assert api.post("/categories", json=category).status_code == 201
    return [c["id"] for c in made[30:34]], made[34]["id"]


def assert_hub_equals_project(sandbox: Sandbox, tmp_path: Path, gone: list[str], erased: str):
    hub = hub_in(tmp_path)
    assert hub_documents(hub, sandbox.project_key, "customers") == source(sandbox, "customers")
    assert hub_documents(hub, sandbox.project_key, "categories") == source(sandbox, "categories")
    records = hub.get_store().records
    for record_id in gone:
        stored = records.get(sandbox.project_key, "customers", record_id)
        assert stored is not None and stored.deleted_at is not None
    wiped = records.get(sandbox.project_key, "customers", erased)
    assert wiped is not None and wiped.deleted_at is not None
    assert wiped.document == {"id": erased} and wiped.key is None


@pytest.mark.parametrize("faults", [{}, {"duplicate": 0.3, "reorder": 0.3}], ids=["clean", "dup"])
def test_notifications_bring_the_hub_equal_to_the_project(blank, moto, tmp_path, faults) -> None:
    queue_url = new_queue(moto)
    queue = destination(moto, queue_url)
    credentials = credentials_for(blank)
    created = ensure_subscription(credentials, queue, key="hub")
    assert (created.action, created.status) == ("created", "Healthy")
    assert "customer" in created.resource_types and "project" not in created.resource_types
    again = ensure_subscription(credentials, queue, key="hub")
    assert again.action == "unchanged" and again.id == created.id
    if faults:  # once: a moved queue is an update of the same subscription, then moved back
        elsewhere = destination(moto, new_queue(moto))
        moved = ensure_subscription(credentials, elsewhere, key="hub")
        assert (moved.action, moved.changed, moved.id) == (
            "updated",
            ["changeDestination"],
            created.id,
        )
        assert ensure_subscription(credentials, queue, key="hub").action == "updated"

    with blank.client() as api:
        existing = [customer(api) for _ in range(5)]
        settle(blank)
        # The hub already holds them (and the subscription): a full read, then notifications.
        sync_all(credentials, hub=hub_in(tmp_path), entities=["customers"], mode="full")
        drain(moto, queue_url)
        blank.inject_delivery(**faults)
        gone, erased = make_changes(api, existing)
    settle(blank)
    report = follow_changes(
        credentials,
        queue,
        hub=hub_in(tmp_path),
        subscription_key="hub",
        run_for_seconds=4,
        check_seconds=2,
        batch_seconds=0.5,
    )
    assert_hub_equals_project(blank, tmp_path, gone, erased)
    assert report.total("inserted") == 31 and report.total("failed") == 0  # 30 + a category
    assert report.total("deleted") == 5 and report.total("erased") == 1
    assert report.entities["categories"].inserted == 1
    assert report.health == "Healthy" and report.fallbacks == []
    assert queue_depth(moto, queue_url) == 0  # every body acknowledged once applied
    # Bodies fetched in batches: far fewer requests than changes.
    assert report.requests <= report.batches * 2 < report.changes
    assert report.lag(0.95) is not None and report.lag(0.95) < 60


def test_a_silent_queue_falls_back_on_a_plain_delta(blank, moto, tmp_path) -> None:
    """What reached commercetools without a notification (loaded behind the API's back) comes
    in through the delta the run falls back on."""
    credentials = credentials_for(blank)
    hub = hub_in(tmp_path)
    blank.load({"customer": customers_only(25)})
    queue = destination(moto, new_queue(moto))
    ensure_subscription(credentials, queue, key="quiet")
    report = follow_changes(
        credentials,
        queue,
        hub=hub,
        subscription_key="quiet",
        run_for_seconds=3,
        check_seconds=1,
        silence_seconds=1,
    )
    assert report.fallbacks and "silent" in report.fallbacks[0].reason
    assert hub_documents(hub, blank.project_key, "customers") == source(blank, "customers")
    assert len(source(blank, "customers")) == 25


def test_a_stopped_subscription_falls_back_and_says_so(blank, moto, tmp_path) -> None:
    credentials = credentials_for(blank)
    read_from = destination(moto, new_queue(moto))
    # The subscription sends to a queue moto does not have: its first delivery stops it.
    missing = f"{moto}/123456789012/no-such-queue-{uuid.uuid4().hex[:6]}"
    ensure_subscription(credentials, destination(moto, missing), key="broken")
    with blank.client() as api:
        customer(api)
    settle(blank)
    report = follow_changes(
        credentials,
        read_from,
        hub=hub_in(tmp_path),
        subscription_key="broken",
        run_for_seconds=2,
        check_seconds=1,
    )
    assert report.health == "ConfigurationErrorDeliveryStopped"
    assert report.fallbacks[0].reason == (
        "subscription broken is ConfigurationErrorDeliveryStopped"
    )
    hub = hub_in(tmp_path)
    assert hub_documents(hub, blank.project_key, "customers") == source(blank, "customers")


async def test_each_applied_batch_emits_its_counts(blank, moto, tmp_path) -> None:
    credentials = credentials_for(blank)
    queue = destination(moto, new_queue(moto))
    await asyncio.to_thread(ensure_subscription, credentials, queue, key="events")
    with blank.client() as api:
        for _ in range(3):
            customer(api)
    settle(blank)
    report = await asyncio.to_thread(
        follow_changes,
        credentials,
        queue,
        hub=hub_in(tmp_path),
        subscription_key="events",
        run_for_seconds=3,
        check_seconds=1,
    )
    assert report.entities["customers"].inserted == 3  # and the subscription itself
    flow_run_id = report_run_id(report)
    events = await read_events(
        "commercetools.changes.applied", f"commercetools.{blank.project_key}.customers", flow_run_id
    )
    assert sum(e["payload"]["inserted"] for e in events) == 3


def report_run_id(report: Any) -> str:
    run_id = getattr(report, "flow_run_id", None)
    assert run_id, "the report names its flow run"
    return str(run_id)


def test_messages_bring_what_changed_since_the_hubs_watermarks(blank, tmp_path) -> None:
    """Without a queue: the Messages API from the hub's sync watermarks onward."""
    credentials = credentials_for(blank)
    hub = hub_in(tmp_path)
    with blank.client() as api:
        first = customer(api)
        sync_customers(credentials, hub=hub, mode="full", settle=0)
        later = [customer(api) for _ in range(5)]
        delete(api, first)  # CustomerDeleted: customers have a deletion message
    report = follow_changes(
        credentials, hub=hub, source="messages", run_for_seconds=3, poll_seconds=1
    )
    assert report.total("inserted") == len(later)
    assert hub_documents(hub, blank.project_key, "customers") == source(blank, "customers")
    stored = hub.get_store().records.get(blank.project_key, "customers", first["id"])
    assert stored is not None and stored.deleted_at is not None
