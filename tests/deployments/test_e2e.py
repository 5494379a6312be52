"""End to end, the way a user runs it: a real `prefect server start`, `prefect deploy --all` from
prefect.yaml, a process worker, runs triggered through the API with parameters (as the UI's Run
form does), and `python -m deployments.serve`, all against a sandbox.

One server, worker and sandbox serve the whole module (about 2 minutes on 2 cores). Each process
starts in its own session; teardown stops it and every process below it (flow runs start their
own sessions), so nothing outlives the module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import DeploymentUpdate
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter
from prefect.exceptions import PrefectHTTPStatusError
from prefect.settings import PREFECT_API_URL, temporary_settings

from blocks import CommercetoolsCredentials, HubDatabase
from deployments.catalog import DEFAULT_CREDENTIALS, DEPLOYMENTS, WORK_POOL
from sandbox import Sandbox
from tests.processes import free_port, stop_tree

pytestmark = [pytest.mark.e2e, pytest.mark.sandbox, pytest.mark.timeout(420)]

ROOT = Path(__file__).resolve().parents[2]
PREFECT = [sys.executable, "-m", "prefect"]
HUB_BLOCK = "e2e-hub"
SERVER_START_TIMEOUT = 120
RUN_TIMEOUT = 150


class Service:
    """A long-running process (server, worker, serve) in its own session, logging to a file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log = log_dir / f"{name}.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace").splitlines()[-lines:]
        return f"--- last lines of {self.log} ---\n" + "\n".join(text)

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            pytest.fail(f"{self.name} exited with code {self.proc.returncode}\n{self.tail()}")

    def stop(self) -> None:
        stop_tree(self.proc)


