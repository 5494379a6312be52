"""The client's HTTP behaviour, specified against respx: auth, retries, errors, headers, helpers."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import re
import threading

import httpx
import pytest
import respx

from ctsync.client.auth import TokenProvider
from ctsync.client.config import ConnectionSettings, RetrySettings
from ctsync.client.errors import (
    AuthenticationError,
    CommercetoolsError,
    ConcurrentModification,
    ConnectionFailed,
    GraphQLFailed,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
)
from ctsync.client.http import CommercetoolsClient
from ctsync.client.throttle import Throttle

from .conftest import API_URL, SECRET, TOKEN_URL, token_body

PROJECT = {"key": "shop", "name": "Shop", "countries": ["DE"], "currencies": ["EUR"]}


def ct_error(status: int, code: str, message: str, **extra: object) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "statusCode": status,
            "message": message,
            "errors": [{"code": code, "message": message, **extra}],
        },
    )


@pytest.fixture
def api() -> respx.MockRouter:
    with respx.mock(assert_all_called=False) as router:
        router.post(TOKEN_URL, name="token").mock(
            return_value=httpx.Response(200, json=token_body())
        )
        yield router


def make_client(settings: ConnectionSettings, sleep=None, **kwargs) -> CommercetoolsClient:
    return CommercetoolsClient(settings, sleep=sleep, **kwargs)


# -- OAuth ---------------------------------------------------------------------------------------


async def test_token_is_minted_once_for_many_concurrent_calls(api, settings) -> None:
    project = api.get(API_URL).mock(return_value=httpx.Response(200, json=PROJECT))
    async with make_client(settings) as client:
        results = await asyncio.gather(*(client.get_project() for _ in range(20)))
    assert all(r["key"] == "shop" for r in results)
    assert api["token"].call_count == 1
    token_request = api["token"].calls[0].request
    assert token_request.headers["Authorization"].startswith("Basic ")
    form = dict(x.split("=") for x in token_request.content.decode().split("&"))
    assert form == {"grant_type": "client_credentials", "scope": "manage_project%3Ashop"}
    assert project.call_count == 20
    assert all(c.request.headers["Authorization"] == "Bearer tok-1" for c in project.calls)


async def test_token_is_refreshed_before_it_expires(api, settings) -> None:
    api["token"].mock(
        side_effect=[
            httpx.Response(200, json=token_body("tok-1", expires_in=1000)),
            httpx.Response(200, json=token_body("tok-2", expires_in=1000)),
        ]
    )
    now = [0.0]
    provider = TokenProvider(
        settings.token_url,
        settings.client_id,
        settings.client_secret,
        settings.scope,
        clock=lambda: now[0],
    )
    route = api.get(API_URL).mock(return_value=httpx.Response(200, json=PROJECT))
    async with make_client(settings, token_provider=provider) as client:
        await client.get_project()
        now[0] = 899.0  # refresh margin is min(300 s, 10 % of 1000 s) = 100 s
        await client.get_project()
        now[0] = 901.0
        await client.get_project()
    tokens = [c.request.headers["Authorization"] for c in route.calls]
    assert tokens == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]
    assert provider.mints == 2


def test_single_refresh_shared_by_callers_on_different_event_loops(settings) -> None:
    """Tasks on Prefect worker threads each have their own loop; they still share one mint."""
    release = threading.Event()
    minting = threading.Event()
    minted: list[int] = []

    def slow_token(request: httpx.Request) -> httpx.Response:
        minted.append(1)
        minting.set()
        release.wait(5)
        return httpx.Response(200, json=token_body("shared"))

    provider = TokenProvider(
        settings.token_url, settings.client_id, settings.client_secret, settings.scope
    )
    results: list[str] = []

    async def one() -> None:
        client = make_client(settings, token_provider=provider)
        async with client:
            token = await client.token()
            results.append(token.value)

    with respx.mock() as router:
        router.post(TOKEN_URL).mock(side_effect=slow_token)
        threads = [threading.Thread(target=asyncio.run, args=(one(),)) for _ in range(4)]
        for t in threads:
            t.start()
        assert minting.wait(5)
        threading.Timer(0.2, release.set).start()
        for t in threads:
            t.join(10)
    assert results == ["shared"] * 4
    assert len(minted) == 1


async def test_a_client_retry_policy_also_bounds_its_token_mint(api, settings, no_sleep) -> None:
    """check_connection's quick retry must apply to the mint too, not only to API calls: the
    process-wide token provider was built with the block's (patient) policy."""
    api["token"].mock(return_value=httpx.Response(503))
    provider = TokenProvider(
        settings.token_url,
        settings.client_id,
        settings.client_secret,
        settings.scope,
        retry=RetrySettings(max_attempts=6, initial_backoff=0, max_backoff=0, jitter=0),
    )
    quick = RetrySettings(max_attempts=2, initial_backoff=0, max_backoff=0, jitter=0)
    client = make_client(
        settings.model_copy(update={"retry": quick}), sleep=no_sleep, token_provider=provider
    )
    async with client:
        with pytest.raises(AuthenticationError, match="kept answering HTTP 503"):
            await client.get_project()
    assert api["token"].call_count == 2


