"""A hub of several projects: readers never mix them, and a project is named by its key or by
its credentials block's name; any other name is refused, never read as an empty project."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ctsync.hub import (
    HubRecord,
    HubStore,
    ProjectRequired,
    RejectedRecord,
    UnknownProject,
    Watermark,
)

BLOCKS = {"my-store": "sandbox", "my-target-store": "target"}


def customer(project: str, number: int) -> HubRecord:
    return HubRecord.from_document(
        {
            "id": f"{project}-c{number}",
            "version": 1,
            "createdAt": "2026-01-02T03:04:05.678Z",
            "lastModifiedAt": "2026-01-02T03:04:05.678Z",
            "email": f"{project}{number}@example.com",
        },
        key_field="email",
    )


class Lookup:
    """The credentials blocks a user saved, as `blocks/hub.py` finds them; counts its calls."""

    def __init__(self, blocks: dict[str, str] | None = None) -> None:
        self.blocks = BLOCKS if blocks is None else blocks
        self.asked: list[str] = []

    def __call__(self, name: str) -> str | None:
        self.asked.append(name)
        return self.blocks.get(name)


@pytest.fixture
def lookup() -> Lookup:
    return Lookup()


@pytest.fixture
def hub(hub_url: str, lookup: Lookup) -> Iterator[HubStore]:
    """A hub holding two projects (what copy_project leaves): 3 + 2 customers, 1 order."""
    store = HubStore.connect(hub_url, project_lookup=lookup)
    store.records.upsert_page(
        "sandbox", "customers", [customer("sandbox", n) for n in range(3)], run_id="a"
    )
    store.records.upsert_page(
        "target", "customers", [customer("target", n) for n in range(2)], run_id="b"
    )
    store.records.upsert_page("sandbox", "orders", [customer("sandbox", 9)], run_id="c")
    store.states.save("sandbox", "customers", watermark=Watermark("2026-01-02T03:04:05.678Z", "x"))
    yield store
    store.close()


def test_a_reader_of_a_hub_of_two_projects_names_one(hub: HubStore) -> None:
    for read in (hub.feed.changes, hub.feed.insertions):
        with pytest.raises(ProjectRequired) as refused:
            read(0)
        message = str(refused.value)
        assert "2 projects (sandbox, target)" in message and "Name the one to read" in message
        assert "credentials block" in message

    changes = hub.feed.changes(0, project="sandbox")
    assert {c.project_key for c in changes} == {"sandbox"} and len(changes) == 4
    assert [c.id for c in hub.feed.changes(0, project="target")] == ["target-c0", "target-c1"]
    new = hub.feed.insertions(0, project="target", entities=["customers"])
    assert [(c.project_key, c.id) for c in new] == [
        ("target", "target-c0"),
        ("target", "target-c1"),
    ]
    # A credentials block's name reads its project.
    assert hub.feed.changes(0, project="my-target-store") == hub.feed.changes(0, project="target")
    assert hub.feed.insertions(0, project="my-store") == hub.feed.insertions(0, project="sandbox")


def test_a_hub_of_one_project_is_read_without_naming_it_and_an_empty_one_reads_nothing(
    hub_url: str,
) -> None:
    store = HubStore.connect(hub_url)
    try:
        assert store.feed.changes(0) == [] and store.feed.insertions(0) == []
        store.records.upsert_page("sandbox", "customers", [customer("sandbox", 1)], run_id="a")
        assert [c.id for c in store.feed.changes(0)] == ["sandbox-c1"]
        assert [c.id for c in store.feed.insertions(0)] == ["sandbox-c1"]
        assert store.projects.in_records() == ["sandbox"]
    finally:
        store.close()


def test_state_is_read_and_reset_by_a_block_name_or_a_key(hub: HubStore, lookup: Lookup) -> None:
    by_name = hub.states.get("my-store", "customers")
    assert by_name is not None and by_name.project_key == "sandbox"
    assert by_name.watermark == Watermark("2026-01-02T03:04:05.678Z", "x")
    assert hub.states.get("sandbox", "customers") == by_name
    assert hub.states.reset("my-store", "customers") == 1
    assert hub.states.get("sandbox", "customers") is None
    assert hub.states.reset("sandbox") == 0
    # A key the hub holds is never looked up; a block name once per store.
    hub.states.get("my-store", "orders")
    assert lookup.asked == ["my-store"]


def test_every_reader_of_a_project_takes_a_block_name(hub: HubStore) -> None:
    hub.dead_letters.add("sandbox", "customers", [RejectedRecord("bad", "no version", None)])
    assert hub.records.count("my-store", "customers") == 3
    assert hub.records.count("my-target-store", "customers") == 2
    assert hub.records.get("my-store", "customers", "sandbox-c1") is not None
    assert [r.id for r in hub.records.iterate("my-target-store", "customers")] == [
        "target-c0",
        "target-c1",
    ]
    assert [d.record_id for d in hub.dead_letters.read("my-store")] == ["bad"]
    [queued] = hub.outbox.enqueue("my-target-store", "customers", [("k", {"email": "k@x.io"})])
    assert [(i.id, i.project_key) for i in hub.outbox.pending("my-target-store", "customers")] == [
        (queued, "target")
    ]
    assert [i.project_key for i in hub.outbox.items("target")] == ["target"]


def test_an_unknown_name_is_refused_listing_the_projects_and_the_fix(
    hub: HubStore, lookup: Lookup
) -> None:
    calls: list[Any] = [
        lambda: hub.states.get("my-shop", "customers"),
        lambda: hub.states.reset("my-shop"),
        lambda: hub.records.count("my-shop", "customers"),
        lambda: hub.records.get("my-shop", "customers", "x"),
        lambda: list(hub.records.iterate("my-shop", "customers")),
        lambda: hub.dead_letters.read("my-shop"),
        lambda: hub.outbox.pending("my-shop", "customers"),
        lambda: hub.outbox.items("my-shop"),
        lambda: hub.outbox.enqueue("my-shop", "customers", [("k", {})]),
        lambda: hub.feed.changes(0, project="my-shop"),
        lambda: hub.feed.insertions(0, project="my-shop"),
    ]
    for call in calls:
        with pytest.raises(UnknownProject) as refused:
            call()
        assert isinstance(refused.value, ValueError)
        message = str(refused.value)
        assert "Project 'my-shop'" in message
        assert "no commercetools credentials block has that name" in message
        assert "The hub holds 'sandbox', 'target'" in message
        assert "the name of the project's commercetools credentials block" in message
    assert hub.states.reset("sandbox") == 1  # nothing was reset by the refused call
    assert hub.outbox.items("sandbox") == []  # nothing was queued


def test_without_a_lookup_only_keys_are_known_and_the_message_says_how_to_get_names(
    hub_url: str,
) -> None:
    store = HubStore.connect(hub_url)
    try:
        with pytest.raises(UnknownProject) as refused:
            store.states.get("my-store", "customers")
        message = str(refused.value)
        assert "holds no project yet" in message
        assert "HubDatabase(...).get_store() also takes credentials block names" in message
    finally:
        store.close()


def test_a_lookup_that_fails_is_part_of_the_refusal(hub_url: str) -> None:
    def unreachable(name: str) -> str | None:
        raise ConnectionError("Prefect API at http://127.0.0.1:1 refused the connection")

    store = HubStore.connect(hub_url, project_lookup=unreachable)
    try:
        with pytest.raises(
            UnknownProject, match=r"looking it up as a credentials block failed \(Prefect API"
        ):
            store.records.count("my-store", "customers")
    finally:
        store.close()


def test_exact_takes_a_key_as_given_without_a_lookup_for_a_first_sync(
    hub: HubStore, lookup: Lookup
) -> None:
    assert hub.exact.states.get("new-project", "customers") is None
    assert hub.exact.records.count("new-project", "customers") == 0
    assert hub.exact.states.reset("new-project") == 0
    assert hub.exact.outbox.pending("new-project", "customers") == []
    assert len(hub.exact.feed.changes(0)) == 6  # every project: the engine names one when it must
    assert lookup.asked == []
    # A key the hub holds by its sync state or runs alone is known too: a sync under way.
    hub.runs.start("r1", "fresh", "customers", direction="pull", mode="full")
    assert hub.records.count("fresh", "customers") == 0
    assert lookup.asked == []
