"""RESULTS.md's sections on what a pull reads again: the delta with nothing changed (4),
deletions found by a plain delta (7) and sync_all with nothing new (8)."""

from __future__ import annotations

from typing import Any

from bench.common import Rendered, held, table


def delta_section(sections: dict[str, Any]) -> Rendered:
    """Measure 4: a delta with nothing changed, against Prefect's own run."""
    goals: list[list[str]] = []
    body: list[str] = []
    f, calls = sections["delta"]
    beyond = f["beyond empty flow"].median
    pages = f["page requests"].median
    goals.append(
        [
            "4 delta, nothing changed: one page request",
            f"{pages:.0f} page request(s), {f['API requests'].median:.0f} API requests",
            held(pages == 1),
        ]
    )
    goals.append(
        [
            "4 delta: < 2 s beyond Prefect's own run",
            f"{beyond:.2f} s (flow run {f['delta wall'].median:.2f} s, empty flow "
            f"{f['empty flow wall'].median:.2f} s)",
            held(beyond < 2),
        ]
    )
    body += [
        f"## 4. Delta pull with nothing changed, {sections['delta_n']:,} customers",
        "",
        "After one full run into the hub. Prefect's own run = an empty flow on the same "
        "server, measured just before each delta. API requests: the plan's exact count "
        "(which is also the server clock), the page, and the settle window's query that "
        "tells whether anything was deleted (measure 7).",
        "",
    ]
    body += table(["", "median (min..max)"], _delta_rows(f))
    body += [
        "Requests of the last delta: " + ", ".join(f"`{k}` {v}" for k, v in sorted(calls.items())),
        "",
    ]
    return goals, body


def _delta_rows(f: Any) -> list[list[str]]:
    return [
        ["delta flow run, wall s", f["delta wall"].show(2)],
        ["delta flow body (report), s", f["delta body"].show(2)],
        ["empty flow run, wall s", f["empty flow wall"].show(2)],
        [
            "empty flow run, Prefect heartbeats off, wall s",
            f["empty flow wall, heartbeats off"].show(2),
        ],
        ["delta beyond the empty flow, s", f["beyond empty flow"].show(2)],
        ["page requests (the report's pages)", f["page requests"].show()],
        ["all API requests", f["API requests"].show()],
    ]


def deletion_rows(f: Any, sizes: list[int], counts: list[int]) -> Rendered:
    """Goal rows and the section of measure 7: what finding k deletions adds to a plain delta."""
    goals = []
    rows = []
    for size in sizes:
        base = f[f"{size} 0 requests"].median
        base_s = f[f"{size} 0 body"].median
        for k in counts:
            requests = f[f"{size} {k} requests"].median
            extra = requests - base
            rows.append(
                [
                    f"{size:,}",
                    f"{k:,}",
                    f[f"{size} {k} requests"].show(),
                    f"{extra:+.0f}" if k else "-",
                    f"{extra / k:.1f}" if k else "-",
                    f[f"{size} {k} body"].show(2),
                    f"{f[f'{size} {k} body'].median - base_s:+.2f}" if k else "-",
                ]
            )
        goals.append(
            [
                f"7 plain delta, nothing deleted, {size:,} customers: at most one request more "
                "than the page and the clock",
                f"{base:.0f} requests",
                held(base <= 3),
            ]
        )
    section = [
        "## 7. Deletions found by a plain delta",
        "",
        "A hub initialized once per size; then, for each number of deletions, that many "
        "customers are deleted in the sandbox and a plain delta runs (no latency). Requests: the "
        "report's API calls (the plan's exact count, which is also the clock; the delta's page; "
        "the settle window's query; then the search). Extra: beyond the same delta with nothing "
        "deleted. Seconds: the flow body.",
        "",
    ]
    header = [
        "customers",
        "deleted",
        "requests",
        "extra",
        "extra per deletion",
        "body s",
        "extra s",
    ]
    return goals, section + table(header, rows)


def sync_all_goal(f: Any) -> list[str]:
    beyond = f["beyond empty flow"].median
    return [
        "8 sync_all, nothing new, demo seed: <= 5 s beyond an empty flow run",
        f"{beyond:.2f} s (sync_all {f['delta wall'].median:.2f} s, empty flow "
        f"{f['empty flow wall'].median:.2f} s)",
        held(beyond <= 5),
    ]


def _sync_all_body(f: Any) -> list[str]:
    rows = [
        ["sync_all, nothing new, wall s", f["delta wall"].show(2)],
        ["empty flow run, wall s", f["empty flow wall"].show(2)],
        ["sync_all beyond the empty flow, s", f["beyond empty flow"].show(2)],
        ["API requests of one sync_all with nothing new", f["API requests"].show()],
        [
            f"first sync_all (full, {f['records'].median:,.0f} records), wall s",
            f["full wall"].show(2),
        ],
    ]
    return [
        "## 8. sync_all with nothing new, every entity of the demo seed",
        "",
        "After one sync_all into an empty hub (timed once, for scale). Each entity is a task run "
        "of sync_all's flow run (not a subflow of its own); the empty flow run just before each "
        "sync_all is Prefect's own cost per run.",
        "",
        *table(["", "median (min..max)"], rows),
    ]


def deletions_section(sections: dict[str, Any]) -> Rendered:
    """Measure 7: what finding k deletions adds to a plain delta."""
    return deletion_rows(
        sections["deletions"], sections["deletion_sizes"], sections["deletion_counts"]
    )


def sync_all_section(sections: dict[str, Any]) -> Rendered:
    """Measure 8: sync_all with nothing new."""
    return [sync_all_goal(sections["sync_all"])], _sync_all_body(sections["sync_all"])