async def test_401_remints_once_and_resends(api, settings) -> None:
    api["token"].mock(
        side_effect=[
            httpx.Response(200, json=token_body("revoked")),
            httpx.Response(200, json=token_body("fresh")),
        ]
    )
    route = api.get(API_URL).mock(
        side_effect=lambda request: (
            httpx.Response(200, json=PROJECT)
            if request.headers["Authorization"] == "Bearer fresh"
            else ct_error(401, "invalid_token", "invalid_token")
        )
    )
    async with make_client(settings) as client:
        assert (await client.get_project())["key"] == "shop"
        assert client.stats.token_remints_on_401 == 1
        assert client.stats.token_mints == 2
    assert route.call_count == 2


async def test_second_401_is_an_authentication_error(api, settings) -> None:
    route = api.get(API_URL).mock(return_value=ct_error(401, "invalid_token", "invalid_token"))
    async with make_client(settings) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get_project()
    assert route.call_count == 2
    assert api["token"].call_count == 2
    assert caught.value.status == 401
    assert caught.value.code == "invalid_token"
    assert "after one re-mint" in str(caught.value)


async def test_wrong_client_secret_is_named_without_the_secret(api, settings) -> None:
    api["token"].mock(
        return_value=httpx.Response(
            401,
            json={
                "statusCode": 401,
                "message": "Please provide valid client credentials.",
                "error": "invalid_client",
            },
        )
    )
    async with make_client(settings) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get_project()
    text = str(caught.value)
    assert "Client Secret" in text and "client-id-1" in text
    assert SECRET not in text and SECRET not in repr(caught.value)
    assert caught.value.code == "invalid_client"


async def test_refused_scope_names_scope(api, settings) -> None:
    api["token"].mock(
        return_value=httpx.Response(
            400, json={"error": "invalid_scope", "error_description": "bad"}
        )
    )
    async with make_client(settings) as client:
        with pytest.raises(AuthenticationError, match="Scope 'manage_project:shop' was refused"):
            await client.token()


async def test_auth_url_that_is_not_an_oauth_server(api, settings) -> None:
    api["token"].mock(return_value=httpx.Response(404, text="<html>not found</html>"))
    async with make_client(settings) as client:
        with pytest.raises(AuthenticationError, match="not a commercetools auth server"):
            await client.token()


# -- retries -------------------------------------------------------------------------------------


async def test_429_honours_retry_after_and_counts_the_retry(api, settings, no_sleep) -> None:
    route = api.get(API_URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "3"}, json={"statusCode": 429}),
            httpx.Response(200, json=PROJECT),
        ]
    )
    async with make_client(settings, sleep=no_sleep) as client:
        assert (await client.get_project())["key"] == "shop"
        assert client.stats.retries == 1
        assert client.stats.retries_by_reason == {"429": 1}
    assert route.call_count == 2
    assert len(no_sleep.delays) == 1
    assert 3.0 <= no_sleep.delays[0] <= 3.1


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_errors_are_retried_with_exponential_backoff(
    api, settings, no_sleep, status
) -> None:
    route = api.get(f"{API_URL}/customers").mock(
        side_effect=[
            httpx.Response(status),
            httpx.Response(status),
            httpx.Response(200, json={"limit": 1, "count": 0, "results": []}),
        ]
    )
    async with make_client(settings, sleep=no_sleep) as client:
        page = await client.query("customers", limit=1)
    assert page.count == 0
    assert route.call_count == 3
    assert no_sleep.delays == [0.5, 1.0]


