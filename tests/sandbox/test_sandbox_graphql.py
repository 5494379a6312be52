"""The sandbox's GraphQL endpoint answers as commercetools' does (shared seeded server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox import DEFAULT_SEED, Sandbox

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def seed_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DEFAULT_SEED.read_text(encoding="utf-8"))
    return doc


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with sandbox.client(timeout=30) as client:
        yield client


def graphql(api: httpx.Client, query: str, **extra: Any) -> httpx.Response:
    return api.post("/graphql", json={"query": query, **extra})


def data_of(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert "errors" not in body, body
    return body["data"]


def test_customer_created_over_rest_is_read_by_key(api: httpx.Client) -> None:
    draft = {"email": "GraphQL.Reader@example.com", "firstName": "Ada", "key": "graphql-reader"}
    created = api.post("/customers", json=draft)
    assert created.status_code == 201, created.text
    customer = created.json()["customer"]
    try:
        update = {"version": 1, "actions": [{"action": "setLastName", "lastName": "Lovelace"}]}
        assert api.post(f"/customers/{customer['id']}", json=update).status_code == 200
        query = """{ customer(key: "graphql-reader") {
            id key version email firstName lastName customerGroupRef { typeId id }
            createdAt lastModifiedAt createdBy { clientId isPlatformClient } } }"""
        got = data_of(graphql(api, query))["customer"]
        rest = api.get(f"/customers/{customer['id']}").json()
        assert got == {
            "id": customer["id"],
            "key": "graphql-reader",
            "version": 2,
            "email": "graphql.reader@example.com",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "customerGroupRef": None,
            "createdAt": rest["createdAt"],
            "lastModifiedAt": rest["lastModifiedAt"],
            "createdBy": {"clientId": "sandbox-client", "isPlatformClient": False},
        }
    finally:
        api.delete(f"/customers/{customer['id']}", params={"version": 2})
    assert data_of(graphql(api, query)) == {"customer": None}


def test_customers_where_sort_limit_offset(api: httpx.Client, seed_doc: dict[str, Any]) -> None:
    last_name = seed_doc["customer"][0]["lastName"]
    matching = [c for c in seed_doc["customer"] if c["lastName"] == last_name]
    expected = sorted(matching, key=lambda c: c["email"], reverse=True)[1:4]
    assert len(matching) > 4
    query = """query ($where: String, $sort: [String!]) {
        customers(where: $where, sort: $sort, limit: 3, offset: 1) {
            offset count total exists results { id email customerNumber } } }"""
    where = f'lastName = "{last_name}"'
    got = data_of(graphql(api, query, variables={"where": where, "sort": ["email desc"]}))
    got = got["customers"]
    assert got == {
        "offset": 1,
        "count": 3,
        "total": len(matching),
        "exists": True,
        "results": [
            {"id": c["id"], "email": c["email"], "customerNumber": c["customerNumber"]}
            for c in expected
        ],
    }
    # The same page as REST answers it.
    rest = api.get(
        "/customers",
        params={"where": where, "sort": "email desc", "limit": 3, "offset": 1},
    ).json()
    assert [r["id"] for r in rest["results"]] == [r["id"] for r in got["results"]]
    # Defaults as REST: limit 20, offset 0; nothing matching is an empty page, not an error.
    page = data_of(graphql(api, "{ customers { offset count total } }"))["customers"]
    assert page == {"offset": 0, "count": 20, "total": len(seed_doc["customer"])}
    none = graphql(api, '{ customers(where: "key = \\"none\\"") { total exists results { id } } }')
    assert data_of(none) == {"customers": {"total": 0, "exists": False, "results": []}}


def test_missing_resources_are_null(api: httpx.Client) -> None:
    query = """{ customer(key: "no-such-customer") { id }
        order(orderNumber: "no-such-order") { id }
        product(id: "00000000-0000-4000-8000-000000000000") { id }
        category(key: "no-such-category") { id } }"""
    resp = graphql(api, query)
    assert resp.json() == {
        "data": {"customer": None, "order": None, "product": None, "category": None}
    }


def test_variables_and_operation_name(api: httpx.Client, seed_doc: dict[str, Any]) -> None:
    first, second = seed_doc["customer"][:2]
    query = """
        query ByKey($key: String!) { customer(key: $key) { id } }
        query Page($where: String, $limit: Int) {
            customers(where: $where, sort: ["key asc"], limit: $limit) { results { key } } }
    """
    by_key = graphql(api, query, operationName="ByKey", variables={"key": second["key"]})
    assert data_of(by_key) == {"customer": {"id": second["id"]}}
    variables = {"where": f'key in ("{second["key"]}", "{first["key"]}")', "limit": 1}
    page = graphql(api, query, operationName="Page", variables=variables)
    assert data_of(page) == {"customers": {"results": [{"key": first["key"]}]}}


def test_unknown_field_and_syntax_error_are_400(api: httpx.Client) -> None:
    query = '{ customer(key: "customer-00001") { id nope } }'
    resp = graphql(api, query)
    assert resp.status_code == 400
    assert resp.json() == {
        "errors": [
            {
                "message": 'Cannot query field "nope" on type "Customer".',
                "locations": [{"line": 1, "column": query.index("nope") + 1}],
                "extensions": {"code": "InvalidInput"},
            }
        ]
    }
    broken = graphql(api, "{ customers { total }")
    assert broken.status_code == 400
    [error] = broken.json()["errors"]
    assert error["message"].startswith("Syntax Error:")
    assert error["locations"] == [{"line": 1, "column": 22}]
    assert error["extensions"] == {"code": "InvalidInput"}
    assert "data" not in broken.json()
    # Only queries are served: a mutation is an error of the request, not of a field.
    mutation = graphql(api, 'mutation { deleteCustomer(id: "x", version: 1) { id } }')
    assert mutation.status_code == 400
    assert mutation.json()["errors"][0]["extensions"] == {"code": "InvalidInput"}
    assert "data" not in mutation.json()


def test_invalid_input_is_400_with_null_data(api: httpx.Client) -> None:
    # The example of commercetools' release note of 29 January 2026, verbatim.
    resp = graphql(api, "{\n  products(limit: 501) {\n    results {\n      id\n    }\n  }\n}")
    assert resp.status_code == 400
    assert resp.json() == {
        "errors": [
            {
                "message": "Malformed parameter: limit: The limit parameter must be in the "
                "range of [0..500]",
                "locations": [{"line": 2, "column": 3}],
                "path": ["products"],
                "extensions": {"code": "InvalidInput"},
            }
        ],
        "data": None,
    }
    bad_where = graphql(api, '{ customers(where: "id >> 3") { total } }')
    assert bad_where.status_code == 400
    assert bad_where.json()["errors"][0]["extensions"]["code"] == "InvalidInput"


def test_orders_products_categories(api: httpx.Client, seed_doc: dict[str, Any]) -> None:
    order = seed_doc["order"][3]
    product = next(p for p in seed_doc["product"] if p["masterData"]["published"])
    category = next(c for c in seed_doc["category"] if len(c["ancestors"]) > 1)
    query = """query ($orderNumber: String, $productKey: String, $categoryId: String) {
        order(orderNumber: $orderNumber) { id orderNumber orderState customerId customerEmail
            totalPrice { centAmount currencyCode fractionDigits type }
            lineItems { id productId quantity } }
        product(key: $productKey) { id version productTypeRef { typeId id }
            masterData { published current { name(locale: "de") slug(locale: "en") } } }
        category(id: $categoryId) { key name(locale: "en") slug(acceptLanguage: ["fr", "de"])
            orderHint parentRef { typeId id } ancestorsRef { typeId id } }
        orders(where: "orderState = \\"Cancelled\\"", limit: 0) { total }
    }"""
    variables = {
        "orderNumber": order["orderNumber"],
        "productKey": product["key"],
        "categoryId": category["id"],
    }
    got = data_of(graphql(api, query, variables=variables))
    current = product["masterData"]["current"]
    assert got == {
        "order": {
            "id": order["id"],
            "orderNumber": order["orderNumber"],
            "orderState": order["orderState"],
            "customerId": order.get("customerId"),
            "customerEmail": order.get("customerEmail"),
            "totalPrice": order["totalPrice"],
            "lineItems": [
                {"id": li["id"], "productId": li["productId"], "quantity": li["quantity"]}
                for li in order["lineItems"]
            ],
        },
        "product": {
            "id": product["id"],
            "version": product["version"],
            "productTypeRef": product["productType"],
            "masterData": {
                "published": True,
                "current": {"name": current["name"]["de"], "slug": current["slug"]["en"]},
            },
        },
        "category": {
            "key": category["key"],
            "name": category["name"]["en"],
            "slug": category["slug"]["de"],
            "orderHint": category["orderHint"],
            "parentRef": category["parent"],
            "ancestorsRef": category["ancestors"],  # root first
        },
        "orders": {"total": sum(o["orderState"] == "Cancelled" for o in seed_doc["order"])},
    }


def test_auth_and_scopes(sandbox: Sandbox) -> None:
    url = f"{sandbox.api_url}/graphql"
    body = {"query": "{ customers(limit: 0) { total } }"}
    missing = httpx.post(url, json=body)
    assert missing.status_code == 401
    assert missing.json()["errors"][0]["code"] == "invalid_token"
    unknown = httpx.post(url, json=body, headers={"Authorization": "Bearer not-a-token"})
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "invalid_token"

    # A view scope is enough (a POST, but a read); another resource's field is a GraphQL error.
    token = sandbox.token("view_orders:sandbox")
    headers = {"Authorization": f"Bearer {token}"}
    query = '{ orders(limit: 0) { total } customer(key: "customer-00001") { id } }'
    resp = httpx.post(url, json={"query": query}, headers=headers)
    assert resp.status_code == 200
    assert resp.json() == {
        "errors": [
            {
                "message": "Insufficient scope. One of the following scopes is missing: "
                "view_customers.",
                "locations": [{"line": 1, "column": query.index("customer(") + 1}],
                "path": ["customer"],
                "extensions": {"code": "insufficient_scope"},
            }
        ],
        "data": {"orders": {"total": 200}, "customer": None},
    }
