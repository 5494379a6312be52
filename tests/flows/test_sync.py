"""Pull syncs against the sandbox: the hub ends equal to commercetools, whatever happened."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    LogFilter,
    LogFilterFlowRunId,
)

from blocks import CommercetoolsCredentials, HubDatabase
from ctsync.hub import Watermark
from ctsync.registry import ENTITIES
from ctsync.run.report import RunFailed
from ctsync.timestamps import clock
from flows._naming import current_flow_run_id, rename_flow_run
from flows.sync import sync_all, sync_customers, sync_entity
from sandbox import Sandbox
from sandbox.seed import customers_only

pytestmark = pytest.mark.sandbox


def credentials_for(sandbox: Sandbox) -> CommercetoolsCredentials:
    return CommercetoolsCredentials(
        api_url=sandbox.api_url,
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        scope=sandbox.scope,
    )


def hub_in(path: Path, name: str = "hub") -> HubDatabase:
    return HubDatabase(url=f"sqlite:///{path}/{name}.db")


def source(sandbox: Sandbox, endpoint: str) -> dict[str, dict[str, Any]]:
    """Every resource of an endpoint as commercetools serves it, read by id keyset."""
    found: dict[str, dict[str, Any]] = {}
    last = None
    with sandbox.client() as http:
        while True:
            params: dict[str, Any] = {"limit": 500, "sort": "id asc", "withTotal": "false"}
            if last:
                params["where"] = f'id > "{last}"'
            page = http.get(f"{sandbox.api_url}/{endpoint}", params=params).json()["results"]
            found.update((r["id"], r) for r in page)
            if len(page) < 500:
                return found
            last = page[-1]["id"]


def hub_documents(hub: HubDatabase, project: str, entity: str) -> dict[str, dict[str, Any]]:
    store = hub.get_store()
    return {r.id: r.document for r in store.records.iterate(project, entity)}


def test_every_entity_lands_in_the_hub_field_for_field(sandbox, tmp_path) -> None:
    hub = hub_in(tmp_path)
    result = sync_all(credentials_for(sandbox), hub=hub, mode="full", settle=0)
    reports = {r.entity: r for r in result.reports}
    assert set(reports) == set(ENTITIES)
    assert all(r.status == "completed" and r.failed == 0 for r in reports.values())
    with sandbox.client() as http:
        project = http.get(sandbox.api_url).json()
    assert hub_documents(hub, sandbox.project_key, "project") == {project["key"]: project}
    for entity in ENTITIES.values():
        if entity.singleton:
            continue
        expected = source(sandbox, entity.endpoint)
        assert expected, f"the seed has no {entity.name}"
        assert hub_documents(hub, sandbox.project_key, entity.name) == expected, entity.name
        assert reports[entity.name].fetched == reports[entity.name].inserted == len(expected)


def test_past_the_offset_cap_sequential_and_partitioned_agree(blank, tmp_path) -> None:
    blank.load({"customer": customers_only(12_345)})
    credentials = credentials_for(blank)
    sequential = sync_customers(credentials, hub=hub_in(tmp_path, "seq"), mode="full", partitions=1)
    parallel = sync_customers(credentials, hub=hub_in(tmp_path, "par"), mode="full", partitions=8)
    assert sequential.fetched == parallel.fetched == sequential.inserted == 12_345
    assert sequential.partitions == 1 and parallel.partitions == 8
    one = hub_documents(hub_in(tmp_path, "seq"), blank.project_key, "customers")
    eight = hub_documents(hub_in(tmp_path, "par"), blank.project_key, "customers")
    assert one == eight == source(blank, "customers")


def test_delta_reads_exactly_what_changed_and_full_marks_deletions(blank, tmp_path) -> None:
    blank.load({"customer": customers_only(1_200)})
    credentials, hub = credentials_for(blank), hub_in(tmp_path)
    first = sync_customers(credentials, hub=hub, settle=0)
    assert (first.mode, first.requested_mode, first.inserted) == ("full", "delta", 1_200)
    assert first.mode_reason == "no watermark yet: initial full load"
    # Asked for a delta, it read everything: its name says what it read.
    assert asyncio.run(flow_run_name(first.flow_run_id)).startswith("customers-full-")
    assert sync_customers(credentials, hub=hub, settle=0).fetched == 0

    with blank.client() as http:
        existing = list(source(blank, "customers").values())
        for customer in existing[:2]:
            http.post(
                f"{blank.api_url}/customers/{customer['id']}",
                json={
                    "version": customer["version"],
                    "actions": [{"action": "setFirstName", "firstName": "Changed"}],
                },
            ).raise_for_status()
        for i in range(3):
            http.post(
                f"{blank.api_url}/customers",
                json={"email": f"new{i}-{uuid.uuid4().hex[:6]}@example.com", "password": "x"},
            ).raise_for_status()
    time.sleep(1.1)  # the server clock (Date header) has one-second resolution

    delta = sync_customers(credentials, hub=hub, settle=0)
    assert delta.mode == "delta"
    assert (delta.fetched, delta.inserted, delta.updated) == (5, 3, 2)
    stored = hub_documents(hub, blank.project_key, "customers")
    assert all(stored[c["id"]]["firstName"] == "Changed" for c in existing[:2])
    assert sync_customers(credentials, hub=hub, settle=0).fetched == 0

    with blank.client() as http:
        for customer in existing[10:12]:
            http.delete(
                f"{blank.api_url}/customers/{customer['id']}",
                params={"version": customer["version"]},
            ).raise_for_status()
    full = sync_customers(credentials, hub=hub, mode="full", settle=0)
    assert full.deleted == 2
    store = hub.get_store()
    for customer in existing[10:12]:
        record = store.records.get(blank.project_key, "customers", customer["id"])
        assert record is not None and record.deleted_at is not None
    assert store.records.count(blank.project_key, "customers") == 1_203 - 2


def test_identical_timestamps_across_page_boundaries_are_read_once(blank, tmp_path) -> None:
    customers = customers_only(1_100)
    for customer in customers:
        customer["lastModifiedAt"] = "2026-02-02T02:02:02.000Z"
    blank.load({"customer": customers})
    hub_in(tmp_path).get_store().states.save(
        blank.project_key, "customers", watermark=Watermark("2026-02-01T00:00:00.000Z", "")
    )
    report = sync_customers(credentials_for(blank), hub=hub_in(tmp_path), page_size=100, settle=0)
    assert report.mode == "delta"
    assert report.fetched == report.inserted == 1_100
    assert report.pages == 12
    state = hub_in(tmp_path).get_store().states.get(blank.project_key, "customers")
    assert state is not None and state.watermark is not None
    assert state.watermark.last_modified_at == "2026-02-02T02:02:02.000Z"
    assert state.watermark.id == max(c["id"] for c in customers)


def test_a_killed_run_resumes_from_its_last_committed_page(blank, tmp_path) -> None:
    customers = customers_only(2_000)
    blank.load({"customer": customers})
    credentials, hub = credentials_for(blank), hub_in(tmp_path)
    # Pages whose cursor has reached the second half of the id space fail (403 is not retried).
    # A "/.../" path is a regular expression over path and query.
    blank.inject(403, count=None, path=r"//customers\?.*var\.after=[89a-f]/")
    with pytest.raises(RunFailed) as caught:
        sync_customers(credentials, hub=hub, mode="full", partitions=1, page_size=100)
    failed = caught.value.report
    assert failed is not None and failed.status == "failed"
    assert "403" in (failed.error or "") and "correlation id" in (failed.error or "")
    store = hub.get_store()
    committed = store.records.count(blank.project_key, "customers")
    assert 0 < committed < 2_000 and committed == failed.inserted
    state = store.states.get(blank.project_key, "customers")
    assert state is not None and state.watermark is None  # never ahead of committed data
    assert state.cursor is not None and state.cursor["partitions"][0]["after_id"]

    blank.clear_faults()
    resumed = sync_customers(credentials, hub=hub, mode="full", partitions=1, page_size=100)
    assert resumed.resumed
    assert resumed.inserted == 2_000 - committed
    assert resumed.fetched <= 2_000 - committed + 100  # at most the failed page again
    assert store.records.count(blank.project_key, "customers") == 2_000
    assert hub_documents(hub, blank.project_key, "customers") == source(blank, "customers")
    state = store.states.get(blank.project_key, "customers")
    assert state is not None and state.cursor is None and state.watermark is not None


def test_invalid_records_go_to_dead_letters_and_count_as_failed(blank, tmp_path) -> None:
    customers = customers_only(50)
    del customers[7]["email"]
    customers[9]["version"] = "three"
    blank.load({"customer": customers})
    hub = hub_in(tmp_path)
    report = sync_customers(credentials_for(blank), hub=hub, mode="full")
    assert (report.fetched, report.inserted, report.failed) == (50, 48, 2)
    assert report.status == "completed"
    assert any("email" in failure for failure in report.first_failures)
    letters = hub.get_store().dead_letters.read(blank.project_key, "customers")
    assert {letter.record_id for letter in letters} == {customers[7]["id"], customers[9]["id"]}
    assert all(letter.reason for letter in letters)


def test_dry_run_reads_and_reports_but_writes_nothing(blank, tmp_path) -> None:
    blank.load({"customer": customers_only(700)})
    hub = hub_in(tmp_path)
    report = sync_customers(credentials_for(blank), hub=hub, mode="full", dry_run=True)
    assert report.dry_run and report.fetched == 700 and report.inserted == 700
    store = hub.get_store()
    assert store.projects.held() == []  # no record, state or run of any project
    assert store.exact.records.count(blank.project_key, "customers") == 0
    assert store.exact.states.get(blank.project_key, "customers") is None


def test_reset_forgets_the_watermark(blank, tmp_path) -> None:
    blank.load({"customer": customers_only(30)})
    credentials, hub = credentials_for(blank), hub_in(tmp_path)
    sync_customers(credentials, hub=hub, settle=0)
    again = sync_customers(credentials, hub=hub, reset=True, settle=0)
    assert again.mode == "full" and again.unchanged == 30


def test_a_403_fails_one_entity_and_the_others_complete(sandbox, tmp_path) -> None:
    sandbox.inject(
        403,
        count=None,
        path=f"/{sandbox.project_key}/orders",
        body={
            "statusCode": 403,
            "message": "Insufficient scope. One of the following scopes is missing: "
            f"view_orders:{sandbox.project_key}",
            "errors": [{"code": "insufficient_scope", "message": "Insufficient scope."}],
        },
    )
    names = ["customers", "orders", "categories", "payments"]
    with pytest.raises(RunFailed) as caught:
        sync_all(credentials_for(sandbox), hub=hub_in(tmp_path), entities=names, settle=0)
    assert "orders" in str(caught.value) and f"view_orders:{sandbox.project_key}" in str(
        caught.value
    )
    reports = {r.entity: r for r in caught.value.report.reports}
    assert reports["orders"].status == "failed"
    assert all(reports[n].status == "completed" and reports[n].fetched > 0 for n in names[::2])
    assert reports["payments"].status == "completed"


def test_unknown_entity_and_bad_parameters_are_refused(sandbox) -> None:
    with pytest.raises(ValueError, match="unknown entity 'customer'"):
        sync_entity("customer", credentials_for(sandbox))
    with pytest.raises(ValueError, match="page_size is 501"):
        sync_customers(credentials_for(sandbox), page_size=501)
    with pytest.raises(ValueError, match="since is 'yesterday'"):
        sync_customers(credentials_for(sandbox), since="yesterday")


async def read_artifact(key: str, flow_run_id: str) -> Any:
    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[uuid.UUID(flow_run_id)]),
            )
        )
    assert found, f"no artifact {key}"
    return found[0]


async def flow_run_name(flow_run_id: str | None) -> str:
    assert flow_run_id
    async with get_client() as client:
        return (await client.read_flow_run(uuid.UUID(flow_run_id))).name


async def read_artifacts_of_type(kind: str, flow_run_id: str) -> list[Any]:
    """Artifacts of one flow run by type, keyed or not."""
    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[uuid.UUID(flow_run_id)]),
            )
        )
    return [artifact for artifact in found if artifact.type == kind]


def metrics(artifact: Any) -> dict[str, Any]:
    """A metric/value table artifact as a dict."""
    rows = artifact.data if isinstance(artifact.data, list) else json.loads(artifact.data)
    assert all(set(row) == {"metric", "value"} for row in rows), rows
    return {row["metric"]: row["value"] for row in rows}


async def read_events(name: str, resource_id: str, flow_run_id: str) -> list[dict[str, Any]]:
    """Events `name` about `resource_id` from one flow run (they arrive asynchronously)."""
    async with get_client() as client:
        for _ in range(100):
            response = await client._client.post(
                "/events/filter",
                json={
                    "filter": {
                        "event": {"name": [name]},
                        "resource": {"id": [resource_id]},
                        "related": {"id": [f"prefect.flow-run.{flow_run_id}"]},
                        "occurred": {"since": "2026-01-01T00:00:00Z"},
                        "order": "DESC",
                    },
                    "limit": 10,
                },
            )
            events = response.json()["events"]
            if events:
                return events
            await asyncio.sleep(0.2)
    return []


async def test_artifacts_and_events_carry_the_counts(blank, tmp_path) -> None:
    blank.load({"customer": customers_only(1_234)})
    report = await asyncio.to_thread(
        sync_customers, credentials_for(blank), hub=hub_in(tmp_path), mode="full", partitions=3
    )
    key = f"ct-{blank.project_key}-customers"
    assert report.flow_run_id
    table = await read_artifact(key, report.flow_run_id)
    assert table.type == "table"
    shown = metrics(table)
    assert (shown["fetched"], shown["inserted"], shown["pages"]) == (1_234, 1_234, report.pages)
    assert shown["mode"] == "full (asked for)" and shown["partitions"] == 3
    assert shown["window"] == report.window and shown["window"].startswith("all records")
    assert shown["watermark"] == report.watermark and shown["watermark"].startswith("moved from")
    for metric in (
        "status",
        "updated",
        "unchanged",
        "deleted",
        "failed",
        "API calls",
        "retries",
        "throttled (s)",
        "duration (s)",
        "records/s",
    ):
        assert metric in shown
    # The bar has no key (it would crowd the artifact catalog) and ends at 100 %.
    (progress,) = await read_artifacts_of_type("progress", report.flow_run_id)
    assert progress.key is None and float(progress.data) == 100.0
    summary = await read_artifact(f"{key}-summary", report.flow_run_id)
    assert "fetched 1234" in summary.data
    events = await read_events(
        "commercetools.sync.completed",
        f"commercetools.{blank.project_key}.customers",
        report.flow_run_id,
    )
    assert any(
        e["payload"]["fetched"] == 1_234 and e["payload"]["inserted"] == 1_234 for e in events
    )
    # The event feed shows the resource's name: it reads as the run's summary.
    assert all(
        e["resource"]["prefect.resource.name"] == f"{blank.project_key}: {report.summary()}"
        for e in events
    )
    async with get_client() as client:
        run = await client.read_flow_run(uuid.UUID(report.flow_run_id))
    assert run.name.startswith("customers-full-")
    assert run.state.message == report.summary()


def test_failed_run_emits_the_failed_event(blank, tmp_path) -> None:
    blank.load({"customer": customers_only(10)})
    blank.inject(403, count=None, path="/customers")
    with pytest.raises(RunFailed) as caught:
        sync_customers(credentials_for(blank), hub=hub_in(tmp_path), mode="full")
    report = caught.value.report
    assert report is not None and report.flow_run_id
    events = asyncio.run(
        read_events(
            "commercetools.sync.failed",
            f"commercetools.{blank.project_key}.customers",
            report.flow_run_id,
        )
    )
    assert events and events[0]["payload"]["status"] == "failed"
    assert "403" in events[0]["payload"]["error"]


def test_a_run_whose_plan_reads_otherwise_than_its_name_is_renamed() -> None:
    @flow(flow_run_name="customers-delta-20260101-000000")
    def named_before_its_plan() -> str:
        rename_flow_run("customers", "full")
        return current_flow_run_id() or ""

    run_id = named_before_its_plan()
    assert asyncio.run(flow_run_name(run_id)) == "customers-full-20260101-000000"


def test_sync_all_logs_its_plan_and_is_named_after_what_its_entities_read(blank, tmp_path) -> None:
    blank.load({"customer": customers_only(3)})
    credentials, hub = credentials_for(blank), hub_in(tmp_path)
    names = ["project", "customers"]
    first = sync_all(credentials, hub=hub, entities=names, settle=0)
    assert first.mode == "full"
    run_id = first.reports[0].flow_run_id
    # Inside sync_all each entity is a task run of sync_all's own flow run.
    assert run_id and {r.flow_run_id for r in first.reports} == {run_id}
    assert asyncio.run(flow_run_name(run_id)).startswith("all-full-")
    again = sync_all(credentials, hub=hub, entities=names, settle=0)
    assert again.mode == "delta"
    assert asyncio.run(flow_run_name(again.reports[0].flow_run_id)).startswith("all-delta-")
    # Three plans (the flow's, each entity's) and three results, the flow's own last of all.
    lines = asyncio.run(log_lines(run_id, count=6))
    # Named so from its start, before its entities' plans ran (not renamed at its end only).
    assert any(line.startswith("Beginning flow run 'all-full-") for line in lines), lines
    assert any(
        line.startswith(
            "Plan: delta (full where an entity has no watermark yet) of 2 entities in 1 "
            "dependency level"
        )
        for line in lines
    ), lines
    assert any(line.startswith("Plan: customers full (no watermark yet") for line in lines)
    assert any(line.startswith("Done: 2 entities synced (full): fetched 4") for line in lines)


async def log_lines(
    flow_run_id: str, count: int, start: tuple[str, ...] = ("Plan:", "Done:")
) -> list[str]:
    """The messages of a flow run's logs (its task runs' included), once at least `count` of
    them start with one of `start` (the API receives logs in batches, every 2 s, later on a
    loaded machine: up to a minute of waiting)."""
    messages: list[str] = []
    async with get_client() as client:
        for _ in range(300):
            logs = await client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[uuid.UUID(flow_run_id)]))
            )
            messages = [log.message for log in logs]
            if sum(m.startswith(start) for m in messages) >= count:
                break
            await asyncio.sleep(0.2)
    return messages


def test_a_delta_says_which_changes_its_settle_left_to_the_next_run(blank, tmp_path) -> None:
    blank.load({"customer": customers_only(3)})
    credentials, hub = credentials_for(blank), hub_in(tmp_path)
    first = sync_customers(credentials, hub=hub, settle=120)
    assert first.mode == "full" and first.unread_after == ""  # a full read reads everything
    delta = sync_customers(credentials, hub=hub, settle=120)
    assert delta.mode == "delta" and delta.window.endswith(delta.unread_after)
    said = f"; changes after {clock(delta.unread_after)} are read by the next run"
    assert delta.summary().endswith(said)
    run_id = delta.flow_run_id
    assert run_id and asyncio.run(flow_run_state_message(run_id)) == delta.summary()
    everything = sync_all(credentials, hub=hub, entities=["customers"], settle=120)
    assert everything.summary().endswith(
        f"; changes after {clock(everything.unread_after)} are read by the next run"
    )
    assert sync_customers(credentials, hub=hub, settle=0).unread_after == ""


async def flow_run_state_message(flow_run_id: str) -> str | None:
    async with get_client() as client:
        return (await client.read_flow_run(uuid.UUID(flow_run_id))).state.message
