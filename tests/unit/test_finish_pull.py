"""finish_pull: a complete full run marks exactly what it did not see, and skips the marking
UPDATE only when a count proves there is nothing to mark."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ctsync.hub import HubStore
from ctsync.pull import PullPlan, PullRun, finish_pull
from ctsync.registry import get_entity
from ctsync.run.options import PullOptions

PROJECT = "shop"


def customer(record_id: str, version: int = 1) -> dict[str, Any]:
    return {
        "id": record_id,
        "version": version,
        "createdAt": "2026-01-02T03:04:05.678Z",
        "lastModifiedAt": "2026-01-02T03:04:05.678Z",
        "email": f"{record_id}@example.com",
        "addresses": [],
        "isEmailVerified": False,
        "authenticationMode": "Password",
        "stores": [],
    }


def full_run(store: HubStore, token: str, *, resumed: bool = False) -> PullRun:
    plan = PullPlan(
        project_key=PROJECT,
        entity=get_entity("customers"),
        options=PullOptions(mode="full", page_size=500, settle=120, where=None, dry_run=False),
        mode="full",
        run_token=token,
        started_at="2026-03-01T00:00:00.000Z",
        resumed=resumed,
    )
    return PullRun(store, plan)


@pytest.fixture
def store(hub_url: str) -> Iterator[HubStore]:
    hub = HubStore.connect(hub_url)
    yield hub
    hub.close()


@pytest.fixture
def marking_calls(store: HubStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    original = store.records.mark_unseen_deleted

    def spy(project_key: str, entity: str, run_id: str) -> int:
        calls.append(run_id)
        return original(project_key, entity, run_id)

    monkeypatch.setattr(store.records, "mark_unseen_deleted", spy)
    return calls


def test_a_run_that_saw_every_stored_record_marks_nothing_without_the_update(
    store: HubStore, marking_calls: list[str]
) -> None:
    first = full_run(store, "run-1")
    first.write([customer("a"), customer("b")])
    first.write([customer("c")])
    assert first.seen == 3
    assert finish_pull(first) == 0
    assert marking_calls == []
    assert store.records.count(PROJECT, "customers") == 3


def test_a_record_the_run_did_not_see_is_marked_deleted(
    store: HubStore, marking_calls: list[str]
) -> None:
    full_run(store, "run-1").write([customer("a"), customer("b"), customer("c")])
    second = full_run(store, "run-2")
    second.write([customer("a"), customer("c", version=2)])
    assert finish_pull(second) == 1
    assert marking_calls == ["run-2"]
    deleted = store.records.get(PROJECT, "customers", "b")
    assert deleted is not None and deleted.deleted_at is not None


def test_an_invalid_record_is_not_seen_so_the_run_marks(
    store: HubStore, marking_calls: list[str]
) -> None:
    full_run(store, "run-1").write([customer("a"), customer("b")])
    second = full_run(store, "run-2")
    second.write([customer("a"), {"id": "b", "version": "two"}])  # goes to dead letters
    assert second.seen == 1
    assert finish_pull(second) == 1
    assert marking_calls == ["run-2"]


def test_a_resumed_run_always_marks(store: HubStore, marking_calls: list[str]) -> None:
    # The pages committed before the interruption carry the token but are not counted here.
    full_run(store, "run-1").write([customer("a"), customer("b")])
    resumed = full_run(store, "run-1", resumed=True)
    resumed.write([customer("b")])
    assert finish_pull(resumed) == 0
    assert marking_calls == ["run-1"]
