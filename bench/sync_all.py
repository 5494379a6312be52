"""Measure 8: `sync_all` with nothing new over every entity of the demo seed, against an empty
flow run on the same server (Prefect's own cost per run).

The goal (issue 15): within 5 s beyond one empty flow run. The first `sync_all` (the full
initialization) is timed once, for scale.
"""

from __future__ import annotations

import tempfile
import time

from bench.common import Figures, credentials
from bench.delta import empty_flow
from blocks import HubDatabase
from ctsync.registry import ENTITIES
from flows.sync import sync_all
from sandbox import Sandbox


def measure(runs: int) -> Figures:
    figures = Figures()
    with Sandbox() as sandbox, tempfile.TemporaryDirectory() as folder:
        block = credentials(sandbox)
        hub = HubDatabase(url=f"sqlite:///{folder}/hub.db")
        empty_flow()  # warm-up
        started = time.perf_counter()
        first = sync_all(block, hub=hub)
        figures["full wall"].add(time.perf_counter() - started)
        assert len(first.reports) == len(ENTITIES) and not first.failed
        figures["records"].add(sum(r.fetched for r in first.reports))
        for _ in range(runs):
            started = time.perf_counter()
            empty_flow()
            figures["empty flow wall"].add(time.perf_counter() - started)
            sandbox.reset_stats()
            started = time.perf_counter()
            again = sync_all(block, hub=hub)
            wall = time.perf_counter() - started
            changed = [r.entity for r in again.reports if r.fetched and r.mode == "delta"]
            assert not again.failed and not changed, changed
            figures["delta wall"].add(wall)
            figures["beyond empty flow"].add(wall - figures["empty flow wall"].values[-1])
            calls = sandbox.stats()["by_method_path"]
            figures["API requests"].add(
                sum(n for path, n in calls.items() if not path.startswith("POST /oauth"))
            )
        hub.get_store().close()
    return figures
