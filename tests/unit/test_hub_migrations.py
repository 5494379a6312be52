"""Schema upgrades in place: a hub made before migrations keeps everything, a new hub is at the
head, two processes upgrade once, and a hub newer than the code is refused."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, text

from ctsync.hub import HubRecord, HubStore, HubTooNew
from ctsync.hub.schema import metadata
from ctsync.hub.upgrade import BEFORE_MIGRATIONS, HEAD, known_revisions, revision

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hub_before_migrations"
PROJECT = "fixture-shop"
ROOT = Path(__file__).parents[2]


def load_fixture(url: str, tmp_path: Path) -> str:
    """The fixture hub at `url` (a fresh PostgreSQL database, or a SQLite file); its URL."""
    if url.startswith("sqlite"):
        path = tmp_path / "legacy.db"
        with sqlite3.connect(path) as conn:
            conn.executescript((FIXTURES / "sqlite.sql").read_text())
        return f"sqlite:///{path}"
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute((FIXTURES / "postgresql.sql").read_text())  # type: ignore[arg-type]
    return url


def raw_rows(url: str, table: str, order: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))]
    finally:
        engine.dispose()


@pytest.fixture
def legacy_url(hub_url: str, tmp_path: Path) -> str:
    return load_fixture(hub_url, tmp_path)


def test_head_is_the_last_migration() -> None:
    assert known_revisions()[-1] == HEAD
    assert known_revisions()[0] == BEFORE_MIGRATIONS


def test_a_hub_made_before_migrations_upgrades_in_place_and_keeps_everything(
    legacy_url: str,
) -> None:
    tables = {
        "records": "project_key, entity, id",
        "sync_state": "project_key, entity, direction",
        "dead_letters": "id",
        "runs": "run_id",
        "outbox": "id",
    }
    before = {table: raw_rows(legacy_url, table, order) for table, order in tables.items()}
    assert len(before["records"]) == 35 and before["dead_letters"] and before["outbox"]

    hub = HubStore.connect(legacy_url)  # first use upgrades
    try:
        assert revision(hub.database) == HEAD
        after = {table: raw_rows(legacy_url, table, order) for table, order in tables.items()}
        # Every old column of every row is unchanged; records gained seq and change.
        assert after["records"] and [r[:11] for r in after["records"]] == before["records"]
        for table in ("sync_state", "dead_letters", "runs", "outbox"):
            assert after[table] == before[table], table

        # The stores read what was there: watermarks, the resume cursor, dead letters, runs.
        state = hub.states.get(PROJECT, "orders")
        assert state is not None and state.watermark is not None
        products = hub.states.get(PROJECT, "products")
        assert products is not None and products.cursor and products.cursor["mode"] == "full"
        letters = hub.dead_letters.read(PROJECT, "orders")
        assert [(d.record_id, d.reason) for d in letters] == [
            ("bad-order-1", "document has no 'version' field")
        ]
        assert hub.runs.get("run-orders-1")["status"] == "completed"  # type: ignore[index]
        assert [item.record_key for item in hub.outbox.items(PROJECT)] == ["customer-00002"]
        assert hub.records.count(PROJECT, "customers") == 11
        assert hub.records.count(PROJECT, "customers", include_deleted=True) == 12

        # Old records are in the feed once, the deleted one as a deletion; new changes follow.
        feed = hub.feed.changes(0, limit=1000)
        assert len(feed) == 35 and [c.seq for c in feed] == list(range(1, 36))
        assert [c.change for c in feed].count("delete") == 1
        # Each live record was inserted at its number (0004): a consumer of what is new that
        # starts from 0 reads every one of them.
        inserted = hub.feed.insertions(0, limit=1000)
        assert [(c.seq, c.id) for c in inserted] == [
            (c.seq, c.id) for c in feed if c.change != "delete"
        ]
        record = next(r for r in hub.records.iterate(PROJECT, "orders"))
        changed = {**record.document, "version": record.version + 1}
        from ctsync.hub import HubRecord

        hub.records.upsert_page(
            PROJECT,
            "orders",
            [HubRecord.from_document(changed, key_field="orderNumber")],
            run_id="x",
        )
        [(seq, record_id, change)] = [(c.seq, c.id, c.change) for c in hub.feed.changes(35)]
        assert (record_id, change) == (record.id, "update") and seq > 35
        assert hub.feed.insertions(35) == []  # changed, not new
        if hub.database.dialect == "sqlite":
            assert seq == 36  # the counter continues after the numbered records
    finally:
        hub.close()

    again = HubStore.connect(legacy_url)  # already current: nothing more to do
    try:
        assert revision(again.database) == HEAD
        assert again.records.count(PROJECT, "orders") == 8
    finally:
        again.close()


def test_the_migrations_build_the_schema_the_code_declares(hub_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    hub = HubStore.connect(hub_url)
    try:
        with hub.database.read() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            differences = [
                d
                for d in compare_metadata(context, metadata)
                if not (
                    isinstance(d, tuple)
                    and d[0] == "remove_table"
                    and d[1].name == "alembic_version"
                )
            ]
        assert differences == []
    finally:
        hub.close()


def test_two_processes_opening_an_old_hub_upgrade_it_once(tmp_path: Path) -> None:
    url = load_fixture("sqlite", tmp_path)
    results: list[Any] = []

    def open_it() -> None:
        try:
            store = HubStore.connect(url)
            results.append(store.feed.last_seq())
            store.close()
        except BaseException as error:  # pragma: no cover - asserted below
            results.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [35, 35, 35]


def test_a_hub_newer_than_the_code_is_refused_and_not_written(hub_url: str) -> None:
    HubStore.connect(hub_url).close()
    engine = create_engine(hub_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(HubTooNew) as refused:
        HubStore.connect(hub_url)
    message = str(refused.value)
    assert "'9999'" in message and f"up to '{HEAD}'" in message
    assert "pip install -U prefect-commercetools" in message and "Nothing was written" in message
    assert raw_rows(hub_url, "alembic_version", "version_num") == [("9999",)]


def test_one_command_upgrades_a_hub(tmp_path: Path) -> None:
    url = load_fixture("sqlite", tmp_path)
    command = [sys.executable, "-m", "deployments.hub_schema"]
    asked = subprocess.run(
        [*command, "revision", "--url", url], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert f"revision {BEFORE_MIGRATIONS} (head {HEAD})" in asked.stdout
    assert "python -m deployments.hub_schema upgrade" in asked.stdout
    done = subprocess.run(
        [*command, "upgrade", "--url", url], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert f"revision {HEAD} (head {HEAD})" in done.stdout
    assert raw_rows(url, "alembic_version", "version_num") == [(HEAD,)]


def test_consumers_from_before_0005_keep_their_cursor_and_record_a_setup_later(
    hub_url: str,
) -> None:
    from alembic import command

    from ctsync.hub import ConsumerSetup, FileTaken
    from ctsync.hub.upgrade import _config

    engine = create_engine(hub_url)
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0004")
        conn.execute(
            text(
                "INSERT INTO feed_consumers (consumer, seq, exported, updated_at) "
                "VALUES ('erp', 7, 7, '2026-11-30 10:00:00')"
            )
        )
    engine.dispose()

    hub = HubStore.connect(hub_url)  # upgrades to the head
    try:
        assert revision(hub.database) == HEAD
        before = hub.feed.cursor("erp")
        assert (before.seq, before.exported, before.setup) == (7, 7, None)
        setup = ConsumerSetup("/data/erp.jsonl", "jsonl", ("orders",), "shop")
        hub.feed.set_up("erp", setup)
        hub.feed.reset("erp", 3)  # a reset keeps the setup
        after = hub.feed.cursor("erp")
        assert (after.seq, after.exported, after.setup) == (3, 0, setup)
        csv = ConsumerSetup("/data/c.csv", "csv", ("customers",), None, ("seq", "change", "id"))
        hub.feed.set_up("crm", csv)
        assert hub.feed.cursor("crm").setup == csv and hub.feed.cursor("crm").seq == 0
        assert hub.feed.consumer_of_file("/data/erp.jsonl") == "erp"
        with pytest.raises(FileTaken, match=r"/data/erp\.jsonl is the file of consumer 'erp'"):
            hub.feed.set_up("bi", ConsumerSetup("/data/erp.jsonl", "jsonl", None, "shop"))
        assert hub.feed.cursor("bi").updated_at is None  # nothing recorded
    finally:
        hub.close()


def test_an_entity_added_since_the_last_migration_gets_its_views_on_open(hub_url: str) -> None:
    """A hub at the head whose views predate a registry entity (its view dropped stands for
    it) gets that view when opened; views it has, even ones this code does not declare (a newer
    version's), are left in place."""
    hub = HubStore.connect(hub_url)
    try:
        with hub.database.begin() as conn:
            conn.exec_driver_sql("DROP VIEW reviews")
            conn.exec_driver_sql("CREATE VIEW from_a_newer_version AS SELECT 1 AS one")
        hub.records.upsert_page(
            PROJECT,
            "reviews",
            [
                HubRecord(
                    "r-1",
                    "great",
                    1,
                    "2026-01-01T00:00:00.000Z",
                    "2026-01-01T00:00:00.000Z",
                    {"id": "r-1", "key": "great", "version": 1, "rating": 5},
                )
            ],
            run_id="test",
        )
    finally:
        hub.close()
    reopened = HubStore.connect(hub_url)
    try:
        with reopened.database.read() as conn:
            rows = conn.exec_driver_sql("SELECT project_key, id, key FROM reviews").all()
            kept = conn.exec_driver_sql("SELECT one FROM from_a_newer_version").scalar()
        assert [tuple(row) for row in rows] == [(PROJECT, "r-1", "great")]
        assert kept == 1
    finally:
        reopened.close()
