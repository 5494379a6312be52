"""`make bench`: every measure of the benchmark issue against the sandbox, into bench/RESULTS.md.

One sandbox and one Prefect test server serve all measures; each figure is the median of the
runs with min and max, and the goals are checked against the medians. `--quick` is a smoke run
(small sizes, one run) that writes elsewhere, so it never replaces the real results.

    .venv/bin/python -m bench.run_all [--quick] [--runs 3] [--only pull,push,...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from prefect.settings import PREFECT_API_URL
from prefect.testing.utilities import prefect_test_harness

from bench import copy as copy_bench
from bench import (
    cpu_per_record,
    deletions,
    delta,
    feed_cost,
    follow,
    hub_views,
    memory,
    processes,
    pull,
    push,
    sdk,
    sync_all,
    throttle,
)
from bench.common import ROOT, CpuMeter, machine, sandbox_pid
from bench.results import plain, write
from sandbox import Sandbox
from sandbox.seed import customers_only, large_products

MEASURES = (
    "pull",
    "nolatency",
    "profile",
    "delta",
    "deletions",
    "push",
    "throttle",
    "memory",
    "products",
    "sync_all",
    "processes",
    "cpu",
    "sdk",
    "copy",
    "feed",
    "views",
    "follow",
)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Sizes:
    """How much each measure reads: the real figures' sizes, or a smoke run's."""

    quick: bool
    runs: int
    n: int = field(init=False)

    def __post_init__(self) -> None:
        self.n = 2_000 if self.quick else 20_000

    def pick(self, quick: Any, real: Any) -> Any:
        return quick if self.quick else real


@dataclass
class Run:
    """The measures asked for, what they gave so far, and where RESULTS.md goes."""

    only: set[str]
    output: Path
    args: Any
    info: dict[str, str] = field(default_factory=machine)
    sections: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sections["failures"] = self.failures

    def step(self, name: str, work: Callable[[], Any]) -> None:
        if name not in self.only:
            return
        log(f"{name} ...")
        t = time.perf_counter()
        try:
            self.sections[name] = work()
        except Exception as error:  # one broken measure must not lose the others
            self.failures[name] = f"{type(error).__name__}: {str(error)[:300]}"
            log(f"{name} FAILED: {self.failures[name]}")
            return
        log(f"{name} done in {time.perf_counter() - t:.0f} s")
        self.write()  # partial results survive a later failure

    def write(self) -> None:
        write(self.output, self.sections, self.info, self.args)


def pulls(run: Run, sb: Sandbox, size: Sizes) -> None:
    """Measures 1, 2, the profile, 4 and 7: reads of n customers."""
    n, runs = size.n, size.runs
    meter = CpuMeter(sandbox_pid(sb))
    sb.load({"customer": customers_only(n)})
    run.step("pull", lambda: pull.measure(sb, meter, n, 50, 8, runs))
    run.step("nolatency", lambda: pull.measure(sb, meter, n, 0, 8, runs))
    run.step("profile", lambda: {**pull.profile(sb, n), "customers": n})
    run.sections["delta_n"] = n
    run.step("delta", lambda: delta.measure(sb, n, runs))
    sizes, ks = size.pick(([2_000], [0, 1, 30]), ([20_000, 100_000], [0, 1, 30, 1_000]))
    run.sections.update(deletion_sizes=sizes, deletion_counts=ks)
    run.step("deletions", lambda: deletions.measure(sb, sizes, ks, runs))


def pushes_and_memory(run: Run, sb: Sandbox, size: Sizes) -> None:
    """Measures 5, 6, 3, 3b and 8, after the customers are reset to n."""
    n, runs = size.n, size.runs
    sb.reset({"customer": customers_only(n)})  # the measures after it read the usual data
    push_n, push_base_n = size.pick((300, 30), (5_000, 300))
    run.sections.update(push_n=push_n, push_baseline_n=push_base_n, push_latency=50)
    run.step("push", lambda: push.measure(sb, push_n, push_base_n, 50, runs))
    run.step("throttle", lambda: throttle.measure(sb, runs, duration=10.0))
    api_url = str(PREFECT_API_URL.value())
    mem_sizes = size.pick([1_000, 8_000], [10_000, 40_000, 160_000])
    run.step(
        "memory",
        lambda: (memory.measure(sb, api_url, mem_sizes, runs, customers_only), mem_sizes),
    )
    products_n = size.pick(30, 300)
    run.step(
        "products",
        lambda: {
            "figures": memory.measure_products(sb, api_url, products_n, runs, large_products),
            "products": products_n,
            "size_bytes": len(json.dumps(large_products(1)[0], separators=(",", ":"))),
        },
    )
    run.step("sync_all", lambda: sync_all.measure(runs))


def scale_and_copy(run: Run, sb: Sandbox, size: Sizes) -> None:
    """Measures 9, 10, 11 and 12."""
    n, runs = size.n, size.runs
    sb.reset({"customer": customers_only(2 * n)})
    run.step("processes", lambda: processes.measure(sb, 2 * n, 50, runs))
    run.step("cpu", lambda: cpu_per_record.measure_apart(n, 2 * runs + 1))
    sb.reset({"customer": customers_only(n)})
    run.sections["sdk_n"] = n
    run.step("sdk", lambda: {latency: sdk.measure(sb, n, latency, runs) for latency in (50, 0)})
    prices_n, prices_base_n = size.pick((300, 30), (5_000, 300))
    run.sections.update(prices_n=prices_n, prices_baseline_n=prices_base_n)
    run.step(
        "copy",
        lambda: {
            "copy": copy_bench.measure_copy(runs),
            "prices": copy_bench.measure_prices(prices_n, prices_base_n, 20, runs),
        },
    )


def without_sandbox(run: Run, size: Sizes) -> None:
    """Measures 13 and 14: the engine and the hub alone."""
    n, runs = size.n, size.runs
    # Three times the usual customers: a run of the page path is then ~1.5 s, not ~0.5 s, and
    # the machine's noise no longer decides a 5 % goal (1.02x alone, 1.10x in a full run).
    run.sections["feed_n"] = 3 * n
    run.step("feed", lambda: feed_cost.measure(3 * n, 2 * runs + 1))
    views_orders = size.pick(5_000, 100_000)
    run.step("views", lambda: hub_views.measure(orders_count=views_orders, repeat=runs))


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run (smoke)")
    parser.add_argument("--only", default=",".join(MEASURES), help="comma-separated measures")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (default 3)")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - set(MEASURES)
    if unknown:
        parser.error(f"unknown measures {sorted(unknown)}; choose from {', '.join(MEASURES)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    size = Sizes(quick=args.quick, runs=args.runs or (1 if args.quick else 3))
    default = Path(tempfile.gettempdir()) / "bench-quick" if args.quick else ROOT / "bench"
    output = args.output or default / "RESULTS.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    run = Run(only=set(args.only.split(",")), output=output, args=args)
    started = time.perf_counter()
    with Sandbox(seed=None) as sb, prefect_test_harness(server_startup_timeout=120):
        pulls(run, sb, size)
        pushes_and_memory(run, sb, size)
        scale_and_copy(run, sb, size)
    without_sandbox(run, size)
    run.step("follow", lambda: follow.measure(quick=size.quick))  # its own sandbox and moto
    run.write()
    output.with_suffix(".json").write_text(json.dumps(plain(run.sections), indent=1) + "\n")
    log(f"all done in {time.perf_counter() - started:.0f} s; wrote {output} and its .json")
    return 1 if run.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
