"""The hub store: versioned upserts, a page and its checkpoint in one transaction, state, runs."""

from __future__ import annotations

import random
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import StatementError

from ctsync.hub import (
    UNSET,
    HubRecord,
    HubStore,
    HubUnavailable,
    RejectedRecord,
    UpsertCounts,
    Watermark,
)
from ctsync.hub import records as hub_records
from ctsync.hub.record_writes import RecordWrites
from ctsync.hub.state import state_upsert

PROJECT = "shop"
SECRET = "hub-password-XYZ-987"


def document(record_id: str, version: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "id": record_id,
        "version": version,
        "createdAt": "2026-01-02T03:04:05.678Z",
        "lastModifiedAt": f"2026-01-02T03:04:{version:02d}.678Z",
        "key": f"key-{record_id}",
        "email": f"{record_id}@example.com",
        **extra,
    }


def records(*specs: tuple[str, int]) -> list[HubRecord]:
    return [HubRecord.from_document(document(rid, version)) for rid, version in specs]


def stored_versions(store: HubStore, entity: str = "customers") -> dict[str, int]:
    return {r.id: r.version for r in store.records.iterate(PROJECT, entity, include_deleted=True)}


@pytest.fixture
def store(hub_url: str) -> Iterator[HubStore]:
    """Every test below runs on SQLite and on a real PostgreSQL server."""
    hub = HubStore.connect(hub_url)
    yield hub
    hub.close()


# -- records -------------------------------------------------------------------------------------


def test_counts_inserted_updated_and_unchanged(store: HubStore) -> None:
    first = store.records.upsert_page(
        PROJECT, "customers", records(("a", 1), ("b", 1)), run_id="r1"
    )
    second = store.records.upsert_page(
        PROJECT, "customers", records(("a", 2), ("b", 1), ("c", 1)), run_id="r2"
    )
    assert first == UpsertCounts(inserted=2, updated=0, unchanged=0)
    assert second == UpsertCounts(inserted=1, updated=1, unchanged=1)
    assert first + second == UpsertCounts(3, 1, 1)
    assert sum([first, second], UpsertCounts()).total == 5
    assert stored_versions(store) == {"a": 2, "b": 1, "c": 1}


def test_classify_page_counts_like_upsert_page_and_writes_nothing(store: HubStore) -> None:
    store.records.upsert_page(PROJECT, "customers", records(("a", 2), ("b", 2)), run_id="r1")
    page = records(("a", 3), ("b", 2), ("b", 1), ("c", 1))
    assert store.records.classify_page(PROJECT, "customers", page) == UpsertCounts(1, 1, 1)
    assert stored_versions(store) == {"a": 2, "b": 2}
    written = store.records.upsert_page(PROJECT, "customers", page, run_id="r2")
    assert written == UpsertCounts(1, 1, 1)


def test_a_lower_or_equal_version_never_overwrites(store: HubStore) -> None:
    newer = HubRecord.from_document(document("a", 5, email="new@example.com"))
    store.records.upsert_page(PROJECT, "customers", [newer], run_id="r1")
    replay = HubRecord.from_document(document("a", 5, email="replayed@example.com"))
    older = HubRecord.from_document(document("a", 3, email="old@example.com"))
    counts = store.records.upsert_page(PROJECT, "customers", [replay], run_id="r2")
    counts += store.records.upsert_page(PROJECT, "customers", [older], run_id="r2")
    assert counts == UpsertCounts(inserted=0, updated=0, unchanged=2)
    record = store.records.get(PROJECT, "customers", "a")
    assert record is not None
    assert record.version == 5
    assert record.document == newer.document


def test_out_of_order_pages_end_at_the_newest_versions(store: HubStore) -> None:
    late_page = records(("a", 3), ("b", 2))
    early_page = records(("a", 1), ("b", 1), ("c", 1))
    store.records.upsert_page(PROJECT, "customers", late_page, run_id="r1")
    counts = store.records.upsert_page(PROJECT, "customers", early_page, run_id="r1")
    assert counts == UpsertCounts(inserted=1, updated=0, unchanged=2)
    assert stored_versions(store) == {"a": 3, "b": 2, "c": 1}


