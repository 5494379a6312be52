"""The README's "Query the hub" examples run as written, on the demo seed, on SQLite and on
PostgreSQL, and the demo's query gives what the documents say."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from ctsync.entities import ENTITIES
from ctsync.hub import HubStore
from deployments.demo import TOP_CUSTOMERS
from tests.integration.test_hub_views_seed import PROJECT_KEY, seed_pages

README = (Path(__file__).parents[2] / "README.md").read_text()
SECTION = README.split("## Query the hub", 1)[1].split("\n## ", 1)[0]
BLOCKS = re.findall(r"```sql\n(.*?)```", SECTION, re.S)


@pytest.fixture
def seeded(hub_url: str) -> Iterator[HubStore]:
    hub = HubStore.connect(hub_url)
    for name, documents in seed_pages():
        entity = ENTITIES[name]
        hub.upsert_page(PROJECT_KEY, name, [entity.record(d) for d in documents], run_id="seed")
    yield hub
    hub.close()


def run(hub: HubStore, sql: str) -> list[tuple[object, ...]]:
    with hub.database.read() as conn:
        return [tuple(row) for row in conn.execute(text(sql.strip().rstrip(";")))]


def test_the_readme_shows_the_demos_query() -> None:
    assert TOP_CUSTOMERS + ";" in SECTION
    assert len(BLOCKS) == 2


def test_the_five_customers_with_the_most_orders_are_those_of_the_documents(
    seeded: HubStore,
) -> None:
    rows = run(seeded, BLOCKS[0])
    customers = {c["id"]: c for name, docs in seed_pages() if name == "customers" for c in docs}
    orders: Counter[tuple[str, str]] = Counter()
    spent: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for name, docs in seed_pages():
        for order in docs if name == "orders" else ():
            if order.get("customerId") in customers:
                total = order["totalPrice"]
                group = (customers[order["customerId"]]["email"], total["currencyCode"])
                orders[group] += 1
                spent[group] += Decimal(total["centAmount"]) / 10 ** total["fractionDigits"]
    expected = sorted(orders, key=lambda g: (-orders[g], -spent[g], g[0]))[:5]
    assert [(r[0], r[4]) for r in rows] == expected
    for row, group in zip(rows, expected, strict=True):
        assert row[2] == orders[group]
        assert Decimal(str(row[3])).quantize(Decimal("0.01")) == spent[group]


def test_the_per_sku_month_query_runs_on_each_database(seeded: HubStore) -> None:
    sql = BLOCKS[1]
    if seeded.database.dialect == "sqlite":
        sql = sql.replace("date_trunc('month', o.created_at)", "substr(o.created_at, 1, 7)")
    rows = run(seeded, sql)
    units = sum(
        item["quantity"]
        for name, docs in seed_pages()
        if name == "orders"
        for order in docs
        for item in order.get("lineItems", [])
    )
    assert rows and sum(row[2] for row in rows) == units


def test_the_json_and_feed_examples_run(seeded: HubStore) -> None:
    if seeded.database.dialect == "sqlite":
        expression = "json_extract(document, '$.custom.fields.loyaltyTier')"
    else:
        expression = "document #>> '{custom,fields,loyaltyTier}'"
    assert expression in SECTION
    rows = run(
        seeded,
        f"SELECT id, {expression} FROM records WHERE entity = 'customers' AND deleted_at IS NULL",
    )
    assert len(rows) == 300
    feed = run(
        seeded,
        "SELECT seq, change, entity, id, document FROM hub_changes WHERE seq > 10 "
        "ORDER BY seq LIMIT 500",
    )
    seqs = [r[0] for r in feed]
    assert len(seqs) == 500 and seqs == sorted(set(seqs)) and seqs[0] > 10
    assert (
        "SELECT seq, change, entity, id, document FROM\nhub_changes WHERE seq > :cursor" in SECTION
    )
