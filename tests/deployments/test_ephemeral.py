"""The demo's temporary Prefect server: stopped only once it has recorded the runs it was sent,
so a run's process ends without Prefect's shutdown tracebacks and the server keeps every task run.

Without it, Prefect's own temporary server is stopped at exit while its task-run recorder still
works through the run's events: "Error flushing 1 events" with a traceback, and most task runs
never recorded (5 of 200 in one measure on 2 cores).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TASKS = 150
# A flow of many small tasks whose last events reach the server just before the process ends,
# run the way the demo runs its flows.
SCRIPT = f"""
from prefect import flow, task
from deployments.ephemeral import temporary_prefect

@task
def step(i: int) -> int:
    return i

@flow(name="many-steps")
def many_steps() -> int:
    return sum(step.map(range({TASKS})).result())

with temporary_prefect():
    print("sum", many_steps())
"""


@pytest.mark.prefect  # a Prefect server of its own: not in `make check`
@pytest.mark.timeout(300)
def test_a_busy_run_ends_clean_and_the_temporary_server_recorded_every_task(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert f"sum {sum(range(TASKS))}" in done.stdout
    assert "Error flushing" not in output, output
    assert "Traceback" not in output, output
    # What the server kept: every task run, completed (its database is PREFECT_HOME's).
    with sqlite3.connect(tmp_path / "prefect.db") as db:
        states = db.execute(
            "SELECT task_run.state_type, COUNT(*) FROM task_run JOIN flow_run"
            " ON flow_run.id = task_run.flow_run_id WHERE flow_run.name IS NOT NULL"
            " GROUP BY task_run.state_type"
        ).fetchall()
    assert states == [("COMPLETED", TASKS)]
