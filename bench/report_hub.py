"""RESULTS.md's sections on the hub as a place other systems read: what the change feed's
numbers cost a full pull (13) and the typed views over 100,000 orders (14)."""

from __future__ import annotations

from typing import Any

from bench import feed_cost, hub_views
from bench.common import Figure, Rendered, held, table

FEED_GOAL = 1.05
"""The change feed's numbers may cost a full pull at most 5 % (issue: the hub as a place other
systems read)."""


def feed_section(sections: dict[str, Any]) -> Rendered:
    """Measure 13: the page path with the feed's numbers against the code before them."""
    records = sections["feed_n"]
    goals, rows = [], []
    for database, figures in sections["feed"].items():
        ratios = {}
        for what in ("cpu", "wall"):
            old, new = Figure(figures[f"baseline {what}"]), Figure(figures[f"feed {what}"])
            ratios[what] = new.median / old.median
            rows.append([database, what, old.show(3), new.show(3), f"{ratios[what]:.3f}x"])
        # Judged on wall time, what a pull costs (records/s everywhere else); on PostgreSQL
        # the page path mostly waits for the server, so its CPU is the smaller part.
        goals.append(
            [
                f"13 change feed: a full pull's page path with the numbers <= {FEED_GOAL} x "
                f"before (wall), {database}",
                f"{ratios['wall']:.3f}x wall ({ratios['cpu']:.3f}x CPU of the flow's process)",
                held(ratios["wall"] <= FEED_GOAL),
            ]
        )
    section = [
        f"## 13. What the change feed's numbers cost a full pull ({records:,} customers)",
        "",
        f"`bench/feed_cost.py`: the engine's page path of a full pull (`PullRun.write` of every "
        f"page as one partition, with its checkpoint, no network) by the code of "
        f"{feed_cost.BASELINE} (the last commit before the feed) and by this checkout, each in a "
        "fresh process with the heap frozen as the flows freeze it, alternating, into a fresh "
        "hub. A whole pull also spends time on HTTP and Prefect, so its relative cost is lower "
        "than this.",
        "",
        *table(["hub", "", "before, s", "with the feed, s", "ratio"], rows),
    ]
    return goals, section


def views_section(sections: dict[str, Any]) -> Rendered:
    """Measure 14: the typed views' query on each database."""
    return [], [
        "## 14. Typed views: orders x customers x line items over 100,000 orders",
        "",
        "`bench/hub_views.py`: " + (hub_views.__doc__ or "").split("\n\n")[1].replace("\n", " "),
        "",
        *table(hub_views.HEADER, hub_views.rows(sections["views"])),
    ]
