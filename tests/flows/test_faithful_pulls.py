"""The hub stays equal to commercetools through ordinary runs: filtered runs and deltas from a
`since` leave the watermark alone, and every plain delta finds what commercetools deleted."""

from __future__ import annotations

import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from blocks import CommercetoolsCredentials, HubDatabase
from ctsync.timestamps import iso
from flows.sync import sync_customers, sync_entity
from sandbox import DEFAULT_SEED, Sandbox
from sandbox.seed import customers_only
from tests.flows.push_support import credentials_for
from tests.flows.test_sync import hub_documents, source

pytestmark = pytest.mark.sandbox


@pytest.fixture
def hub(hub_url: str) -> HubDatabase:
    """The hub, once on SQLite and once on PostgreSQL."""
    return HubDatabase(url=hub_url)


Synced = tuple[list[dict[str, Any]], CommercetoolsCredentials]


@pytest.fixture
def synced(blank: Sandbox, hub: HubDatabase) -> Synced:
    """300 customers in the sandbox, read into the hub by a first plain run (a full load)."""
    customers = customers_only(300)
    blank.load({"customer": customers})
    credentials = credentials_for(blank)
    sync_customers(credentials, hub=hub, settle=0)
    return customers, credentials


def set_first_name(sandbox: Sandbox, customers: list[dict[str, Any]], name: str) -> None:
    with sandbox.client() as http:
        for customer in customers:
            current = http.get(f"{sandbox.api_url}/customers/{customer['id']}").json()
            http.post(
                f"{sandbox.api_url}/customers/{customer['id']}",
                json={
                    "version": current["version"],
                    "actions": [{"action": "setFirstName", "firstName": name}],
                },
            ).raise_for_status()


def delete(sandbox: Sandbox, endpoint: str, resources: list[dict[str, Any]]) -> None:
    with sandbox.client() as http:
        for resource in resources:
            current = http.get(f"{sandbox.api_url}/{endpoint}/{resource['id']}").json()
            http.delete(
                f"{sandbox.api_url}/{endpoint}/{resource['id']}",
                params={"version": current["version"]},
            ).raise_for_status()


def next_second() -> None:
    """commercetools' clock (the Date header) has whole seconds."""
    time.sleep(1.1)


def assert_hub_equals_source(
    hub: HubDatabase, sandbox: Sandbox, entity: str, endpoint: str
) -> None:
    assert hub_documents(hub, sandbox.project_key, entity) == source(sandbox, endpoint)


# -- the watermark moves only after an unfiltered read from it ---------------------------------


def test_a_filtered_delta_keeps_the_watermark_so_a_plain_delta_reads_the_rest(
    blank: Sandbox, hub: HubDatabase, synced: Synced
) -> None:
    customers, credentials = synced
    set_first_name(blank, customers[:20], "A-name")
    next_second()
    set_first_name(blank, customers[20:40], "B-name")
    next_second()
    store = hub.get_store()
    before = store.states.get(blank.project_key, "customers")

    filtered = sync_customers(credentials, hub=hub, where='firstName = "B-name"', settle=0)
    assert (filtered.mode, filtered.fetched, filtered.updated) == ("delta", 20, 20)
    assert filtered.watermark.startswith("kept at") and "filtered by where" in filtered.watermark
    after = store.states.get(blank.project_key, "customers")
    assert before is not None and after is not None and after.watermark == before.watermark

    plain = sync_customers(credentials, hub=hub, settle=0)
    assert plain.fetched == 40 and plain.watermark.startswith("moved from")
    assert_hub_equals_source(hub, blank, "customers", "customers")


def test_a_filtered_full_run_keeps_the_watermark(
    blank: Sandbox, hub: HubDatabase, synced: Synced
) -> None:
    customers, credentials = synced
    set_first_name(blank, customers[:20], "A-name")
    next_second()

    filtered = sync_customers(
        credentials, hub=hub, mode="full", where='firstName = "nobody"', settle=0
    )
    assert filtered.fetched == 0 and "filtered by where" in filtered.watermark
    plain = sync_customers(credentials, hub=hub, settle=0)
    assert plain.fetched == 20
    assert_hub_equals_source(hub, blank, "customers", "customers")


