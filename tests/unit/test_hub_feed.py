"""The change feed: a number for every insert, update and deletion mark, read once and in order,
on SQLite and PostgreSQL, also while writers run."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

from ctsync.hub import HubRecord, HubStore

PROJECT = "shop"


def record(record_id: str, version: int = 1, *, minute: int = 0) -> HubRecord:
    # Timestamps run backwards against ids on purpose: the feed must not care.
    return HubRecord.from_document(
        {
            "id": record_id,
            "version": version,
            "createdAt": "2026-01-02T03:04:05.678Z",
            "lastModifiedAt": f"2026-01-02T03:{59 - minute:02d}:00.000Z",
            "key": f"key-{record_id}",
        }
    )


def read_all(hub: HubStore, after: int = 0, **options: Any) -> list[Any]:
    out = []
    while True:
        page = hub.feed.changes(after, **options)
        if not page:
            return out
        out += page
        after = page[-1].seq


@pytest.fixture
def hub(hub_url: str) -> Any:
    store = HubStore.connect(hub_url)
    yield store
    store.close()


def test_inserts_updates_and_deletion_marks_each_take_the_next_number(hub: HubStore) -> None:
    hub.records.upsert_page(
        PROJECT, "customers", [record("c", 1), record("a", 1), record("b", 1)], run_id="r1"
    )
    first = read_all(hub)
    assert [(c.id, c.change, c.version) for c in first] == [
        ("c", "insert", 1),
        ("a", "insert", 1),
        ("b", "insert", 1),
    ]
    assert [c.seq for c in first] == sorted({c.seq for c in first})
    cursor = first[-1].seq

    # An unchanged page takes no number; a higher version does.
    hub.records.upsert_page(PROJECT, "customers", [record("a", 1), record("b", 2)], run_id="r2")
    assert [(c.id, c.change, c.version) for c in read_all(hub, cursor)] == [("b", "update", 2)]
    cursor = hub.feed.last_seq()

    hub.records.mark_deleted(PROJECT, "customers", ["a", "missing"])
    deleted = read_all(hub, cursor)
    assert [(c.id, c.change) for c in deleted] == [("a", "delete")]
    assert deleted[0].document["id"] == "a"  # the last document the hub had
    assert deleted[0].changed_at is not None
    cursor = deleted[-1].seq
    hub.records.mark_deleted(PROJECT, "customers", ["a"])  # already deleted: no new change
    assert read_all(hub, cursor) == []

    # Seen again at its version: no longer deleted, a change again.
    hub.records.upsert_page(PROJECT, "customers", [record("a", 1)], run_id="r3")
    assert [(c.id, c.change) for c in read_all(hub, cursor)] == [("a", "update")]

    # The feed holds each record once, at its latest change.
    everything = read_all(hub)
    assert sorted(c.id for c in everything) == ["a", "b", "c"]
    assert [c.seq for c in everything] == sorted(c.seq for c in everything)


def test_a_full_runs_unseen_records_are_deletion_changes(hub: HubStore) -> None:
    hub.records.upsert_page(PROJECT, "orders", [record(f"o{i}") for i in range(5)], run_id="full-1")
    cursor = hub.feed.last_seq()
    hub.records.upsert_page(PROJECT, "orders", [record("o1"), record("o3")], run_id="full-2")
    assert hub.records.mark_unseen_deleted(PROJECT, "orders", "full-2") == 3
    changes = read_all(hub, cursor)
    assert sorted((c.id, c.change) for c in changes) == [
        ("o0", "delete"),
        ("o2", "delete"),
        ("o4", "delete"),
    ]


def test_insertions_are_whats_new_however_often_it_changed_since(hub: HubStore) -> None:
    hub.records.upsert_page(PROJECT, "orders", [record("o1"), record("o2")], run_id="r1")
    cursor = hub.feed.last_seq()
    hub.records.upsert_page(
        PROJECT, "orders", [record("o3"), record("o4"), record("o5")], run_id="r2"
    )
    # Changed again before anyone read: the feed shows o3 as an update, yet it is new.
    hub.records.upsert_page(PROJECT, "orders", [record("o3", 2), record("o1", 2)], run_id="r3")
    hub.records.mark_deleted(PROJECT, "orders", ["o5"])  # gone before anyone read: nothing new
    hub.records.upsert_page(PROJECT, "customers", [record("c1")], run_id="r4")
    assert {c.id: c.change for c in read_all(hub, cursor, entities=["orders"])} == {
        "o4": "insert",
        "o3": "update",
        "o1": "update",
        "o5": "delete",
    }
    new = hub.feed.insertions(cursor, entities=["orders"])
    assert [(c.id, c.change, c.version) for c in new] == [("o3", "insert", 2), ("o4", "insert", 1)]
    assert new[0].seq < new[1].seq <= hub.feed.last_seq()
    assert [c.id for c in hub.feed.insertions(new[0].seq, entities=["orders"], limit=5)] == ["o4"]
    first_three = hub.feed.insertions(0, entities=["orders"], limit=3)
    assert [c.id for c in first_three] == ["o1", "o2", "o3"]
    with pytest.raises(ValueError, match="after must be a change number"):
        hub.feed.insertions(-1)
    hub.records.upsert_page("other", "orders", [record("x1")], run_id="r5")
    assert [c.id for c in hub.feed.insertions(cursor, project="other")] == ["x1"]
    assert [c.id for c in hub.feed.insertions(cursor, project=PROJECT)] == ["o3", "o4", "c1"]


def test_filters_and_limits(hub: HubStore) -> None:
    hub.records.upsert_page(PROJECT, "customers", [record(f"c{i}") for i in range(7)], run_id="r")
    hub.records.upsert_page(PROJECT, "orders", [record(f"o{i}") for i in range(4)], run_id="r")
    hub.records.upsert_page("other", "orders", [record("x")], run_id="r")
    assert len(hub.feed.changes(0, project=PROJECT, limit=3)) == 3
    orders = read_all(hub, entities=["orders"], project=PROJECT, limit=2)
    assert {(c.project_key, c.entity) for c in orders} == {(PROJECT, "orders")}
    assert len(orders) == 4
    assert len(read_all(hub.exact, entities=["orders"], limit=2)) == 5  # every project's
    assert [c.id for c in read_all(hub, entities=["orders"], project="other")] == ["x"]
    with pytest.raises(ValueError, match="limit must be at least 1"):
        hub.feed.changes(0, project=PROJECT, limit=0)


def test_the_sql_view_is_the_feed(hub: HubStore) -> None:
    from sqlalchemy import text

    hub.records.upsert_page(PROJECT, "customers", [record("a"), record("b")], run_id="r")
    hub.records.mark_deleted(PROJECT, "customers", ["a"])
    with hub.database.read() as conn:
        rows = conn.execute(
            text("SELECT seq, change, entity, id, version FROM hub_changes ORDER BY seq")
        ).all()
    assert [tuple(r) for r in rows] == [
        (c.seq, c.change, c.entity, c.id, c.version) for c in read_all(hub)
    ]
    assert [r.change for r in rows] == ["insert", "delete"]


def test_consumer_cursors_never_move_back(hub: HubStore) -> None:
    assert hub.feed.cursor("erp").seq == 0
    assert hub.feed.advance("erp", 10, 4).seq == 10
    assert hub.feed.advance("erp", 7, 1).seq == 10  # a late writer cannot move it back
    assert hub.feed.cursor("erp").exported == 5
    assert hub.feed.cursor("bi").seq == 0
    hub.feed.reset("erp")
    assert hub.feed.cursor("erp").seq == 0


def test_read_in_random_pages_while_writers_run_every_change_once_in_order(
    hub: HubStore,
) -> None:
    """Four writers (new records, updates, deletion marks) while a reader pages in random sizes:
    numbers only grow, nothing committed is skipped, and the reader ends with the hub's state."""
    rng = random.Random(14)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        local = random.Random(number)
        versions: dict[str, int] = {}
        try:
            for page in range(25):
                ids = [f"w{number}-{page}-{i}" for i in range(local.randint(1, 20))]
                again = local.sample(sorted(versions), min(len(versions), local.randint(0, 6)))
                for record_id in again:
                    versions[record_id] += 1
                for record_id in ids:
                    versions[record_id] = 1
                batch = [record(i, versions[i], minute=local.randint(0, 59)) for i in ids + again]
                hub.records.upsert_page(PROJECT, "customers", batch, run_id=f"w{number}-{page}")
                if page % 5 == 4:
                    gone = local.sample(sorted(versions), 3)
                    hub.records.mark_deleted(PROJECT, "customers", gone)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in writers:
        thread.start()
    seen: dict[str, tuple[int, str, int]] = {}
    delivered: list[int] = []
    cursor = 0

    def read_some() -> int:
        nonlocal cursor
        page = hub.feed.changes(cursor, limit=rng.randint(1, 40))
        for change in page:
            delivered.append(change.seq)
            seen[change.id] = (change.seq, change.change, change.version)
        if page:
            cursor = page[-1].seq
        return len(page)

    while any(thread.is_alive() for thread in writers):
        read_some()
    for thread in writers:
        thread.join()
    while read_some():
        pass
    stop.set()
    assert not errors
    assert delivered == sorted(set(delivered)), "numbers must only grow and come once"
    final = {
        r.id: (r.version, r.deleted_at is not None)
        for r in hub.records.iterate(PROJECT, "customers", include_deleted=True)
    }
    assert {i: (v, kind == "delete") for i, (_, kind, v) in seen.items()} == final
    # Every record's latest change was delivered: nothing committed was skipped.
    latest = {c.id: c.seq for c in read_all(hub)}
    assert {i: s for i, (s, _, _) in seen.items()} == latest


