"""A real Prefect stack, the way a user runs one: `prefect server start` on SQLite (Prefect's
default), a process work pool, `prefect deploy --all` from prefect.yaml, a process worker, and the
sandbox standing in for commercetools. For tests/deployments and bench/simultaneous.py.

Every process runs from the repository root (so ./prefect.toml applies, as it does for a user
there) in its own session; `stop` ends it and every process below it, flow runs included.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import httpx
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES

from blocks import CommercetoolsCredentials
from ctsync.hub import HubStore
from ctsync.registry import ENTITIES
from deployments.catalog import DEFAULT_CREDENTIALS, WORK_POOL, get_deployment
from sandbox import Sandbox
from tests.prefect_servers import talking_to
from tests.processes import free_port, stop_tree

ROOT = Path(__file__).resolve().parents[2]
PREFECT = [sys.executable, "-m", "prefect"]
SERVER_START_TIMEOUT = 120


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

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        stop_tree(self.proc)


def clean_environment(home: Path, **overrides: str) -> dict[str, str]:
    """The caller's environment without its Prefect settings (no API URL, key or profile)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_UI_ENABLED="false",
        # The runs under test are created through the API, as the scheduler would create them.
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        PREFECT_CLI_PROMPT="false",
        # prefect.yaml's pull step is `{{ $PWD }}`: a shell sets it, subprocess does not.
        PWD=str(ROOT),
    )
    env.update(overrides)
    return env


@dataclass
class Stack:
    api_url: str
    env: dict[str, str]
    sandbox: Sandbox
    tmp: Path
    services: list[Service] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> Service:
        service = Service(name, args, env or self.env, self.tmp)
        self.services.append(service)
        return service

    def cli(self, *args: str, timeout: float = 180) -> str:
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
            raise RuntimeError(
                f"prefect {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n"
                f"{done.stderr}"[-4000:]
            )
        return done.stdout

    def dead(self) -> list[Service]:
        return [service for service in self.services if not service.alive()]

    def logs(self) -> str:
        return "\n".join(service.tail() for service in self.services)


def _wait_for_server(server: Service, api_url: str) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"prefect server exited\n{server.tail()}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(
        f"prefect server not healthy after {SERVER_START_TIMEOUT} s\n{server.tail()}"
    )


@contextmanager
def prefect_stack(tmp: Path, sandbox: Sandbox, env: dict[str, str]) -> Iterator[Stack]:
    """A `prefect server start` on SQLite in `tmp`, the credentials block the deployments name
    saved in it; PREFECT_API_URL points at it for this process too. Stops what it started."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    stack = Stack(api_url, {**env, "PREFECT_API_URL": api_url}, sandbox, tmp)
    started = time.monotonic()
    try:
        server = stack.start(
            "server",
            [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"],
            env,
        )
        _wait_for_server(server, api_url)
        stack.seconds["server"] = time.monotonic() - started
        # This process stands in for the server's scheduler, which no 503 stops: its own calls
        # (creating and reading runs) wait out a busy server rather than fail the measurement.
        with talking_to(api_url, {PREFECT_CLIENT_MAX_RETRIES: 8}):
            CommercetoolsCredentials(
                api_url=sandbox.api_url,
                client_id=sandbox.client_id,
                client_secret=sandbox.client_secret,
                scope=sandbox.scope,
            ).save(DEFAULT_CREDENTIALS, overwrite=True)
            yield stack
    finally:
        for service in reversed(stack.services):
            service.stop()


def deploy(stack: Stack, pool_limit: int | None = None) -> None:
    """What `make deploy` does: the process work pool (with its concurrency limit), then
    `prefect deploy --all`."""
    mark = time.monotonic()
    stack.cli("work-pool", "create", WORK_POOL, "--type", "process")
    if pool_limit is not None:
        stack.cli("work-pool", "set-concurrency-limit", WORK_POOL, str(pool_limit))
    stack.cli("--no-prompt", "deploy", "--all", timeout=300)
    stack.seconds["deploy --all"] = time.monotonic() - mark


def deployment_ids(client: SyncPrefectClient, names: Sequence[str]) -> dict[str, UUID]:
    ids = {}
    for name in names:
        flow_name = get_deployment(name).load_flow().name
        ids[name] = client.read_deployment_by_name(f"{flow_name}/{name}").id
    return ids


def read_runs(client: SyncPrefectClient, run_ids: Sequence[UUID]) -> list[FlowRun]:
    runs = client.read_flow_runs(
        flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(run_ids))),
        limit=len(run_ids),
    )
    by_id = {run.id: run for run in runs}
    return [by_id[run_id] for run_id in run_ids]


def wait_final(
    client: SyncPrefectClient, stack: Stack, run_ids: Sequence[UUID], timeout: float
) -> list[FlowRun]:
    """The runs once every one is final, or as they stand at the timeout (some not final)."""
    deadline = time.monotonic() + timeout
    while True:
        runs = read_runs(client, run_ids)
        done = all(run.state is not None and run.state.is_final() for run in runs)
        if done or time.monotonic() > deadline or stack.dead():
            return runs
        time.sleep(1)


_HTTP_ERROR = re.compile(r"'(\d{3} [A-Za-z ]+)' for url '[a-z]+://[^/]+/api(/[^'?]*)")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def http_errors(text: str) -> Counter[str]:
    """The Prefect API errors a text reports, counted by answer and call ("503 Service
    Unavailable at /flow_runs/{id}/labels"); only lines naming an `HTTPStatusError` count."""
    found: Counter[str] = Counter()
    for line in text.splitlines():
        if "HTTPStatusError" not in line:
            continue
        match = _HTTP_ERROR.search(line)
        if match:
            found[f"{match.group(1)} at {_UUID.sub('{id}', match.group(2))}"] += 1
    return found


def missing_from_hub(store: HubStore, project: str, entities: Sequence[str]) -> list[str]:
    """The entities no sync has brought into the hub: no watermark (the singleton project,
    read whole every time, has none: no record)."""
    missing = []
    for entity in entities:
        if ENTITIES[entity].singleton:
            reached = store.records.count(project, entity) > 0
        else:
            state = store.states.get(project, entity)
            reached = state is not None and state.watermark is not None
        if not reached:
            missing.append(entity)
    return missing
