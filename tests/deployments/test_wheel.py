"""What docs/production.md tells a Dask worker's machine to install works: a wheel built from the
checkout, installed into a fresh environment with no checkout in sight, runs a sync's partitions.

The worker's environment finds the dependencies (Prefect, Dask, …) on PYTHONPATH, taken from
this venv's site-packages, so the test needs no download beyond the wheel's build backend; the
package itself can only come from the wheel (PYTHONPATH does not read this venv's editable
install, and the worker runs in a directory of its own).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from blocks import CommercetoolsCredentials, HubDatabase
from sandbox import Sandbox
from tests.processes import copy_checkout, stop_tree

pytestmark = [pytest.mark.e2e, pytest.mark.sandbox, pytest.mark.timeout(300)]


def build_wheel(out: Path) -> Path:
    """The command docs/production.md gives, pip wheel --no-deps, in a copy of the checkout (the
    build writes build/ beside the sources)."""
    source = copy_checkout(out.parent / "source")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), "."],
        cwd=source,
        check=True,
        timeout=240,
    )
    (wheel,) = out.glob("prefect_commercetools-*.whl")
    return wheel


@pytest.fixture(scope="module")
def worker_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed, the way a worker's machine gets it."""
    tmp = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(tmp / "dist")
    subprocess.run([sys.executable, "-m", "venv", str(tmp / "venv")], check=True, timeout=120)
    python = tmp / "venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
        timeout=120,
    )
    return python


@pytest.fixture
def scheduler() -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def worker_env(home: Path) -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PYTHON"))}
    env.update(
        PYTHONPATH=sysconfig.get_paths()["purelib"],
        PREFECT_API_URL=str(PREFECT_API_URL.value()),
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    return env


def test_a_worker_with_the_wheel_runs_the_partitions_of_a_sync(
    worker_python: Path, scheduler: str, sandbox: Sandbox, tmp_path: Path, prefect_server: None
) -> None:
    from distributed import Client

    from flows import sync_customers

    where = tmp_path / "worker"
    where.mkdir()
    env = worker_env(tmp_path / "prefect")
    found = subprocess.run(
        [str(worker_python), "-c", "import flows, ctsync, blocks; print(flows.__file__)"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(found.stdout.strip()).is_relative_to(worker_python.parents[1])
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [str(worker_python), "-m", "distributed.cli.dask_worker", scheduler, "--nthreads", "4"],
        cwd=where,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        with Client(scheduler) as client:
            client.wait_for_workers(1, timeout=90)
            (origin,) = client.run(lambda: __import__("flows").__file__).values()
        assert Path(origin).is_relative_to(worker_python.parents[1]), origin
        hub = HubDatabase(url=f"sqlite:///{tmp_path / 'hub.db'}")
        credentials = CommercetoolsCredentials(
            api_url=sandbox.api_url,
            client_id=sandbox.client_id,
            client_secret=sandbox.client_secret,
            scope=sandbox.scope,
        )
        started = time.monotonic()
        report = sync_customers(
            credentials, hub=hub, mode="full", partitions=4, page_size=50, workers=scheduler
        )
    finally:
        stop_tree(worker)
        log.close()
    assert report.status == "completed", (tmp_path / "worker.log").read_text()[-3000:]
    assert report.fetched == report.inserted == 300
    assert hub.get_store().records.count(sandbox.project_key, "customers") == 300
    worker_log = (tmp_path / "worker.log").read_text()
    assert "Traceback" not in worker_log, worker_log[-3000:]
    assert "pull-customers-partition" in worker_log, worker_log[-3000:]  # it ran them
    print(f"sync on the wheel's worker: {time.monotonic() - started:.1f} s")