async def test_500_is_retried_for_reads_only(api, settings, no_sleep) -> None:
    read = api.get(f"{API_URL}/customers/c1").mock(
        side_effect=[httpx.Response(500), httpx.Response(200, json={"id": "c1", "version": 1})]
    )
    write = api.post(f"{API_URL}/customers/c1").mock(return_value=ct_error(500, "General", "boom"))
    async with make_client(settings, sleep=no_sleep) as client:
        assert (await client.get("customers", "c1"))["id"] == "c1"
        with pytest.raises(CommercetoolsError) as caught:
            await client.update(
                "customers", "c1", 1, [{"action": "setFirstName", "firstName": "A"}]
            )
    assert read.call_count == 2
    assert write.call_count == 1
    assert caught.value.status == 500


@pytest.mark.parametrize(
    ("status", "code", "error_type"),
    [
        (400, "InvalidInput", InvalidInput),
        (403, "insufficient_scope", PermissionDenied),
        (404, "ResourceNotFound", NotFound),
        (409, "ConcurrentModification", ConcurrentModification),
    ],
)
async def test_client_errors_are_not_retried(
    api, settings, no_sleep, status, code, error_type
) -> None:
    route = api.get(f"{API_URL}/customers/c1").mock(return_value=ct_error(status, code, "no"))
    async with make_client(settings, sleep=no_sleep) as client:
        with pytest.raises(error_type) as caught:
            await client.get("customers", "c1")
        assert client.stats.retries == 0
    assert route.call_count == 1
    assert caught.value.status == status
    assert caught.value.code == code


async def test_503_storm_exhausts_retries_with_a_clear_error(api, settings, no_sleep) -> None:
    route = api.get(API_URL).mock(return_value=ct_error(503, "ServiceUnavailable", "down"))
    async with make_client(settings, sleep=no_sleep) as client:
        with pytest.raises(ServiceUnavailable) as caught:
            await client.get_project()
        assert client.stats.retries == 3
    error = caught.value
    assert route.call_count == 4 == error.attempts
    assert error.status == 503 and error.code == "ServiceUnavailable"
    assert error.correlation_id and error.correlation_id in str(error)
    assert "gave up after 4 attempts" in str(error)


async def test_each_retry_is_a_warning_naming_status_attempt_and_correlation_id(
    api, settings, no_sleep
) -> None:
    api.get(API_URL).mock(
        side_effect=[ct_error(503, "ServiceUnavailable", "down")] * 2
        + [httpx.Response(200, json=PROJECT)]
    )
    logger = logging.getLogger("test.retries")
    with LogRecords(logger) as records:
        async with make_client(settings, sleep=no_sleep, logger=logger) as client:
            await client.get_project()
    lines = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    assert len(lines) == 2 == client.stats.retries
    for attempt, line in enumerate(lines, start=1):
        assert line.startswith(f"GET /: HTTP 503 on attempt {attempt}/4, retrying in ")
        assert re.search(r"\(correlation id [\w-]+\)$", line), line
    assert SECRET not in "".join(lines)


async def test_each_call_is_one_debug_line_without_its_query_or_token(api, settings) -> None:
    api.get(f"{API_URL}/customers").mock(
        return_value=httpx.Response(200, json={"limit": 1, "count": 0, "results": []})
    )
    logger = logging.getLogger("test.calls")
    with LogRecords(logger) as records:
        async with make_client(settings, logger=logger) as client:
            await client.query("customers", where='email = "ada@example.com"', limit=1)
    lines = [r.getMessage() for r in records if r.levelno == logging.DEBUG]
    assert len(lines) == 1
    assert re.fullmatch(r"GET /customers: HTTP 200, \d+ bytes \(correlation id [\w-]+\)", lines[0])
    assert "ada@example.com" not in lines[0] and SECRET not in lines[0]


