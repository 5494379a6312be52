"""Milliseconds per lookup query of the sandbox at 20 000 customers (not run by pytest).

Why: a push finds the records its drafts name with `key in (…)` / `email in (…)` queries of up
to 100 values. The mock evaluates its predicate on every stored resource (~250 ms per query at
20 000 customers, with node's one thread blocked meanwhile), which made the push benchmark
measure the sandbox. The adapter keeps the resources holding one of the values first; this
measures both (fast = the adapter, mock = the published mock's query code) and checks that they
find the same records.

    PYTHONPATH=. .venv/bin/python bench/sandbox_lookups.py [--customers 20000] [--repeat 9]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox import Sandbox
from sandbox.seed import customers_only


def lookups(customers: list[dict]) -> dict[str, str]:
    picked = customers[:: max(1, len(customers) // 100)][:100]
    return {
        "key in (100 keys)": "key in (" + ", ".join(f'"{c["key"]}"' for c in picked) + ")",
        "email in (100 e-mails)": "email in (" + ", ".join(f'"{c["email"]}"' for c in picked) + ")",
    }


def measure(mode: str, customers: list[dict], repeat: int) -> dict[str, tuple[float, list[str]]]:
    out: dict[str, tuple[float, list[str]]] = {}
    with Sandbox(seed=None, env={"SANDBOX_QUERY_MODE": mode}) as sb:
        sb.load({"customer": customers})
        with sb.client(timeout=60) as api:
            for name, where in lookups(customers).items():
                params = {"where": where, "limit": 500, "withTotal": "false"}
                api.get("/customers", params=params).raise_for_status()  # parse cache, JIT
                times, ids = [], []
                for _ in range(repeat):
                    started = time.perf_counter()
                    page = api.get("/customers", params=params).raise_for_status().json()
                    times.append((time.perf_counter() - started) * 1000)
                    ids = sorted(r["id"] for r in page["results"])
                out[name] = (statistics.median(times), ids)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    customers = customers_only(args.customers)
    fast = measure("fast", customers, args.repeat)
    mock = measure("mock", customers, args.repeat)
    print(f"{args.customers} customers, median of {args.repeat} queries, ms per query")
    for name in fast:
        same = "same records" if fast[name][1] == mock[name][1] else "DIFFERENT RECORDS"
        print(
            f"  {name:24s} adapter {fast[name][0]:7.1f}   mock {mock[name][0]:7.1f}   "
            f"{mock[name][0] / fast[name][0]:5.1f}x   {same} ({len(fast[name][1])})"
        )
    return 0 if all(fast[n][1] == mock[n][1] for n in fast) else 1


if __name__ == "__main__":
    raise SystemExit(main())
