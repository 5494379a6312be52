"""Measure 5: customer updates with latency, the plain script a user would write against
`push_customers` (batched reads, concurrent writes within the block's throttle).

Every run sets a new first name, so every draft is a real update (one `setFirstName`). The
baseline is strictly sequential, so its rate does not depend on how many drafts it gets: it runs
on a smaller slice to keep `make bench` short, and the report says so.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import Figures, credentials
from flows.push import push_customers
from sandbox import Sandbox
from sandbox.seed import LAST_NAMES


def drafts(tag: str, first: int, count: int) -> list[dict[str, Any]]:
    """Drafts of the bulk customers `first`..: same key, e-mail, last name; a new first name."""
    return [
        {
            "key": f"bulk-{i:06d}",
            "email": f"bulk{i:06d}@example.com",
            "firstName": f"{tag}-{i}",
            "lastName": LAST_NAMES[i % len(LAST_NAMES)],
        }
        for i in range(first, first + count)
    ]


def baseline(sandbox: Sandbox, rows: list[dict[str, Any]]) -> int:
    """For each draft: read by key, post the update; one at a time, plain httpx."""
    headers = {"Authorization": f"Bearer {sandbox.token()}"}
    done = 0
    with httpx.Client(base_url=sandbox.api_url, headers=headers, timeout=60) as http:
        for row in rows:
            current = http.get(f"/customers/key={row['key']}").raise_for_status().json()
            actions = [{"action": "setFirstName", "firstName": row["firstName"]}]
            body = {"version": current["version"], "actions": actions}
            http.post(f"/customers/{current['id']}", json=body).raise_for_status()
            done += 1
    return done


def measure(
    sandbox: Sandbox, updates: int, baseline_updates: int, latency_ms: int, runs: int
) -> tuple[Figures, dict[str, Any]]:
    """Updates/s of both, `runs` times; the drafts of the two never overlap."""
    figures = Figures()
    block = credentials(sandbox)
    sandbox.clear_faults()
    sandbox.inject(latency_ms=latency_ms, count=None, path="/customers")
    last: dict[str, Any] = {}
    for run in range(runs):
        rows = drafts(f"b{run}-{time.time_ns()}", updates + 1, baseline_updates)
        started = time.perf_counter()
        assert baseline(sandbox, rows) == baseline_updates
        figures["baseline rate"].add(baseline_updates / (time.perf_counter() - started))

        # A file, as a user would hand over thousands of drafts: a list this long exceeds
        # Prefect's 512 KB limit on flow-run parameters.
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "customers.jsonl"
            rows = drafts(f"o{run}-{time.time_ns()}", 1, updates)
            path.write_text("".join(json.dumps(row) + "\n" for row in rows))
            started = time.perf_counter()
            report = push_customers(block, source=str(path))
            wall = time.perf_counter() - started
        assert report.updated == updates and report.failed == 0, report.summary()
        figures["ours rate"].add(updates / wall)
        figures["ours body rate"].add(report.records_per_second)
        figures["ours api calls"].add(report.api_calls)
        figures["ours throttle wait"].add(report.throttle_wait_seconds)
        last = {
            "actions": dict(report.actions),
            "limit": block.api_throttle_limit,
            "seconds": block.api_throttle_seconds,
            "connections": block.concurrent_connections,
        }
    sandbox.clear_faults()
    return figures, last
