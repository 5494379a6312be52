"""Measures 1 and 2: a full pull of customers, the SDKs' loop against `sync_customers`.

(a) the sequential keyset loop the official SDKs use (plain httpx, parse, store nothing), (b)
`sync_customers` full with one partition into a SQLite hub, (c) the same with P partitions. Each
run also records the CPU seconds of this process, the sandbox and the Prefect server, so a rate
can be traced to whoever spent the time; the sandbox's own ceiling is measured beside it.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import pstats
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from bench.common import CpuMeter, Figures, credentials, prefect_heartbeats
from blocks import HubDatabase
from ctsync.pull.paging import id_partitions
from flows.sync import sync_customers
from sandbox import Sandbox

PAGE = 500


def baseline(sandbox: Sandbox) -> int:
    """The SDKs' loop: sort=id asc, where id > last, limit 500, withTotal=false; parse only."""
    token = sandbox.token()
    count, last = 0, None
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        while True:
            params: dict[str, Any] = {"limit": PAGE, "sort": "id asc", "withTotal": "false"}
            if last:
                params["where"] = f'id > "{last}"'
            response = http.get(f"{sandbox.api_url}/customers", params=params)
            response.raise_for_status()
            results = response.json()["results"]
            count += len(results)
            if len(results) < PAGE:
                return count
            last = results[-1]["id"]


def sync_full(sandbox: Sandbox, partitions: int, expected: int, heartbeats: bool = True) -> float:
    """One `sync_customers` full run into a fresh SQLite hub; returns the flow body's rate.

    With Prefect's heartbeats on, every run ends 0 to 1 s after its body did (an empty flow:
    ~1.1 s against ~0.13 s); see `prefect_heartbeats`.
    """
    with tempfile.TemporaryDirectory() as folder, prefect_heartbeats(heartbeats):
        hub = HubDatabase(url=f"sqlite:///{folder}/hub.db")
        report = sync_customers(credentials(sandbox), hub=hub, mode="full", partitions=partitions)
        hub.get_store().close()
    assert report.inserted == expected, report.summary()
    return float(report.records_per_second)


async def _scan_range(http: httpx.AsyncClient, lower: str | None, upper: str | None) -> int:
    """Keyset-read one id range reading only the last id, so the server is what is measured."""
    count, last = 0, None
    while True:
        where = []
        if last is not None:
            where.append(f'id > "{last}"')
        elif lower is not None:
            where.append(f'id >= "{lower}"')
        if upper is not None:
            where.append(f'id < "{upper}"')
        params: dict[str, Any] = {"limit": PAGE, "sort": "id asc", "withTotal": "false"}
        if where:
            params["where"] = where
        body = (await http.get("/customers", params=params)).content
        head = body[:80]
        n = int(head.split(b'"count":', 1)[1].split(b",", 1)[0])
        count += n
        if n < PAGE:
            return count
        start = body.rindex(b'{"id":"') + 7
        last = body[start : start + 36].decode()


def sandbox_ceiling(sandbox: Sandbox, readers: int) -> float:
    """Records/s the sandbox serves to `readers` concurrent keyset readers that do not parse."""

    async def run() -> int:
        headers = {"Authorization": f"Bearer {sandbox.token()}"}
        limits = httpx.Limits(max_connections=readers)
        async with httpx.AsyncClient(
            base_url=sandbox.api_url, headers=headers, timeout=60, limits=limits
        ) as http:
            ranges = id_partitions(readers)
            counts = await asyncio.gather(*(_scan_range(http, r.lower, r.upper) for r in ranges))
        return sum(counts)

    started = time.perf_counter()
    count = asyncio.run(run())
    return count / (time.perf_counter() - started)


@dataclass
class PullResult:
    figures: Figures
    customers: int
    latency_ms: int
    partitions: int
    runs: int


def measure(
    sandbox: Sandbox, meter: CpuMeter, customers: int, latency_ms: int, partitions: int, runs: int
) -> PullResult:
    """(a), (b), (c) `runs` times each, interleaved so drift hits all alike; (b), (c) also with
    Prefect's heartbeats off (keys b0, c0)."""
    figures = Figures()
    sandbox.clear_faults()
    if latency_ms:
        sandbox.inject(latency_ms=latency_ms, count=None, path="/customers")
    # Warm-up, untimed: the sandbox's sorted views and JIT, this process's first flow run
    # (imports, block registration, TLS context), as a scheduled or served process has them.
    baseline(sandbox)
    sync_full(sandbox, 1, customers)
    sync_full(sandbox, partitions, customers)
    for _ in range(runs):
        for key, work in (
            ("a", lambda: baseline(sandbox)),
            ("b", lambda: sync_full(sandbox, 1, customers)),
            ("b0", lambda: sync_full(sandbox, 1, customers, heartbeats=False)),
            ("c", lambda: sync_full(sandbox, partitions, customers)),
            ("c0", lambda: sync_full(sandbox, partitions, customers, heartbeats=False)),
        ):
            with meter.measure() as cpu:
                started = time.perf_counter()
                outcome = work()
                wall = time.perf_counter() - started
            if key == "a":
                assert outcome == customers, outcome
            else:
                figures[f"{key} body rate"].add(outcome)
            figures[f"{key} rate"].add(customers / wall)
            figures[f"{key} wall"].add(wall)
            for party, seconds in cpu.items():
                figures[f"{key} cpu {party}"].add(seconds * 1000 / customers)
        for readers in (1, partitions):
            figures[f"sandbox {readers}"].add(sandbox_ceiling(sandbox, readers))
    sandbox.clear_faults()
    return PullResult(figures, customers, latency_ms, partitions, runs)


