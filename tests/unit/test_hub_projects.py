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
    store.upsert_page(
        "sandbox", "customers", [customer("sandbox", n) for n in range(3)], run_id="a"
    )
    store.upsert_page("target", "customers", [customer("target", n) for n in range(2)], run_id="b")
    store.upsert_page("sandbox", "orders", [customer("sandbox", 9)], run_id="c")
    store.save_state("sandbox", "customers", watermark=Watermark("2026-01-02T03:04:05.678Z", "x"))
    yield store
    store.close()


def test_a_reader_of_a_hub_of_two_projects_names_one(hub: HubStore) -> None:
    for read in (hub.changes, hub.insertions):
        with pytest.raises(ProjectRequired) as refused:
            read(0)
        message = str(refused.value)
        assert "2 projects (sandbox, target)" in message and "Name the one to read" in message
        assert "credentials block" in message

    changes = hub.changes(0, project="sandbox")
    assert {c.project_key for c in changes} == {"sandbox"} and len(changes) == 4
    assert [c.id for c in hub.changes(0, project="target")] == ["target-c0", "target-c1"]
    new = hub.insertions(0, project="target", entities=["customers"])
    assert [(c.project_key, c.id) for c in new] == [
        ("target", "target-c0"),
        ("target", "target-c1"),
    ]
    # A credentials block's name reads its project.
    assert hub.changes(0, project="my-target-store") == hub.changes(0, project="target")
    assert hub.insertions(0, project="my-store") == hub.insertions(0, project="sandbox")


def test_a_hub_of_one_project_is_read_without_naming_it_and_an_empty_one_reads_nothing(
    hub_url: str,
) -> None:
    store = HubStore.connect(hub_url)
    try:
        assert store.changes(0) == [] and store.insertions(0) == []
        store.upsert_page("sandbox", "customers", [customer("sandbox", 1)], run_id="a")
        assert [c.id for c in store.changes(0)] == ["sandbox-c1"]
        assert [c.id for c in store.insertions(0)] == ["sandbox-c1"]
        assert store.projects.in_records() == ["sandbox"]
    finally:
        store.close()


def test_state_is_read_and_reset_by_a_block_name_or_a_key(hub: HubStore, lookup: Lookup) -> None:
    by_name = hub.get_state("my-store", "customers")
    assert by_name is not None and by_name.project_key == "sandbox"
    assert by_name.watermark == Watermark("2026-01-02T03:04:05.678Z", "x")
    assert hub.get_state("sandbox", "customers") == by_name
    assert hub.reset_state("my-store", "customers") == 1
    assert hub.get_state("sandbox", "customers") is None
    assert hub.reset_state("sandbox") == 0
    # A key the hub holds is never looked up; a block name once per store.
    hub.get_state("my-store", "orders")
    assert lookup.asked == ["my-store"]


def test_every_reader_of_a_project_takes_a_block_name(hub: HubStore) -> None:
    hub.add_dead_letters("sandbox", "customers", [RejectedRecord("bad", "no version", None)])
    assert hub.count_records("my-store", "customers") == 3
    assert hub.count_records("my-target-store", "customers") == 2
    assert hub.get_record("my-store", "customers", "sandbox-c1") is not None
    assert [r.id for r in hub.iter_records("my-target-store", "customers")] == [
        "target-c0",
        "target-c1",
    ]
    assert [d.record_id for d in hub.dead_letters("my-store")] == ["bad"]
    [queued] = hub.enqueue("my-target-store", "customers", [("k", {"email": "k@x.io"})])
    assert [(i.id, i.project_key) for i in hub.pending("my-target-store", "customers")] == [
        (queued, "target")
    ]
    assert [i.project_key for i in hub.outbox("target")] == ["target"]


def test_an_unknown_name_is_refused_listing_the_projects_and_the_fix(
    hub: HubStore, lookup: Lookup
) -> None:
    calls: list[Any] = [
        lambda: hub.get_state("my-shop", "customers"),
        lambda: hub.reset_state("my-shop"),
        lambda: hub.count_records("my-shop", "customers"),
        lambda: hub.get_record("my-shop", "customers", "x"),
        lambda: list(hub.iter_records("my-shop", "customers")),
        lambda: hub.dead_letters("my-shop"),
        lambda: hub.pending("my-shop", "customers"),
        lambda: hub.outbox("my-shop"),
        lambda: hub.enqueue("my-shop", "customers", [("k", {})]),
        lambda: hub.changes(0, project="my-shop"),
        lambda: hub.insertions(0, project="my-shop"),
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
    assert hub.reset_state("sandbox") == 1  # nothing was reset by the refused call
    assert hub.outbox("sandbox") == []  # nothing was queued


def test_without_a_lookup_only_keys_are_known_and_the_message_says_how_to_get_names(
    hub_url: str,
) -> None:
    store = HubStore.connect(hub_url)
    try:
        with pytest.raises(UnknownProject) as refused:
            store.get_state("my-store", "customers")
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
            store.count_records("my-store", "customers")
    finally:
        store.close()


def test_exact_takes_a_key_as_given_without_a_lookup_for_a_first_sync(
    hub: HubStore, lookup: Lookup
) -> None:
    assert hub.exact.get_state("new-project", "customers") is None
    assert hub.exact.count_records("new-project", "customers") == 0
    assert hub.exact.reset_state("new-project") == 0
    assert hub.exact.pending("new-project", "customers") == []
    assert len(hub.exact.changes(0)) == 6  # every project: the engine names one when it must
    assert lookup.asked == []
    # A key the hub holds by its sync state or runs alone is known too: a sync under way.
    hub.start_run("r1", "fresh", "customers", direction="pull", mode="full")
    assert hub.count_records("fresh", "customers") == 0
    assert lookup.asked == []
