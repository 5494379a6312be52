"""RESULTS.md's sections on writes: the push against a plain loop (5), the throttle's accuracy
(6) and copy_project with a push of standalone prices (12)."""

from __future__ import annotations

from typing import Any

from bench import copy as copy_bench
from bench.common import Rendered, held, table


def push_section(sections: dict[str, Any]) -> Rendered:
    """Measure 5: push updates/s against a plain GET-then-POST loop."""
    goals: list[list[str]] = []
    body: list[str] = []
    f, info_push = sections["push"]
    ratio = f["ours rate"].median / f["baseline rate"].median
    goals.append(["5 push updates/s, ours >= 4 x baseline", f"{ratio:.1f}x", held(ratio >= 4)])
    calls_per_update = f["ours api calls"].median / sections["push_n"]
    bound = info_push["limit"] / info_push["seconds"] / calls_per_update
    body += [
        f"## 5. Push: customer updates, {sections['push_latency']} ms latency per request",
        "",
        f"Baseline: for each draft GET by key, then POST the update, one at a time (plain "
        f"httpx), on {sections['push_baseline_n']:,} drafts (sequential: the rate does not "
        f"depend on the count). Ours: `push_customers` with {sections['push_n']:,} drafts, "
        f"the block's throttle ({info_push['limit']} calls per {info_push['seconds']:g} s, "
        f"{info_push['connections']} connections). Actions sent: {info_push['actions']}.",
        "",
    ]
    rows = [
        ["baseline, updates/s", f["baseline rate"].show(1), "1.00x"],
        [
            "`push_customers`, updates/s (flow-run wall)",
            f["ours rate"].show(1),
            f"{ratio:.2f}x",
        ],
        [
            "`push_customers`, records/s (flow body)",
            f["ours body rate"].show(1),
            f"{f['ours body rate'].median / f['baseline rate'].median:.2f}x",
        ],
        ["`push_customers`, API calls", f["ours api calls"].show(), ""],
        [
            "throttle bound: limit / calls per update",
            f"{bound:.1f}",
            f"{bound / f['baseline rate'].median:.2f}x",
        ],
    ]
    body += table(["", "median (min..max)", "vs baseline"], rows)
    return goals, body


def throttle_section(sections: dict[str, Any]) -> Rendered:
    """Measure 6: calls per 1 s window under saturation."""
    goals: list[list[str]] = []
    body: list[str] = []
    f = sections["throttle"]
    most, rate = f["max in window"].values, f["rate"].median
    ok = max(most) <= 20 and min(f["rate"].values) >= 18
    goals.append(
        [
            "6 throttle 20/1 s: no 1 s window > 20, >= 18 calls/s",
            f"max {max(most):.0f} in any window, {rate:.1f} calls/s",
            held(ok),
        ]
    )
    body += [
        "## 6. Throttle accuracy: 20 calls per 1 s, 10 s saturated",
        "",
        "The engine's `CommercetoolsClient` against the sandbox (no latency), 50 concurrent "
        "callers. Admission = the limiter's own time for each call (the goal is judged on "
        "it); resumed = when the caller's coroutine ran again after admission, just before "
        "the request is sent. Windows are half-open [t, t+1 s) starting at every call.",
        "",
    ]
    rows = [
        ["calls admitted in 10 s", f["calls"].show()],
        ["most calls in any 1 s window, at admission", f["max in window"].show()],
        ["most calls in any 1 s window, as resumed", f["max in window resumed"].show()],
        ["largest admission-to-resume lag, ms", f["lag ms"].show(1)],
        ["calls/s", f["rate"].show(2)],
    ]
    body += table(["", "median (min..max)"], rows)
    return goals, body


def lost_answer_rows(c: Any) -> list[list[str]]:
    """The full copy again, every 50th write's answer lost after commit: what one costs."""
    if "lossy lost" not in c:
        return []
    extra = (c["lossy requests"].median - c["full requests"].median) / c["lossy lost"].median
    return [
        [
            f"the same, every {copy_bench.LOST_EVERY}th write's answer lost after commit: "
            "answers lost",
            c["lossy lost"].show(),
        ],
        ["its resources created (each once, no failure)", c["lossy created"].show()],
        ["its API requests (both projects)", c["lossy requests"].show()],
        ["extra requests per lost answer (medians)", f"{extra:.2f}"],
        [
            "its wall over the copy without losses",
            f"{c['lossy wall'].median / c['full wall'].median:.2f}x",
        ],
    ]


def copy_section(sections: dict[str, Any]) -> Rendered:
    """Measure 12: copy_project full and delta, and a push of standalone prices."""
    c, p = sections["copy"]["copy"], sections["copy"]["prices"]
    n, base_n = sections["prices_n"], sections["prices_baseline_n"]
    ratio = p["ours rate"].median / p["baseline rate"].median
    rows = [
        [
            f"copy_project full, demo seed ({c['full created'].median:,.0f} created), wall s",
            c["full wall"].show(2),
        ],
        ["its API requests (both projects)", c["full requests"].show()],
        ["copy_project delta, nothing changed, wall s", c["delta wall"].show(2)],
        ["its API requests (both projects)", c["delta requests"].show()],
        *lost_answer_rows(c),
        [f"push of {n:,} standalone-price changes, prices/s", p["ours rate"].show(1)],
        [f"plain loop (read by key, post), {base_n} prices, prices/s", p["baseline rate"].show(1)],
        ["push over the plain loop", f"{ratio:.1f}x"],
    ]
    return [], [
        "## 12. copy_project, and a push of standalone prices",
        "",
        "Two sandboxes, each a project with its own API client: the demo seed copied into an "
        "empty one, then a delta copy with nothing changed (both projects pulled into the hub "
        "first). Prices: 20 ms latency injected on /standalone-prices at the target; the plain "
        "loop is sequential, so it runs on a slice.",
        "",
        *table(["", "median (min..max)"], rows),
    ]
