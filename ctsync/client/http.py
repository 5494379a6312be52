"""The commercetools HTTP client the flows use: authenticated, throttled, retried, traceable.

It is a thin layer on one `httpx.AsyncClient`: the token lives in an httpx `Auth`
(`BearerTokenAuth`), the throttle in a transport (`ThrottledTransport`) so that every attempt of
every request, retries and re-sends after a 401 included, is counted against the block's limits, and
the retry policy is tenacity's (`ctsync.client.retries`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import ssl
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self

import httpx
import orjson
from pydantic import BaseModel, ConfigDict, Field

from ctsync.client.auth import TRANSIENT_ERRORS, AccessToken, BearerTokenAuth, TokenProvider
from ctsync.client.config import ConnectionSettings
from ctsync.client.errors import (
    AuthenticationError,
    ConnectionFailed,
    GraphQLFailed,
    InvalidInput,
    OutcomeUnknown,
    ServiceUnavailable,
    error_from_response,
)
from ctsync.client.retries import (
    ANSWER_LOST_STATUSES,
    MAY_HAVE_LANDED,
    READ_METHODS,
    RequestStats,
    RetryableResponse,
    is_retryable_status,
    parse_retry_after,
    retrying,
)
from ctsync.client.throttle import CallBudget, Sleep, Throttle

MAX_PAGE_SIZE = 500
MAX_ACTIONS_PER_UPDATE = 500
USER_AGENT = "prefect-commercetools/0.1 (+httpx)"
LOGGER = logging.getLogger("ctsync.client.http")
_CORRELATION_SAFE = re.compile(r"[^A-Za-z0-9_\-]")
_GRAPHQL_MUTATION = re.compile(r"^\s*(#[^\n]*\n\s*)*mutation\b")


class QueryPage(BaseModel):
    """One page of a commercetools query (`PagedQueryResponse`)."""

    model_config = ConfigDict(extra="allow")

    limit: int
    offset: int = 0
    count: int
    total: int | None = None
    results: list[dict[str, Any]] = Field(default_factory=list)
    size_bytes: int = 0
    """The body's size (decompressed: what parsing holds in memory), for pages sized by bytes."""


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
        request.extensions["trace"] = _sent_tracer(wait.sent, request.extensions.get("trace"))
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


