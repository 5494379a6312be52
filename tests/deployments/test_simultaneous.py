"""Schedules that fire together lose no run.

Once a day all 36 entity deployments come due at once (30 every hour, with customers, orders
and carts every 5 minutes). Without a limit a process worker starts 36 flow-run processes at
that moment, and Prefect's SQLite server answers some of their calls `503 Service
Unavailable` (database locked) for longer than the client retries: runs crash before they start
and their entity misses that round. What ships against it: `make deploy` gives the work pool a
concurrency limit (the rest of the runs wait as Scheduled and start as slots free), and
./prefect.toml gives every Prefect process started in the repository more client retries.

Here, as a user runs it from the repository root: `prefect server start` (SQLite), `make deploy`,
`make worker`, the 36 runs created through the API as Scheduled for one moment (what the server's
scheduler does), 5 000 customers in the sandbox, one SQLite hub.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.states import Scheduled
from prefect.types._datetime import now

from blocks import HubDatabase
from deployments.catalog import DEPLOYMENTS, RUNS_AT_ONCE, WORK_POOL
from deployments.serve import argument_parser
from sandbox import Sandbox
from sandbox.seed import customers_only
from tests.deployments.stack import (
    ROOT,
    clean_environment,
    deployment_ids,
    missing_from_hub,
    prefect_stack,
    wait_final,
)

CUSTOMERS = 5_000
SCHEDULED = [spec.name for spec in DEPLOYMENTS if spec.interval]
LEAD_SECONDS = 10  # the runs are due this long after they were created
RUNS_TIMEOUT = 420


def _make(target: str) -> list[str]:
    """`make <target>` with this interpreter's prefect (the venv `make install` built)."""
    prefect = " ".join([sys.executable, "-m", "prefect"])
    return ["make", "--no-print-directory", "-o", ".venv/.installed", target, f"PREFECT={prefect}"]


def _most_at_once(runs: list[FlowRun]) -> int:
    """The most runs that were running at the same moment."""
    moments = []
    for run in runs:
        if run.start_time and run.end_time:
            moments += [(run.start_time, 1), (run.end_time, -1)]
    most = running = 0
    for _, change in sorted(moments, key=lambda m: (m[0], m[1])):
        running += change
        most = max(most, running)
    return most


def test_make_deploy_and_serve_limit_the_pool_to_the_catalogs_runs_at_once() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(rf"^RUNS_AT_ONCE \?= {RUNS_AT_ONCE}$", makefile, re.MULTILINE)
    assert "set-concurrency-limit $(WORK_POOL) $(RUNS_AT_ONCE)" in makefile
    assert argument_parser().parse_args([]).limit == RUNS_AT_ONCE
    # What prefect.yaml tells a user who creates the pool by hand.
    prefect_yaml = (ROOT / "prefect.yaml").read_text()
    assert f"set-concurrency-limit {WORK_POOL} {RUNS_AT_ONCE} " in prefect_yaml


def test_prefect_processes_started_in_the_repository_retry_a_busy_server_longer(
    tmp_path: Path,
) -> None:
    shipped = tomllib.loads((ROOT / "prefect.toml").read_text())["client"]
    assert shipped["max_retries"] > 5  # Prefect's default
    # What a Prefect process started at the root reads, and what a process worker started
    # there hands every flow run it starts (its settings become the run's environment).
    show = (
        "from prefect.settings import get_current_settings as s;"
        "from prefect.workers.process import ProcessJobConfiguration as job;"
        "print(s().client.max_retries,"
        " job._base_environment().get('PREFECT_CLIENT_MAX_RETRIES'))"
    )
    env = clean_environment(tmp_path / "prefect-home")
    done = subprocess.run(
        [sys.executable, "-c", show], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == [str(shipped["max_retries"])] * 2, done.stderr


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.timeout(900)
def test_every_sync_due_at_one_moment_completes_and_reaches_the_hub(tmp_path: Path) -> None:
    started = time.monotonic()
    # A freed slot is taken at the worker's next poll: every 2 s here, 10 s by default.
    env = clean_environment(tmp_path / "prefect-home", PREFECT_WORKER_QUERY_SECONDS="2")
    with Sandbox(port=0) as sandbox:
        sandbox.load({"customer": customers_only(CUSTOMERS)})
        with prefect_stack(tmp_path, sandbox, env) as stack:
            mark = time.monotonic()
            subprocess.run(_make("deploy"), cwd=ROOT, env=stack.env, check=True, timeout=300)
            stack.seconds["make deploy"] = time.monotonic() - mark
            stack.start("worker", _make("worker"))
            hub = HubDatabase(url=f"sqlite:///{tmp_path / 'hub.db'}")
            hub.save("crowd-hub", overwrite=True)
            with get_client(sync_client=True) as client:
                assert client.read_work_pool(WORK_POOL).concurrency_limit == RUNS_AT_ONCE
                ids = deployment_ids(client, SCHEDULED)
                due = now("UTC") + timedelta(seconds=LEAD_SECONDS)
                run_ids = [
                    client.create_flow_run_from_deployment(
                        ids[name],
                        parameters={"hub": "crowd-hub"},
                        state=Scheduled(scheduled_time=due),
                    ).id
                    for name in SCHEDULED
                ]
                mark = time.monotonic()
                runs = wait_final(client, stack, run_ids, RUNS_TIMEOUT)
                stack.seconds["36 runs"] = time.monotonic() - mark
            logs = stack.logs()
    took = time.monotonic() - started
    print(f"\n{len(SCHEDULED)} syncs due at one moment: test {took:.0f} s, {stack.seconds}")

    lost = {
        name: f"{run.state_name}: {run.state.message if run.state else ''}"[:300]
        for name, run in zip(SCHEDULED, runs, strict=True)
        if run.state_type != StateType.COMPLETED
    }
    assert not lost, f"{len(lost)} of {len(SCHEDULED)} runs lost: {lost}\n{logs}"
    assert _most_at_once(runs) <= RUNS_AT_ONCE
    store = hub.get_store()
    assert missing_from_hub(store, sandbox.project_key, SCHEDULED) == []
    assert store.records.count(sandbox.project_key, "customers") >= CUSTOMERS
