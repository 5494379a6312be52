"""Measure 11: the loop a user would otherwise write, with the commercetools Python SDK
(`commercetools` on PyPI), beside the plain httpx loop of measures 1 and 2 and `sync_customers`.

The SDK's own keyset loop: `customers().get(sort=["id asc"], where=['id > "…"'], limit=500,
with_total=False)` until a short page; it parses each page into its models and stores nothing.
"""

from __future__ import annotations

import os
import tempfile
import time

from bench.common import Figures, credentials
from bench.pull import PAGE, baseline
from blocks import HubDatabase
from flows.sync import sync_customers
from sandbox import Sandbox


def sdk_loop(sandbox: Sandbox) -> int:
    """Records the SDK's keyset loop read."""
    from commercetools.platform import Client

    # The sandbox serves plain http on loopback; the SDK's OAuth library refuses that unless told.
    os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
    client = Client(
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        scope=[sandbox.scope],
        url=sandbox.api_url.rsplit("/", 1)[0],
        token_url=f"{sandbox.auth_url.rstrip('/')}/oauth/token",
    )
    customers = client.with_project_key(sandbox.project_key).customers()
    count, last = 0, None
    while True:
        where = [f'id > "{last}"'] if last else None
        page = customers.get(sort=["id asc"], where=where, limit=PAGE, with_total=False)
        assert page is not None
        count += len(page.results)
        if len(page.results) < PAGE:
            return count
        last = page.results[-1].id


def measure(sandbox: Sandbox, customers: int, latency_ms: int, runs: int) -> Figures:
    """Records/s of (s) the SDK loop, (a) the plain httpx loop, (b) `sync_customers` full with
    one partition (flow-run wall), interleaved."""
    figures = Figures()
    sandbox.clear_faults()
    if latency_ms:
        sandbox.inject(None, count=None, latency_ms=latency_ms, path=r"/customers/")
    try:
        sdk_loop(sandbox)  # warm-up
        for _ in range(runs):
            started = time.perf_counter()
            assert sdk_loop(sandbox) == customers
            figures["s rate"].add(customers / (time.perf_counter() - started))
            started = time.perf_counter()
            assert baseline(sandbox) == customers
            figures["a rate"].add(customers / (time.perf_counter() - started))
            with tempfile.TemporaryDirectory() as folder:
                hub = HubDatabase(url=f"sqlite:///{folder}/hub.db")
                started = time.perf_counter()
                report = sync_customers(credentials(sandbox), hub=hub, mode="full", partitions=1)
                figures["b rate"].add(customers / (time.perf_counter() - started))
                hub.get_store().close()
            assert report.inserted == customers
    finally:
        sandbox.clear_faults()
    return figures
