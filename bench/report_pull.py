"""RESULTS.md's sections on full pulls: measures 1 and 2 (HTTP loop, one partition, many
partitions), where (b)'s CPU goes, and the memory of a pull (3)."""

from __future__ import annotations

import os
from typing import Any

from bench import pull
from bench.common import Rendered, held, table

MEMORY_GOAL = 1.15
"""Peak RSS of a full pull of the largest size over the smallest: streaming keeps it flat."""


def pull_rows(result: pull.PullResult) -> list[list[str]]:
    f = result.figures
    base = f["a rate"].median
    labels = {
        "a": "(a) SDK keyset loop, parse only",
        "b": "(b) `sync_customers` full, 1 partition",
        "c": f"(c) `sync_customers` full, {result.partitions} partitions",
    }
    rows = []
    for key, label in labels.items():
        body = f[f"{key} body rate"]
        quiet = f[f"{key}0 rate"]
        rows.append(
            [
                label,
                f[f"{key} rate"].show(),
                f"{f[f'{key} rate'].median / base:.2f}x",
                quiet.show() if quiet.values else "-",
                f"{quiet.median / base:.2f}x" if quiet.values else "-",
                body.show() if body.values else "-",
                f"{body.median / base:.2f}x" if body.values else "-",
                f[f"{key} cpu python"].show(2),
                f[f"{key} cpu sandbox"].show(2),
                f[f"{key} cpu prefect_server"].show(2),
            ]
        )
    return rows


PULL_HEADER = [
    "run",
    "records/s (flow-run wall, Prefect defaults)",
    "vs (a)",
    "records/s (flow-run wall, Prefect heartbeats off)",
    "vs (a)",
    "records/s (flow body)",
    "vs (a)",
    "CPU s/1000 rec: python",
    "sandbox (node)",
    "Prefect server",
]


def busy_cores(result: pull.PullResult, key: str, only: str | None = None) -> float:
    """CPU seconds per wall second of all three processes (or `only` one): ~nproc is CPU-bound."""
    f = result.figures
    parties = (only,) if only else ("python", "sandbox", "prefect_server")
    cpu = sum(f[f"{key} cpu {p}"].median for p in parties)
    return cpu / 1000 * result.customers / f[f"{key} wall"].median


def ceiling_rows(result: pull.PullResult) -> list[str]:
    f = result.figures
    return [
        f"Sandbox ceiling (keyset readers that read only the last id, no JSON parse): "
        f"1 reader {f['sandbox 1'].show()} records/s, {result.partitions} readers "
        f"{f[f'sandbox {result.partitions}'].show()} records/s.",
        f"Cores busy (python + node + Prefect server CPU per wall second, medians): "
        f"(a) {busy_cores(result, 'a'):.2f}, (b) {busy_cores(result, 'b'):.2f}, "
        f"(c) {busy_cores(result, 'c'):.2f} of {len(os.sched_getaffinity(0))}; the flow's "
        f"process alone: (a) {busy_cores(result, 'a', only='python'):.2f}, "
        f"(b) {busy_cores(result, 'b', only='python'):.2f}, "
        f"(c) {busy_cores(result, 'c', only='python'):.2f} (one Python process holds about one "
        "core: the GIL).",
        "",
    ]


def goal_c_cores(result: pull.PullResult) -> list[str]:
    """What 5 x (a) would cost in CPU at (c)'s own measured cost per record, against nproc."""
    f = result.figures
    target = 5 * f["a rate"].median
    per_record = {p: f[f"c cpu {p}"].median / 1000 for p in ("python", "sandbox", "prefect_server")}
    needed = {p: target * seconds for p, seconds in per_record.items()}
    return [
        f"Goal (c) in CPU: 5 x (a) = {target:,.0f} records/s. At (c)'s measured CPU per record, "
        f"that needs {needed['python']:.2f} cores of Python (the flow's process), "
        f"{needed['sandbox']:.2f} of node and {needed['prefect_server']:.2f} of the Prefect "
        f"server: {sum(needed.values()):.2f} cores, on a machine with "
        f"{len(os.sched_getaffinity(0))}. One Python process (the GIL) gives at most one.",
        "",
    ]


