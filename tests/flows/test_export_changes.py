"""export_changes as a flow against the sandbox: the hub's changes after a sync, then only what
the next sync changed and deleted; the feed read in random pages while a partitioned full pull
writes."""

from __future__ import annotations

import copy
import json
import random
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from blocks import HubDatabase
from flows.export import export_changes, export_new_orders
from flows.sync import sync_customers, sync_orders
from sandbox import DEFAULT_SEED, Sandbox
from sandbox.seed import customers_only
from tests.flows.push_support import credentials_for
from tests.flows.test_faithful_pulls import delete, next_second, set_first_name

pytestmark = pytest.mark.sandbox


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_export_after_a_sync_then_exactly_what_the_next_sync_changed(
    blank: Sandbox, tmp_path: Path
) -> None:
    customers = customers_only(40)
    blank.load({"customer": customers})
    credentials = credentials_for(blank)
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    sync_customers(credentials, hub=hub, settle=0)
    target = tmp_path / "erp" / "changes.jsonl"

    first = export_changes(path=str(target), consumer="erp", hub=hub)
    assert first.exported == 40 and first.by_change == {"insert": 40}
    assert {w["id"] for w in lines(target)} == {c["id"] for c in customers}
    assert all(w["entity"] == "customers" and w["document"]["email"] for w in lines(target))

    set_first_name(blank, customers[:3], "Changed")
    delete(blank, "customers", customers[3:5])
    next_second()
    sync_customers(credentials, hub=hub, settle=0)
    second = export_changes(path=str(target), consumer="erp", hub=hub)
    tail = lines(target)[40:]
    assert second.exported == 5 == len(tail)
    assert sorted((w["id"], w["change"]) for w in tail) == sorted(
        [(c["id"], "update") for c in customers[:3]] + [(c["id"], "delete") for c in customers[3:5]]
    )
    assert {w["document"]["firstName"] for w in tail if w["change"] == "update"} == {"Changed"}
    assert export_changes(path=str(target), consumer="erp", hub=hub).exported == 0
    assert hub.get_store().feed.cursor("erp").seq == tail[-1]["seq"]


def test_the_feed_read_in_random_pages_while_a_partitioned_full_pull_writes(
    blank: Sandbox, tmp_path: Path
) -> None:
    customers = customers_only(3000)
    blank.load({"customer": customers})
    credentials = credentials_for(blank)
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    store = hub.get_store()
    rng = random.Random(7)
    delivered: list[tuple[int, str]] = []
    done = threading.Event()

    def read() -> None:
        cursor = 0
        while True:
            finished = done.is_set()
            page = store.feed.changes(cursor, limit=rng.randint(1, 300))
            delivered.extend((c.seq, c.id) for c in page)
            if page:
                cursor = page[-1].seq
            elif finished:
                return

    reader = threading.Thread(target=read)
    reader.start()
    try:
        report = sync_customers(credentials, hub=hub, mode="full", partitions=4, settle=0)
    finally:
        done.set()
        reader.join()
    assert report.inserted == 3000
    seqs = [seq for seq, _ in delivered]
    assert seqs == sorted(set(seqs)), "every change once, in order"
    assert sorted(i for _, i in delivered) == sorted(c["id"] for c in customers)


def new_orders(count: int, number: str) -> list[dict[str, Any]]:
    """Orders created now, cloned from the demo seed's first (the sandbox serves them as is)."""
    template = json.loads(DEFAULT_SEED.read_text())["order"][0]
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    orders = []
    for n in range(count):
        order = copy.deepcopy(template)
        order.update(
            id=str(uuid.uuid4()),
            version=1,
            orderNumber=f"{number}-{n}",
            createdAt=stamp,
            lastModifiedAt=stamp,
        )
        orders.append(order)
    return orders


def change_order_state(sandbox: Sandbox, order: dict[str, Any], state: str) -> None:
    with sandbox.client() as http:
        current = http.get(f"{sandbox.api_url}/orders/{order['id']}").json()
        http.post(
            f"{sandbox.api_url}/orders/{order['id']}",
            json={
                "version": current["version"],
                "actions": [{"action": "changeOrderState", "orderState": state}],
            },
        ).raise_for_status()


def test_new_orders_each_once_even_when_they_changed_before_the_export(
    blank: Sandbox, tmp_path: Path
) -> None:
    old = new_orders(3, "old")
    blank.load({"order": old})
    credentials = credentials_for(blank)
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    target = tmp_path / "erp" / "new-orders.jsonl"
    sync_orders(credentials, hub=hub, settle=0)
    first = export_new_orders(path=str(target), hub=hub)  # the first run: every order held
    assert sorted(line["id"] for line in lines(target)) == sorted(o["id"] for o in old)
    assert first.by_change == {"insert": 3}

    next_second()
    fresh = new_orders(2, "new")
    blank.load({"order": fresh})
    change_order_state(blank, old[0], "Confirmed")  # changed, not new
    next_second()  # the sandbox's clock has whole seconds: a delta reads up to the last one
    report = sync_orders(credentials, hub=hub, settle=0)
    assert (report.inserted, report.updated) == (2, 1)
    change_order_state(blank, fresh[0], "Cancelled")  # new, and changed before the export
    next_second()
    assert sync_orders(credentials, hub=hub, settle=0).updated == 1

    second = export_new_orders(path=str(target), hub=hub)
    written = lines(target)[3:]
    assert sorted(line["id"] for line in written) == sorted(o["id"] for o in fresh)
    by_id = {line["id"]: line for line in written}
    assert by_id[fresh[0]["id"]]["document"]["orderState"] == "Cancelled"  # as the hub holds it
    assert {line["change"] for line in written} == {"insert"}
    assert (second.exported, second.after) == (2, first.through)
    assert export_new_orders(path=str(target), hub=hub).exported == 0
