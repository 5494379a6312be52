"""Measure 7: what finding deletions adds to a plain delta, in requests and seconds.

A hub is initialized once per size; then, for each number of deletions, that many customers are
deleted in the sandbox and a plain delta runs. Its requests are the report's API calls (the
plan's count, the delta's page, the settle window's query, then the search), its seconds the
flow body's; the row with no deletion is the baseline of the same size.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Sequence

from bench.common import Figures, credentials
from blocks import HubDatabase
from flows.sync import sync_customers
from sandbox import Sandbox
from sandbox.seed import customers_only


def _delete(sandbox: Sandbox, ids: list[str]) -> None:
    with sandbox.client(timeout=60) as http:
        for record_id in ids:
            current = http.get(f"{sandbox.api_url}/customers/{record_id}").json()
            http.delete(
                f"{sandbox.api_url}/customers/{record_id}",
                params={"version": current["version"]},
            ).raise_for_status()


def measure(sandbox: Sandbox, sizes: Sequence[int], deletions: Sequence[int], runs: int) -> Figures:
    """Figures `<size> <k> requests|body|wall|deleted` for every size and number of deletions."""
    figures = Figures()
    block = credentials(sandbox)
    rng = random.Random(7)
    for size in sizes:
        customers = customers_only(size, key_prefix="del")
        sandbox.reset({"customer": customers})
        live = [c["id"] for c in customers]
        with tempfile.TemporaryDirectory() as folder:
            hub = HubDatabase(url=f"sqlite:///{folder}/hub.db")
            first = sync_customers(block, hub=hub, settle=0)
            assert first.mode == "full" and first.inserted == size, first.summary()
            for k in deletions:
                for _ in range(runs):
                    gone = rng.sample(live, k)
                    _delete(sandbox, gone)
                    live = sorted(set(live) - set(gone))
                    time.sleep(1.1)  # past the server clock's second
                    started = time.perf_counter()
                    report = sync_customers(block, hub=hub, settle=0)
                    wall = time.perf_counter() - started
                    assert report.deleted == k, report.summary()
                    figures[f"{size} {k} requests"].add(report.api_calls)
                    figures[f"{size} {k} body"].add(report.duration_seconds)
                    figures[f"{size} {k} wall"].add(wall)
            hub.get_store().close()
    return figures
