"""CPU per 1 000 records: the engine's page path against a parse-and-store loop.

Both take the same page bodies (customers as the sandbox serves them, 500 a page) into a fresh
SQLite hub of the same schema, in this process, with no network, the heap present before the
runs frozen as the flows freeze it (flows/_heap.py):

- (L) the loop a person would write: orjson-parse each body, one `executemany` upsert of
  (id, key, version, timestamps, document) keeping the higher version, commit.
- (E) the engine: the client's body parse (`QueryPage`), then `PullRun.write` (validation,
  version check, dead letters, the partition's checkpoint merged in the same transaction).

    .venv/bin/python -m bench.cpu_per_record [--records 20000] [--repeat 5] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from bench.common import ROOT, Figures
from bench.page_path import full_run, write_pages
from ctsync.hub import HubStore
from sandbox.seed import customers_only

PAGE = 500
_LOOP_UPSERT = (
    "INSERT INTO records (project_key, entity, id, key, version, created_at, last_modified_at, "
    "document, synced_at, last_seen_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (project_key, entity, id) DO UPDATE SET key = excluded.key, "
    "version = excluded.version, created_at = excluded.created_at, "
    "last_modified_at = excluded.last_modified_at, document = excluded.document, "
    "synced_at = excluded.synced_at, last_seen_run = excluded.last_seen_run, deleted_at = NULL "
    "WHERE records.version < excluded.version"
)


def page_bodies(records: int) -> list[bytes]:
    """Response bodies of a keyset read of `records` customers, 500 a page."""
    customers = sorted(customers_only(records), key=lambda c: c["id"])
    return [
        orjson.dumps(
            {
                "limit": PAGE,
                "offset": 0,
                "count": len(chunk),
                "results": chunk,
            }
        )
        for chunk in (customers[i : i + PAGE] for i in range(0, len(customers), PAGE))
    ]


def loop(bodies: list[bytes], folder: Path) -> float:
    """(L): CPU seconds to parse and store every body."""
    HubStore.connect(f"sqlite:///{folder}/loop.db").close()  # the same schema
    conn = sqlite3.connect(folder / "loop.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    started = time.process_time()
    for body in bodies:
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        rows = [
            (
                "bench",
                "customers",
                r["id"],
                r.get("key"),
                r["version"],
                r["createdAt"],
                r["lastModifiedAt"],
                orjson.dumps(r).decode(),
                now,
                "run",
            )
            for r in orjson.loads(body)["results"]
        ]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(_LOOP_UPSERT, rows)
        conn.execute("COMMIT")
    spent = time.process_time() - started
    conn.close()
    return spent


def engine(bodies: list[bytes], folder: Path) -> float:
    """(E): CPU seconds for the engine's parse and `PullRun.write` of every body, as one
    partition of a full run with its checkpoint."""
    store = HubStore.connect(f"sqlite:///{folder}/engine.db")
    run = full_run(store)
    started = time.process_time()
    write_pages(run, bodies)
    spent = time.process_time() - started
    store.close()
    return spent


def measure_apart(records: int, repeat: int) -> Figures:
    """`measure` in a fresh process: a runner that holds other measures' objects would make
    the garbage collector, not the code measured, the difference."""
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "bench.cpu_per_record"),
            *("--records", str(records), "--repeat", str(repeat), "--json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    figures = Figures()
    for name, values in json.loads(proc.stdout.strip().splitlines()[-1]).items():
        figures[name].values.extend(values)
    return figures


def measure(records: int, repeat: int) -> Figures:
    figures = Figures()
    figures["records"].add(records)
    bodies = page_bodies(records)
    gc.collect()
    gc.freeze()  # as the flows do (flows/_heap.py): collections walk only the run's objects
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            figures["loop"].add(loop(bodies, Path(folder)) / records * 1000)
        with tempfile.TemporaryDirectory() as folder:
            figures["engine"].add(engine(bodies, Path(folder)) / records * 1000)
        figures["ratio"].add(figures["engine"].values[-1] / figures["loop"].values[-1])
    return figures


def profile(records: int) -> Any:
    bodies = page_bodies(records)
    with tempfile.TemporaryDirectory() as folder:
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        engine(bodies, Path(folder))
        profiler.disable()
    return pstats.Stats(profiler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.profile:
        profile(args.records).sort_stats("tottime").print_stats(25)
        return
    figures = measure(args.records, args.repeat)
    if args.json:
        print(json.dumps({name: figure.values for name, figure in figures.items()}))
        return
    print(f"CPU s per 1000 records, loop:   {figures['loop'].show(4)}")
    print(f"CPU s per 1000 records, engine: {figures['engine'].show(4)}")
    print(f"engine / loop: {figures['ratio'].show(2)}")


if __name__ == "__main__":
    main()
