"""The public tasks (flows/tasks.py) against the sandbox: what they return, the errors they raise,
a 409 re-planned by the callback, and one throttle budget with a sync in the same process."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from prefect import flow

from blocks import CommercetoolsCredentials
from ctsync.client.errors import ConcurrentModification, GraphQLFailed, InvalidInput, NotFound
from flows.sync import sync_customers
from flows.tasks import (
    create_resource,
    delete_resource,
    get_resource,
    graphql_query,
    query_all,
    query_page,
    update_resource,
)
from sandbox import Sandbox
from sandbox.seed import customers_only
from tests.flows.test_sync import credentials_for, hub_in, source
from tests.flows.test_workers import most_in_any_window

pytestmark = pytest.mark.sandbox


@pytest.fixture
def customers(blank: Sandbox) -> list[dict[str, Any]]:
    loaded = customers_only(1_203)
    blank.load({"customer": loaded})
    return loaded


def test_query_page_answers_as_commercetools(blank, customers) -> None:
    credentials = credentials_for(blank)
    verified = sorted(
        (c for c in customers if c["lastName"] == "Becker"), key=lambda c: c["email"], reverse=True
    )
    page = query_page(
        credentials,
        "customers",
        where="lastName = :name",
        variables={"name": "Becker"},
        sort=["email desc"],
        limit=7,
        offset=2,
        with_total=True,
    )
    assert [c["id"] for c in page.results] == [c["id"] for c in verified[2:9]]
    assert (page.limit, page.offset, page.count, page.total) == (7, 2, 7, len(verified))


def test_query_all_reads_every_match_once_by_keyset(blank, customers) -> None:
    credentials = credentials_for(blank)
    blank.reset_stats()
    pages = list(query_all(credentials, "customers", where='lastName = "Becker"', page_size=10))
    wanted = sorted(c["id"] for c in customers if c["lastName"] == "Becker")
    got = [c["id"] for page in pages for c in page]
    assert got == wanted and len(wanted) > 40  # in id order, each once
    assert [len(p) for p in pages[:-1]] == [10] * (len(pages) - 1)
    # A short last page ends the read; a full one costs one more request that finds nothing.
    assert len(blank.arrivals()) == len(pages) + (len(wanted) % 10 == 0)

    everything = [c["id"] for page in query_all(credentials, "customers") for c in page]
    assert everything == sorted(source(blank, "customers"))


def test_query_all_stops_when_its_consumer_does(blank, customers) -> None:
    @flow
    def first_pages() -> list[int]:
        sizes = []
        for page in query_all(credentials_for(blank), "customers", page_size=100):
            sizes.append(len(page))
            if len(sizes) == 2:
                break
        return sizes

    blank.reset_stats()
    assert first_pages() == [20, 100]  # the first page asks for 20, until sizes are known
    assert len(blank.arrivals()) == 2


def test_get_by_id_and_key_and_a_missing_key(blank, customers) -> None:
    credentials = credentials_for(blank)
    one = customers[17]
    assert (
        get_resource(credentials, "customers", id=one["id"])
        == source(blank, "customers")[one["id"]]
    )
    assert get_resource(credentials, "customers", key=one["key"])["id"] == one["id"]
    with pytest.raises(NotFound) as missing:
        get_resource(credentials, "customers", key="no-such-customer")
    assert missing.value.status == 404 and "customers/key=no-such-customer" in str(missing.value)
    assert get_resource(credentials, "customers", key="no-such-customer", missing_ok=True) is None
    with pytest.raises(ValueError, match="exactly one of them"):
        get_resource(credentials, "customers", id=one["id"], key=one["key"])
    with pytest.raises(ValueError, match="endpoint '/customers' is not"):
        get_resource(credentials, "/customers", id=one["id"])


def test_create_update_with_a_conflict_and_delete(blank) -> None:
    credentials = credentials_for(blank)
    group = create_resource(credentials, "customer-groups", {"key": "vip", "groupName": "VIP"})
    assert (group["key"], group["name"], group["version"]) == ("vip", "VIP", 1)

    # Someone else renames it: our update at version 1 meets a 409.
    with blank.client() as http:
        renamed = http.post(
            f"{blank.api_url}/customer-groups/{group['id']}",
            json={"version": 1, "actions": [{"action": "changeName", "name": "V.I.P."}]},
        )
        assert renamed.status_code == 200
    set_key = [{"action": "setKey", "key": "vip-2026"}]
    with pytest.raises(ConcurrentModification):
        update_resource(credentials, "customer-groups", set_key, key="vip", version=1)

    seen: list[dict[str, Any]] = []

    def replan(current: dict[str, Any]) -> list[dict[str, Any]]:
        seen.append(current)
        return set_key

    updated = update_resource(
        credentials, "customer-groups", set_key, key="vip", version=1, on_conflict=replan
    )
    assert [c["version"] for c in seen] == [2]
    assert (updated["key"], updated["name"], updated["version"]) == ("vip-2026", "V.I.P.", 3)

    # Nothing left to do after the re-read: the resource as it is, no update sent.
    unchanged = update_resource(
        credentials,
        "customer-groups",
        [{"action": "changeName", "name": "VIP"}],
        id=group["id"],
        version=2,
        on_conflict=lambda current: [],
    )
    assert (unchanged["version"], unchanged["name"]) == (3, "V.I.P.")

    with pytest.raises(InvalidInput):  # commercetools refuses an unknown action
        update_resource(credentials, "customer-groups", [{"action": "fly"}], id=group["id"])

    deleted = delete_resource(credentials, "customer-groups", key="vip-2026")
    assert deleted["id"] == group["id"]
    assert get_resource(credentials, "customer-groups", id=group["id"], missing_ok=True) is None
    with pytest.raises(NotFound):
        delete_resource(credentials, "customer-groups", key="vip-2026")
    assert delete_resource(credentials, "customer-groups", key="vip-2026", missing_ok=True) is None


def test_graphql_query_data_and_errors(blank, customers) -> None:
    credentials = credentials_for(blank)
    one = customers[3]
    data = graphql_query(
        credentials,
        "query ($where: String) { customers(where: $where) { total results { id email } } }",
        variables={"where": f'email = "{one["email"]}"'},
    )
    assert data == {
        "customers": {"total": 1, "results": [{"id": one["id"], "email": one["email"]}]}
    }
    with pytest.raises(InvalidInput) as invalid:  # 400: validation failed, nothing ran
        graphql_query(credentials, "{ customers { results { shoeSize } } }")
    assert "shoeSize" in str(invalid.value) and invalid.value.code == "InvalidInput"

    narrow = credentials.model_copy(update={"scope": f"view_orders:{blank.project_key}"})
    with pytest.raises(GraphQLFailed) as failed:  # 200 with errors: a field could not resolve
        graphql_query(narrow, "{ customers { total } }")
    assert failed.value.code == "insufficient_scope" and "customers" in str(failed.value)


def test_tasks_share_the_throttle_with_a_sync_in_the_same_process(blank, tmp_path) -> None:
    blank.load({"customer": customers_only(2_000)})
    credentials: CommercetoolsCredentials = credentials_for(blank).model_copy(
        update={"api_throttle_limit": 10, "concurrent_connections": 2}
    )
    blank.reset_stats()
    syncing = threading.Thread(
        target=lambda: sync_customers(
            credentials, hub=hub_in(tmp_path), mode="full", partitions=4, page_size=100
        )
    )
    syncing.start()
    pages = 0
    while syncing.is_alive() or pages < 10:
        query_page(credentials, "customers", limit=1)
        pages += 1
    syncing.join()
    arrivals = blank.arrivals()
    assert pages >= 10 and len(arrivals) >= 20 + 10
    assert most_in_any_window(arrivals, 1.0) <= 10
    stats = blank.stats()
    assert stats["max_in_flight"] <= 2
    assert stats["tokens_issued"] == 1  # one token for the sync's clients and every task's


def docs_example(name: str) -> str:
    page = (Path(__file__).resolve().parents[2] / "docs" / "tasks.md").read_text()
    after = page.split(f"<!-- example: {name} -->\n```python\n", 1)[1]
    return after.split("```", 1)[0]


def test_the_docs_example_flow_moves_each_matching_customer_once(blank, customers) -> None:
    credentials = credentials_for(blank)
    credentials.save("docs-store", overwrite=True)  # the flow takes a saved block's name
    group = create_resource(credentials, "customer-groups", {"key": "vip", "groupName": "VIP"})
    namespace: dict[str, Any] = {}
    exec(compile(docs_example("move_to_group"), "docs/tasks.md", "exec"), namespace)
    move_to_group = namespace["move_to_group"]

    assert move_to_group('lastName = "Becker"', "vip", credentials="docs-store") == 45
    grouped = {
        c["id"]
        for c in source(blank, "customers").values()
        if (c.get("customerGroup") or {}).get("id") == group["id"]
    }
    assert grouped == {c["id"] for c in customers if c["lastName"] == "Becker"}
    assert move_to_group('lastName = "Becker"', "vip", credentials="docs-store") == 0
