"""The hub database block: UI fields, URL validation, no password in reprs, one store per URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from blocks import hub as hub_block
from blocks.hub import HubDatabase
from ctsync.hub import HubRecord, HubStore, HubUnavailable
from ctsync.hub.documents import record_of

SECRET = "hub-password-XYZ-987"


@pytest.fixture(autouse=True)
def _close_new_stores() -> Iterator[None]:
    """Each test's stores are closed and forgotten, so tests share no engine."""
    before = dict(hub_block._stores)
    yield
    with hub_block._stores_lock:
        for key in set(hub_block._stores) - set(before):
            hub_block._stores.pop(key).close()


def sqlite_url(tmp_path: Path, name: str = "hub.db") -> str:
    return f"sqlite:///{tmp_path / name}"


def test_fields_have_ui_titles_and_the_password_is_a_secret() -> None:
    fields = HubDatabase.model_fields
    assert fields["url"].title == "Database URL"
    assert fields["password"].title == "Password"
    assert "postgresql+psycopg://user@host:5432/db" in (fields["url"].description or "")
    assert "SQLite" in (fields["url"].description or "")
    assert HubDatabase.get_block_type_name() == "commercetools Hub Database"
    assert HubDatabase.get_block_type_slug() == "commercetools-hub-database"
    schema = HubDatabase.model_json_schema()
    # A masked field, not a `password | None` toggle.
    assert schema["properties"]["password"]["format"] == "password"
    assert "anyOf" not in schema["properties"]["password"]
    block = HubDatabase()
    assert (block.url, block.password, block.echo) == ("sqlite:///data/hub.db", None, False)


def test_a_password_inside_the_url_is_refused_and_not_echoed() -> None:
    with pytest.raises(ValueError) as caught:
        HubDatabase(url=f"postgresql+psycopg://hub:{SECRET}@db.internal:5432/hub")
    message = str(caught.value)
    assert "Password field" in message
    assert "postgresql+psycopg://hub:***@db.internal:5432/hub" in message
    assert SECRET not in message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("data/hub.db", "'data/hub.db' is not a database URL"),
        ("mysql://hub@db/hub", "'mysql://hub@db/hub' is for mysql"),
    ],
)
def test_an_unusable_url_is_refused_naming_it_and_the_fix(url: str, expected: str) -> None:
    with pytest.raises(ValueError) as caught:
        HubDatabase(url=url)
    assert expected in str(caught.value)
    assert "sqlite:///data/hub.db or postgresql+psycopg://user@host:5432/db" in str(caught.value)


def test_repr_and_str_never_show_the_password(tmp_path: Path) -> None:
    block = HubDatabase(url="postgresql+psycopg://hub@db.internal:5432/hub", password=SECRET)
    assert SECRET not in repr(block) and SECRET not in str(block)
    assert SECRET not in block.model_dump_json()
    store = HubDatabase(url=sqlite_url(tmp_path), password=SECRET).get_store()
    assert SECRET not in repr(store) and SECRET not in str(store)


def test_an_unreachable_database_names_the_url_but_not_the_password() -> None:
    block = HubDatabase(url="postgresql+psycopg://hub@127.0.0.1:1/hub", password=SECRET)
    with pytest.raises(HubUnavailable) as caught:
        block.get_store()
    assert "postgresql+psycopg://hub:***@127.0.0.1:1/hub" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_get_store_is_shared_per_database(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    store = HubDatabase(url=url).get_store()
    assert isinstance(store, HubStore)
    assert HubDatabase(url=url).get_store() is store  # an equal block, another instance
    assert HubDatabase(url=url, echo=True).get_store() is not store
    assert HubDatabase(url=sqlite_url(tmp_path, "other.db")).get_store() is not store

    page = [HubRecord.from_document(_customer("a"))]
    store.records.upsert_page("shop", "customers", page, run_id="r1")
    assert HubDatabase(url=url).get_store().records.count("shop", "customers") == 1


def test_get_store_from_many_threads_makes_one_store(tmp_path: Path) -> None:
    block = HubDatabase(url=sqlite_url(tmp_path))
    start = threading.Barrier(8)
    stores: list[HubStore] = []

    def get() -> None:
        start.wait()
        stores.append(block.get_store())

    threads = [threading.Thread(target=get) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stores) == 8
    assert len({id(store) for store in stores}) == 1


def _customer(record_id: str) -> dict[str, object]:
    return {
        "id": record_id,
        "version": 1,
        "createdAt": "2026-01-02T03:04:05.678Z",
        "lastModifiedAt": "2026-01-02T03:04:05.678Z",
    }


def test_a_relative_sqlite_hub_stays_the_file_of_the_directory_it_was_opened_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ctsync.registry import ENTITIES

    first_dir, second_dir = tmp_path / "a", tmp_path / "b"
    first_dir.mkdir(), second_dir.mkdir()
    monkeypatch.chdir(first_dir)
    first = HubDatabase().get_store()  # sqlite:///data/hub.db
    monkeypatch.chdir(second_dir)
    second = HubDatabase().get_store()
    assert first is not second
    customer = {
        "id": "c1",
        "version": 1,
        "createdAt": "2026-01-01T00:00:00.000Z",
        "lastModifiedAt": "2026-01-01T00:00:00.000Z",
        "email": "ada@example.com",
    }
    first.records.upsert_page(
        "p", "customers", [record_of(ENTITIES["customers"], customer)], run_id="r"
    )
    assert (
        HubStore.connect(f"sqlite:///{first_dir}/data/hub.db").exact.records.count("p", "customers")
        == 1
    )
    assert second.exact.records.count("p", "customers") == 0
