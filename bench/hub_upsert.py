"""Hub upsert throughput: 20 000 customers (~1 KB each) in pages of 500 into a fresh SQLite file.

Three passes, each the median of 3 repetitions on a fresh file: insert (every record new),
unchanged (the same versions again) and update (every version + 1). A pass times what a pull
sync does per page: parse the page's JSON body, build the HubRecords, `upsert_page` with a cursor.
For scale it also prints the machine's ceiling: parsing alone, and parse + the same INSERT
through sqlite3 directly (no SQLAlchemy, no version check, no checkpoint).

    .venv/bin/python bench/hub_upsert.py [--records 20000] [--page 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from ctsync.hub import HubRecord, HubStore

PROJECT, ENTITY = "bench", "customers"


def customer(rng: random.Random, index: int) -> dict[str, Any]:
    """A customer shaped like commercetools returns it, about 1 KB as JSON."""
    created = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:{index % 60:02d}:00.000Z"
    modified = (
        f"2026-01-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00.{index % 1000:03d}Z"
    )
    first, last = rng.choice(["Anna", "Ben", "Chloé", "Dirk"]), rng.choice(["Meyer", "Ng", "Ruiz"])

    def address(kind: str) -> dict[str, Any]:
        return {
            "id": uuid.UUID(int=rng.getrandbits(128)).hex[:8],
            "firstName": first,
            "lastName": last,
            "streetName": rng.choice(["Hauptstraße", "Rue de Rivoli", "Main Street"]),
            "streetNumber": str(rng.randint(1, 200)),
            "postalCode": f"{rng.randint(10000, 99999)}",
            "city": rng.choice(["Berlin", "Paris", "Springfield"]),
            "country": rng.choice(["DE", "FR", "US"]),
        }

    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128))),
        "version": rng.randint(1, 40),
        "versionModifiedAt": modified,
        "createdAt": created,
        "lastModifiedAt": modified,
        "lastModifiedBy": {"clientId": "kT9p2Xw3Qm8sZ1", "isPlatformClient": False},
        "key": f"customer-{index}",
        "customerNumber": f"C{index:08d}",
        "email": f"{first.lower()}.{last.lower()}.{index}@example.com",
        "firstName": first,
        "lastName": last,
        "password": "****",
        "addresses": [address("shipping"), address("billing")],
        "defaultShippingAddressId": None,
        "shippingAddressIds": [],
        "billingAddressIds": [],
        "isEmailVerified": rng.random() < 0.7,
        "customerGroup": {"typeId": "customer-group", "id": str(uuid.UUID(int=index))},
        "custom": {
            "type": {"typeId": "type", "id": "5f0b6b1e-0000-4000-8000-000000000001"},
            "fields": {
                "loyaltyTier": rng.choice(["bronze", "silver", "gold"]),
                "newsletter": rng.random() < 0.5,
                "points": rng.randint(0, 100000),
            },
        },
        "stores": [],
        "authenticationMode": "Password",
    }


def page_bodies(documents: list[dict[str, Any]], page_size: int) -> list[bytes]:
    """The pages as commercetools would send them: what a sync parses."""
    return [
        json.dumps({"results": documents[i : i + page_size]}, ensure_ascii=False).encode()
        for i in range(0, len(documents), page_size)
    ]


def run_pass(store: HubStore, bodies: list[bytes], run_id: str) -> float:
    """Records per second of one pass over all pages."""
    count = 0
    started = time.perf_counter()
    for number, body in enumerate(bodies):
        page = [HubRecord.from_document(d) for d in json.loads(body)["results"]]
        store.records.upsert_page(PROJECT, ENTITY, page, run_id=run_id, cursor={"page": number})
        count += len(page)
    return count / (time.perf_counter() - started)


def parse_rate(bodies: list[bytes]) -> float:
    started = time.perf_counter()
    count = sum(len(json.loads(body)["results"]) for body in bodies)
    return count / (time.perf_counter() - started)


def sqlite3_insert_rate(path: Path, bodies: list[bytes]) -> float:
    """Parse + INSERT through sqlite3 alone into the hub's schema: what SQLAlchemy adds to."""
    HubStore.connect(f"sqlite:///{path}").close()  # the hub's tables and indexes, WAL
    encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous = NORMAL")
    sql = (
        "INSERT INTO records (project_key, entity, id, key, version, created_at, "
        "last_modified_at, document, synced_at, last_seen_run) VALUES (?,?,?,?,?,?,?,?,?,?)"
    )
    count = 0
    started = time.perf_counter()
    for body in bodies:
        page = json.loads(body)["results"]
        rows = [
            (PROJECT, ENTITY, d["id"], d["key"], d["version"], d["createdAt"],
             d["lastModifiedAt"], encode(d), "2026-01-01 00:00:00.000000", "r")
            for d in page
        ]  # fmt: skip
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(sql, rows)
        connection.execute("COMMIT")
        count += len(rows)
    rate = count / (time.perf_counter() - started)
    connection.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--page", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    rng = random.Random(7)
    documents = [customer(rng, i) for i in range(args.records)]
    size = statistics.mean(len(json.dumps(d, ensure_ascii=False).encode()) for d in documents[:200])
    bumped = [{**d, "version": d["version"] + 1} for d in documents]
    first, again, newer = (page_bodies(docs, args.page) for docs in (documents, documents, bumped))

    results: dict[str, list[float]] = {"insert": [], "unchanged": [], "update": []}
    parsing: list[float] = []
    ceiling: list[float] = []
    for repetition in range(args.repeat):
        parsing.append(parse_rate(first))
        with tempfile.TemporaryDirectory() as directory:
            ceiling.append(sqlite3_insert_rate(Path(directory) / "raw.db", first))
            store = HubStore.connect(f"sqlite:///{Path(directory) / 'hub.db'}")
            results["insert"].append(run_pass(store, first, f"r{repetition}-1"))
            results["unchanged"].append(run_pass(store, again, f"r{repetition}-2"))
            results["update"].append(run_pass(store, newer, f"r{repetition}-3"))
            assert store.records.count(PROJECT, ENTITY) == args.records
            store.close()

    print(f"{args.records} customers, ~{size:.0f} B each, pages of {args.page}, SQLite (WAL)")
    print(f"  ceiling: {statistics.median(parsing):8.0f} records/s parsing JSON alone")
    print(f"           {statistics.median(ceiling):8.0f} records/s parse + sqlite3 INSERT alone")
    for name, rates in results.items():
        print(f"{name:>9}: {statistics.median(rates):8.0f} records/s (median of {len(rates)})")


if __name__ == "__main__":
    main()
