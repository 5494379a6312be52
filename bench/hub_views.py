"""Typed views at scale: a query joining orders, customers and order line items over a hub of
100 000 orders (1-5 line items each) of 20 000 customers, on SQLite and on PostgreSQL.

The documents are written as a pull writes them (`upsert_page`, pages of 500), the views
created with `replace_views`, then the query (revenue and line count of the 10 customers with
the highest revenue) is timed: the median of 3 runs, each reading every order's document.
PostgreSQL is a throwaway server (tests/postgres.py), analysed after the load as autovacuum
would be; SQLite is a file in a temporary directory, as the hub leaves it.

    .venv/bin/python -m bench.hub_views [--orders 100000] [--customers 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from ctsync.hub import HubStore
from ctsync.hub.views import replace_views
from ctsync.registry import ENTITIES
from deployments.demo import TOP_CUSTOMERS as DOCS_TOP_CUSTOMERS
from tests.postgres import fresh_database, postgres_bin, running_postgres

PROJECT = "bench"
PAGE = 500

TOP_CUSTOMERS = """
SELECT o.customer_id AS customer_id, min(c.email) AS email,
       count(DISTINCT o.id) AS orders, count(*) AS lines,
       sum(li.total_price_amount) AS revenue
FROM orders AS o
JOIN customers AS c ON c.project_key = o.project_key AND c.id = o.customer_id
JOIN order_line_items AS li ON li.project_key = o.project_key AND li.order_id = o.id
WHERE o.project_key = 'bench' AND li.total_price_currency = 'EUR'
GROUP BY o.customer_id
ORDER BY revenue DESC, o.customer_id
LIMIT 10
"""
"""Grouped by the order's `customer_id`, not by `c.id`: with a constant project_key, SQLite
(which has no statistics) would read customers in id order to save the sort and scan every
order for each customer, quadratic (25 s for 5 000 orders instead of 0.25 s)."""


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _stamp(rng: random.Random) -> str:
    return (
        f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:"
        f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}Z"
    )


def _money(cents: int, currency: str = "EUR") -> dict[str, Any]:
    return {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": cents,
        "fractionDigits": 2,
    }


def customers(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Customers shaped as commercetools returns them (two addresses each)."""
    documents = []
    for number in range(count):
        first, last = rng.choice(["Anna", "Ben", "Chloé", "Dirk"]), rng.choice(["Meyer", "Ng"])
        stamp = _stamp(rng)
        documents.append(
            {
                "id": _id(rng),
                "version": rng.randint(1, 9),
                "createdAt": stamp,
                "lastModifiedAt": stamp,
                "key": f"customer-{number}",
                "customerNumber": f"C{number:07d}",
                "email": f"{first.lower()}.{last.lower()}.{number}@example.com",
                "firstName": first,
                "lastName": last,
                "addresses": [
                    {
                        "id": f"a{number}-{kind}",
                        "city": rng.choice(["Berlin", "Paris"]),
                        "country": "DE",
                    }
                    for kind in ("home", "work")
                ],
                "defaultShippingAddressId": f"a{number}-home",
                "customerGroup": {"typeId": "customer-group", "id": "group-1"},
                "isEmailVerified": True,
            }
        )
    return documents


