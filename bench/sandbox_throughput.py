"""Page requests/s of the sandbox for keyset paging at 10 000 customers (not run by pytest).

Why: the published commercetools-mock clones the whole store per query (~15 pages/s at 10 000
customers), which made full-export tests and benchmarks of the engine measure the mock. The
adapter filters sorted views in place and serializes only the returned page; this checks that it
stays >= 200 page requests/s.

    PYTHONPATH=. .venv/bin/python bench/sandbox_throughput.py [--requests 400] [--no-mock]

Each cell: median of 3 runs of a fixed number of requests, `limit=500`, `sort=id asc`,
`where=id > "<last>"`, `withTotal=false`, every response parsed (as the engine does); one
client in this process, 4 clients in 4 processes (JSON parsing in Python threads would measure
the GIL, not the server). Modes:
fast (default adapter), storage (the mock's handler over our storage) and mock (the published
mock's query code; gets no sort, so only its speed is meaningful).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox import Sandbox
from sandbox.seed import customers_only

CUSTOMERS = 10_000
PAGE = 500


def last_id(body: bytes, parse: str) -> str | None:
    """The last result's id, or None after the last page.

    "json" parses the page as the engine does; "scan" reads the id from the tail (every bench
    customer starts with `{"id":"`), so the server, not the client's JSON parser, is measured.
    """
    if parse == "json":
        page = json.loads(body)
        return page["results"][-1]["id"] if page["count"] == PAGE else None
    if b'"count":%d,' % PAGE not in body[:80]:
        return None
    start = body.rindex(b'{"id":"') + 7
    return body[start : start + 36].decode()


def keyset_requests(client: httpx.Client, n: int, errors: list[str], parse: str) -> None:
    """Issue n page requests, walking the keyset and starting over at the end."""
    last: str | None = None
    for _ in range(n):
        params: dict[str, str | int] = {"limit": PAGE, "sort": "id asc", "withTotal": "false"}
        if last is not None:
            params["where"] = f'id > "{last}"'
        resp = client.get("/customers", params=params)
        if resp.status_code != 200:
            errors.append(f"{resp.status_code} {resp.text[:200]}")
            return
        last = last_id(resp.content, parse)


def _client_process(
    api_url: str, token: str, n: int, parse: str, start: Any, ready: Any, results: Any
) -> None:
    """One client in its own process, so JSON parsing does not share a GIL with the others."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=api_url, headers=headers, timeout=60) as client:
        client.get("/customers", params={"limit": 1})  # connect before the clock starts
        ready.put(True)
        start.wait()
        errors: list[str] = []
        keyset_requests(client, n, errors, parse)
    results.put(errors)


def run(sb: Sandbox, token: str, requests: int, clients: int, parse: str) -> float:
    """Requests per second for `requests` page requests spread over `clients` processes."""
    if clients == 1:
        errors: list[str] = []
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=sb.api_url, headers=headers, timeout=60) as client:
            client.get("/customers", params={"limit": 1})
            started = time.perf_counter()
            keyset_requests(client, requests, errors, parse)
            elapsed = time.perf_counter() - started
        if errors:
            raise RuntimeError(errors[0])
        return requests / elapsed

    ctx = mp.get_context("spawn")
    start, ready, results = ctx.Event(), ctx.Queue(), ctx.Queue()
    share = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
    procs = [
        ctx.Process(
            target=_client_process, args=(sb.api_url, token, n, parse, start, ready, results)
        )
        for n in share
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=60)
    started = time.perf_counter()
    start.set()
    outcomes = [results.get(timeout=600) for _ in procs]
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join(timeout=30)
    for errs in outcomes:
        if errs:
            raise RuntimeError(errs[0])
    return requests / elapsed


Row = tuple[str, int, str, int, float, float]


def bench_mode(mode: str, requests: int, repeats: int, parses: list[str]) -> list[Row]:
    rows: list[Row] = []
    with Sandbox(seed=None, env={"SANDBOX_QUERY_MODE": mode}) as sb:
        started = time.perf_counter()
        loaded = sb.load({"customer": customers_only(CUSTOMERS)})
        load_s = time.perf_counter() - started
        print(
            f"[{mode}] loaded {loaded['loaded']['customer']} customers: {loaded['ms']:.0f} ms "
            f"in the server, {load_s * 1000:.0f} ms including generation and HTTP",
            file=sys.stderr,
        )
        token = sb.token()
        run(sb, token, min(requests, 25), 1, "json")  # warm-up: sort views, JSON caches, JIT
        for parse in parses:
            for clients in (1, 4):
                rates = [run(sb, token, requests, clients, parse) for _ in range(repeats)]
                rows.append((mode, clients, parse, requests, statistics.median(rates), min(rates)))
                print(f"[{mode}] {rows[-1]}", file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="page requests per run")
    parser.add_argument("--mock-requests", type=int, default=30, help="per run, mock mode")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-mock", action="store_true", help="skip the published mock's path")
    args = parser.parse_args(argv)

    rows = bench_mode("fast", args.requests, args.repeats, ["json", "scan"])
    rows += bench_mode("storage", args.requests, args.repeats, ["json"])
    if not args.no_mock:
        rows += bench_mode("mock", args.mock_requests, args.repeats, ["json"])

    print(f"\nkeyset paging, {CUSTOMERS} customers, limit={PAGE}, median of {args.repeats}")
    print(f"{'mode':<8} {'clients':>7} {'parse':>6} {'requests':>8} {'pages/s':>9} {'worst':>9}")
    for mode, clients, parse, n, median, worst in rows:
        print(f"{mode:<8} {clients:>7} {parse:>6} {n:>8} {median:>9.1f} {worst:>9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