def test_a_delta_from_a_later_since_keeps_the_watermark(
    blank: Sandbox, hub: HubDatabase, synced: Synced
) -> None:
    customers, credentials = synced
    set_first_name(blank, customers[:20], "A-name")
    next_second()
    since = iso(datetime.now(UTC) - timedelta(milliseconds=200))
    set_first_name(blank, customers[20:40], "B-name")
    next_second()

    later = sync_customers(credentials, hub=hub, since=since, settle=0)
    assert later.fetched == 20 and "since is later than the watermark" in later.watermark
    plain = sync_customers(credentials, hub=hub, settle=0)
    assert plain.fetched == 40
    assert_hub_equals_source(hub, blank, "customers", "customers")


def test_a_delta_from_an_earlier_since_moves_the_watermark_forward_only(
    blank: Sandbox, hub: HubDatabase, synced: Synced
) -> None:
    customers, credentials = synced
    store = hub.get_store()
    first = store.states.get(blank.project_key, "customers")
    set_first_name(blank, customers[:5], "A-name")
    next_second()
    again = sync_customers(credentials, hub=hub, since="2020-01-01T00:00:00.000Z", settle=0)
    assert again.fetched == 300 and again.watermark.startswith("moved from")
    moved = store.states.get(blank.project_key, "customers")
    assert first is not None and moved is not None and first.watermark is not None
    assert moved.watermark is not None
    assert moved.watermark.last_modified_at > first.watermark.last_modified_at
    assert_hub_equals_source(hub, blank, "customers", "customers")


def test_a_since_delta_without_a_watermark_starts_none(blank: Sandbox, tmp_path) -> None:
    blank.load({"customer": customers_only(50)})
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    report = sync_customers(
        credentials_for(blank), hub=hub, since="2026-01-01T00:00:00.000Z", settle=0
    )
    assert report.mode == "delta" and "no watermark yet" in report.watermark
    state = hub.get_store().states.get(blank.project_key, "customers")
    assert state is None or state.watermark is None
    full = sync_customers(credentials_for(blank), hub=hub, settle=0)
    assert full.mode == "full"  # the next plain run initializes, so nothing before since is lost
    assert_hub_equals_source(hub, blank, "customers", "customers")


# -- deletions in every plain delta -------------------------------------------------------------


