"""export_changes as a flow against the sandbox: the hub's changes after a sync, then only what
the next sync changed and deleted; the feed read in random pages while a partitioned full pull
writes."""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path
from typing import Any

import pytest

from blocks import HubDatabase
from flows.export import export_changes
from flows.sync import sync_customers
from sandbox import Sandbox
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
    assert hub.get_store().consumer_cursor("erp").seq == tail[-1]["seq"]


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
            page = store.changes(cursor, limit=rng.randint(1, 300))
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
