"""docs/hub.md's SQL examples give, on the demo seed, what the documents say, on SQLite and on
PostgreSQL (tests/docs runs every example; this checks the answers), and the demo prints the
first of them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import text

from ctsync.hub import HubStore
from ctsync.hub.documents import record_of
from ctsync.registry import ENTITIES
from deployments.demo import TOP_CUSTOMERS
from tests.docs.snippets import snippets
from tests.integration.test_hub_views_seed import PROJECT_KEY, seed_pages

EXAMPLES = snippets("docs/hub.md", langs=("sql",))


def example(dialect: str, contains: str) -> str:
    (found,) = [s.code for s in EXAMPLES if dialect in s.dialects and contains in s.code]
    return found


@pytest.fixture
def seeded(hub_url: str) -> Iterator[HubStore]:
    hub = HubStore.connect(hub_url)
    for name, documents in seed_pages():
        entity = ENTITIES[name]
        hub.records.upsert_page(
            PROJECT_KEY, name, [record_of(entity, d) for d in documents], run_id="seed"
        )
    # Another project in the same hub (copy_project pulls two): the examples must not mix it in.
    orders = [d for name, docs in seed_pages() if name == "orders" for d in docs][:50]
    hub.records.upsert_page(
        "other", "orders", [record_of(ENTITIES["orders"], d) for d in orders], run_id="o"
    )
    yield hub
    hub.close()


def run(hub: HubStore, sql: str, **parameters: object) -> list[tuple[object, ...]]:
    with hub.database.read() as conn:
        return [tuple(row) for row in conn.execute(text(sql.strip().rstrip(";")), parameters)]


def test_the_docs_show_the_demos_query_for_the_sandbox_project() -> None:
    assert EXAMPLES[0].code == TOP_CUSTOMERS.replace(":project", f"'{PROJECT_KEY}'") + ";\n"


def test_the_five_customers_with_the_most_orders_are_those_of_the_documents(
    seeded: HubStore,
) -> None:
    rows = run(seeded, EXAMPLES[0].code)
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


def test_the_per_sku_month_query_counts_every_unit_of_the_project(seeded: HubStore) -> None:
    rows = run(seeded, example(seeded.database.dialect, "SUM(li.quantity)"))
    units = sum(
        item["quantity"]
        for name, docs in seed_pages()
        if name == "orders"
        for order in docs
        for item in order.get("lineItems", [])
    )
    assert rows and sum(row[2] for row in rows) == units


def test_the_json_and_feed_examples_read_the_project(seeded: HubStore) -> None:
    rows = run(seeded, example(seeded.database.dialect, "loyaltyTier"))
    tiers = {
        c["id"]: ((c.get("custom") or {}).get("fields") or {}).get("loyaltyTier")
        for name, docs in seed_pages()
        if name == "customers"
        for c in docs
    }
    assert dict(rows) == tiers
    feed = run(seeded, example(seeded.database.dialect, "hub_changes"), cursor=10)
    seqs = [r[0] for r in feed]
    assert len(seqs) == 500 and seqs == sorted(set(seqs)) and seqs[0] > 10
    other = run(seeded, "SELECT seq FROM hub_changes WHERE project_key = 'other'")
    assert not {r[0] for r in other} & set(seqs)