async def test_graphql_data_and_both_kinds_of_errors(api, settings) -> None:
    route = api.post(f"{API_URL}/graphql").mock(
        side_effect=[
            httpx.Response(200, json={"data": {"customers": {"total": 3}}}),
            httpx.Response(
                200,
                json={
                    "data": {"orders": None, "customers": {"total": 3}},
                    "errors": [
                        {
                            "message": "Insufficient scope.",
                            "path": ["orders"],
                            "extensions": {"code": "insufficient_scope"},
                        }
                    ],
                },
            ),
            httpx.Response(
                400,
                json={
                    "errors": [
                        {
                            "message": "Cannot query field 'shoeSize' on type 'Customer'.",
                            "locations": [{"line": 1, "column": 25}],
                            "extensions": {"code": "InvalidInput"},
                        }
                    ]
                },
            ),
        ]
    )
    async with make_client(settings) as client:
        data = await client.graphql("query ($n: Int) { customers { total } }", {"n": 1}, "Q")
        with pytest.raises(GraphQLFailed) as partial:
            await client.graphql("{ orders { total } customers { total } }")
        with pytest.raises(InvalidInput) as invalid:
            await client.graphql("{ customers { results { shoeSize } } }")
    assert data == {"customers": {"total": 3}}
    assert json.loads(route.calls[0].request.content) == {
        "query": "query ($n: Int) { customers { total } }",
        "variables": {"n": 1},
        "operationName": "Q",
    }
    assert partial.value.code == "insufficient_scope"
    assert str(partial.value).startswith("insufficient_scope: Insufficient scope. (at orders)")
    assert partial.value.data == {"orders": None, "customers": {"total": 3}}
    assert invalid.value.code == "InvalidInput" and "shoeSize" in invalid.value.message


class LogRecords(logging.Handler):
    """The records a logger emits inside the `with`."""

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__(logging.DEBUG)
        self.logger = logger
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> list[logging.LogRecord]:
        self.logger.addHandler(self)
        self.logger.setLevel(logging.DEBUG)
        return self.records

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self)


async def test_total_retry_time_is_bounded(api, no_sleep) -> None:
    settings = ConnectionSettings(
        api_url=API_URL,
        client_id="c",
        client_secret=SECRET,
        scope="manage_project:shop",
        retry=RetrySettings(
            max_attempts=10, max_seconds=5, initial_backoff=2, max_backoff=60, jitter=0
        ),
    )
    route = api.get(API_URL).mock(return_value=httpx.Response(503))
    async with make_client(settings, sleep=no_sleep) as client:
        with pytest.raises(ServiceUnavailable):
            await client.get_project()
    # Waits of 2 s then 4 s would pass the 5 s budget: the second retry is never attempted.
    assert no_sleep.delays == [2.0]
    assert route.call_count == 2


async def test_timeouts_and_dropped_connections_are_retried(api, settings, no_sleep) -> None:
    route = api.get(API_URL).mock(
        side_effect=[
            httpx.ReadTimeout("slow"),
            httpx.RemoteProtocolError("dropped"),
            httpx.Response(200, json=PROJECT),
        ]
    )
    async with make_client(settings, sleep=no_sleep) as client:
        assert (await client.get_project())["key"] == "shop"
        assert client.stats.retries_by_reason == {"ReadTimeout": 1, "RemoteProtocolError": 1}
    assert route.call_count == 3


async def test_unreachable_host_is_a_connection_failure(api, settings, no_sleep) -> None:
    api.get(API_URL).mock(side_effect=httpx.ConnectError("refused"))
    async with make_client(settings, sleep=no_sleep) as client:
        with pytest.raises(ConnectionFailed, match=r"cannot reach https://api\.europe-west1"):
            await client.get_project()


# -- errors --------------------------------------------------------------------------------------


async def test_conflict_carries_current_version(api, settings) -> None:
    api.post(f"{API_URL}/customers/c1").mock(
        return_value=ct_error(409, "ConcurrentModification", "stale", currentVersion=7)
    )
    async with make_client(settings) as client:
        with pytest.raises(ConcurrentModification) as caught:
            await client.update("customers", "c1", 3, [{"action": "setKey", "key": "k"}])
    assert caught.value.current_version == 7


async def test_permission_denied_names_the_missing_scope(api, settings) -> None:
    api.get(f"{API_URL}/orders").mock(
        return_value=ct_error(
            403,
            "insufficient_scope",
            "Insufficient scope. One of the following scopes is missing: view_orders:shop",
        )
    )
    async with make_client(settings) as client:
        with pytest.raises(PermissionDenied) as caught:
            await client.query("orders")
    assert caught.value.missing_scope == "view_orders:shop"


# -- headers and helpers -------------------------------------------------------------------------