def pull_section(sections: dict[str, Any]) -> Rendered:
    """Measure 1: full pulls with latency; goals (b) and (c)."""
    goals: list[list[str]] = []
    body: list[str] = []
    r: pull.PullResult = sections["pull"]
    f = r.figures
    base = f["a rate"].median
    ratio = {k: f[f"{k} rate"].median / base for k in ("b", "b0", "c", "c0")}
    body_ratio = {k: f[f"{k} body rate"].median / base for k in ("b", "c")}
    for key, goal, target in (("b", "(b) >= 0.9", 0.9), ("c", "(c) >= 5", 5.0)):
        goals.append(
            [
                f"1 {goal} x (a) records/s, flow-run wall, Prefect heartbeats off",
                f"{ratio[key + '0']:.2f}x ({body_ratio[key]:.2f}x flow body)",
                held(ratio[key + "0"] >= target),
            ]
        )
        goals.append(
            [
                f"1 {goal} x (a) records/s, flow-run wall, Prefect defaults",
                f"{ratio[key]:.2f}x",
                held(ratio[key] >= target),
            ]
        )
    body += [
        f"## 1. Full pull, {r.customers:,} customers, {r.latency_ms} ms latency per request",
        "",
        f"{r.runs} runs each, interleaved, after one untimed warm-up run of each. Flow-run "
        "wall: from calling the flow to its return, Prefect's per-run work included. Prefect "
        "3.9's sync flow engine joins its heartbeat thread at exit, and that thread sleeps in "
        "whole seconds: with the default heartbeats (`PREFECT_FLOWS_HEARTBEAT_FREQUENCY`, "
        "180 s) every flow run ends 0 to 1 s after its body (an empty flow run: see measure "
        "4), so the wall is measured with Prefect's defaults and with heartbeats off. Flow "
        "body: the report's own rate (first line of the flow to its return value).",
        "",
    ]
    body += table(PULL_HEADER, pull_rows(r))
    body += ceiling_rows(r)
    body += goal_c_cores(r)
    return goals, body


def nolatency_section(sections: dict[str, Any]) -> Rendered:
    """Measure 2: the same pulls without latency, in CPU."""
    goals: list[list[str]] = []
    body: list[str] = []
    r = sections["nolatency"]
    f = r.figures
    a_cpu = f["a cpu python"].median
    b_cpu = f["b cpu python"].median
    b_all = b_cpu + f["b cpu prefect_server"].median
    goals.append(
        [
            "2 CPU s / 1000 records, (b) vs (a) (no goal set)",
            f"{b_cpu:.3f} vs {a_cpu:.3f} python ({b_cpu / a_cpu:.1f}x); "
            f"{b_all:.3f} with the Prefect server",
            "-",
        ]
    )
    body += [f"## 2. Full pull, {r.customers:,} customers, no injected latency", ""]
    body += table(PULL_HEADER, pull_rows(r))
    body += ceiling_rows(r)
    body += [
        f"CPU seconds per 1 000 records in this (the flow's) process: (a) "
        f"{f['a cpu python'].show(3)}, (b) {f['b cpu python'].show(3)}: "
        f"(b) costs {b_cpu / a_cpu:.1f}x (a).",
        "",
    ]
    return goals, body


def profile_section(sections: dict[str, Any]) -> Rendered:
    """Where (b)'s CPU goes, by file and by function."""
    goals: list[list[str]] = []
    body: list[str] = []
    p = sections["profile"]
    total = p["total_cpu_s"] or 1.0
    body += [
        f"### Where (b)'s time goes (cProfile, CPU time, {p['customers']:,} customers, "
        f"no latency, {p['threads']} threads)",
        "",
        "Self time of every function, grouped by the file it lives in. Profiling inflates "
        "the total; the shares are what counts. The Prefect server (another process) is in "
        "the CPU columns above, not here.",
        "",
    ]
    rows = [
        [name, f"{seconds:.2f}", f"{100 * seconds / total:.0f} %"]
        for name, seconds in sorted(p["groups"].items(), key=lambda kv: -kv[1])
    ]
    body += table(["group", "CPU s", "share"], rows)
    body += ["Top functions by self time:", ""]
    body += table(["CPU s", "function"], [[str(s), f"`{w}`"] for s, w in p["top"]])
    return goals, body


def memory_section(sections: dict[str, Any]) -> Rendered:
    """Measure 3: peak RSS of a full pull at growing sizes."""
    goals: list[list[str]] = []
    body: list[str] = []
    f, sizes = sections["memory"]
    small, large = sizes[0], sizes[-1]
    ratio = f[f"{large} peak"].median / f[f"{small} peak"].median
    goals.append(
        [
            f"3 peak RSS at {large:,} <= {MEMORY_GOAL} x at {small:,} (flat in N)",
            f"{ratio:.2f}x ({f[f'{large} peak'].median:.0f} vs "
            f"{f[f'{small} peak'].median:.0f} MiB)",
            held(ratio <= MEMORY_GOAL),
        ]
    )
    body += [
        "## 3. Memory: peak RSS of a full pull",
        "",
        "Each pull in a fresh process (`python -m bench.memory`) against the runner's Prefect "
        "server, the block's default partitions; peak = `VmHWM` of that process (its own "
        "high-water mark; `ru_maxrss` would also carry the runner's).",
        "",
    ]
    rows = [
        [
            f"{size:,}",
            f[f"{size} peak"].show(1),
            f[f"{size} imports"].show(1),
            f"{f[f'{size} partitions'].median:.0f}",
        ]
        for size in sizes
    ]
    body += table(["customers", "peak RSS MiB", "RSS after imports MiB", "partitions"], rows)
    return goals, body