def orders(rng: random.Random, count: int, customer_ids: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Orders of random customers, with 1-5 line items each; generated as they are written."""
    for number in range(count):
        items = []
        for position in range(rng.randint(1, 5)):
            product = rng.randint(1, 5000)
            cents, quantity = rng.randint(199, 19999), rng.randint(1, 4)
            items.append(
                {
                    "id": _id(rng),
                    "productId": f"product-{product}",
                    "productKey": f"product-{product}",
                    "name": {"en": f"Product {product}", "de": f"Produkt {product}"},
                    "variant": {"id": 1, "sku": f"SKU-{product}-{position}"},
                    "price": {"id": _id(rng), "value": _money(cents)},
                    "quantity": quantity,
                    "totalPrice": _money(cents * quantity),
                    "lineItemMode": "Standard",
                }
            )
        stamp = _stamp(rng)
        yield {
            "id": _id(rng),
            "version": rng.randint(1, 9),
            "createdAt": stamp,
            "lastModifiedAt": stamp,
            "orderNumber": f"ORD-{number:08d}",
            "customerId": rng.choice(customer_ids),
            "customerEmail": "someone@example.com",
            "lineItems": items,
            "totalPrice": _money(sum(i["totalPrice"]["centAmount"] for i in items)),
            "orderState": "Open",
            "paymentState": "Paid",
            "country": "DE",
            "shippingInfo": {"shippingMethodName": "Standard", "price": _money(495)},
            "paymentInfo": {"payments": [{"typeId": "payment", "id": _id(rng)}]},
        }


def _write(hub: HubStore, entity: str, documents: Iterator[dict[str, Any]] | list[Any]) -> int:
    record = ENTITIES[entity].record
    page: list[Any] = []
    written = 0
    for document in documents:
        page.append(record(document))
        if len(page) == PAGE:
            written += hub.records.upsert_page(PROJECT, entity, page, run_id="bench").total
            page = []
    if page:
        written += hub.records.upsert_page(PROJECT, entity, page, run_id="bench").total
    return written


@dataclass
class DatabaseResult:
    """What one database did: load and view creation once, the query `repeat` times."""

    database: str
    load_seconds: float = 0.0
    views_seconds: float = 0.0
    query_seconds: list[float] = field(default_factory=list)
    readme_seconds: list[float] = field(default_factory=list)
    """docs/hub.md's (and `make demo`'s) five customers with the most orders."""
    counts: dict[str, int] = field(default_factory=dict)
    top: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.query_seconds)


def _measure_hub(
    database: str, url: str, orders_count: int, customers_count: int, repeat: int
) -> DatabaseResult:
    result = DatabaseResult(database)
    rng = random.Random(7)
    hub = HubStore.connect(url)
    try:
        started = time.perf_counter()
        people = customers(rng, customers_count)
        _write(hub, "customers", people)
        _write(hub, "orders", orders(rng, orders_count, [c["id"] for c in people]))
        with hub.database.begin() as conn:
            if database == "postgresql":
                conn.exec_driver_sql("ANALYZE records")
        result.load_seconds = time.perf_counter() - started

        started = time.perf_counter()
        with hub.database.begin() as conn:
            replace_views(conn)
        result.views_seconds = time.perf_counter() - started

        with hub.database.read() as conn:
            for view in ("customers", "orders", "order_line_items"):
                result.counts[view] = conn.execute(
                    text(f"SELECT count(*) FROM {view}")
                ).scalar_one()
            for _ in range(repeat):
                started = time.perf_counter()
                rows = conn.execute(text(TOP_CUSTOMERS)).all()
                result.query_seconds.append(time.perf_counter() - started)
                started = time.perf_counter()
                conn.execute(text(DOCS_TOP_CUSTOMERS), {"project": PROJECT}).all()
                result.readme_seconds.append(time.perf_counter() - started)
            result.top = [tuple(row) for row in rows]
    finally:
        hub.close()
    return result


@contextmanager
def _postgres_url() -> Iterator[str | None]:
    if postgres_bin() is None:
        yield None
        return
    with running_postgres() as server:
        yield fresh_database(server)


def measure(
    orders_count: int = 100_000,
    customers_count: int = 20_000,
    repeat: int = 3,
    databases: Sequence[str] = ("sqlite", "postgresql"),
) -> list[DatabaseResult]:
    """Load, create the views and time the top-customers query on each database (PostgreSQL is
    left out when its server binaries are not installed)."""
    results = []
    for database in databases:
        if database == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{folder}/hub.db"
                results.append(_measure_hub(database, url, orders_count, customers_count, repeat))
            continue
        with _postgres_url() as pg_url:
            if pg_url is not None:
                results.append(
                    _measure_hub(database, pg_url, orders_count, customers_count, repeat)
                )
    return results


HEADER = [
    "database",
    "orders",
    "line items",
    "customers",
    "load s (upsert_page, pages of 500)",
    "create views s",
    "top-10 query s, median (min..max)",
    "README's top-5 query s",
]


def rows(results: Sequence[DatabaseResult]) -> list[list[str]]:
    """One markdown row per database, under `HEADER`."""
    return [
        [
            r.database,
            f"{r.counts['orders']:,}",
            f"{r.counts['order_line_items']:,}",
            f"{r.counts['customers']:,}",
            f"{r.load_seconds:.1f}",
            f"{r.views_seconds:.2f}",
            f"{r.median:.2f} ({min(r.query_seconds):.2f}..{max(r.query_seconds):.2f})",
            f"{statistics.median(r.readme_seconds):.2f} ({min(r.readme_seconds):.2f}.."
            f"{max(r.readme_seconds):.2f})",
        ]
        for r in results
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    databases = [args.only] if args.only else ["sqlite", "postgresql"]
    results = measure(args.orders, args.customers, args.repeat, databases)
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    for row in rows(results):
        print("| " + " | ".join(row) + " |")
    for result in results:
        print(f"\n{result.database}: top customers by revenue (EUR)")
        for _customer, email, order_count, lines, revenue in result.top[:3]:
            print(f"  {email}: {order_count} orders, {lines} lines, {float(revenue):,.2f}")


if __name__ == "__main__":
    main()
