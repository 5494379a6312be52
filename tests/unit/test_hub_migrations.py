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

from ctsync.hub import HubStore, HubTooNew
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
        state = hub.get_state(PROJECT, "orders")
        assert state is not None and state.watermark is not None
        products = hub.get_state(PROJECT, "products")
        assert products is not None and products.cursor and products.cursor["mode"] == "full"
        letters = hub.dead_letters(PROJECT, "orders")
        assert [(d.record_id, d.reason) for d in letters] == [
            ("bad-order-1", "document has no 'version' field")
        ]
        assert hub.get_run("run-orders-1")["status"] == "completed"  # type: ignore[index]
        assert [item.record_key for item in hub.outbox(PROJECT)] == ["customer-00002"]
        assert hub.count_records(PROJECT, "customers") == 11
        assert hub.count_records(PROJECT, "customers", include_deleted=True) == 12

        # Old records are in the feed once, the deleted one as a deletion; new changes follow.
        feed = hub.changes(0, limit=1000)
        assert len(feed) == 35 and [c.seq for c in feed] == list(range(1, 36))
        assert [c.change for c in feed].count("delete") == 1
        # Each live record was inserted at its number (0004): a consumer of what is new that
        # starts from 0 reads every one of them.
        inserted = hub.insertions(0, limit=1000)
        assert [(c.seq, c.id) for c in inserted] == [
            (c.seq, c.id) for c in feed if c.change != "delete"
        ]
        record = next(r for r in hub.iter_records(PROJECT, "orders"))
        changed = {**record.document, "version": record.version + 1}
        from ctsync.hub import HubRecord

        hub.upsert_page(
            PROJECT,
            "orders",
            [HubRecord.from_document(changed, key_field="orderNumber")],
            run_id="x",
        )
        [(seq, record_id, change)] = [(c.seq, c.id, c.change) for c in hub.changes(35)]
        assert (record_id, change) == (record.id, "update") and seq > 35
        assert hub.insertions(35) == []  # changed, not new
        if hub.database.dialect == "sqlite":
            assert seq == 36  # the counter continues after the numbered records
    finally:
        hub.close()

    again = HubStore.connect(legacy_url)  # already current: nothing more to do
    try:
        assert revision(again.database) == HEAD
        assert again.count_records(PROJECT, "orders") == 8
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
            results.append(store.last_change())
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
    command = [sys.executable, "-m", "ctsync.hub"]
    asked = subprocess.run(
        [*command, "revision", "--url", url], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert f"revision {BEFORE_MIGRATIONS} (head {HEAD})" in asked.stdout
    assert "python -m ctsync.hub upgrade" in asked.stdout
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
        before = hub.consumer_cursor("erp")
        assert (before.seq, before.exported, before.setup) == (7, 7, None)
        setup = ConsumerSetup("/data/erp.jsonl", "jsonl", ("orders",), "shop")
        hub.set_up_consumer("erp", setup)
        hub.reset_consumer("erp", 3)  # a reset keeps the setup
        after = hub.consumer_cursor("erp")
        assert (after.seq, after.exported, after.setup) == (3, 0, setup)
        csv = ConsumerSetup("/data/c.csv", "csv", ("customers",), None, ("seq", "change", "id"))
        hub.set_up_consumer("crm", csv)
        assert hub.consumer_cursor("crm").setup == csv and hub.consumer_cursor("crm").seq == 0
        assert hub.consumer_of_file("/data/erp.jsonl") == "erp"
        with pytest.raises(FileTaken, match=r"/data/erp\.jsonl is the file of consumer 'erp'"):
            hub.set_up_consumer("bi", ConsumerSetup("/data/erp.jsonl", "jsonl", None, "shop"))
        assert hub.consumer_cursor("bi").updated_at is None  # nothing recorded
    finally:
        hub.close()
