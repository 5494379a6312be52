"""Against a Prefect server: a hub's readers take a saved credentials block's name for its
project, and loading a block by a name nobody saved says which type, which name and the fix."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from blocks import CommercetoolsCredentials, HubDatabase
from blocks._loading import BlockNotFound
from blocks.resolve import resolve_credentials, resolve_hub
from ctsync.hub import HubRecord, UnknownProject, Watermark


def saved_credentials(project_key: str) -> str:
    """A credentials block of `project_key` saved under a name of this test's own."""
    name = f"store-{uuid.uuid4().hex[:8]}"
    CommercetoolsCredentials(
        api_url=f"https://api.europe-west1.gcp.commercetools.com/{project_key}",
        client_id="client-id",
        client_secret="client-secret",
        scope=f"manage_project:{project_key}",
    ).save(name)
    return name


def customer(number: int) -> HubRecord:
    return HubRecord.from_document(
        {
            "id": f"c{number}",
            "version": 1,
            "createdAt": "2026-01-02T03:04:05.678Z",
            "lastModifiedAt": "2026-01-02T03:04:05.678Z",
        }
    )


def test_state_by_the_name_of_a_saved_credentials_block_or_by_its_key(tmp_path: Path) -> None:
    block = saved_credentials("sandbox")
    other = saved_credentials("target")
    store = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db").get_store()
    store.upsert_page("sandbox", "customers", [customer(1), customer(2)], run_id="r1")
    store.upsert_page("target", "customers", [customer(3)], run_id="r2")
    mark = Watermark("2026-01-02T03:04:05.678Z", "c2")
    store.save_state("sandbox", "customers", watermark=mark)
    store.save_state("sandbox", "orders", watermark=mark)

    state = store.get_state(block, "customers")  # README: store.get_state("my-store", ...)
    assert state is not None and state.project_key == "sandbox" and state.watermark == mark
    assert store.get_state("sandbox", "customers") == state
    assert store.count_records(block, "customers") == 2
    assert [c.id for c in store.changes(0, project_key=other)] == ["c3"]
    assert store.reset_state(block, "customers") == 1
    assert store.get_state("sandbox", "customers") is None
    assert store.reset_state("sandbox") == 1  # orders: by key as well
    assert store.get_state(block, "orders") is None

    with pytest.raises(UnknownProject) as refused:
        store.get_state("no-such-store", "customers")
    message = str(refused.value)
    assert "Project 'no-such-store'" in message and "The hub holds 'sandbox', 'target'" in message
    assert "no commercetools credentials block has that name" in message


def test_loading_a_block_nobody_saved_names_the_type_the_name_and_the_fix() -> None:
    HubDatabase(url="sqlite:///data/hub.db").save(f"hub-{uuid.uuid4().hex[:8]}")
    checks = [
        (lambda: CommercetoolsCredentials.load("nope"), "commercetools Credentials"),
        (lambda: HubDatabase.load("nope"), "commercetools Hub Database"),
        (lambda: asyncio.run(HubDatabase.aload("nope")), "commercetools Hub Database"),
        (lambda: asyncio.run(CommercetoolsCredentials.aload("nope")), "commercetools Credentials"),
    ]
    for load, kind in checks:
        with pytest.raises(BlockNotFound) as missing:
            load()
        message = str(missing.value)
        assert isinstance(missing.value, ValueError)
        assert f"No {kind} block named 'nope' is saved on http" in message
        assert f"Blocks > Add block > {kind}" in message and ".save('nope')" in message
    with pytest.raises(BlockNotFound) as missing:
        HubDatabase.load("nope")
    assert "The commercetools Hub Database blocks saved there: 'hub-" in str(missing.value)

    # The flows' parameters say which parameter named it, and the same fix.
    with pytest.raises(ValueError) as refused:
        resolve_credentials("nope")
    assert str(refused.value).startswith("credentials 'nope': No commercetools Credentials")
    with pytest.raises(ValueError) as refused:
        resolve_hub("nope")
    assert str(refused.value).startswith("hub 'nope': No commercetools Hub Database block")
    assert "Or leave hub empty for the SQLite file data/hub.db." in str(refused.value)
