"""The hub outbox: drafts queued in order, read while pending, marked processed or failed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ctsync.hub import HubStore


@pytest.fixture
def store(hub_url: str) -> Iterator[HubStore]:
    """Every test below runs on SQLite and on a real PostgreSQL server; its projects are not in
    the hub until drafts are queued, so keys are taken as given (`exact`, test_hub_projects)."""
    hub = HubStore.connect(hub_url)
    yield hub.exact
    hub.close()


def test_pending_drafts_come_back_in_order_per_project_and_entity(store: HubStore) -> None:
    ids = store.outbox.enqueue(
        "p", "customers", [("a", {"email": "a@x.io"}), ("b", {"email": "b@x.io"})]
    )
    store.outbox.enqueue("p", "categories", [("c", {"key": "c"})])
    store.outbox.enqueue("other", "customers", [("d", {"email": "d@x.io"})])
    pending = store.outbox.pending("p", "customers")
    assert [item.id for item in pending] == ids and ids[0] < ids[1]
    assert [(i.record_key, i.draft) for i in pending] == [
        ("a", {"email": "a@x.io"}),
        ("b", {"email": "b@x.io"}),
    ]
    assert all(i.processed_at is None and i.attempts == 0 for i in pending)
    assert [i.record_key for i in store.outbox.pending("p", "customers", limit=1)] == ["a"]


def test_processed_rows_leave_and_failed_rows_stay_with_their_reason(store: HubStore) -> None:
    first, second, third = store.outbox.enqueue("p", "customers", [("a", {}), ("b", {}), ("c", {})])
    store.outbox.mark([first, third], [(second, "customer-group 'x' not found")])
    pending = store.outbox.pending("p", "customers")
    assert [(i.id, i.attempts, i.last_error) for i in pending] == [
        (second, 1, "customer-group 'x' not found")
    ]
    store.outbox.mark([second], [])
    assert store.outbox.pending("p", "customers") == []
    rows = store.outbox.items("p", "customers")
    assert all(r.processed_at is not None and r.last_error is None for r in rows)
    assert [r.attempts for r in rows] == [1, 2, 1]


def test_marking_nothing_changes_nothing(store: HubStore) -> None:
    store.outbox.enqueue("p", "customers", [("a", {})])
    store.outbox.mark([], [])
    assert len(store.outbox.pending("p", "customers")) == 1
