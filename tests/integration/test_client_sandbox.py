"""The client against the sandbox: real HTTP, real OAuth, injected faults, measured throttling."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from ctsync.client.config import ConnectionSettings, RetrySettings, ThrottleSettings
from ctsync.client.errors import AuthenticationError, ConcurrentModification, ServiceUnavailable
from ctsync.client.http import CommercetoolsClient

from ..unit.test_throttle import max_in_any_window

pytestmark = pytest.mark.sandbox

FAST_RETRY = RetrySettings(max_attempts=3, initial_backoff=0.05, max_backoff=0.2, jitter=0)


def settings_for(sandbox, **changes: object) -> ConnectionSettings:
    fields: dict[str, object] = {
        "api_url": sandbox.api_url,
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "scope": sandbox.scope,
        "retry": FAST_RETRY,
    }
    return ConnectionSettings(**{**fields, **changes})


class RecordingTransport(httpx.AsyncBaseTransport):
    """Records when each request starts and how many are in flight at once."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.starts: list[float] = []
        self.in_flight = 0
        self.peak = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            return await self._inner.handle_async_request(request)
        self.starts.append(time.monotonic())
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            response = await self._inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        await self._inner.aclose()


async def test_on_sent_reports_the_request_on_the_wire_before_the_answer(sandbox) -> None:
    sandbox.inject(latency_ms=300, count=1, path="/customers")
    moments: list[float] = []
    async with CommercetoolsClient(settings_for(sandbox)) as client:
        started = time.monotonic()
        page = await client.query(
            "customers", limit=1, on_sent=lambda: moments.append(time.monotonic())
        )
        answered = time.monotonic()
    assert page.count == 1 and len(moments) == 1
    assert moments[0] - started < 0.25 <= answered - moments[0]  # sent, then 300 ms of latency


async def test_token_and_project(sandbox) -> None:
    async with CommercetoolsClient(settings_for(sandbox)) as client:
        token = await client.token()
        project = await client.get_project()
    assert token.scopes == [sandbox.scope]
    assert project["key"] == sandbox.project_key
    assert client.stats.token_mints == 1 and client.stats.calls == 1


async def test_bad_secret_is_refused_with_401(sandbox) -> None:
    async with CommercetoolsClient(settings_for(sandbox, client_secret="wrong")) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get_project()
    assert caught.value.status == 401
    assert caught.value.code == "invalid_client"


async def test_429_then_success_waits_for_retry_after(sandbox) -> None:
    sandbox.inject(429, count=1, retry_after=1, path="/customers")
    async with CommercetoolsClient(settings_for(sandbox)) as client:
        started = time.monotonic()
        page = await client.query("customers", limit=5)
        elapsed = time.monotonic() - started
        assert client.stats.retries_by_reason == {"429": 1}
    assert len(page.results) == 5
    assert elapsed >= 1.0


async def test_503_storm_exhausts_retries(sandbox) -> None:
    sandbox.inject(503, count=None, path="/customers")
    async with CommercetoolsClient(settings_for(sandbox)) as client:
        with pytest.raises(ServiceUnavailable) as caught:
            await client.query("customers", limit=1)
        assert client.stats.retries == 2
    assert caught.value.attempts == 3
    assert caught.value.status == 503
    assert caught.value.correlation_id


async def test_revoked_token_is_reminted_once(sandbox) -> None:
    async with CommercetoolsClient(settings_for(sandbox)) as client:
        await client.get_project()
        sandbox.revoke_tokens()
        assert (await client.get_project())["key"] == sandbox.project_key
        assert client.stats.token_remints_on_401 == 1
        assert client.stats.token_mints == 2


async def test_dropped_connection_and_slow_answer_are_retried(sandbox) -> None:
    sandbox.inject(drop=True, count=1, path="/customers")
    sandbox.inject(latency_ms=1500, count=1, path="/customers")
    async with CommercetoolsClient(settings_for(sandbox, timeout_seconds=0.5)) as client:
        page = await client.query("customers", limit=2)
        reasons = client.stats.retries_by_reason
    assert len(page.results) == 2
    assert sum(reasons.values()) == 2
    assert reasons.get("ReadTimeout") == 1


async def test_throttle_limits_are_observed(sandbox) -> None:
    """5 calls per 0.5 s and 2 connections, with 50 ms of latency on every call."""
    sandbox.inject(latency_ms=50, count=None, path=f"/{sandbox.project_key}")
    transport = RecordingTransport()
    settings = settings_for(sandbox, throttle=ThrottleSettings(limit=5, seconds=0.5, concurrency=2))
    async with CommercetoolsClient(settings, transport=transport) as client:
        started = time.monotonic()
        await asyncio.gather(*(client.get_project() for _ in range(30)))
        elapsed = time.monotonic() - started
        stats = client.stats
    assert len(transport.starts) == 30
    assert max_in_any_window(transport.starts, 0.5) <= 5
    assert transport.peak == 2
    # 30 calls at 5 per 0.5 s need 2.5 s after the first; the limiter does not lose much on top.
    assert 2.5 <= elapsed < 6.0
    assert stats.throttle_waits >= 20
    assert stats.throttle_wait_seconds > 0


async def test_conflict_surfaces_current_version(sandbox) -> None:
    async with CommercetoolsClient(settings_for(sandbox)) as client:
        email = f"conflict-{uuid.uuid4().hex[:8]}@example.com"
        created = await client.create("customers", {"email": email, "password": "x"})
        customer = created.get("customer", created)
        updated = await client.update(
            "customers",
            customer["id"],
            customer["version"],
            [{"action": "setFirstName", "firstName": "A"}],
        )
        try:
            with pytest.raises(ConcurrentModification) as caught:
                await client.update(
                    "customers",
                    customer["id"],
                    customer["version"],
                    [{"action": "setLastName", "lastName": "B"}],
                )
        finally:  # the session sandbox is shared: leave it as seeded
            await client.delete("customers", customer["id"], updated["version"])
    assert caught.value.status == 409
    assert caught.value.current_version == updated["version"]
