"""What the change feed's numbers cost a full pull: the engine's page path before and after.

The same page bodies (20 000 customers as the sandbox serves them, 500 a page) are written by
`PullRun.write` as one partition of a full run, with its checkpoint, into a fresh hub: once by
the code of BASELINE (the last commit before the feed, a git worktree made for the run) and once
by this checkout, alternating, each in a fresh process, on SQLite and on PostgreSQL. The page
path is where the numbers are taken and written; a whole pull also spends time on HTTP and
Prefect, so its relative cost can only be lower than this figure.

    .venv/bin/python -m bench.feed_cost [--records 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "0332f44"
"""The last commit before the change feed (records had no seq)."""


def child(url: str, records: int) -> dict[str, Any]:
    """Write the bodies into the hub at `url` as the engine does; CPU and wall seconds."""
    import ctsync
    from bench.cpu_per_record import page_bodies
    from bench.page_path import PROJECT, full_run, write_pages
    from ctsync.hub import HubStore

    bodies = page_bodies(records)
    store = HubStore.connect(url)
    run = full_run(store)
    gc.collect()
    gc.freeze()  # as the flows do (flows/_heap.py): collections walk only the run's objects
    cpu, wall = time.process_time(), time.perf_counter()
    write_pages(run, bodies)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    stored = store.records.count(PROJECT, "customers")
    store.close()
    return {"cpu": cpu, "wall": wall, "stored": stored, "code": str(Path(ctsync.__file__).parent)}


@contextmanager
def baseline_checkout() -> Iterator[Path]:
    """A worktree of BASELINE for the run, removed after."""
    folder = Path(tempfile.mkdtemp(prefix="feed-baseline-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(folder), BASELINE],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        yield folder
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, capture_output=True
        )


def _one(code: Path, url: str, records: int) -> dict[str, Any]:
    """`child` in a fresh process running the code of the checkout at `code`."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.feed_cost", "--child", url, "--records", str(records)],
        cwd=code,
        env={**os.environ, "PYTHONPATH": str(code)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    if Path(result["code"]).resolve() != (code / "ctsync").resolve():
        raise RuntimeError(f"ran the code in {result['code']}, not in {code}")
    if result["stored"] != records:
        raise RuntimeError(f"stored {result['stored']} of {records} records")
    return result


def measure(records: int, runs: int) -> dict[str, Any]:
    """{database: {"baseline"|"feed": [cpu, ...], ...}}, runs alternating."""
    sys.path.insert(0, str(ROOT))
    from tests.postgres import fresh_database, running_postgres

    results: dict[str, Any] = {}
    with baseline_checkout() as old, running_postgres() as server:
        # The baseline has no such modules: these run there, importing the baseline's engine.
        for name in ("feed_cost.py", "page_path.py"):
            (old / "bench" / name).write_bytes((ROOT / "bench" / name).read_bytes())
        for database in ("sqlite", "postgresql"):
            figures: dict[str, list[float]] = {}
            for n in range(runs):
                for name, code in (("baseline", old), ("feed", ROOT))[:: 1 if n % 2 else -1]:
                    with tempfile.TemporaryDirectory() as folder:
                        url = (
                            f"sqlite:///{folder}/hub.db"
                            if database == "sqlite"
                            else fresh_database(server)
                        )
                        one = _one(code, url, records)
                    figures.setdefault(f"{name} cpu", []).append(one["cpu"])
                    figures.setdefault(f"{name} wall", []).append(one["wall"])
            results[database] = figures
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.records)))
        return
    for line in report(measure(args.records, args.runs)):
        print(line)


def report(results: dict[str, Any]) -> list[str]:
    """One line per database and figure: medians before and after, and their ratio."""
    lines = []
    for database, figures in results.items():
        for what in ("cpu", "wall"):
            old = statistics.median(figures[f"baseline {what}"])
            new = statistics.median(figures[f"feed {what}"])
            lines.append(
                f"{database} {what}: baseline {old:.3f} s, with the feed {new:.3f} s, "
                f"{new / old:.3f}x"
            )
    return lines


if __name__ == "__main__":
    main()