def deletion_budget(deleted: int, counted: int) -> int:
    """Requests a plain delta may make beyond its own: the range counts and listings of a
    search that splits ranges of at most 8 000 down to 500, per deletion, plus the first split."""
    first_ranges = -(-counted // 8_000)
    levels = 4  # 8 000 -> 4 000 -> 2 000 -> 1 000 -> 500
    return 1 + first_ranges + deleted * (levels + 2)


def test_a_plain_delta_marks_exactly_what_was_deleted_among_20000(
    blank: Sandbox, hub: HubDatabase
) -> None:
    customers = customers_only(20_000)
    blank.load({"customer": customers})
    credentials = credentials_for(blank)
    sync_customers(credentials, hub=hub, settle=0)
    quiet = sync_customers(credentials, hub=hub, settle=0)
    assert quiet.deleted == 0 and quiet.api_calls <= 3  # count, one page, the settle window
    assert quiet.note and "deletions: none" in quiet.note

    gone = random.Random(30).sample(customers, 30)
    delete(blank, "customers", gone)
    next_second()
    blank.reset_stats()
    delta = sync_customers(credentials, hub=hub, settle=0)
    assert delta.deleted == 30
    requests = blank.stats()["requests"]
    assert delta.api_calls == requests
    assert requests <= 3 + deletion_budget(30, 20_000), requests
    store = hub.get_store()
    marked = {
        r.id for r in store.records.iterate(blank.project_key, "customers", include_deleted=True)
    }
    live = {r.id for r in store.records.iterate(blank.project_key, "customers")}
    assert marked - live == {c["id"] for c in gone}
    assert_hub_equals_source(hub, blank, "customers", "customers")
    assert sync_customers(credentials, hub=hub, settle=0).deleted == 0


def test_inventory_deletions_are_found_by_the_next_delta(blank: Sandbox, tmp_path) -> None:
    blank.reset(_seed())
    credentials = credentials_for(blank)
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    sync_entity("inventory", credentials, hub=hub, settle=0)
    entries = list(source(blank, "inventory").values())
    gone = random.Random(10).sample(entries, 10)
    delete(blank, "inventory", gone)
    next_second()
    delta = sync_entity("inventory", credentials, hub=hub, settle=0)
    assert delta.mode == "delta" and delta.deleted == 10
    assert delta.api_calls <= 3 + deletion_budget(10, len(entries))
    assert_hub_equals_source(hub, blank, "inventory", "inventory")


def test_filtered_and_dry_runs_never_mark_deletions(blank: Sandbox, tmp_path) -> None:
    customers = customers_only(200)
    blank.load({"customer": customers})
    credentials = credentials_for(blank)
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    sync_customers(credentials, hub=hub, settle=0)
    delete(blank, "customers", customers[:3])
    next_second()
    store = hub.get_store()
    filtered = sync_customers(credentials, hub=hub, where='firstName = "nobody"', settle=0)
    dry = sync_customers(credentials, hub=hub, dry_run=True, settle=0)
    assert filtered.deleted == dry.deleted == 0
    assert store.records.count(blank.project_key, "customers") == 200
    assert sync_customers(credentials, hub=hub, settle=0).deleted == 3


def test_creations_and_deletions_during_the_search_are_neither_lost_nor_wrongly_marked(
    blank: Sandbox, tmp_path
) -> None:
    customers = customers_only(3_000)
    blank.load({"customer": customers})
    credentials = credentials_for(blank)
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    sync_customers(credentials, hub=hub, settle=0)
    delete(blank, "customers", customers[:5])
    next_second()
    # Every count of an id range the search makes waits, while another system writes.
    blank.inject(latency_ms=150, count=None, path="/createdAt/")
    stop = threading.Event()
    churn = threading.Thread(target=_churn, args=(blank, customers[100:200], stop))
    churn.start()
    try:
        delta = sync_customers(credentials, hub=hub, settle=0)
    finally:
        stop.set()
        churn.join(30)
        blank.clear_faults()
    store = hub.get_store()
    existing = set(source(blank, "customers"))
    marked = {
        r.id
        for r in store.records.iterate(blank.project_key, "customers", include_deleted=True)
        if r.deleted_at is not None
    }
    assert not marked & existing  # nothing that exists is marked deleted
    assert delta.deleted == len(marked)
    # What the counts could not tell apart while others wrote, the next plain delta finds.
    next_second()
    sync_customers(credentials, hub=hub, settle=0)
    assert_hub_equals_source(hub, blank, "customers", "customers")


def _churn(sandbox: Sandbox, victims: list[dict[str, Any]], stop: threading.Event) -> None:
    """Create and delete customers until `stop`, as a storefront and a back office would."""
    with sandbox.client() as http:
        for victim in victims:
            if stop.wait(0.05):
                return
            http.post(
                f"{sandbox.api_url}/customers",
                json={"email": f"churn-{uuid.uuid4().hex[:8]}@example.com", "password": "x"},
            ).raise_for_status()
            current = http.get(f"{sandbox.api_url}/customers/{victim['id']}")
            if current.status_code == httpx.codes.OK:
                http.delete(
                    f"{sandbox.api_url}/customers/{victim['id']}",
                    params={"version": current.json()["version"]},
                ).raise_for_status()


def _seed() -> dict[str, Any]:
    import json

    document: dict[str, Any] = json.loads(DEFAULT_SEED.read_text())
    return document
