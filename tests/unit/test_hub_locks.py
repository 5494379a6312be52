"""One run per entity: a second run is refused naming the holder; a dead holder's lock is taken."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from ctsync.hub import HubStore, SyncLocked
from ctsync.hub.schema import sync_locks_table


@pytest.fixture
def store(hub_url: str) -> HubStore:
    """On SQLite and on a real PostgreSQL server."""
    return HubStore.connect(hub_url)


def test_second_holder_is_refused_with_the_holder_named(store: HubStore) -> None:
    assert store.locks.acquire("shop", "customers", "run-A") is None
    with pytest.raises(SyncLocked) as caught:
        store.locks.acquire("shop", "customers", "run-B")
    message = str(caught.value)
    assert "customers of project shop is being synced by run run-A" in message
    assert f"pid {os.getpid()}" in message
    assert caught.value.holder.holder == "run-A"
    # Other entities, and other directions of the same entity, are independent.
    assert store.locks.acquire("shop", "orders", "run-B") is None
    assert store.locks.acquire("shop", "customers", "run-B", direction="push") is None


def test_release_frees_the_entity_and_reacquire_by_the_holder_is_harmless(store: HubStore) -> None:
    store.locks.acquire("shop", "customers", "run-A")
    assert store.locks.acquire("shop", "customers", "run-A") is None
    store.locks.release("shop", "customers", "run-B")  # not the holder: nothing happens
    assert store.locks.get("shop", "customers").holder == "run-A"
    store.locks.release("shop", "customers", "run-A")
    assert store.locks.get("shop", "customers") is None
    assert store.locks.acquire("shop", "customers", "run-B") is None


def test_lock_without_heartbeat_is_stale_and_taken_over(store: HubStore) -> None:
    store.locks.acquire("shop", "customers", "run-A")
    held = store.locks.get("shop", "customers")
    with store.database.begin() as conn:
        conn.execute(
            update(sync_locks_table).values(heartbeat_at=held.heartbeat_at - timedelta(seconds=601))
        )
    previous = store.locks.acquire("shop", "customers", "run-B", stale_after=600)
    assert previous is not None and previous.holder == "run-A"
    assert store.locks.get("shop", "customers").holder == "run-B"
    assert store.locks.heartbeat("shop", "customers", "run-A") is False


def test_lock_of_a_dead_process_on_this_host_is_taken_over_at_once(
    store: HubStore, hub_url: str
) -> None:
    script = (
        "import sys; from ctsync.hub import HubStore; "
        "HubStore.connect(sys.argv[1]).locks.acquire('shop', 'customers', 'run-dead')"
    )
    subprocess.run(
        [sys.executable, "-c", script, hub_url],
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert store.locks.get("shop", "customers").holder == "run-dead"
    previous = store.locks.acquire("shop", "customers", "run-live", stale_after=3600)
    assert previous is not None and previous.holder == "run-dead"


def test_locked_context_beats_and_releases(store: HubStore) -> None:
    with store.locks.held("shop", "customers", "run-A", stale_after=0.2) as taken_over:
        assert taken_over is None
        first = store.locks.get("shop", "customers").heartbeat_at
        threading.Event().wait(0.3)
        assert store.locks.get("shop", "customers").heartbeat_at > first
        with pytest.raises(SyncLocked):
            store.locks.acquire("shop", "customers", "run-B", stale_after=0.2)
    assert store.locks.get("shop", "customers") is None