@dataclass
class Stack:
    api_url: str
    env: dict[str, str]
    sandbox: Sandbox
    tmp: Path
    services: list[Service]
    seconds: dict[str, float]

    def start(self, name: str, args: list[str]) -> Service:
        service = Service(name, args, self.env, self.tmp)
        self.services.append(service)
        return service

    def stop(self, name: str) -> None:
        service = next(s for s in self.services if s.name == name)
        service.stop()
        self.services.remove(service)

    def cli(self, *args: str, timeout: float = 120) -> str:
        """Run a `prefect` command the way a user types it, from the repository root."""
        done = subprocess.run(
            [*PREFECT, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(
                f"prefect {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n"
                f"{done.stderr}"[-4000:]
            )
        return done.stdout

    def check_alive(self) -> None:
        for service in self.services:
            service.check_alive()

    def logs(self) -> str:
        return "\n".join(service.tail() for service in self.services)


def _environment(home: Path) -> dict[str, str]:
    # Nothing of the caller's Prefect profile: no API URL, key or settings leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_UI_ENABLED="false",
        # Schedules are checked on the deployments; their runs would be minutes away anyway.
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED="false",
        PREFECT_SERVER_SERVICES_FOREMAN_ENABLED="false",
        PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED="false",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_RUNNER_POLL_FREQUENCY="1",
        PREFECT_CLI_PROMPT="false",
        # prefect.yaml's pull step is `{{ $PWD }}`: a shell sets it, subprocess does not.
        PWD=str(ROOT),
    )
    return env


def _wait_for_server(server: Service, api_url: str) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        server.check_alive()
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"prefect server not healthy after {SERVER_START_TIMEOUT} s\n{server.tail()}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("e2e")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = _environment(tmp / "prefect-home")
    sandbox = Sandbox(port=0)
    stack = Stack(api_url, {**env, "PREFECT_API_URL": api_url}, sandbox, tmp, [], {})
    started = time.monotonic()
    try:
        sandbox.start(timeout=120)
        server = Service(
            "server",
            [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"],
            env,
            tmp,
        )
        stack.services.append(server)
        _wait_for_server(server, api_url)
        stack.seconds["server"] = time.monotonic() - started
        with temporary_settings({PREFECT_API_URL: api_url}):
            stack.cli("work-pool", "create", WORK_POOL, "--type", "process")
            mark = time.monotonic()
            stack.cli("--no-prompt", "deploy", "--all", timeout=180)
            stack.seconds["deploy --all"] = time.monotonic() - mark
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
                    _deployment_id(client, "export-new-orders"),
                    DeploymentUpdate(parameters=_new_orders_parameters(tmp)),
                )
            stack.start("worker", [*PREFECT, "worker", "start", "--pool", WORK_POOL])
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
    return {"path": str(tmp / "erp" / "new-orders.jsonl"), "consumer": "erp", "hub": HUB_BLOCK}


def _deployment_id(client: SyncPrefectClient, name: str) -> UUID:
    spec = next(s for s in DEPLOYMENTS if s.name == name)
    flow_name = spec.load_flow().name
    return client.read_deployment_by_name(f"{flow_name}/{name}").id


def _wait_final(
    client: SyncPrefectClient, stack: Stack, run_ids: Sequence[UUID], timeout: float = RUN_TIMEOUT
) -> list[FlowRun]:
    deadline = time.monotonic() + timeout
    while True:
        runs = [client.read_flow_run(run_id) for run_id in run_ids]
        if all(run.state is not None and run.state.is_final() for run in runs):
            return runs
        stack.check_alive()
        if time.monotonic() > deadline:
            states = ", ".join(f"{run.name}: {run.state_name}" for run in runs)
            pytest.fail(f"flow runs not finished after {timeout} s ({states})\n{stack.logs()}")
        time.sleep(0.5)


def _artifacts(client: SyncPrefectClient, run_id: UUID) -> dict[str, Any]:
    found = client.read_artifacts(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    return {artifact.key: artifact for artifact in found if artifact.key}


def test_deploy_all_registers_every_deployment_with_its_schedule_and_limit(stack: Stack) -> None:
    with get_client(sync_client=True) as client:
        for spec in DEPLOYMENTS:
            deployment = client.read_deployment(_deployment_id(client, spec.name))
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
        deployment_id = _deployment_id(client, "customers")
        # enforce_parameter_schema: the API refuses what the Run form would not accept.
        with pytest.raises(PrefectHTTPStatusError, match="sideways"):
            client.create_flow_run_from_deployment(deployment_id, parameters={"mode": "sideways"})

        created = client.create_flow_run_from_deployment(
            deployment_id, parameters={"hub": HUB_BLOCK, "mode": "full", "page_size": 100}
        )
        (run,) = _wait_final(client, stack, [created.id])
        assert run.state_type == StateType.COMPLETED, f"{run.state}\n{stack.logs()}"
        assert run.state is not None and run.state.message is not None
        assert run.state.message.startswith("customers full: fetched 300, inserted 300")
        assert run.name.startswith("customers-full-")
        assert {"commercetools", "ct-entity:customers", "ct-project:sandbox"} <= set(run.tags)

        artifacts = _artifacts(client, run.id)
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
    assert hub.count_records("sandbox", "customers") == 300


def test_two_overlapping_runs_of_one_deployment_never_run_side_by_side(stack: Stack) -> None:
    # Every orders call takes 1.5 s, so the first run is still busy when the second arrives.
    stack.sandbox.inject(latency_ms=1500, count=None, path="/orders")
    try:
        with get_client(sync_client=True) as client:
            deployment_id = _deployment_id(client, "orders")
            ids = [
                client.create_flow_run_from_deployment(
                    deployment_id, parameters={"hub": HUB_BLOCK}
                ).id
                for _ in range(2)
            ]
            runs = _wait_final(client, stack, ids)
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


def _run(client: SyncPrefectClient, stack: Stack, deployment: str, **parameters: Any) -> FlowRun:
    created = client.create_flow_run_from_deployment(
        _deployment_id(client, deployment), parameters=parameters
    )
    (run,) = _wait_final(client, stack, [created.id])
    assert run.state_type == StateType.COMPLETED, f"{run.state}\n{stack.logs()}"
    return run


def _export_runs(client: SyncPrefectClient, deployment_id: UUID) -> list[FlowRun]:
    return client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
    )


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_an_orders_sync_that_inserts_orders_starts_export_new_orders(stack: Stack) -> None:
    from tests.flows.test_export_changes import new_orders

    target = Path(_new_orders_parameters(stack.tmp)["path"])
    with get_client(sync_client=True) as client:
        export_id = _deployment_id(client, "export-new-orders")
        # prefect deploy made the trigger an automation of the deployment.
        (automation,) = client.read_resource_related_automations(f"prefect.deployment.{export_id}")
        assert automation.name == "export-new-orders when a sync inserts orders"
        assert automation.enabled and automation.trigger.expect == {"commercetools.sync.completed"}

        # The hub holds the sandbox's orders and the consumer has taken them (runs by hand,
        # and any the trigger started meanwhile: one at a time, queued).
        _run(client, stack, "orders", hub=HUB_BLOCK, settle=0)
        _run(client, stack, "export-new-orders")
        _wait_final(client, stack, [r.id for r in _export_runs(client, export_id)])
        before = _lines(target)
        assert before, "the first export wrote every order the hub holds"
        known = {r.id for r in _export_runs(client, export_id)}

        fresh = new_orders(3, "e2e")
        stack.sandbox.load({"order": fresh})
        time.sleep(1.1)  # the sandbox's clock has whole seconds
        # settle 0: the default 120 s would leave orders this new to the sync after next.
        sync = _run(client, stack, "orders", hub=HUB_BLOCK, settle=0)
        assert sync.state is not None and "inserted 3," in (sync.state.message or "")

        deadline = time.monotonic() + RUN_TIMEOUT
        while True:
            started = [r for r in _export_runs(client, export_id) if r.id not in known]
            if started and all(r.state is not None and r.state.is_final() for r in started):
                break
            stack.check_alive()
            assert time.monotonic() < deadline, f"no export after the sync\n{stack.logs()}"
            time.sleep(1)
    assert [r.created_by.type for r in started if r.created_by] == ["AUTOMATION"]
    assert all(r.state_type == StateType.COMPLETED for r in started), [r.state for r in started]
    written = _lines(target)[len(before) :]
    assert sorted(line["id"] for line in written) == sorted(order["id"] for order in fresh)
    assert {line["change"] for line in written} == {"insert"}


def test_serve_offers_the_same_deployments_from_one_process(stack: Stack) -> None:
    # One or the other: a user serves or runs a worker; both would pick up the same runs.
    stack.stop("worker")
    serve = stack.start("serve", [sys.executable, "-m", "deployments.serve", "--hub", HUB_BLOCK])
    with get_client(sync_client=True) as client:
        # serve takes the deployments over (same names), loading the flows by module name.
        deadline = time.monotonic() + 90
        while True:
            served = [
                client.read_deployment(_deployment_id(client, name))
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
        (run,) = _wait_final(client, stack, [created.id])
        assert run.state_type == StateType.COMPLETED, f"{run.state}\n{serve.tail()}"
        assert "ct-sandbox-connection" in _artifacts(client, run.id)
