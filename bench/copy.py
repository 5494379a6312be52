"""Measure 12: copy_project of the demo seed into an empty project, then a delta copy with
nothing changed (wall seconds, API requests at both projects), and the full copy again with the
answer of every 50th write lost after the target committed it (what each lost answer costs in
requests); and a push of 5 000 standalone
prices against the plain script a user would write (read each by key, post its update, one at a
time), with the same latency injected at the target.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import Figures, credentials
from blocks import HubDatabase
from flows.copy import copy_project
from flows.push import push_standalone_prices
from sandbox import Sandbox
from sandbox.seed import DEFAULT_SEED_PATH

LOST_EVERY = 50
"""The write whose answer the target loses, once committed: every 50th."""


def _requests(*sandboxes: Sandbox) -> int:
    return sum(
        n
        for sandbox in sandboxes
        for path, n in sandbox.stats()["by_method_path"].items()
        if not path.startswith("POST /oauth")
    )


def measure_copy(runs: int) -> Figures:
    figures = Figures()
    seed = json.loads(DEFAULT_SEED_PATH.read_text(encoding="utf-8"))
    with (
        Sandbox(project_key="source-shop", client_id="source-client", seed=None) as source,
        Sandbox(project_key="target-shop", client_id="target-client", seed=None) as target,
    ):
        for _ in range(runs):
            source.reset(seed)
            target.reset()
            with tempfile.TemporaryDirectory() as folder:
                hub = HubDatabase(url=f"sqlite:///{folder}/hub.db")
                for kind, mode in (("full", "full"), ("delta", "delta")):
                    source.reset_stats()
                    target.reset_stats()
                    started = time.perf_counter()
                    report = copy_project(
                        credentials(source), credentials(target), hub=hub, mode=mode, settle=0
                    )
                    figures[f"{kind} wall"].add(time.perf_counter() - started)
                    figures[f"{kind} requests"].add(_requests(source, target))
                    figures[f"{kind} created"].add(report.total("created"))
                    assert report.total("failed") == 0, report.summary()
                assert report.total("created") == report.total("updated") == 0
                hub.get_store().close()
            _lossy_copy(source, target, figures)
    return figures


def _lossy_copy(source: Sandbox, target: Sandbox, figures: Figures) -> None:
    """The full copy into an emptied target whose every LOST_EVERY-th write loses its answer
    (the connection drops after commit): each is read back, none is sent twice."""
    target.reset()
    path = rf"/^\/{target.project_key}\/(?!graphql)/"
    target.inject(after=True, drop=True, count=None, method="POST", path=path, every=LOST_EVERY)
    source.reset_stats()
    target.reset_stats()
    with tempfile.TemporaryDirectory() as folder:
        hub = HubDatabase(url=f"sqlite:///{folder}/hub.db")
        started = time.perf_counter()
        report = copy_project(
            credentials(source), credentials(target), hub=hub, mode="full", settle=0
        )
        figures["lossy wall"].add(time.perf_counter() - started)
        hub.get_store().close()
    figures["lossy requests"].add(_requests(source, target))
    figures["lossy lost"].add(sum(rule["served"] for rule in target.faults()))
    figures["lossy created"].add(report.total("created"))
    target.clear_faults()
    assert report.total("failed") == 0, report.summary()


def _prices(count: int, cents: int) -> list[dict[str, Any]]:
    return [
        {
            "key": f"price-{i:05d}",
            "sku": f"SKU-{i:05d}",
            "value": {"currencyCode": "EUR", "centAmount": cents + i},
        }
        for i in range(count)
    ]


def _baseline(sandbox: Sandbox, drafts: list[dict[str, Any]]) -> None:
    """For each draft: read the price by key, post `changeValue`; one at a time, plain httpx."""
    headers = {"Authorization": f"Bearer {sandbox.token()}"}
    with httpx.Client(base_url=sandbox.api_url, headers=headers, timeout=60) as http:
        for draft in drafts:
            current = http.get(f"/standalone-prices/key={draft['key']}").raise_for_status()
            price = current.json()
            action = {"action": "changeValue", "value": draft["value"]}
            body = {"version": price["version"], "actions": [action]}
            http.post(f"/standalone-prices/{price['id']}", json=body).raise_for_status()


def measure_prices(count: int, baseline_count: int, latency_ms: int, runs: int) -> Figures:
    """Updates/s of a push of `count` price changes and of the plain loop over a slice."""
    figures = Figures()
    with Sandbox(seed=None) as sandbox, tempfile.TemporaryDirectory() as folder:
        stored = _prices(count, 1000)
        for i, price in enumerate(stored):
            price |= {"id": f"5a1e0000-0000-4000-8000-{i:012d}", "version": 1}
            price["value"] |= {"type": "centPrecision", "fractionDigits": 2}
        sandbox.load({"standalone-price": stored})
        block = credentials(sandbox)
        sandbox.inject(latency_ms=latency_ms, count=None, path="/standalone-prices")
        for run in range(runs):
            cents = 2000 + 10_000 * run
            started = time.perf_counter()
            _baseline(sandbox, _prices(baseline_count, cents)[-baseline_count:])
            figures["baseline rate"].add(baseline_count / (time.perf_counter() - started))
            path = Path(folder) / "prices.jsonl"
            rows = _prices(count, cents + 5000)
            path.write_text("".join(json.dumps(row) + "\n" for row in rows))
            started = time.perf_counter()
            report = push_standalone_prices(block, source=str(path), batch_size=500)
            figures["ours rate"].add(count / (time.perf_counter() - started))
            assert report.updated == count and report.failed == 0, report.summary()
            figures["ours api calls"].add(report.api_calls)
        sandbox.clear_faults()
    return figures
