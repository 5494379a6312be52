"""What every attempt of a request passes through under the client: the throttle, counted in the
run's stats, and the moment the request is on the wire.

The throttle sits in a transport, not at the call sites, so that every attempt of every request
(retries and re-sends after a 401 included) is counted against the block's limits.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx

from ctsync.client.retries import RequestStats
from ctsync.client.throttle import CallBudget

Trace = Callable[[str, dict[str, Any]], Awaitable[None]]
"""An httpcore `trace` extension: told of each step of sending a request."""

_SENT_EVENTS = frozenset({"http11.send_request_body.complete", "http2.send_request_body.complete"})


class _ReleasingStream(httpx.AsyncByteStream):
    """Holds the connection slot until the response body is read and closed."""

    def __init__(self, inner: httpx.AsyncByteStream, release: Any) -> None:
        self._inner = inner
        self._release = release
        self._released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            if not self._released:
                self._released = True
                self._release()


class ThrottledTransport(httpx.AsyncBaseTransport):
    """Waits for the throttle before each attempt and counts calls and waits in `stats`."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, throttle: CallBudget, stats: RequestStats
    ) -> None:
        self._inner = inner
        self._throttle = throttle
        self._stats = stats

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        wait = await self._throttle.acquire()
        self._stats.calls += 1
        if wait.waited:
            self._stats.throttle_waits += 1
            self._stats.throttle_wait_seconds += wait.seconds
        request.extensions["trace"] = sent_tracer(wait.sent, request.extensions.get("trace"))
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            wait.sent()
            self._throttle.release()
            raise
        wait.sent()  # no-op once the trace told it (a transport without traces never does)
        if response.is_closed or not isinstance(response.stream, httpx.AsyncByteStream):
            # Already read by an inner transport: nothing is left in flight.
            self._throttle.release()
            return response
        response.stream = _ReleasingStream(response.stream, self._throttle.release)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def sent_tracer(on_sent: Callable[[], None], then: Trace | None = None) -> Trace:
    """A `trace` that reports the moment the request is on the wire (and passes every event on
    to `then`, a trace set before it)."""

    async def trace(event: str, info: dict[str, Any]) -> None:
        if event in _SENT_EVENTS:
            on_sent()
        if then is not None:
            await then(event, info)

    return trace


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context per process: otherwise every client would load and parse the CA bundle."""
    return httpx.create_ssl_context()
