"""Measure 3: peak RSS of a full pull, each in a fresh process so peaks do not carry over.

The child connects to the runner's Prefect test server (PREFECT_API_URL), so it pays no server
start and its peak is the flow process's own: imports, client, pages in flight, the hub writes.

    .venv/bin/python -m bench.memory <api_url> <client_id> <client_secret> <customers>
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import ROOT, Figures
from sandbox import Sandbox


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def child(api_url: str, client_id: str, client_secret: str, customers: int) -> dict[str, Any]:
    """Runs in the subprocess: one `sync_customers` full with the block's default partitions."""
    from blocks import CommercetoolsCredentials, HubDatabase
    from flows.sync import sync_customers

    after_imports = _status_kb("VmRSS")
    block = CommercetoolsCredentials(
        api_url=api_url,
        client_id=client_id,
        client_secret=client_secret,
        scope=f"manage_project:{api_url.rstrip('/').rsplit('/', 1)[1]}",
    )
    with tempfile.TemporaryDirectory() as folder:
        hub = HubDatabase(url=f"sqlite:///{folder}/hub.db")
        report = sync_customers(block, hub=hub, mode="full")
        hub.get_store().close()
    assert report.inserted == customers, report.summary()
    return {
        "after_imports_kb": after_imports,
        # The process's own high-water mark: ru_maxrss of a child started by subprocess.run
        # also carries the parent's (this runner holds the generated customers).
        "peak_kb": _status_kb("VmHWM"),
        "partitions": report.partitions,
    }


def run_child(sandbox: Sandbox, prefect_api_url: str, customers: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    args = [sandbox.api_url, sandbox.client_id, sandbox.client_secret, str(customers)]
    proc = subprocess.run(
        [sys.executable, "-m", "bench.memory", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"memory child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def measure(
    sandbox: Sandbox, prefect_api_url: str, sizes: list[int], runs: int, generate: Any
) -> Figures:
    """Peak RSS (MiB) per size, `runs` children each; the sandbox is reloaded per size."""
    figures = Figures()
    sandbox.clear_faults()
    for size in sizes:
        sandbox.reset({"customer": generate(size)})
        for _ in range(runs):
            result = run_child(sandbox, prefect_api_url, size)
            figures[f"{size} peak"].add(result["peak_kb"] / 1024)
            figures[f"{size} imports"].add(result["after_imports_kb"] / 1024)
            figures[f"{size} partitions"].add(result["partitions"])
    return figures


if __name__ == "__main__":
    url, cid, secret, n = sys.argv[1:5]
    print(json.dumps(child(url, cid, secret, int(n))))
