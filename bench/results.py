"""RESULTS.md and RESULTS.json from whatever measures ran: the page's sections in their order,
each with its rows of the goals table, and every raw run behind the medians."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench import (
    follow_report,
    hub_views,
    pull,
    report_delta,
    report_hub,
    report_pull,
    report_scale,
)
from bench import report_writes as writes
from bench.common import Figure, Rendered, table

SECTIONS: tuple[tuple[str, Callable[[dict[str, Any]], Rendered]], ...] = (
    ("pull", report_pull.pull_section),
    ("nolatency", report_pull.nolatency_section),
    ("profile", report_pull.profile_section),
    ("memory", report_pull.memory_section),
    ("delta", report_delta.delta_section),
    ("sync_all", report_delta.sync_all_section),
    ("copy", writes.copy_section),
    ("feed", report_hub.feed_section),
    ("views", report_hub.views_section),
    ("deletions", report_delta.deletions_section),
    ("push", writes.push_section),
    ("throttle", writes.throttle_section),
    ("products", report_scale.products_section),
    ("processes", report_scale.processes_section),
    ("cpu", report_scale.cpu_section),
    ("sdk", report_scale.sdk_section),
    ("follow", follow_report.follow_section),
)
"""A measure's section, in the page's order, when the measure ran."""


def write(path: Path, sections: dict[str, Any], info: dict[str, str], args: Any) -> None:
    """RESULTS.md from whatever measures ran."""
    out = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`.venv/bin/python -m bench.run_all`); do not edit by hand. "
        "Figures: median of the runs (min..max). Benchmarks never run in CI.",
        "",
    ]
    if args.quick:
        out += ["**Quick smoke run: small sizes, one run; not the real figures.**", ""]
    out += ["## Machine", ""]
    out += table(["", ""], [[k, v] for k, v in info.items()])
    goals: list[list[str]] = []
    body: list[str] = []
    for name, render in SECTIONS:
        if name in sections:
            more_goals, more = render(sections)
            goals += more_goals
            body += more
    for name, reason in sections.get("failures", {}).items():
        body += [f"## Measure `{name}` failed", "", f"```\n{reason}\n```", ""]
    out += ["## Goals", ""]
    out += table(["goal", "measured (medians)", ""], goals)
    out += body
    path.write_text("\n".join(out).rstrip() + "\n")


def plain(value: Any) -> Any:
    """Every measured value, for RESULTS.json: the raw runs behind each median."""
    if isinstance(value, Figure):
        return value.values
    if isinstance(value, pull.PullResult | hub_views.DatabaseResult):
        return plain(vars(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value