@pytest.mark.parametrize("returning", [True, False])
def test_numbers_continue_after_the_records_when_the_counter_row_is_gone(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, returning: bool
) -> None:
    """Without UPDATE .. RETURNING (SQLite before 3.35) as with it; a lost counter row restarts
    after the highest number in the hub, never below it."""
    from ctsync.hub import sequence

    monkeypatch.setattr(sequence, "_SQLITE_RETURNING", returning)
    hub = HubStore.connect(f"sqlite:///{tmp_path}/hub.db")
    hub.records.upsert_page(PROJECT, "customers", [record("a"), record("b")], run_id="r1")
    with hub.database.begin() as conn:
        conn.exec_driver_sql("DELETE FROM hub_counters")
    hub.records.upsert_page(PROJECT, "customers", [record("c")], run_id="r2")
    hub.records.mark_deleted(PROJECT, "customers", ["a"])
    assert [(c.id, c.seq, c.change) for c in read_all(hub)] == [
        ("b", 2, "insert"),
        ("c", 3, "insert"),
        ("a", 4, "delete"),
    ]
    hub.close()


def test_postgresql_holds_back_numbers_a_running_transaction_could_still_undercut(
    postgres_url: str,
) -> None:
    """A transaction that began writing before another commits has the lower id, so it could
    still commit numbers below the other's: a reader sees neither until it ends, then both."""
    hub = HubStore.connect(postgres_url)
    hub.records.upsert_page(PROJECT, "customers", [record("a")], run_id="r0")
    cursor = hub.feed.last_seq()
    with hub.database.begin() as earlier:
        earlier.exec_driver_sql("SELECT pg_current_xact_id()")  # a writer, not yet committed
        hub.records.upsert_page(PROJECT, "customers", [record("b"), record("c")], run_id="r1")
        assert hub.feed.changes(cursor) == [] and hub.feed.last_seq() == cursor
        with hub.database.read() as conn:
            from sqlalchemy import text

            assert conn.execute(text("SELECT count(*) FROM hub_changes")).scalar_one() == 1
    assert [c.id for c in hub.feed.changes(cursor)] == ["b", "c"]
    hub.close()


def test_many_deletion_marks_are_written_in_transactions_of_their_own(
    hub: HubStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ctsync.hub import records

    monkeypatch.setattr(records, "MARKS_PER_TRANSACTION", 3)
    hub.records.upsert_page(
        PROJECT, "orders", [record(f"o{i:02d}") for i in range(20)], run_id="full-1"
    )
    cursor = hub.feed.last_seq()
    assert hub.records.mark_deleted(PROJECT, "orders", [f"o{i:02d}" for i in range(7)]) == 7
    hub.records.upsert_page(PROJECT, "orders", [record("o19")], run_id="full-2")
    assert hub.records.mark_unseen_deleted(PROJECT, "orders", "full-2") == 12
    deleted = read_all(hub, cursor)
    assert sorted(c.id for c in deleted) == [f"o{i:02d}" for i in range(19)]
    assert {c.change for c in deleted} == {"delete"}
    assert [c.seq for c in deleted] == sorted({c.seq for c in deleted})