def test_duplicate_ids_in_a_page_keep_the_highest_version_counted_once(store: HubStore) -> None:
    counts = store.records.upsert_page(
        PROJECT, "customers", records(("a", 2), ("a", 4), ("a", 3)), run_id="r1"
    )
    assert counts == UpsertCounts(inserted=1, updated=0, unchanged=0)
    assert stored_versions(store) == {"a": 4}


def test_documents_and_timestamps_read_back_exactly(store: HubStore) -> None:
    doc = document(
        "a",
        7,
        createdAt="2025-12-31T23:59:59Z",
        lastModifiedAt="2026-01-02T03:04:05.678Z",
        custom={"fields": {"note": "Grüße, 東京", "score": 1.25, "tags": [], "none": None}},
        # Beyond 64 bits: orjson refuses it, so the stdlib encoder stores it, exactly.
        attributes=[{"name": "serial", "value": 2**70 + 1}],
    )
    before = datetime.now(UTC)
    store.records.upsert_page(PROJECT, "customers", [HubRecord.from_document(doc)], run_id="r1")
    record = store.records.get(PROJECT, "customers", "a")
    assert record is not None
    assert record.document == doc
    assert (record.created_at, record.last_modified_at) == (
        "2025-12-31T23:59:59Z",
        "2026-01-02T03:04:05.678Z",
    )
    assert (record.key, record.version, record.deleted_at) == ("key-a", 7, None)
    assert record.synced_at.tzinfo is not None and record.synced_at >= before
    assert store.records.get(PROJECT, "customers", "missing") is None
    assert store.records.get(PROJECT, "orders", "a") is None


def test_from_document_reads_the_key_field_and_names_what_is_missing() -> None:
    doc = document("a", 2, sku="SKU-1")
    assert HubRecord.from_document(doc).key == "key-a"
    assert HubRecord.from_document(doc, key_field="sku").key == "SKU-1"
    assert HubRecord.from_document(doc, key_field="absent").key is None
    with pytest.raises(ValueError, match="lastModifiedAt"):
        HubRecord.from_document({"id": "a", "version": 1, "createdAt": "x"})
    with pytest.raises(ValueError, match="version"):
        HubRecord.from_document({**doc, "version": "2"})


def test_iter_records_streams_in_id_order(store: HubStore) -> None:
    ids = [f"id-{n:03d}" for n in range(60)]
    random.Random(3).shuffle(ids)
    for start in range(0, 60, 20):
        page = records(*((rid, 1) for rid in ids[start : start + 20]))
        store.records.upsert_page(PROJECT, "customers", page, run_id="r1")
    iterator = store.records.iterate(PROJECT, "customers", batch_size=7)
    assert isinstance(iterator, Iterator)
    head = [next(iterator).id for _ in range(10)]
    # A reader mid-stream holds no write lock: the sync can keep writing.
    store.records.upsert_page(PROJECT, "customers", records(("zz-late", 1)), run_id="r2")
    seen = head + [record.id for record in iterator]
    assert seen == sorted(ids)
    assert [r.id for r in store.records.iterate(PROJECT, "customers")][-1] == "zz-late"


# -- one transaction per page ------------------------------------------------------------------


def test_page_and_checkpoint_commit_together(store: HubStore) -> None:
    counts = store.records.upsert_page(
        PROJECT,
        "customers",
        records(("a", 1), ("b", 1)),
        run_id="r1",
        cursor={"after_id": "b", "page": 1},
        watermark=Watermark("2026-01-02T03:04:01.678Z", "b"),
    )
    assert counts.inserted == 2
    state = store.states.get(PROJECT, "customers")
    assert state is not None
    assert state.cursor == {"after_id": "b", "page": 1}
    assert state.watermark == Watermark("2026-01-02T03:04:01.678Z", "b")
    assert state.updated_at is not None and state.updated_at.tzinfo is not None


