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


def child(
    api_url: str,
    client_id: str,
    client_secret: str,
    customers: int,
    entity: str = "customers",
    page_bytes: int | None = None,
) -> dict[str, Any]:
    """Runs in the subprocess: one full sync of `entity` with the block's default partitions
    (and `page_bytes`, when given)."""
    from blocks import CommercetoolsCredentials, HubDatabase
    from flows.sync import ENTITY_FLOWS

    after_imports = _status_kb("VmRSS")
    block = CommercetoolsCredentials(
        api_url=api_url,
        client_id=client_id,
        client_secret=client_secret,
        scope=f"manage_project:{api_url.rstrip('/').rsplit('/', 1)[1]}",
    )
    with tempfile.TemporaryDirectory() as folder:
        hub = HubDatabase(url=f"sqlite:///{folder}/hub.db")
        extra = {} if page_bytes is None else {"page_bytes": page_bytes}
        report = ENTITY_FLOWS[entity](block, hub=hub, mode="full", **extra)
        hub.get_store().close()
    assert report.inserted == customers, report.summary()
    return {
        "after_imports_kb": after_imports,
        # The process's own high-water mark: ru_maxrss of a child started by subprocess.run
        # also carries the parent's (this runner holds the generated customers).
        "peak_kb": _status_kb("VmHWM"),
        "partitions": report.partitions,
        "api_calls": report.api_calls,
    }


def run_child(
    sandbox: Sandbox,
    prefect_api_url: str,
    customers: int,
    entity: str = "customers",
    page_bytes: int | None = None,
) -> dict[str, Any]:
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    args = [sandbox.api_url, sandbox.client_id, sandbox.client_secret, str(customers), entity]
    if page_bytes is not None:
        args.append(str(page_bytes))
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


def measure_products(
    sandbox: Sandbox, prefect_api_url: str, products: int, runs: int, generate: Any
) -> Figures:
    """Peak RSS (MiB) of a full products pull of large products: with pages sized by bytes (the
    default) and by count alone (a byte target no page reaches), `runs` children each."""
    figures = Figures()
    sandbox.clear_faults()
    sandbox.reset({"product": generate(products)})
    for _ in range(runs):
        for label, page_bytes in (("bytes", None), ("count", 1 << 40)):
            result = run_child(sandbox, prefect_api_url, products, "products", page_bytes)
            figures[f"{label} peak"].add(result["peak_kb"] / 1024)
            figures[f"{label} calls"].add(result["api_calls"])
            figures[f"{label} partitions"].add(result["partitions"])
    return figures


if __name__ == "__main__":
    url, cid, secret, n, *rest = sys.argv[1:]
    entity = rest[0] if rest else "customers"
    page_bytes = int(rest[1]) if len(rest) > 1 else None
    print(json.dumps(child(url, cid, secret, int(n), entity, page_bytes)))
