"""Measure 4: a delta pull that finds nothing, against an empty flow run (Prefect's own cost).

The goal is about what the sync adds on top of Prefect, so an empty flow's wall time on the same
server is measured beside it; the report counts the pages, the sandbox every request.
"""

from __future__ import annotations

import tempfile
import time

from prefect import flow

from bench.common import Figures, credentials, prefect_heartbeats
from blocks import HubDatabase
from flows.sync import sync_customers
from sandbox import Sandbox


@flow(name="bench-empty")
def empty_flow() -> None:
    """Nothing: its run time is what Prefect itself spends per flow run."""


def measure(sandbox: Sandbox, customers: int, runs: int) -> tuple[Figures, dict[str, int]]:
    """Figures over `runs` deltas, and the requests of the last one by method and path."""
    figures = Figures()
    calls: dict[str, int] = {}
    sandbox.clear_faults()
    block = credentials(sandbox)
    with tempfile.TemporaryDirectory() as folder:
        hub = HubDatabase(url=f"sqlite:///{folder}/hub.db")
        first = sync_customers(block, hub=hub, mode="delta")
        assert first.mode == "full" and first.inserted == customers, first.summary()
        empty_flow()  # warm-up
        for _ in range(runs):
            started = time.perf_counter()
            empty_flow()
            figures["empty flow wall"].add(time.perf_counter() - started)
            with prefect_heartbeats(False):
                started = time.perf_counter()
                empty_flow()
                figures["empty flow wall, heartbeats off"].add(time.perf_counter() - started)
            sandbox.reset_stats()
            started = time.perf_counter()
            report = sync_customers(block, hub=hub, mode="delta")
            wall = time.perf_counter() - started
            assert report.mode == "delta" and report.fetched == 0, report.summary()
            calls = sandbox.stats()["by_method_path"]
            # The count, the page and the settle window's query all GET /customers: the
            # report's own page count tells the page.
            pages = report.pages
            api = sum(n for path, n in calls.items() if not path.startswith("POST /oauth"))
            figures["delta wall"].add(wall)
            figures["delta body"].add(report.duration_seconds)
            figures["page requests"].add(pages)
            figures["API requests"].add(api)
            figures["beyond empty flow"].add(wall - figures["empty flow wall"].values[-1])
        hub.get_store().close()
    return figures, calls
