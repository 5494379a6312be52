"""Measure 9: a full pull's 8 partitions on threads against 2 worker processes, 50 ms latency.

Three ways to run the same `sync_customers` full, interleaved, each into a fresh hub: (t) threads
of the flow's process (the default), (p) `workers="processes:2"`, a Dask cluster the run starts
and stops itself (its start is in the figure), (a) `workers=<address>` of a cluster of 2 worker
processes started once before (as an existing cluster would be). Prefect's flow-run heartbeats
are off: with them on, Prefect 3.9 ends every sync flow run on a whole second after its start
(measure 1), and (t) and (a) both came out at 3.11 s. On a SQLite hub, and on a
PostgreSQL hub when this machine has PostgreSQL's server binaries. Beside the rates, the whole
machine's CPU per record and cores busy (/proc/stat): what decides whether more processes can
go faster on it at all.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from bench.common import Figures, credentials, machine_busy, prefect_heartbeats
from blocks import HubDatabase
from flows.sync import sync_customers
from sandbox import Sandbox

WORKERS = 2
PARTITIONS = 8


@contextmanager
def _sqlite_hubs() -> Iterator[Callable[[], HubDatabase]]:
    with tempfile.TemporaryDirectory() as folder:
        count = iter(range(1_000_000))
        yield lambda: HubDatabase(url=f"sqlite:///{folder}/hub-{next(count)}.db")


@contextmanager
def _postgres_hubs() -> Iterator[Callable[[], HubDatabase]]:
    from tests.postgres import fresh_database, running_postgres

    with running_postgres() as server:
        yield lambda: HubDatabase(url=fresh_database(server))


def _one(
    sandbox: Sandbox, hub: HubDatabase, workers: str, expected: int
) -> tuple[float, float, float]:
    """Records/s from calling the flow to its return and of its body, and the machine's CPU
    seconds per 1 000 records (every process: flow, workers, sandbox, database, Prefect)."""
    busy, started = machine_busy(), time.perf_counter()
    with prefect_heartbeats(False):  # else every run ends on a whole second (bench.common)
        report = sync_customers(
            credentials(sandbox), hub=hub, mode="full", partitions=PARTITIONS, workers=workers
        )
    wall = time.perf_counter() - started
    busy = machine_busy() - busy
    hub.get_store().close()
    assert report.inserted == expected and report.unchanged == 0, report.summary()
    return expected / wall, float(report.records_per_second), busy / expected * 1000


def measure(sandbox: Sandbox, customers: int, latency_ms: int, runs: int) -> dict[str, Any]:
    """Records/s (flow-run wall and flow body) of (t), (p), (a) per hub kind."""
    from distributed import LocalCluster

    from tests.postgres import postgres_bin

    sandbox.clear_faults()
    if latency_ms:
        sandbox.inject(None, count=None, latency_ms=latency_ms, path=r"/customers/")
    kinds: list[tuple[str, Any]] = [("sqlite", _sqlite_hubs)]
    if postgres_bin() is not None:
        kinds.append(("postgresql", _postgres_hubs))
    results: dict[str, Any] = {"customers": customers, "latency_ms": latency_ms}
    try:
        with LocalCluster(
            n_workers=WORKERS, threads_per_worker=PARTITIONS // WORKERS, dashboard_address=None
        ) as cluster:
            address = cluster.scheduler_address
            ways = {"t": "threads", "p": f"processes:{WORKERS}", "a": address}
            for kind, hubs in kinds:
                figures = Figures()
                with hubs() if hubs else nullcontext() as new_hub:
                    for way in ways.values():  # warm-up, untimed
                        _one(sandbox, new_hub(), way, customers)
                    for _ in range(runs):
                        for label, way in ways.items():
                            wall, body, cpu = _one(sandbox, new_hub(), way, customers)
                            figures[f"{label} wall"].add(wall)
                            figures[f"{label} body"].add(body)
                            figures[f"{label} cpu"].add(cpu)
                            figures[f"{label} cores"].add(cpu * wall / 1000)
                results[kind] = figures
    finally:
        sandbox.clear_faults()
    return results