def check_page_size(name: str, value: int, what: str = "records per page") -> int:
    """`value` when commercetools serves that many per request, else a ValueError naming `name`.

    The one check behind the flows' `page_size` and `batch_size` and the client's `limit`.
    """
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise ValueError(
            f"{name} is {value}: use 1 to {MAX_PAGE_SIZE} {what} "
            f"(commercetools pages hold at most {MAX_PAGE_SIZE})"
        )
    return value


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context per process: otherwise every client would load and parse the CA bundle."""
    return httpx.create_ssl_context()


def correlation_prefix(text: str) -> str:
    """commercetools accepts letters, digits, '-' and '_' in correlation ids."""
    return _CORRELATION_SAFE.sub("-", text)[:100] or "prefect-commercetools"


@dataclass
class _Call:
    """One request and its attempts, for the errors that name it."""

    method: str
    path: str
    correlation_id: str
    idempotent: bool = True
    """A read, or a write that may be sent again as it is (a GraphQL query is sent by POST)."""
    attempts: int = 0

    @property
    def context(self) -> dict[str, str]:
        return {
            "correlation_id": self.correlation_id,
            "method": self.method,
            "path": "/" + self.path,
        }

    def gave_up(self, last: RetryableResponse) -> ServiceUnavailable:
        error = error_from_response(last.status, last.body, **self.context)
        return ServiceUnavailable(
            f"{error.message} (gave up after {self.attempts} attempts)",
            attempts=self.attempts,
            status=last.status,
            code=error.code,
            errors=error.errors,
            **self.context,
        )

    def unreachable(
        self, last: httpx.TransportError, settings: ConnectionSettings
    ) -> ConnectionFailed:
        if isinstance(last, httpx.TimeoutException):
            reason = (
                f"no answer within {settings.timeout_seconds:g}s from {settings.api_origin} "
                f"({type(last).__name__}, gave up after {self.attempts} attempts)"
            )
        else:
            reason = (
                f"cannot reach {settings.api_origin} ({type(last).__name__}: {last}; gave up "
                f"after {self.attempts} attempts): check API URL and the network"
            )
        return ConnectionFailed(reason, attempts=self.attempts, **self.context)

    def check_answer(self, status: int) -> None:
        """A status a gateway may have answered after the write was applied is a lost answer."""
        if status in ANSWER_LOST_STATUSES:
            self.raise_if_write(f"HTTP {status} after it was sent", status)

    def raise_if_write(self, lost: str, status: int | None = None) -> None:
        """OutcomeUnknown for a write whose answer was `lost`; a read may be sent again."""
        if self.idempotent:
            return
        raise OutcomeUnknown(
            f"the request went out and its answer was lost ({lost}): commercetools may have "
            "applied it; it is not sent again before what happened is read",
            attempts=self.attempts,
            status=status,
            **self.context,
        ) from None


class CommercetoolsClient:
    """Calls to one commercetools project. Use it as `async with client:`.

    `token_provider` and `throttle` are meant to be shared by every client of a process (the block
    does that); `transport` and `sleep` let tests replace the network and the clock.
    """

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        token_provider: TokenProvider | None = None,
        throttle: CallBudget | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
        correlation_id_prefix: str | None = None,
        logger: logging.Logger | logging.LoggerAdapter[Any] | None = None,
    ) -> None:
        self.settings = settings
        self.logger = logger or LOGGER
        """Where retries are told (a warning each); a flow passes its run's logger."""
        self.project_key = settings.project_key
        self.stats = RequestStats()
        self.correlation_id_prefix = correlation_prefix(
            correlation_id_prefix or settings.correlation_prefix
        )
        self.token_provider = token_provider or TokenProvider(
            settings.token_url,
            settings.client_id,
            settings.client_secret,
            settings.scope,
            retry=settings.retry,
        )
        limits = settings.throttle
        self.throttle = throttle or Throttle(limits.limit, limits.seconds, limits.concurrency)
        self._transport = transport
        self._sleep: Sleep = sleep or asyncio.sleep
        self._http: httpx.AsyncClient | None = None
        self._token_http: httpx.AsyncClient | None = None
        self.last_server_date: datetime | None = None

    def __repr__(self) -> str:
        return f"CommercetoolsClient(api_url={self.settings.api_url!r})"

    async def __aenter__(self) -> Self:
        self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for http in (self._http, self._token_http):
            if http is not None:
                await http.aclose()
        self._http = self._token_http = None

    def _open(self) -> httpx.AsyncClient:
        if self._http is not None:
            return self._http
        concurrency = self.settings.throttle.concurrency
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        inner = self._transport or httpx.AsyncHTTPTransport(limits=limits, verify=_tls_context())
        timeout = httpx.Timeout(self.settings.timeout_seconds)
        self._token_http = httpx.AsyncClient(
            transport=self._transport or httpx.AsyncHTTPTransport(verify=_tls_context()),
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
        )
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
        if self.settings.api_key is not None:
            headers[self.settings.api_key_header] = self.settings.api_key.get_secret_value()
        self._http = httpx.AsyncClient(
            transport=ThrottledTransport(inner, self.throttle, self.stats),
            auth=BearerTokenAuth(
                self.token_provider,
                self._token_http,
                self.stats,
                retry=self.settings.retry,
                sleep=self._sleep,
            ),
            timeout=timeout,
            headers=headers,
        )
        return self._http

    async def token(self) -> AccessToken:
        """The process-wide token for this API client, minted if needed."""
        self._open()
        assert self._token_http is not None
        return await self.token_provider.get(
            self._token_http, self.stats, retry=self.settings.retry, sleep=self._sleep
        )

    def url(self, path: str = "") -> str:
        path = path.strip("/")
        return f"{self.settings.api_url}/{path}" if path else self.settings.api_url

    def new_correlation_id(self) -> str:
        return f"{self.correlation_id_prefix}-{uuid.uuid4()}"

    async def request(
        self,
        method: str,
        path: str = "",
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        on_sent: Callable[[], None] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one request with retries; return the decoded JSON or raise a typed error.

        `on_sent` is called once the request has gone out (each attempt), before the answer.
        A request that is not `idempotent` (default: every method but GET and HEAD) is retried
        only while it cannot have reached commercetools (a refused connection, a 429); once it
        went out and its answer was lost, OutcomeUnknown is raised instead of a second send.
        """
        body, _ = await self._request(
            method, path, params=params, json=json, on_sent=on_sent, idempotent=idempotent
        )
        return body

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None,
        json: Any,
        on_sent: Callable[[], None] | None,
        idempotent: bool | None = None,
    ) -> tuple[Any, int]:
        """`request`, and the size of the body as it came."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in READ_METHODS
        call = _Call(method, path, self.new_correlation_id(), idempotent)
        response = await self._send(call, params=params, json=json, on_sent=on_sent)
        if self.logger.isEnabledFor(logging.DEBUG):
            # The path only: a query's predicate may hold personal data, and headers a token.
            self.logger.debug(
                "%s /%s: HTTP %d, %d bytes (correlation id %s)",
                call.method,
                call.path,
                response.status_code,
                len(response.content),
                call.correlation_id,
            )
        if response.status_code >= 400:
            error = error_from_response(response.status_code, _body(response), **call.context)
            if isinstance(error, AuthenticationError):
                error.message += (
                    " (the token was rejected again after one re-mint: the API client may have "
                    "been deleted or its scopes changed)"
                )
            raise error
        return _body(response), len(response.content)

    async def _send(
        self,
        call: _Call,
        *,
        params: dict[str, Any] | None,
        json: Any,
        on_sent: Callable[[], None] | None,
    ) -> httpx.Response:
        """The response once it is not worth retrying; typed errors once the retries are spent."""
        http = self._open()
        extensions = {"trace": _sent_tracer(on_sent)} if on_sent is not None else None
        headers = {"X-Correlation-ID": call.correlation_id}
        url = self.url(call.path)
        policy = retrying(
            self.settings.retry,
            self.stats,
            transient=TRANSIENT_ERRORS,
            sleep=self._sleep,
            on_retry=functools.partial(self._warn_retry, call),
        )
        try:
            async for attempt in policy:
                with attempt:
                    call.attempts += 1
                    try:
                        response = await http.request(
                            call.method,
                            url,
                            params=params,
                            json=json,
                            headers=headers,
                            extensions=extensions,
                        )
                    except MAY_HAVE_LANDED as exc:
                        call.raise_if_write(_lost_what(exc, self.settings))
                        raise
                    self._note_server_date(response)
                    call.check_answer(response.status_code)
                    if is_retryable_status(response.status_code, call.method):
                        raise RetryableResponse(
                            response.status_code,
                            _body(response),
                            parse_retry_after(response.headers.get("Retry-After")),
                        )
        except RetryableResponse as exc:
            raise call.gave_up(exc) from None
        except httpx.TransportError as exc:
            raise call.unreachable(exc, self.settings) from None
        return response

    def _warn_retry(self, call: _Call, reason: str, attempt: int, wait: float) -> None:
        what = f"HTTP {reason}" if reason.isdigit() else reason
        self.logger.warning(
            "%s /%s: %s on attempt %d/%d, retrying in %.1f s (correlation id %s)",
            call.method,
            call.path,
            what,
            attempt,
            self.settings.retry.max_attempts,
            wait,
            call.correlation_id,
        )

    def _note_server_date(self, response: httpx.Response) -> None:
        value = response.headers.get("Date")
        if value:
            try:
                self.last_server_date = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                pass

    # -- helpers the flows use -------------------------------------------------------------

    async def get_project(self) -> dict[str, Any]:
        return await self.request("GET")

    async def get(self, endpoint: str, resource_id: str) -> dict[str, Any]:
        return await self.request("GET", f"{endpoint}/{resource_id}")

    async def query(
        self,
        endpoint: str,
        *,
        where: str | Sequence[str] | None = None,
        sort: Sequence[str] = (),
        limit: int = MAX_PAGE_SIZE,
        offset: int | None = None,
        with_total: bool = False,
        variables: dict[str, str] | None = None,
        expand: Sequence[str] = (),
        on_sent: Callable[[], None] | None = None,
    ) -> QueryPage:
        """One page; `with_total` is off by default: counting is costly and paging needs none."""
        check_page_size("limit", limit)
        params: dict[str, Any] = {"limit": limit, "withTotal": "true" if with_total else "false"}
        if where:
            params["where"] = [where] if isinstance(where, str) else list(where)
        if sort:
            params["sort"] = [sort] if isinstance(sort, str) else list(sort)
        if expand:
            params["expand"] = [expand] if isinstance(expand, str) else list(expand)
        if offset is not None:
            params["offset"] = offset
        for name, value in (variables or {}).items():
            params[f"var.{name}"] = value
        body, size = await self._request("GET", endpoint, params=params, json=None, on_sent=on_sent)
        page = parse_page(body)
        page.size_bytes = size
        return page

    async def create(self, endpoint: str, draft: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", endpoint, json=draft)

    async def update(
        self, endpoint: str, resource_id: str, version: int, actions: Sequence[dict[str, Any]]
    ) -> dict[str, Any]:
        if len(actions) > MAX_ACTIONS_PER_UPDATE:
            raise InvalidInput(
                f"{len(actions)} update actions for {endpoint}/{resource_id}: commercetools "
                f"takes at most {MAX_ACTIONS_PER_UPDATE} per request; split them"
            )
        body = {"version": version, "actions": list(actions)}
        return await self.request("POST", f"{endpoint}/{resource_id}", json=body)

    async def graphql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """The `data` of a GraphQL query; GraphQLFailed when commercetools reports errors (it
        answers 200 with `errors` for a field it could not resolve, 400 for invalid input)."""
        request: dict[str, Any] = {"query": query}
        if variables:
            request["variables"] = variables
        if operation_name:
            request["operationName"] = operation_name
        # A query is a read sent by POST: retried as one; a mutation is a write.
        body = await self.request(
            "POST", "graphql", json=request, idempotent=not _GRAPHQL_MUTATION.match(query)
        )
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            raise GraphQLFailed.from_errors(errors, body.get("data"), path="graphql")
        data: dict[str, Any] = body.get("data") or {}
        return data

    async def delete(self, endpoint: str, resource_id: str, version: int) -> dict[str, Any]:
        return await self.request(
            "DELETE", f"{endpoint}/{resource_id}", params={"version": version}
        )


_SENT_EVENTS = frozenset({"http11.send_request_body.complete", "http2.send_request_body.complete"})


def _sent_tracer(
    on_sent: Callable[[], None],
    then: Callable[[str, dict[str, Any]], Awaitable[None]] | None = None,
) -> Callable[[str, dict[str, Any]], Awaitable[None]]:
    """An httpcore `trace` extension that reports the moment the request is on the wire (and
    passes every event on to `then`, a trace set before it)."""

    async def trace(event: str, info: dict[str, Any]) -> None:
        if event in _SENT_EVENTS:
            on_sent()
        if then is not None:
            await then(event, info)

    return trace


def _lost_what(exc: httpx.TransportError, settings: ConnectionSettings) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {settings.timeout_seconds:g} s"
    return f"the connection dropped: {type(exc).__name__}"


def _body(response: httpx.Response) -> Any:
    """The decoded JSON body (orjson: pages are most of a pull's parsing), else the text."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text


def parse_page(body: Any) -> QueryPage:
    """A query's page from its body (decoded, or the raw bytes).

    The envelope is validated; the documents are kept as commercetools sent them, not copied
    one by one by pydantic: each is checked by its entity's model when it is written.
    """
    if isinstance(body, bytes | bytearray):
        body = orjson.loads(body)
    if not isinstance(body, dict) or not isinstance(body.get("results", []), list):
        return QueryPage.model_validate(body)  # raises, naming what is wrong
    results = body.get("results", [])
    page = QueryPage.model_validate({**body, "results": []})
    page.results = results
    return page
