"""The e2e test's stack: a Prefect server, `make deploy`, the worker as its systemd unit runs it,
a git repository the runs clone, and helpers to start runs and read what they did.

Nothing here is collected as a test; tests/deployments/test_e2e.py holds the module fixture
that builds the stack once and the tests that use it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.variables import Variable

from deployments.catalog import DEPLOYMENTS
from sandbox import Sandbox
from tests.ops.units import read_unit
from tests.processes import copy_checkout, stop_tree

ROOT = Path(__file__).resolve().parents[2]
PREFECT = [sys.executable, "-m", "prefect"]
PREFECT_YAML = ROOT / "prefect.yaml"
HUB_BLOCK = "e2e-hub"
SERVER_START_TIMEOUT = 120
RUN_TIMEOUT = 150
BRANCH = "main"
# git_clone's directory for a repository .../prefect-commercetools.git and branch main.
CLONE_NAME = f"prefect-commercetools-{BRANCH}"
UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class Service:
    """A long-running process (server, worker, serve) in its own session, logging to a file."""

    def __init__(
        self, name: str, args: list[str], env: dict[str, str], log_dir: Path, cwd: Path = ROOT
    ) -> None:
        self.name = name
        self.log = log_dir / f"{name}.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                args,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self, lines: int = 40) -> str:
        text = self.output().splitlines()[-lines:]
        return f"--- last lines of {self.log} ---\n" + "\n".join(text)

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            pytest.fail(f"{self.name} exited with code {self.proc.returncode}\n{self.tail()}")

    def stop(self) -> None:
        stop_tree(self.proc)


@dataclass
class Repository:
    """A bare git repository made from the checkout's files, and the work tree it was pushed
    from (where the tests commit changes that the next run must pick up)."""

    source: Path
    bare: Path

    @property
    def url(self) -> str:
        return f"file://{self.bare}"

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=e2e", "-c", "user.email=e2e@example.com", *args],
            cwd=self.source,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def commit(self, path: str, text: str, message: str) -> str:
        """Append `text` to `path`, commit, push to the bare repository; the new commit."""
        with (self.source / path).open("a") as file:
            file.write(text)
        self.git("commit", "-q", "-am", message)
        self.git("push", "-q", "origin", BRANCH)
        return self.git("rev-parse", "HEAD")


def make_repository(tmp: Path) -> Repository:
    """The checkout as it stands (tracked and untracked-not-ignored files, as .ci/run copies
    them for the demo) committed once and cloned bare."""
    source = copy_checkout(tmp / "source")
    repository = Repository(source, tmp / "prefect-commercetools.git")
    repository.git("init", "-q", "-b", BRANCH)
    repository.git("add", "-A")
    repository.git("commit", "-q", "-m", "the checkout as it stands")
    repository.git("clone", "-q", "--bare", str(source), str(repository.bare))
    repository.git("remote", "add", "origin", str(repository.bare))
    return repository


@dataclass
class Stack:
    api_url: str
    env: dict[str, str]
    sandbox: Sandbox
    tmp: Path
    services: list[Service]
    seconds: dict[str, float]
    repository: Repository | None = None
    worker_dir: Path = Path()
    deploy_output: str = ""
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def ui_url(self) -> str:
        """The current UI, which links must open."""
        return self.api_url.removesuffix("/api") + "/v2"

    @property
    def data_dir(self) -> Path:
        return self.worker_dir / "data"

    def start(self, name: str, args: list[str], **kwargs: Any) -> Service:
        service = Service(name, args, kwargs.pop("env", self.env), self.tmp, **kwargs)
        self.services.append(service)
        return service

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def stop(self, name: str) -> None:
        service = next(s for s in self.services if s.name == name)
        service.stop()
        self.services.remove(service)

    def cli(self, *args: str, timeout: float = 120, env: dict[str, str] | None = None) -> str:
        """Run a `prefect` command the way a user types it, from the repository root."""
        done = subprocess.run(
            [*PREFECT, *args],
            cwd=ROOT,
            env=env or self.env,
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


def environment(home: Path) -> dict[str, str]:
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
    )
    return env


def make_deploy(stack: Stack) -> str:
    """`make deploy` as the docs run it, with this test's virtualenv (never rebuilt here)."""
    venv = sys.prefix
    done = subprocess.run(
        ["make", "-s", "-o", f"{venv}/.installed", f"VENV={venv}", "deploy"],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"make deploy failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"[-4000:]
        )
    return done.stdout


def start_worker(stack: Stack) -> Service:
    """The worker as ops/systemd/prefect-worker.service runs it: its ExecStart, its working
    directory and environment (this test's virtualenv and a directory of its own in place of
    /opt and /var/lib), and what worker.env holds: the API and UI addresses."""
    unit = read_unit("prefect-worker.service").relocated(sys.prefix, stack.worker_dir)
    cwd = Path(unit.value("Service", "WorkingDirectory"))
    cwd.mkdir(parents=True, exist_ok=True)
    env = {**stack.env, **unit.environment(), "PREFECT_UI_URL": stack.ui_url}
    return stack.start("worker", unit.exec_start(), env=env, cwd=cwd)


def start_server(stack: Stack, port: int, database: str) -> None:
    """`prefect server start` as server.env configures it: on PostgreSQL, with links in
    notifications to the current UI."""
    env = {
        **stack.env,
        "PREFECT_API_DATABASE_CONNECTION_URL": database,
        "PREFECT_UI_URL": stack.ui_url,
    }
    env.pop("PREFECT_API_URL")
    args = [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"]
    wait_for_server(stack.start("server", args, env=env), stack.api_url)


def deploy_from_git(stack: Stack) -> None:
    """What prefect.yaml's pull steps clone, set once per server (docs), then `make deploy`."""
    assert stack.repository is not None
    Variable.set("commercetools_repository", stack.repository.url)
    Variable.set("commercetools_branch", BRANCH)
    stack.deploy_output = make_deploy(stack)


def wait_for_server(server: Service, api_url: str) -> None:
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


def deployment_id(client: SyncPrefectClient, name: str) -> UUID:
    spec = next(s for s in DEPLOYMENTS if s.name == name)
    flow_name = spec.load_flow().name
    return client.read_deployment_by_name(f"{flow_name}/{name}").id


def wait_final(
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


def run_artifacts(client: SyncPrefectClient, run_id: UUID) -> dict[str, Any]:
    found = client.read_artifacts(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    return {artifact.key: artifact for artifact in found if artifact.key}


def run_deployment(
    client: SyncPrefectClient,
    stack: Stack,
    deployment: str,
    job_variables: dict[str, Any] | None = None,
    **parameters: Any,
) -> FlowRun:
    created = client.create_flow_run_from_deployment(
        deployment_id(client, deployment), parameters=parameters, job_variables=job_variables
    )
    (run,) = wait_final(client, stack, [created.id])
    assert run.state_type == StateType.COMPLETED, f"{run.state}\n{stack.logs()}"
    return run


def run_logs(client: SyncPrefectClient, run_id: UUID) -> str:
    found = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    return "\n".join(log.message for log in found)


def clone_head(clone: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout.strip()


@contextmanager
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local HTTP receiver: its URL and the JSON bodies POSTed to it."""
    received: list[dict[str, Any]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            # The body, and where it was sent (_path).
            received.append({**json.loads(self.rfile.read(length)), "_path": self.path})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hooks/commercetools", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def flow_name(name: str) -> str:
    return next(s for s in DEPLOYMENTS if s.name == name).load_flow().name


def deployment_runs(client: SyncPrefectClient, deployment: UUID) -> list[FlowRun]:
    return client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment]))
    )


def json_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