def test_a_failing_page_leaves_no_records_no_dead_letters_and_the_old_state(
    store: HubStore,
) -> None:
    store.records.upsert_page(
        PROJECT, "customers", records(("a", 1)), run_id="r1", cursor={"page": 1}
    )
    # SQLAlchemy wraps the encoder's TypeError on SQLite; psycopg raises it as is.
    with pytest.raises((StatementError, TypeError), match="not JSON serializable") as caught:
        store.records.upsert_page(
            PROJECT,
            "customers",
            records(("a", 2), ("b", 1)),
            run_id="r1",
            # Fails inside the transaction, after the records are written.
            dead_letters=[
                RejectedRecord("c", "not JSON", {"email": "c@example.com", "bad": object()})
            ],
            cursor={"page": 2},
            watermark=Watermark("2026-01-02T03:04:02.678Z", "b"),
        )
    assert "@example.com" not in str(caught.value)  # personal data stays out of errors
    assert stored_versions(store) == {"a": 1}
    assert store.dead_letters.read(PROJECT) == []
    state = store.states.get(PROJECT, "customers")
    assert state is not None
    assert (state.cursor, state.watermark) == ({"page": 1}, None)


def test_a_failing_checkpoint_rolls_back_the_page(
    store: HubStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("killed while writing the checkpoint")

    monkeypatch.setattr(hub_records, "write_state", fail)
    with pytest.raises(RuntimeError, match="killed"):
        store.records.upsert_page(
            PROJECT,
            "customers",
            records(("a", 1)),
            run_id="r1",
            dead_letters=[RejectedRecord("x", "bad", {"id": "x"})],
            cursor={"page": 1},
        )
    assert store.projects.held() == []  # no record, dead letter or state of any project
    assert store.exact.records.count(PROJECT, "customers", include_deleted=True) == 0
    assert store.exact.dead_letters.read(PROJECT) == []
    assert store.exact.states.get(PROJECT, "customers") is None


def test_a_restarted_run_reads_its_resume_point(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    first = HubStore.connect(url)
    for page in range(3):
        first.records.upsert_page(
            PROJECT,
            "customers",
            records((f"r{page}", 1)),
            run_id="r1",
            cursor={"page": page, "after": f"r{page}"},
        )
    first.close()
    state = HubStore.connect(url).states.get(PROJECT, "customers")
    assert state is not None
    assert state.cursor == {"page": 2, "after": "r2"}


# -- sync state ------------------------------------------------------------------------------


def test_save_state_changes_only_the_fields_given(store: HubStore) -> None:
    mark = Watermark("2026-01-02T03:04:05.678Z", "id-9")
    store.states.save(PROJECT, "customers", cursor={"page": 4}, watermark=mark)
    store.states.save(PROJECT, "customers", cursor=None)
    state = store.states.get(PROJECT, "customers")
    assert state is not None
    assert (state.cursor, state.watermark) == (None, mark)
    store.states.save(PROJECT, "customers", watermark=None, cursor={"page": 1})
    store.states.save(PROJECT, "customers", cursor=UNSET, watermark=UNSET)  # nothing to do
    state = store.states.get(PROJECT, "customers")
    assert state is not None
    assert (state.cursor, state.watermark) == ({"page": 1}, None)
    assert store.states.get(PROJECT, "customers", direction="push") is None
    assert store.states.get(PROJECT, "orders") is None


def test_reset_state_forgets_one_entity_or_the_project_and_keeps_records(
    store: HubStore,
) -> None:
    mark = Watermark("2026-01-02T03:04:05.678Z", "a")
    for entity in ("customers", "orders", "products"):
        store.records.upsert_page(
            PROJECT, entity, records(("a", 1)), run_id="r1", cursor={"p": 1}, watermark=mark
        )
    store.states.save("other-project", "customers", watermark=mark)

    assert store.states.reset(PROJECT, "customers") == 1
    assert store.states.get(PROJECT, "customers") is None
    assert store.states.get(PROJECT, "orders") is not None
    assert store.states.reset(PROJECT) == 2
    assert store.states.get(PROJECT, "products") is None
    assert store.states.get("other-project", "customers") is not None
    assert store.records.count(PROJECT, "customers") == 1


# -- deletions -------------------------------------------------------------------------------


def test_mark_unseen_deleted_marks_exactly_what_the_run_did_not_see(store: HubStore) -> None:
    store.records.upsert_page(
        PROJECT, "customers", records(("a", 1), ("b", 1), ("c", 1)), run_id="r1"
    )
    store.records.upsert_page(PROJECT, "orders", records(("o", 1)), run_id="r1")
    # a unchanged and c updated: both seen by r2
    store.records.upsert_page(PROJECT, "customers", records(("a", 1)), run_id="r2")
    store.records.upsert_page(PROJECT, "customers", records(("c", 2)), run_id="r2")

    assert store.records.mark_unseen_deleted(PROJECT, "customers", "r2") == 1
    deleted = store.records.get(PROJECT, "customers", "b")
    assert deleted is not None and deleted.deleted_at is not None
    assert store.records.count(PROJECT, "customers") == 2
    assert store.records.count(PROJECT, "customers", include_deleted=True) == 3
    assert [r.id for r in store.records.iterate(PROJECT, "customers")] == ["a", "c"]
    assert store.records.count(PROJECT, "orders") == 1  # another entity is untouched
    assert store.records.mark_unseen_deleted(PROJECT, "customers", "r2") == 0  # already deleted


@pytest.mark.parametrize("version", [1, 2])
def test_a_deleted_record_seen_again_is_undeleted(store: HubStore, version: int) -> None:
    store.records.upsert_page(PROJECT, "customers", records(("a", 1), ("b", 1)), run_id="r1")
    store.records.upsert_page(PROJECT, "customers", records(("a", 1)), run_id="r2")
    assert store.records.mark_unseen_deleted(PROJECT, "customers", "r2") == 1

    store.records.upsert_page(PROJECT, "customers", records(("b", version)), run_id="r3")
    record = store.records.get(PROJECT, "customers", "b")
    assert record is not None
    assert (record.version, record.deleted_at) == (version, None)
    assert store.records.count(PROJECT, "customers") == 2


# -- dead letters and runs -------------------------------------------------------------------


def test_dead_letters_are_stored_with_the_page_and_listed(store: HubStore) -> None:
    store.records.upsert_page(
        PROJECT,
        "customers",
        records(("a", 1)),
        run_id="r1",
        dead_letters=[
            RejectedRecord("x", "no version", {"id": "x"}),
            RejectedRecord(None, "unparseable", "<html>"),
        ],
    )
    store.records.upsert_page(
        PROJECT, "orders", [], run_id="r2", dead_letters=[RejectedRecord("o", "bad", None)]
    )

    letters = store.dead_letters.read(PROJECT)
    assert [(d.entity, d.record_id, d.run_id, d.reason, d.document) for d in letters] == [
        ("customers", "x", "r1", "no version", {"id": "x"}),
        ("customers", None, "r1", "unparseable", "<html>"),
        ("orders", "o", "r2", "bad", None),
    ]
    assert letters[0].id < letters[1].id and letters[0].created_at.tzinfo is not None
    assert [d.reason for d in store.dead_letters.read(PROJECT, "orders")] == ["bad"]
    assert [d.record_id for d in store.dead_letters.read(PROJECT, run_id="r1")] == ["x", None]
    assert store.exact.dead_letters.read("other-project") == []  # a project the hub does not hold


def test_runs_are_started_finished_and_read_back(store: HubStore) -> None:
    store.runs.start("r1", PROJECT, "customers", direction="pull", mode="full", flow_run_id="f1")
    running = store.runs.get("r1")
    assert running is not None
    assert (running["status"], running["finished_at"], running["flow_run_id"]) == (
        "running",
        None,
        "f1",
    )
    store.runs.finish("r1", status="failed", counts={"inserted": 3}, error="boom")
    finished = store.runs.get("r1")
    assert finished is not None
    assert (finished["status"], finished["counts"], finished["error"]) == (
        "failed",
        {"inserted": 3},
        "boom",
    )
    assert finished["finished_at"] >= finished["started_at"]

    store.runs.start("r1", PROJECT, "customers", direction="pull", mode="full")  # a retry
    retried = store.runs.get("r1")
    assert retried is not None
    assert (retried["status"], retried["counts"], retried["error"]) == ("running", None, None)
    assert store.runs.get("unknown") is None
    with pytest.raises(KeyError, match="start_run"):
        store.runs.finish("unknown", status="completed", counts={})


# -- concurrency -----------------------------------------------------------------------------


def test_concurrent_writers_from_threads_all_land(store: HubStore) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def partition(number: int) -> None:
        try:
            start.wait()
            for page in range(5):
                page_records = records(*((f"p{number}-{page}-{i:03d}", 1) for i in range(100)))
                store.records.upsert_page(
                    PROJECT,
                    "customers",
                    page_records,
                    run_id="r1",
                    dead_letters=[RejectedRecord(None, f"partition {number}", None)],
                    cursor={"page": page},
                    direction=f"pull-{number}",
                )
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=partition, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.records.count(PROJECT, "customers") == 4 * 5 * 100
    assert len(store.dead_letters.read(PROJECT)) == 4 * 5
    for number in range(4):
        state = store.states.get(PROJECT, "customers", direction=f"pull-{number}")
        assert state is not None and state.cursor == {"page": 4}


# -- connecting ------------------------------------------------------------------------------


def test_connect_creates_the_directory_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "hub.db"
    store = HubStore.connect(f"sqlite:///{path}")
    store.records.upsert_page(PROJECT, "customers", records(("a", 1)), run_id="r1")
    store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    assert {"records", "sync_state", "dead_letters", "runs"} <= tables
    HubStore.connect(f"sqlite:///{path}").close()  # idempotent on an existing hub


def test_connect_refuses_a_directory_it_cannot_create(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(HubUnavailable) as caught:
        HubStore.connect(f"sqlite:///{blocker / 'hub.db'}")
    assert "cannot create directory" in str(caught.value)
    assert str(blocker) in str(caught.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "is not a database URL"),
        ("mysql://user@db/hub", "is for mysql"),
        ("postgresql+nodriver://user@db/hub", "unknown driver"),
        (f"postgresql+psycopg://user:{SECRET}@db:port/hub", "is not a database URL"),
    ],
)
def test_connect_refuses_bad_urls_naming_them_without_the_password(url: str, expected: str) -> None:
    with pytest.raises(ValueError) as caught:
        HubStore.connect(url)
    assert expected in str(caught.value)
    assert "sqlite:///data/hub.db" in str(caught.value)  # the fix: an example URL
    assert SECRET not in str(caught.value)


def test_an_unusable_postgresql_hub_says_why_without_the_password() -> None:
    # Driver missing (says how to install it) or, if installed, nothing listening on port 1.
    with pytest.raises(HubUnavailable) as caught:
        HubStore.connect("postgresql+psycopg://hub@127.0.0.1:1/hub", password=SECRET)
    message = str(caught.value)
    assert "postgresql+psycopg://hub:***@127.0.0.1:1/hub" in message
    assert "pip install psycopg[binary]" in message or "cannot be reached" in message
    assert SECRET not in message


def test_repr_of_a_store_never_shows_the_password(tmp_path: Path) -> None:
    store = HubStore.connect(f"sqlite:///{tmp_path / 'hub.db'}", password=SECRET)
    assert SECRET not in repr(store) and SECRET not in str(store)
    assert repr(store) == f"HubStore(url='sqlite:///{tmp_path / 'hub.db'}')"
    store.close()


def test_statements_compile_for_postgresql() -> None:
    dialect = postgresql.dialect()
    writes = RecordWrites.for_dialect("postgresql")
    assert "ON CONFLICT (project_key, entity, id) DO UPDATE" in writes.insert
    assert "WHERE records.version < excluded.version" in writes.insert
    assert writes.insert.count("%s") == 12 and "CAST(%s AS JSONB)" in writes.update
    assert writes.update.count("%s") == 12 and "?" not in writes.insert + writes.update
    key = {"project_key": "p", "entity": "e", "direction": "pull"}
    state = state_upsert("postgresql", {**key, "cursor": {"page": 1}})
    assert "ON CONFLICT (project_key, entity, direction)" in str(state.compile(dialect=dialect))
