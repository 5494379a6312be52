"""End to end, the way a user runs it in production: a real `prefect server start`, `make deploy`
(prefect.yaml), a process worker started as its systemd unit says, in a directory of its own,
whose runs clone their code from a git repository (a local bare one, made from this checkout's
files as they stand, so uncommitted work is tested too), runs triggered through the API with
parameters (as the UI's Run form does), the failure alert's webhook, and
`python -m deployments.serve`, all against a sandbox.

One server (on PostgreSQL, as in production), worker and sandbox serve the whole module (about
3 minutes on 2 cores). Each process starts in its own session; teardown stops it and every
process below it (flow runs start their own sessions), so nothing outlives the module.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import DeploymentUpdate
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.client.schemas.objects import StateType
from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter
from prefect.exceptions import PrefectHTTPStatusError

from blocks import CommercetoolsCredentials, HubDatabase
from deployments import alerts
from deployments.catalog import DEFAULT_CREDENTIALS, DEPLOYMENTS, WORK_POOL
from sandbox import Sandbox
from tests.deployments.e2e_stack import (
    CLONE_NAME,
    HUB_BLOCK,
    PREFECT_YAML,
    ROOT,
    RUN_TIMEOUT,
    UUID_PATTERN,
    Stack,
    clone_head,
    deploy_from_git,
    deployment_id,
    deployment_runs,
    environment,
    flow_name,
    json_lines,
    make_repository,
    run_artifacts,
    run_deployment,
    run_logs,
    start_server,
    start_worker,
    wait_final,
    webhook,
)
from tests.postgres import fresh_database
from tests.prefect_servers import talking_to
from tests.processes import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.sandbox, pytest.mark.timeout(420)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, postgres_server: str) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("e2e")
    # The server's database is PostgreSQL, as in production (server.env): a fresh database on
    # the tests' PostgreSQL server, through asyncpg.
    database = fresh_database(postgres_server).replace("+psycopg://", "+asyncpg://")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = environment(tmp / "prefect-home")
    sandbox = Sandbox(port=0)
    stack = Stack(api_url, {**env, "PREFECT_API_URL": api_url}, sandbox, tmp, [], {})
    stack.worker_dir = tmp / "worker"
    started = time.monotonic()
    try:
        stack.repository = make_repository(tmp)
        sandbox.start(timeout=120)
        start_server(stack, port, database)
        stack.seconds["server"] = time.monotonic() - started
        with talking_to(api_url):
            mark = time.monotonic()
            deploy_from_git(stack)
            stack.seconds["make deploy"] = time.monotonic() - mark
            # What a user saves once in the UI: the block the deployments name, and a hub.
            CommercetoolsCredentials(
                api_url=sandbox.api_url,
                client_id=sandbox.client_id,
                client_secret=sandbox.client_secret,
                scope=sandbox.scope,
            ).save(DEFAULT_CREDENTIALS, overwrite=True)
            HubDatabase(url=f"sqlite:///{tmp / 'hub.db'}").save(HUB_BLOCK, overwrite=True)
            # As a user points the triggered export at their hub and file (UI: Edit deployment),
            # before any orders sync can trigger it.
            with get_client(sync_client=True) as client:
                client.update_deployment(
                    deployment_id(client, "export-new-orders"),
                    DeploymentUpdate(parameters=_new_orders_parameters(tmp)),
                )
            start_worker(stack)
            yield stack
    finally:
        for service in reversed(stack.services):
            service.stop()
        sandbox.stop()
        total = time.monotonic() - started
        timings = ", ".join(f"{k} {v:.0f} s" for k, v in stack.seconds.items())
        print(f"\ne2e module: {total:.0f} s ({timings})")


def _new_orders_parameters(tmp: Path) -> dict[str, Any]:
    """Where the e2e stack points the triggered export: its hub block and a file of its own."""
    return {
        "path": str(tmp / "erp" / "new-orders.jsonl"),
        "consumer": "erp",
        "project": DEFAULT_CREDENTIALS,
        "hub": HUB_BLOCK,
    }


def test_deploy_all_registers_every_deployment_with_its_schedule_and_limit(stack: Stack) -> None:
    links = re.findall(r"View Deployment in UI: (\S+)", stack.deploy_output)
    with get_client(sync_client=True) as client:
        ids = [deployment_id(client, spec.name) for spec in DEPLOYMENTS]
        # make deploy's links open each deployment's page in the current UI (/v2).
        assert links == [f"{stack.ui_url}/deployments/deployment/{id_}" for id_ in ids]
        for spec in DEPLOYMENTS:
            deployment = client.read_deployment(deployment_id(client, spec.name))
            assert deployment.work_pool_name == WORK_POOL
            assert deployment.enforce_parameter_schema
            if spec.name == "export-new-orders":
                assert deployment.parameters == _new_orders_parameters(stack.tmp)
            else:
                assert deployment.parameters == spec.parameters
            assert set(spec.tags) <= set(deployment.tags)
            intervals = [s.schedule.interval.total_seconds() for s in deployment.schedules]  # type: ignore[union-attr]
            assert intervals == ([spec.interval] if spec.interval else [])
            limit = deployment.global_concurrency_limit
            if spec.one_at_a_time:
                assert limit is not None and limit.limit == 1
                assert deployment.concurrency_options is not None
                assert deployment.concurrency_options.collision_strategy == spec.collision_strategy
            else:
                assert limit is None
            properties = deployment.parameter_openapi_schema["properties"]
            if spec.name == "copy-project":
                assert properties["source"]["title"] == "Source credentials block"
                assert properties["target"]["title"] == "Target credentials block"
            elif spec.name == "export-new-orders":
                assert properties["path"]["title"] == "File"
                assert "credentials" not in properties
            elif spec.name == "export-changes":
                assert properties["path"]["title"] == "File"
                assert properties["consumer"]["title"] == "Consumer"
                assert properties["hub"]["title"] == "Hub database block"
                assert properties["format"]["enum"] == ["jsonl", "csv"]
            else:
                assert properties["credentials"]["title"] == "Credentials block"


def test_a_run_started_with_parameters_completes_with_its_artifacts_and_event(
    stack: Stack,
) -> None:
    with get_client(sync_client=True) as client:
        customers = deployment_id(client, "customers")
        # enforce_parameter_schema: the API refuses what the Run form would not accept.
        with pytest.raises(PrefectHTTPStatusError, match="sideways"):
            client.create_flow_run_from_deployment(customers, parameters={"mode": "sideways"})

        created = client.create_flow_run_from_deployment(
            customers, parameters={"hub": HUB_BLOCK, "mode": "full", "page_size": 100}
        )
        (run,) = wait_final(client, stack, [created.id])
        assert run.state_type == StateType.COMPLETED, f"{run.state}\n{stack.logs()}"
        assert run.state is not None and run.state.message is not None
        assert run.state.message.startswith("customers full: fetched 300, inserted 300")
        assert run.name.startswith("customers-full-")
        assert {"commercetools", "ct-entity:customers", "ct-project:sandbox"} <= set(run.tags)

        artifacts = run_artifacts(client, run.id)
        assert {"ct-sandbox-customers", "ct-sandbox-customers-summary"} <= set(artifacts)
        table = artifacts["ct-sandbox-customers"].data
        rows = json.loads(table) if isinstance(table, str) else table
        shown = {row["metric"]: row["value"] for row in rows}
        assert (shown["status"], shown["fetched"], shown["inserted"]) == ("completed", 300, 300)
        # The progress bar belongs to the run, not to the catalog of keyed artifacts.
        found = client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
        )
        bars = [artifact for artifact in found if artifact.type == "progress"]
        assert len(bars) == 1 and bars[0].key is None

        event_filter = EventFilter(
            event=EventNameFilter(name=["commercetools.sync.completed"]),
            resource=EventResourceFilter(id=["commercetools.sandbox.customers"]),
        )
        deadline = time.monotonic() + 30  # the server persists events in batches
        while True:
            events = client.read_events(filter=event_filter, limit=50).events
            if any(event.payload.get("flow_run_id") == str(run.id) for event in events):
                break
            assert time.monotonic() < deadline, f"no sync.completed event for {run.id}"
            time.sleep(1)

    hub = HubDatabase(url=f"sqlite:///{stack.tmp / 'hub.db'}").get_store()
    assert hub.records.count("sandbox", "customers") == 300


def test_two_overlapping_runs_of_one_deployment_never_run_side_by_side(stack: Stack) -> None:
    # Every orders call takes 1.5 s, so the first run is still busy when the second arrives.
    stack.sandbox.inject(latency_ms=1500, count=None, path="/orders")
    try:
        with get_client(sync_client=True) as client:
            orders = deployment_id(client, "orders")
            ids = [
                client.create_flow_run_from_deployment(orders, parameters={"hub": HUB_BLOCK}).id
                for _ in range(2)
            ]
            runs = wait_final(client, stack, ids)
    finally:
        stack.sandbox.clear_faults()
    completed = [r for r in runs if r.state_type == StateType.COMPLETED]
    cancelled = [r for r in runs if r.state_type == StateType.CANCELLED]
    assert len(completed) == 1 and len(cancelled) == 1, [r.state for r in runs]
    assert cancelled[0].state is not None
    assert "concurrency limit" in (cancelled[0].state.message or "")
    # Never ran: the slot was refused before the worker launched anything.
    with get_client(sync_client=True) as client:
        history = [state.type for state in client.read_flow_run_states(cancelled[0].id)]
    assert StateType.RUNNING not in history, history


def test_an_orders_sync_that_inserts_orders_starts_export_new_orders(stack: Stack) -> None:
    from tests.flows.test_export_changes import new_orders

    target = Path(_new_orders_parameters(stack.tmp)["path"])
    with get_client(sync_client=True) as client:
        export_id = deployment_id(client, "export-new-orders")
        # prefect deploy made the trigger an automation of the deployment.
        (automation,) = client.read_resource_related_automations(f"prefect.deployment.{export_id}")
        assert automation.name == "export-new-orders when a sync or follow-changes inserts orders"
        assert automation.enabled and automation.trigger.expect == {
            "commercetools.sync.completed",
            "commercetools.changes.applied",
        }

        # The hub holds the sandbox's orders and the consumer has taken them (runs by hand,
        # and any the trigger started meanwhile: one at a time, queued).
        run_deployment(client, stack, "orders", hub=HUB_BLOCK, settle=0)
        run_deployment(client, stack, "export-new-orders")
        wait_final(client, stack, [r.id for r in deployment_runs(client, export_id)])
        before = json_lines(target)
        assert before, "the first export wrote every order the hub holds"
        known = {r.id for r in deployment_runs(client, export_id)}

        fresh = new_orders(3, "e2e")
        stack.sandbox.load({"order": fresh})
        time.sleep(1.1)  # the sandbox's clock has whole seconds
        # settle 0: the default 120 s would leave orders this new to the sync after next.
        sync = run_deployment(client, stack, "orders", hub=HUB_BLOCK, settle=0)
        assert sync.state is not None and "inserted 3," in (sync.state.message or "")

        deadline = time.monotonic() + RUN_TIMEOUT
        while True:
            started = [r for r in deployment_runs(client, export_id) if r.id not in known]
            if started and all(r.state is not None and r.state.is_final() for r in started):
                break
            stack.check_alive()
            assert time.monotonic() < deadline, f"no export after the sync\n{stack.logs()}"
            time.sleep(1)
    assert [r.created_by.type for r in started if r.created_by] == ["AUTOMATION"]
    assert all(r.state_type == StateType.COMPLETED for r in started), [r.state for r in started]
    written = json_lines(target)[len(before) :]
    assert sorted(line["id"] for line in written) == sorted(order["id"] for order in fresh)
    assert {line["change"] for line in written} == {"insert"}


def test_runs_take_their_code_from_git_and_keep_one_hub(stack: Stack) -> None:
    assert stack.repository is not None
    worker = stack.service("worker")
    hub = HubDatabase(url=f"sqlite:///{stack.data_dir / 'hub.db'}").get_store()
    with get_client(sync_client=True) as client:
        # prefect deploy stores pull steps as written: the worker resolves the variables and
        # $COMMERCETOOLS_DATA_DIR when each run starts.
        customers = client.read_deployment(deployment_id(client, "customers"))
        assert customers.pull_steps == yaml.safe_load(PREFECT_YAML.read_text())["pull"]

        # In a temporary directory of its own (the process worker's default), on the default
        # hub sqlite:///data/hub.db: data/ of its clone is the worker's data directory.
        first = run_deployment(client, stack, "customers", mode="full")
        assert first.state is not None and first.state.message is not None
        assert first.state.message.startswith("customers full: fetched 300, inserted 300")
        logs = run_logs(client, first.id)
        assert "git_clone" in logs and "link_data_directory" in logs, logs
        assert f"View at {stack.ui_url}/runs/flow-run/{first.id}" in worker.output()
        assert hub.records.count("sandbox", "customers") == 300  # the clone is gone, not the hub

        # A commit lands and the next run takes it. In a working directory that outlives runs,
        # the first run clones and the next one fetches into the same clone.
        runs = stack.worker_dir / "runs"
        runs.mkdir()  # the process worker does not create a working_dir
        job = {"working_dir": str(runs)}
        clone = runs / CLONE_NAME
        commit = stack.repository.commit("flows/__init__.py", 'print("e2e: commit 2")\n', "2")
        run_deployment(client, stack, "check-connection", job_variables=job)
        assert clone_head(clone) == commit
        assert "e2e: commit 2" in worker.output()  # flows/__init__.py of the clone ran

        commit = stack.repository.commit("flows/__init__.py", 'print("e2e: commit 3")\n', "3")
        third = run_deployment(client, stack, "customers", job_variables=job)
        assert clone_head(clone) == commit
        assert "e2e: commit 3" in worker.output()
        # Another clone, the same hub: a delta from the first run's watermark finds nothing.
        assert third.state is not None and third.state.message is not None
        assert third.state.message.startswith("customers delta: fetched 0,"), third.state.message
        assert (clone / "data").is_symlink()
        assert (clone / "data").resolve() == stack.data_dir.resolve()
        assert hub.records.count("sandbox", "customers") == 300


def _install_alerts(stack: Stack, url: str) -> None:
    """Once with a first URL, then as the docs say: still one block and one automation."""
    with talking_to(stack.api_url):
        alerts.main(["--webhook-url", f"{url}/old"])
    done = subprocess.run(
        [sys.executable, "-m", "deployments.alerts", "--webhook-url", url],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with get_client(sync_client=True) as client:
        (automation,) = client.read_automations_by_name(alerts.AUTOMATION_NAME)
        webhooks = client.read_block_documents_by_type("custom-webhook")
    assert [block.name for block in webhooks] == [alerts.BLOCK_NAME]
    assert automation.actions[0].block_document_id == webhooks[0].id  # type: ignore[union-attr]


def test_a_failed_commercetools_run_notifies_the_alert_webhook(stack: Stack) -> None:
    with webhook() as (url, received):
        _install_alerts(stack, url)
        with get_client(sync_client=True) as client:
            CommercetoolsCredentials(
                api_url=stack.sandbox.api_url,
                client_id=stack.sandbox.client_id,
                client_secret="not-the-secret",
                scope=stack.sandbox.scope,
            ).save("e2e-wrong-secret", overwrite=True)
            # As a user starts it, with PREFECT_UI_URL as worker.env and the docs set it.
            output = stack.cli(
                "deployment",
                "run",
                f"{flow_name('customers')}/customers",
                "-p",
                "credentials=e2e-wrong-secret",
                env={**stack.env, "PREFECT_UI_URL": stack.ui_url},
            )
            found = re.search(f"UUID: ({UUID_PATTERN})", output)
            assert found is not None, output
            link = f"{stack.ui_url}/runs/flow-run/{found[1]}"
            assert f"URL: {link}" in output
            (run,) = wait_final(client, stack, [UUID(found[1])])
        assert run.state_type == StateType.FAILED, run.state
        assert run.state is not None and run.state.message

        deadline = time.monotonic() + 60  # the triggers and actions services, then the POST
        while not received:
            assert time.monotonic() < deadline, f"no notification\n{stack.logs()}"
            time.sleep(0.5)
        time.sleep(1)  # a second notification for the same failure would arrive by now
    (notification,) = received
    assert notification["_path"] == "/hooks/commercetools"  # the URL given last
    assert notification["subject"] == f"commercetools run {run.name} Failed"
    body = notification["body"]
    assert f"Flow run {run.name} of sync-customers (deployment customers) ended Failed." in body
    assert f"Error: {run.state.message}" in body
    assert body.endswith(link)
    assert notification["text"] == f"{notification['subject']}\n{body}"


def test_serve_offers_the_same_deployments_from_one_process(stack: Stack) -> None:
    # One or the other: a user serves or runs a worker; both would pick up the same runs.
    stack.stop("worker")
    serve = stack.start("serve", [sys.executable, "-m", "deployments.serve", "--hub", HUB_BLOCK])
    with get_client(sync_client=True) as client:
        # serve takes the deployments over (same names), loading the flows by module name.
        deadline = time.monotonic() + 90
        while True:
            served = [
                client.read_deployment(deployment_id(client, name))
                for name in ("check-connection", "customers")
            ]
            if all(d.entrypoint and ":" not in d.entrypoint for d in served):
                break
            serve.check_alive()
            assert time.monotonic() < deadline, f"serve did not register\n{serve.tail()}"
            time.sleep(1)
        check, customers = served
        assert [s.schedule.interval.total_seconds() for s in customers.schedules] == [300]  # type: ignore[union-attr]
        assert customers.global_concurrency_limit is not None
        assert customers.global_concurrency_limit.limit == 1
        assert customers.parameters == {"credentials": DEFAULT_CREDENTIALS, "hub": HUB_BLOCK}

        created = client.create_flow_run_from_deployment(check.id)
        (run,) = wait_final(client, stack, [created.id])
        assert run.state_type == StateType.COMPLETED, f"{run.state}\n{serve.tail()}"
        assert "ct-sandbox-connection" in run_artifacts(client, run.id)
