"""Two runs of one entity over one hub never page side by side; a dead run's lock is recovered.

On SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from blocks import HubDatabase
from ctsync.hub import SyncLocked
from ctsync.run.sync_report import SyncReport
from flows.sync import sync_customers
from sandbox import Sandbox
from sandbox.seed import customers_only

from .test_faults import credentials_for
from .test_sync import hub_documents, source

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def busy() -> Iterator[Sandbox]:
    with Sandbox(seed=None) as sandbox:
        sandbox.load({"customer": customers_only(1_500, seed=3)})
        yield sandbox


def test_second_run_is_refused_naming_the_first(busy, hub_url) -> None:
    hub = HubDatabase(url=hub_url)
    store = hub.get_store()
    # Slow pages keep the first run paging while the second starts, however long a loaded
    # machine takes to start a flow run; the faults are cleared once the second was refused.
    busy.inject(latency_ms=2_000, count=None, path="/customers")
    first: list[SyncReport] = []
    runner = threading.Thread(
        target=lambda: first.append(
            sync_customers(credentials_for(busy), hub=hub, mode="full", partitions=1, page_size=100)
        )
    )
    runner.start()
    try:
        deadline = time.monotonic() + 60
        while (holder := store.locks.get(busy.project_key, "customers")) is None:
            assert time.monotonic() < deadline, "the first run never took the lock"
            time.sleep(0.02)
        with pytest.raises(SyncLocked) as caught:
            sync_customers(credentials_for(busy), hub=hub, mode="full")
        assert holder.holder in str(caught.value)
        assert "is being synced by run" in str(caught.value)
    finally:
        busy.clear_faults()
        runner.join(120)
    assert first and first[0].status == "completed" and first[0].inserted == 1_500
    assert store.locks.get(busy.project_key, "customers") is None
    assert hub_documents(hub, busy.project_key, "customers") == source(busy, "customers")


def test_lock_left_by_a_dead_run_is_taken_over(busy, hub_url) -> None:
    busy.clear_faults()
    script = (
        "import sys; from ctsync.hub import HubStore; "
        "HubStore.connect(sys.argv[1]).locks.acquire('sandbox', 'customers', 'run-that-died')"
    )
    subprocess.run(
        [sys.executable, "-c", script, hub_url], check=True, cwd=Path(__file__).resolve().parents[2]
    )
    hub = HubDatabase(url=hub_url)
    report = sync_customers(credentials_for(busy), hub=hub, mode="full")
    assert report.status == "completed" and report.inserted == 1_500
    assert report.note and "run-that-died" in report.note
    assert hub.get_store().locks.get(busy.project_key, "customers") is None
