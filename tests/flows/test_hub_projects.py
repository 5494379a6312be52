"""Against a Prefect server: a hub's readers take a saved credentials block's name for its
project, and loading a block by a name nobody saved says which type, which name and the fix."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from blocks import CommercetoolsCredentials, HubDatabase
from blocks._loading import BlockNotFound
from blocks.resolve import resolve_credentials, resolve_hub
from ctsync.hub import HubRecord, ProjectRequired, UnknownProject, Watermark
from flows.export import export_changes, export_new_orders
from tests.flows.test_sync import flow_run_name, log_lines


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


def customer(number: int, prefix: str = "c") -> HubRecord:
    return HubRecord.from_document(
        {
            "id": f"{prefix}{number}",
            "version": 1,
            "createdAt": "2026-01-02T03:04:05.678Z",
            "lastModifiedAt": "2026-01-02T03:04:05.678Z",
        }
    )


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_state_by_the_name_of_a_saved_credentials_block_or_by_its_key(tmp_path: Path) -> None:
    block = saved_credentials("sandbox")
    other = saved_credentials("target")
    store = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db").get_store()
    store.records.upsert_page("sandbox", "customers", [customer(1), customer(2)], run_id="r1")
    store.records.upsert_page("target", "customers", [customer(3)], run_id="r2")
    mark = Watermark("2026-01-02T03:04:05.678Z", "c2")
    store.states.save("sandbox", "customers", watermark=mark)
    store.states.save("sandbox", "orders", watermark=mark)

    state = store.states.get(block, "customers")  # README: store.states.get("my-store", ...)
    assert state is not None and state.project_key == "sandbox" and state.watermark == mark
    assert store.states.get("sandbox", "customers") == state
    assert store.records.count(block, "customers") == 2
    assert [c.id for c in store.feed.changes(0, project=other)] == ["c3"]
    assert store.states.reset(block, "customers") == 1
    assert store.states.get("sandbox", "customers") is None
    assert store.states.reset("sandbox") == 1  # orders: by key as well
    assert store.states.get(block, "orders") is None

    with pytest.raises(UnknownProject) as refused:
        store.states.get("no-such-store", "customers")
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


def test_the_export_flows_read_one_project_of_a_hub_that_holds_two(tmp_path: Path) -> None:
    """copy_project leaves source and target in one hub: the crm export got both, mixed."""
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    store = hub.get_store()
    for project, count in (("sandbox", 3), ("target", 2)):
        customers = [customer(n, f"{project}-c") for n in range(count)]
        store.records.upsert_page(project, "customers", customers, run_id=f"c-{project}")
        orders = [customer(n, f"{project}-o") for n in range(count + 1)]
        store.records.upsert_page(project, "orders", orders, run_id=f"o-{project}")
    block = saved_credentials("target")
    mixed = tmp_path / "mixed.jsonl"
    for run in (
        lambda: export_changes(path=str(mixed), consumer="crm", hub=hub),
        lambda: export_new_orders(path=str(mixed), hub=hub),
    ):
        with pytest.raises(ProjectRequired, match=r"2 projects \(sandbox, target\)"):
            run()
    assert not mixed.exists()

    target = tmp_path / "crm.jsonl"
    state = export_changes(
        path=str(target), consumer="crm", hub=hub, project=block, return_state=True
    )
    report = state.result()
    assert report.project == "target" and report.exported == 5
    assert {line["project_key"] for line in lines(target)} == {"target"}
    run_id = str(state.state_details.flow_run_id)
    assert asyncio.run(flow_run_name(run_id)).startswith("export-crm-target-")
    plan = asyncio.run(log_lines(run_id, count=2))
    assert any(
        line.startswith(f"Plan: changes of project target (block {block}) after 0") for line in plan
    )

    orders = tmp_path / "new-orders.jsonl"
    state = export_new_orders(path=str(orders), hub=hub, project="sandbox", return_state=True)
    assert sorted(line["id"] for line in lines(orders)) == [f"sandbox-o{n}" for n in range(4)]
    run_id = str(state.state_details.flow_run_id)
    assert asyncio.run(flow_run_name(run_id)).startswith("new-orders-erp-new-orders-sandbox-")
    plan = asyncio.run(log_lines(run_id, count=2))
    assert any(line.startswith("Plan: orders of project sandbox inserted after") for line in plan)

    schema = export_changes.parameters.properties["project"]
    assert schema["title"] == "Project" and "credentials block" in schema["description"]
    assert export_new_orders.parameters.properties["project"]["title"] == "Project"
