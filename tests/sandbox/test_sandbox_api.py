"""The sandbox behaves like commercetools where the engine relies on it (shared seeded server)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox import DEFAULT_SEED, Sandbox
from sandbox import seed as seedgen

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def seed_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DEFAULT_SEED.read_text(encoding="utf-8"))
    return doc


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with sandbox.client(timeout=30) as client:
        yield client


def token_response(
    sb: Sandbox, *, auth: tuple[str, str] | None = None, **form: str
) -> httpx.Response:
    data = {"grant_type": "client_credentials", **form}
    return httpx.post(sb.token_url, data=data, auth=auth or (sb.client_id, sb.client_secret))


def read_all(
    api: httpx.Client, path: str, params: dict[str, Any], limit: int
) -> list[dict[str, Any]]:
    """Offset paging: only for tests of sort + offset semantics (the engine uses keysets)."""
    out: list[dict[str, Any]] = []
    offset = 0
    while True:
        resp = api.get(path, params={**params, "limit": limit, "offset": offset})
        assert resp.status_code == 200, resp.text
        page = resp.json()
        out.extend(page["results"])
        if page["count"] < limit:
            return out
        offset += limit


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- auth ------------------------------------------------------------------------------------


def test_token_with_good_credentials(sandbox: Sandbox) -> None:
    resp = token_response(sandbox)
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 172800
    assert body["scope"] == "manage_project:sandbox"
    assert len(body["access_token"]) >= 20
    assert sandbox.stats()["tokens_issued"] == 1


def test_token_scope_in_query_string_and_narrower_scope(sandbox: Sandbox) -> None:
    resp = httpx.post(
        f"{sandbox.token_url}?grant_type=client_credentials&scope=view_customers:sandbox",
        auth=(sandbox.client_id, sandbox.client_secret),
    )
    assert resp.status_code == 200
    assert resp.json()["scope"] == "view_customers:sandbox"
    headers = bearer(resp.json()["access_token"])
    assert httpx.get(f"{sandbox.api_url}/customers", headers=headers).status_code == 200
    write = httpx.post(f"{sandbox.api_url}/customers", headers=headers, json={"email": "x@y.z"})
    assert write.status_code == 403
    assert write.json()["errors"][0]["code"] == "insufficient_scope"


@pytest.mark.parametrize(
    "auth", [("sandbox-client", "wrong-secret"), ("someone-else", "sandbox-secret")]
)
def test_token_with_bad_credentials(sandbox: Sandbox, auth: tuple[str, str]) -> None:
    resp = token_response(sandbox, auth=auth)
    assert resp.status_code == 401
    message = "Please provide valid client credentials using HTTP Basic Authentication."
    assert resp.json() == {
        "statusCode": 401,
        "message": message,
        "errors": [{"code": "invalid_client", "message": message}],
        "error": "invalid_client",
        "error_description": message,
    }


def test_token_without_basic_auth(sandbox: Sandbox) -> None:
    resp = httpx.post(sandbox.token_url, data={"grant_type": "client_credentials"})
    assert resp.status_code == 401
    assert resp.json()["error"] == "invalid_client"


def test_token_for_foreign_scope_is_refused(sandbox: Sandbox) -> None:
    resp = token_response(sandbox, scope="manage_project:other-project")
    assert resp.status_code == 400
    body = resp.json()
    assert body["error"] == "invalid_scope"
    assert body["errors"][0]["code"] == "invalid_scope"


def test_token_bad_grant_type(sandbox: Sandbox) -> None:
    resp = token_response(sandbox, grant_type="password")
    assert resp.status_code == 400
    assert resp.json()["error"] == "unsupported_grant_type"


def test_token_endpoint_under_a_wrong_path_is_404(sandbox: Sandbox) -> None:
    resp = httpx.post(
        f"{sandbox.url}/not-auth/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(sandbox.client_id, sandbox.client_secret),
    )
    assert resp.status_code == 404
    assert resp.json()["errors"][0]["code"] == "ResourceNotFound"


def test_api_without_or_with_unknown_token(sandbox: Sandbox) -> None:
    missing = httpx.get(f"{sandbox.api_url}/customers")
    assert missing.status_code == 401
    assert missing.json()["errors"][0]["code"] == "invalid_token"
    unknown = httpx.get(f"{sandbox.api_url}/customers", headers=bearer("not-a-token"))
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "invalid_token"


def test_revoked_tokens_get_401(sandbox: Sandbox) -> None:
    old = bearer(sandbox.token())
    assert httpx.get(f"{sandbox.api_url}/customers", headers=old).status_code == 200
    sandbox.revoke_tokens()
    resp = httpx.get(f"{sandbox.api_url}/customers", headers=old)
    assert resp.status_code == 401
    assert resp.json()["errors"][0]["code"] == "invalid_token"
    fresh = bearer(sandbox.token())
    assert httpx.get(f"{sandbox.api_url}/customers", headers=fresh).status_code == 200


def test_correlation_id_is_echoed(api: httpx.Client) -> None:
    resp = api.get("/customers", params={"limit": 1}, headers={"X-Correlation-ID": "corr-123"})
    assert resp.headers["x-correlation-id"] == "corr-123"
    assert api.get("/customers", params={"limit": 1}).headers["x-correlation-id"]
    assert resp.headers["date"]


# -- project and seed ------------------------------------------------------------------------


def test_project_resource(api: httpx.Client, seed_doc: dict[str, Any]) -> None:
    resp = api.get("")
    assert resp.status_code == 200
    project = resp.json()
    assert project["key"] == "sandbox"
    assert project["name"] == seed_doc["project"]["name"]
    assert project["countries"] == ["DE", "NL", "US", "GB", "FR"]
    assert project["currencies"] == ["EUR", "USD", "GBP"]
    assert project["languages"] == ["en", "de", "nl"]
    assert project["messages"]["enabled"] is True
    assert project["createdAt"] == "2026-01-01T08:00:00.000Z"
    assert project["version"] >= 1


def test_seeded_counts_match_the_seed_file(sandbox: Sandbox, seed_doc: dict[str, Any]) -> None:
    assert sandbox.seeded == seedgen.counts(seed_doc)
    assert sandbox.info()["counts"] == seedgen.counts(seed_doc)


def test_every_seeded_type_is_served(api: httpx.Client, sandbox: Sandbox) -> None:
    served = sandbox.info()["servedTypes"]
    for type_id, count in sandbox.seeded.items():
        resp = api.get(f"/{served[type_id]}", params={"limit": 1})
        assert resp.status_code == 200, (type_id, resp.text)
        assert resp.json()["total"] == count, type_id


def test_resources_keep_their_given_fields(api: httpx.Client, seed_doc: dict[str, Any]) -> None:
    for type_id, path in [("customer", "customers"), ("product", "products"), ("order", "orders")]:
        given = seed_doc[type_id][7]
        got = api.get(f"/{path}/{given['id']}").json()
        for field in ("id", "version", "createdAt", "lastModifiedAt"):
            assert got[field] == given[field], (type_id, field)
        assert got["createdBy"] == {"clientId": "sandbox-client", "isPlatformClient": False}
    customer = seed_doc["customer"][3]
    by_key = api.get(f"/customers/key={customer['key']}").json()
    assert by_key["addresses"] == customer["addresses"]
    assert by_key["email"] == customer["email"]


def test_seed_file_is_what_generate_produces(seed_doc: dict[str, Any]) -> None:
    assert seed_doc == seedgen.generate()
    assert DEFAULT_SEED.read_text(encoding="utf-8") == seedgen.dumps(seedgen.generate())
    assert DEFAULT_SEED.stat().st_size < 2.5e6


def test_seed_references_resolve(seed_doc: dict[str, Any]) -> None:
    ids = {(t, r["id"]) for t, rs in seed_doc.items() if isinstance(rs, list) for r in rs}
    keys = {(t, r.get("key")) for t, rs in seed_doc.items() if isinstance(rs, list) for r in rs}

    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if "typeId" in node and ("id" in node or "key" in node):
                yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    refs = list(walk({k: v for k, v in seed_doc.items() if isinstance(v, list)}))
    assert len(refs) > 1000
    for ref in refs:
        if "id" in ref:
            assert (ref["typeId"], ref["id"]) in ids, ref
        else:
            assert (ref["typeId"], ref["key"]) in keys, ref


def test_customers_only_is_cheap_unique_and_deterministic() -> None:
    started = time.perf_counter()
    bulk = seedgen.customers_only(10_000)
    assert time.perf_counter() - started < 2.0
    assert bulk == seedgen.customers_only(10_000)
    assert len({c["id"] for c in bulk}) == len({c["key"] for c in bulk}) == 10_000
    assert len({c["email"] for c in bulk}) == 10_000
    assert seedgen.customers_only(5, start=10_001)[0]["key"] == "bulk-010001"


# -- queries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sort",
    [
        ["id asc"],
        ["email desc"],
        ["lastModifiedAt asc", "id asc"],
        ["lastModifiedAt desc", "id desc"],
        ["createdAt"],
    ],
)
def test_sort_then_page(api: httpx.Client, seed_doc: dict[str, Any], sort: list[str]) -> None:
    got = read_all(api, "/customers", {"sort": sort, "withTotal": "false"}, limit=70)
    customers = list(seed_doc["customer"])
    for clause in reversed(sort):  # stable sorts, last key first
        field, _, direction = clause.partition(" ")
        customers.sort(key=lambda c, f=field: c[f], reverse=direction == "desc")
    assert [c["id"] for c in got] == [c["id"] for c in customers]


def test_limit_and_offset_caps(api: httpx.Client) -> None:
    for params in ({"limit": 501}, {"offset": 10001}, {"limit": -1}, {"limit": "ten"}):
        resp = api.get("/customers", params=params)
        assert resp.status_code == 400, params
        body = resp.json()
        assert body["statusCode"] == 400
        assert body["errors"][0]["code"] == "InvalidInput"
        assert body["message"] == body["errors"][0]["message"]
    assert api.get("/customers", params={"limit": 500}).json()["count"] == 300
    edge = api.get("/customers", params={"offset": 10000}).json()
    assert edge["count"] == 0
    assert edge["total"] == 300


def test_with_total(api: httpx.Client) -> None:
    default = api.get("/customers", params={"limit": 5}).json()
    assert list(default) == ["limit", "offset", "count", "total", "results"]
    assert default["total"] == 300
    without = api.get("/customers", params={"limit": 5, "withTotal": "false"}).json()
    assert "total" not in without
    assert without["count"] == 5
    projections = api.get("/product-projections", params={"limit": 2, "withTotal": "false"})
    assert projections.status_code == 200
    assert "total" not in projections.json()
    zero = api.get("/customers", params={"limit": 0}).json()
    assert (zero["count"], zero["total"]) == (0, 300)


@pytest.mark.parametrize("style", ["literal", "var"])
def test_keyset_paging_reads_every_customer_once(
    api: httpx.Client, seed_doc: dict[str, Any], style: str
) -> None:
    seen: list[str] = []
    last: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 37, "sort": "id asc", "withTotal": "false"}
        if last is not None:
            if style == "var":
                params.update({"where": "id > :last", "var.last": last})
            else:
                params["where"] = f'id > "{last}"'
        page = api.get("/customers", params=params).json()
        seen.extend(r["id"] for r in page["results"])
        if page["count"] < 37:
            break
        last = page["results"][-1]["id"]
    assert len(seen) == len(set(seen)) == 300
    assert seen == sorted(c["id"] for c in seed_doc["customer"])


def test_delta_paging_across_identical_timestamps(
    api: httpx.Client, seed_doc: dict[str, Any]
) -> None:
    upper = "2026-05-01T00:00:00.000Z"
    expected = sorted(
        ((c["lastModifiedAt"], c["id"]) for c in seed_doc["customer"]),
    )
    expected = [e for e in expected if e[0] <= upper]
    ties = [e for e in expected if e[0] == seedgen.BULK_IMPORT_AT]
    assert len(ties) == seedgen.BULK_IMPORT_SIZE  # the group spans several pages of 10

    got: list[tuple[str, str]] = []
    cursor: tuple[str, str] | None = None
    while True:
        params: dict[str, Any] = {
            "limit": 10,
            "sort": ["lastModifiedAt asc", "id asc"],
            "withTotal": "false",
            "var.upper": upper,
        }
        if cursor is None:
            params["where"] = "lastModifiedAt <= :upper"
        else:
            params["where"] = [
                "(lastModifiedAt > :t) or (lastModifiedAt = :t and id > :id)",
                "lastModifiedAt <= :upper",
            ]
            params.update({"var.t": cursor[0], "var.id": cursor[1]})
        resp = api.get("/customers", params=params)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        got.extend((r["lastModifiedAt"], r["id"]) for r in page["results"])
        if page["count"] < 10:
            break
        cursor = got[-1]
    assert got == expected

    # The same predicate as one `where` with literals and `and`.
    t, last_id = expected[20]
    where = (
        f'((lastModifiedAt > "{t}") or (lastModifiedAt = "{t}" and id > "{last_id}")) '
        f'and lastModifiedAt <= "{upper}"'
    )
    page = api.get(
        "/customers",
        params={"where": where, "sort": ["lastModifiedAt asc", "id asc"], "limit": 500},
    ).json()
    assert [(r["lastModifiedAt"], r["id"]) for r in page["results"]] == expected[21:]


def test_in_and_equality_predicates(api: httpx.Client, seed_doc: dict[str, Any]) -> None:
    c1, c2, c3 = seed_doc["customer"][:3]
    by_key = api.get("/customers", params={"where": f'key in ("{c1["key"]}", "{c2["key"]}")'})
    assert {r["id"] for r in by_key.json()["results"]} == {c1["id"], c2["id"]}
    by_email = api.get(
        "/customers",
        params={"where": "email in :emails", "var.emails": [c2["email"], c3["email"]]},
    )
    assert {r["id"] for r in by_email.json()["results"]} == {c2["id"], c3["id"]}
    sku = seed_doc["inventory-entry"][0]["sku"]
    inventory = api.get("/inventory", params={"where": f'sku = "{sku}"'}).json()
    expected = [e["id"] for e in seed_doc["inventory-entry"] if e["sku"] == sku]
    assert sorted(r["id"] for r in inventory["results"]) == sorted(expected)
    product = seed_doc["product"][0]
    sku = product["masterData"]["current"]["masterVariant"]["sku"]
    found = api.get(
        "/products", params={"where": f'masterData(current(masterVariant(sku = "{sku}")))'}
    ).json()
    assert [r["id"] for r in found["results"]] == [product["id"]]


def test_bad_predicate_and_sort_are_400(api: httpx.Client) -> None:
    for params in ({"where": "id >> 3"}, {"where": "id > :missing"}, {"sort": "id sideways"}):
        resp = api.get("/customers", params=params)
        assert resp.status_code == 400, params
        assert resp.json()["errors"][0]["code"] == "InvalidInput"


def test_expand(api: httpx.Client, seed_doc: dict[str, Any]) -> None:
    customer = next(c for c in seed_doc["customer"] if "customerGroup" in c)
    group_id = customer["customerGroup"]["id"]
    page = api.get(
        "/customers",
        params={"where": f'id = "{customer["id"]}"', "expand": "customerGroup"},
    ).json()
    assert page["results"][0]["customerGroup"]["obj"]["id"] == group_id
    single = api.get(f"/customers/{customer['id']}", params={"expand": "customerGroup"}).json()
    assert single["customerGroup"]["obj"]["key"]
    plain = api.get("/customers", params={"where": f'id = "{customer["id"]}"'}).json()
    assert "obj" not in plain["results"][0]["customerGroup"]


def test_create_update_conflict_delete(api: httpx.Client) -> None:
    created = api.post(
        "/customers",
        json={"email": "Conflict.Test@example.com", "firstName": "Ada", "key": "conflict-test"},
    )
    assert created.status_code == 201, created.text
    customer = created.json()["customer"]
    cid = customer["id"]
    try:
        assert customer["version"] == 1
        assert customer["email"] == "conflict.test@example.com"
        dup = api.post("/customers", json={"email": "conflict.test@example.com"})
        assert dup.status_code == 400
        assert dup.json()["errors"][0]["code"] == "DuplicateField"

        update = {"version": 1, "actions": [{"action": "setFirstName", "firstName": "Grace"}]}
        updated = api.post(f"/customers/{cid}", json=update)
        assert updated.status_code == 200
        assert (updated.json()["version"], updated.json()["firstName"]) == (2, "Grace")
        assert updated.json()["lastModifiedAt"] >= customer["lastModifiedAt"]

        stale = api.post(f"/customers/{cid}", json=update)
        assert stale.status_code == 409
        error = stale.json()["errors"][0]
        assert error["code"] == "ConcurrentModification"
        assert error["currentVersion"] == 2

        page = api.get("/customers", params={"where": 'key = "conflict-test"'}).json()
        assert page["results"][0]["firstName"] == "Grace"  # sort/query caches see the write
        by_id_sorted = api.get(
            "/customers", params={"sort": "id asc", "where": f'id >= "{cid}"', "limit": 1}
        ).json()
        assert by_id_sorted["results"][0]["firstName"] == "Grace"
    finally:
        deleted = api.delete(f"/customers/{cid}", params={"version": 2})
    assert deleted.status_code == 200
    assert api.get(f"/customers/{cid}").status_code == 404
    assert api.get("/customers", params={"limit": 0}).json()["total"] == 300


# -- faults ----------------------------------------------------------------------------------


def test_fault_status_with_retry_after_for_exactly_n_requests(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    rule = sandbox.inject(503, count=2, retry_after=1.5, path="/customers")
    assert rule["id"] and rule["remaining"] == 2
    for _ in range(2):
        resp = api.get("/customers", params={"limit": 1})
        assert resp.status_code == 503
        assert resp.headers["retry-after"] == "1.5"
        assert resp.json()["statusCode"] == 503
        assert resp.json()["errors"][0]["code"] == "ServiceUnavailable"
    assert api.get("/customers", params={"limit": 1}).status_code == 200
    [listed] = sandbox.faults()
    assert (listed["remaining"], listed["served"]) == (0, 2)
    assert sandbox.stats()["faults_served"] == 2


@pytest.mark.parametrize(
    ("status", "code"),
    [(429, "TooManyRequests"), (502, "BadGateway"), (504, "GatewayTimeout"), (500, "General")],
)
def test_fault_default_bodies(sandbox: Sandbox, api: httpx.Client, status: int, code: str) -> None:
    sandbox.inject(status)
    resp = api.get("/orders", params={"limit": 1})
    assert resp.status_code == status
    assert resp.json()["errors"][0]["code"] == code


def test_fault_path_filter_and_custom_body(sandbox: Sandbox, api: httpx.Client) -> None:
    body = {"statusCode": 500, "message": "boom", "errors": [{"code": "General", "message": "x"}]}
    sandbox.inject(500, count=None, path="/orders", body=body)
    assert api.get("/customers", params={"limit": 1}).status_code == 200
    for _ in range(3):
        resp = api.get("/orders", params={"limit": 1})
        assert (resp.status_code, resp.json()) == (500, body)


def test_fault_regex_path(sandbox: Sandbox, api: httpx.Client, seed_doc: dict[str, Any]) -> None:
    sandbox.inject(404, count=None, path=r"/\/customers\/[0-9a-f-]{36}$/")
    cid = seed_doc["customer"][0]["id"]
    assert api.get(f"/customers/{cid}").status_code == 404
    assert api.get("/customers", params={"limit": 1}).status_code == 200


def test_fault_method_filter(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.inject(502, count=None, method="post")
    assert api.get("/customers", params={"limit": 1}).status_code == 200
    resp = api.post("/customers", json={"email": "never@example.com"})
    assert resp.status_code == 502
    assert (
        api.get("/customers", params={"where": 'email = "never@example.com"'}).json()["total"] == 0
    )


def test_fault_latency(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.inject(latency_ms=300, path="/customers")
    started = time.perf_counter()
    resp = api.get("/customers", params={"limit": 1})
    slow = time.perf_counter() - started
    assert resp.status_code == 200
    assert slow >= 0.3
    started = time.perf_counter()
    assert api.get("/customers", params={"limit": 1}).status_code == 200
    assert time.perf_counter() - started < 0.3


def test_fault_latency_then_status(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.inject(504, latency_ms=200)
    started = time.perf_counter()
    assert api.get("/customers").status_code == 504
    assert time.perf_counter() - started >= 0.2


def test_fault_drop_closes_the_connection(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.inject(drop=True, path="/customers")
    with pytest.raises(httpx.TransportError):
        api.get("/customers", params={"limit": 1})
    assert api.get("/customers", params={"limit": 1}).status_code == 200
    assert sandbox.stats()["by_status"].get("dropped") == 1


def test_fault_on_token_endpoint(sandbox: Sandbox) -> None:
    sandbox.inject(429, path="/oauth/token", retry_after=2)
    resp = token_response(sandbox)
    assert resp.status_code == 429
    assert resp.headers["retry-after"] == "2"
    assert token_response(sandbox).status_code == 200


def test_control_endpoints_are_never_faulted(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.inject(503, count=None)
    sandbox.inject(drop=True, count=None)
    assert api.get("/customers").status_code == 503
    assert sandbox.stats()["faults_served"] == 1
    assert len(sandbox.faults()) == 2
    sandbox.clear_faults()
    assert sandbox.faults() == []
    assert api.get("/customers").status_code == 200


def test_fault_rules_are_validated(sandbox: Sandbox) -> None:
    for rule in ({"status": 42}, {"count": 0, "status": 503}, {}, {"status": 503, "nope": 1}):
        resp = httpx.post(f"{sandbox.url}/_sandbox/faults", json=rule)
        assert resp.status_code == 400, rule
        assert resp.json()["errors"][0]["code"] == "InvalidInput"


def test_stats(sandbox: Sandbox) -> None:
    with sandbox.client() as api:
        for _ in range(3):
            api.get("/customers", params={"limit": 1})
        api.get(f"/customers/{'0' * 8}-0000-4000-8000-{'0' * 12}")
    stats = sandbox.stats()
    assert stats["requests"] == 5  # token + 4 API calls; control calls are not counted
    assert stats["tokens_issued"] == 1
    assert stats["by_method_path"] == {
        "POST /oauth/token": 1,
        "GET /sandbox/customers": 3,
        "GET /sandbox/customers/{id}": 1,
    }
    assert stats["by_status"] == {"200": 4, "404": 1}
    assert stats["in_flight"] == 0
    assert stats["max_in_flight"] >= 1
    sandbox.reset_stats()
    assert sandbox.stats()["requests"] == 0
