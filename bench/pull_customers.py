"""Full pull of N customers from the sandbox with latency injected on every page request.

Compares, in one run: (a) the sequential keyset loop the official SDKs use (plain httpx, parse,
store nothing), (b) `sync_customers` full with one partition into a SQLite hub, (c) the same with
P partitions. Prints records/s as the median of R runs (min..max) and the ratios to (a).

    .venv/bin/python bench/pull_customers.py --customers 12000 --latency-ms 50 --partitions 8
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import httpx
from prefect.testing.utilities import prefect_test_harness

from blocks import CommercetoolsCredentials, HubDatabase
from flows.sync import sync_customers
from sandbox import Sandbox
from sandbox.seed import customers_only


def baseline(sandbox: Sandbox) -> float:
    """The SDKs' loop: sort=id asc, where id > last, limit 500, withTotal=false; parse only."""
    token = sandbox.token()
    started = time.perf_counter()
    count, last = 0, None
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        while True:
            params = {"limit": 500, "sort": "id asc", "withTotal": "false"}
            if last:
                params["where"] = f'id > "{last}"'
            results = http.get(f"{sandbox.api_url}/customers", params=params).json()["results"]
            count += len(results)
            if len(results) < 500:
                break
            last = results[-1]["id"]
    return count / (time.perf_counter() - started)


def ours(sandbox: Sandbox, partitions: int, expected: int) -> tuple[float, float]:
    credentials = CommercetoolsCredentials(
        api_url=sandbox.api_url,
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        scope=sandbox.scope,
    )
    with tempfile.TemporaryDirectory() as folder:
        hub = HubDatabase(url=f"sqlite:///{folder}/hub.db")
        started = time.perf_counter()
        report = sync_customers(credentials, hub=hub, mode="full", partitions=partitions)
        elapsed = time.perf_counter() - started
        hub.get_store().close()
    assert report.inserted == expected, report.summary()
    # Flow-run wall time (Prefect's own per-run overhead included), and the report's own figure
    # (from the flow body's start: planning, paging, writing).
    return expected / elapsed, report.records_per_second


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):8.0f}  ({min(values):.0f}..{max(values):.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=12_000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with Sandbox(seed=None) as sandbox, prefect_test_harness(server_startup_timeout=60):
        sandbox.load({"customer": customers_only(args.customers)})
        if args.latency_ms:
            sandbox.inject(latency_ms=args.latency_ms, count=None, path="/customers")
        results: dict[str, list[float]] = {k: [] for k in ("a", "b", "c", "b-body", "c-body")}
        for _ in range(args.runs):
            results["a"].append(baseline(sandbox))
            for key, partitions in (("b", 1), ("c", args.partitions)):
                wall, body = ours(sandbox, partitions, args.customers)
                results[key].append(wall)
                results[f"{key}-body"].append(body)
    base = statistics.median(results["a"])
    print(
        f"\n{args.customers} customers, {args.latency_ms} ms latency per page request, "
        f"median of {args.runs} (min..max), records/s:"
    )
    print(f"(a) SDK keyset loop, parse only      {summary(results['a'])}   1.00x")
    for key, label in (
        ("b", "sync_customers, 1 partition   "),
        ("c", f"sync_customers, {args.partitions} partitions  "),
    ):
        ratio = statistics.median(results[key]) / base
        body = statistics.median(results[f"{key}-body"]) / base
        print(
            f"({key}) {label}    {summary(results[key])}   {ratio:.2f}x"
            f"   (flow body only: {statistics.median(results[f'{key}-body']):.0f}, {body:.2f}x)"
        )


if __name__ == "__main__":
    main()