# -- profile ----------------------------------------------------------------------------------

CATEGORIES = (
    "JSON parsing",
    "JSON encoding",
    "pydantic validation",
    "SQL (SQLAlchemy + sqlite3)",
    "Prefect",
    "HTTP + asyncio (httpx, httpcore, h11, anyio)",
    "engine (ctsync, flows, blocks)",
    "other",
    "TLS context: CA bundle loaded per httpx client",
)


def _category(filename: str, name: str) -> str:
    path = filename.replace("\\", "/")
    if path == "~":
        if "load_verify_locations" in name or "set_default_verify_paths" in name:
            return CATEGORIES[8]
        if "sqlite3" in name:
            return CATEGORIES[3]
        if "pydantic" in name:
            return CATEGORIES[2]
        if "json" in name:
            return CATEGORIES[1] if "encode" in name else CATEGORIES[0]
        if any(word in name for word in ("select", "poll", "socket", "recv", "send", "ssl")):
            return CATEGORIES[5]
        return CATEGORIES[7]
    if "/json/decoder" in path or ("/json/__init__" in path and name == "loads"):
        return CATEGORIES[0]
    if "/json/" in path:
        return CATEGORIES[1]
    if "pydantic" in path:
        return CATEGORIES[2]
    if "sqlalchemy" in path or "sqlite3" in path:
        return CATEGORIES[3]
    if "/prefect/" in path:
        return CATEGORIES[4]
    if any(f"/{lib}/" in path for lib in ("httpx", "httpcore", "h11", "anyio", "asyncio")):
        return CATEGORIES[5]
    if any(f"/{pkg}/" in path for pkg in ("ctsync", "flows", "blocks")):
        return CATEGORIES[6]
    return CATEGORIES[7]


def profile(sandbox: Sandbox, customers: int, partitions: int = 1) -> dict[str, Any]:
    """CPU profile of (b) in every thread the run starts, grouped by where the time goes.

    cProfile only sees the thread that enables it, so a `threading.setprofile` hook enables one
    profiler (timed with `thread_time`: CPU, not waiting) in each new thread. Threads Prefect had
    already started (its log and event workers) are not seen; the Prefect server is another
    process and is counted by CpuMeter instead.
    """
    sandbox.clear_faults()
    profilers: list[cProfile.Profile] = []
    lock = threading.Lock()

    def enable_here(*_: Any) -> None:
        profiler = cProfile.Profile(time.thread_time)
        with lock:
            profilers.append(profiler)
        profiler.enable()

    main = cProfile.Profile(time.thread_time)
    threading.setprofile(enable_here)
    main.enable()
    try:
        sync_full(sandbox, partitions, customers)
    finally:
        main.disable()
        threading.setprofile(None)
    stats = pstats.Stats(main)
    for profiler in profilers:
        profiler.disable()
        try:
            stats.add(profiler)
        except TypeError:  # a thread that never ran a Python call
            continue
    groups = dict.fromkeys(CATEGORIES, 0.0)
    top: list[tuple[float, str]] = []
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, line, name), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        groups[_category(filename, name)] += tottime
        short = filename.rsplit("site-packages/", 1)[-1].rsplit("/main/", 1)[-1]
        top.append((tottime, f"{short}:{line} {name}"))
    top.sort(reverse=True)
    total = sum(groups.values())
    return {
        "total_cpu_s": total,
        "threads": len(profilers) + 1,
        "groups": {k: v for k, v in groups.items()},
        "top": [(round(seconds, 3), where) for seconds, where in top[:12]],
    }


if __name__ == "__main__":  # a quick look without the runner
    import os

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    from bench.common import sandbox_pid
    from sandbox.seed import customers_only

    with Sandbox(seed=None) as sb, prefect_test_harness(server_startup_timeout=60):
        sb.load({"customer": customers_only(2_000)})
        result = measure(sb, CpuMeter(sandbox_pid(sb)), 2_000, 50, 8, 1)
        print({k: f.show() for k, f in result.figures.items()})
        print(json.dumps(profile(sb, 2_000), indent=1))