async def test_correlation_id_gzip_and_api_key_headers(api) -> None:
    settings = ConnectionSettings(
        api_url=API_URL,
        client_id="c",
        client_secret=SECRET,
        scope="manage_project:shop",
        api_key="gateway-key-123",
        api_key_header="X-Gateway-Key",
        retry=RetrySettings(initial_backoff=0, jitter=0),
    )
    route = api.get(API_URL).mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(200, json=PROJECT),
            httpx.Response(200, json=PROJECT),
        ]
    )
    async with make_client(settings, correlation_id_prefix="flow run/42") as client:
        await client.get_project()
        await client.get_project()
        assert "gateway-key-123" not in repr(client)
    ids = [c.request.headers["X-Correlation-ID"] for c in route.calls]
    assert all(re.fullmatch(r"flow-run-42-[0-9a-f-]{36}", i) for i in ids)
    assert ids[0] == ids[1] != ids[2]  # a retry keeps its id, a new request gets a new one
    headers = route.calls[0].request.headers
    assert headers["Accept-Encoding"] == "gzip"
    assert headers["X-Gateway-Key"] == "gateway-key-123"
    assert "X-Gateway-Key" not in api["token"].calls[0].request.headers


async def test_no_api_key_header_when_none_is_set(api, settings) -> None:
    route = api.get(API_URL).mock(return_value=httpx.Response(200, json=PROJECT))
    async with make_client(settings) as client:
        await client.get_project()
    assert "X-API-Key" not in route.calls[0].request.headers


async def test_gzip_bodies_are_decoded(api, settings) -> None:
    body = gzip.compress(json.dumps(PROJECT).encode())
    api.get(API_URL).mock(
        return_value=httpx.Response(
            200,
            content=body,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
    )
    async with make_client(settings) as client:
        assert (await client.get_project())["name"] == "Shop"


async def test_query_builds_keyset_parameters(api, settings) -> None:
    route = api.get(f"{API_URL}/customers").mock(
        return_value=httpx.Response(
            200, json={"limit": 500, "offset": 0, "count": 1, "results": [{"id": "a"}]}
        )
    )
    async with make_client(settings) as client:
        page = await client.query(
            "customers",
            where=["id > :last", "lastModifiedAt <= :until"],
            sort=["lastModifiedAt asc", "id asc"],
            variables={"last": "abc", "until": "2026-01-01T00:00:00.000Z"},
        )
    assert page.results == [{"id": "a"}] and page.total is None
    params = route.calls[0].request.url.params
    assert params.get_list("where") == ["id > :last", "lastModifiedAt <= :until"]
    assert params.get_list("sort") == ["lastModifiedAt asc", "id asc"]
    assert params["withTotal"] == "false" and params["limit"] == "500"
    assert params["var.last"] == "abc"


async def test_query_rejects_pages_beyond_500(settings) -> None:
    async with make_client(settings) as client:
        with pytest.raises(ValueError, match="1 to 500"):
            await client.query("customers", limit=501)


async def test_update_refuses_more_than_500_actions_without_a_call(api, settings) -> None:
    route = api.post(f"{API_URL}/customers/c1")
    async with make_client(settings) as client:
        with pytest.raises(InvalidInput, match="at most 500"):
            await client.update("customers", "c1", 1, [{"action": "setKey"}] * 501)
    assert route.call_count == 0


async def test_create_update_delete_shapes(api, settings) -> None:
    create = api.post(f"{API_URL}/categories").mock(
        return_value=httpx.Response(201, json={"id": "x", "version": 1})
    )
    update = api.post(f"{API_URL}/categories/x").mock(
        return_value=httpx.Response(200, json={"id": "x", "version": 2})
    )
    delete = api.delete(f"{API_URL}/categories/x").mock(
        return_value=httpx.Response(200, json={"id": "x", "version": 2})
    )
    async with make_client(settings) as client:
        await client.create("categories", {"key": "k"})
        await client.update("categories", "x", 1, [{"action": "setKey", "key": "k2"}])
        await client.delete("categories", "x", 2)
    assert json.loads(create.calls[0].request.content) == {"key": "k"}
    assert json.loads(update.calls[0].request.content) == {
        "version": 1,
        "actions": [{"action": "setKey", "key": "k2"}],
    }
    assert delete.calls[0].request.url.params["version"] == "2"


async def test_throttle_waits_are_counted(api, settings, vclock) -> None:
    api.get(API_URL).mock(return_value=httpx.Response(200, json=PROJECT))
    throttle = Throttle(2, 10.0, 5, clock=vclock, sleep=vclock.sleep)
    async with make_client(settings, throttle=throttle) as client:
        await vclock.run(client.get_project(), client.get_project(), client.get_project())
        assert client.stats.calls == 3
        assert client.stats.throttle_waits == 1
        assert client.stats.throttle_wait_seconds == pytest.approx(10.05 + 0.05)
    assert throttle.connections.in_use == 0
