"""The commercetools HTTP client the flows use: authenticated, throttled, retried, traceable.

It is a thin layer on one `httpx.AsyncClient`: the token lives in an httpx `Auth`
(`BearerTokenAuth`), the throttle in a transport (`ThrottledTransport`) so that every attempt of
every request, retries and re-sends after a 401 included, is counted against the block's limits, and
the retry policy is tenacity's (`ctsync.client.retries`). What one request's answer means is
`ctsync.client.call`'s to say; a query's page is read by `ctsync.client.pages`, a GraphQL answer by
`ctsync.client.graphql`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self

import httpx

from ctsync.client.auth import TRANSIENT_ERRORS, AccessToken, BearerTokenAuth, TokenProvider
from ctsync.client.call import Call, response_body
from ctsync.client.config import ConnectionSettings
from ctsync.client.errors import InvalidInput
from ctsync.client.graphql import graphql_data, graphql_request, is_mutation
from ctsync.client.pages import MAX_PAGE_SIZE, QueryPage, parse_page, query_params
from ctsync.client.retries import (
    MAY_HAVE_LANDED,
    READ_METHODS,
    RequestStats,
    RetryableResponse,
    is_retryable_status,
    parse_retry_after,
    retrying,
)
from ctsync.client.throttle import CallBudget, Sleep, Throttle
from ctsync.client.transport import ThrottledTransport, sent_tracer, tls_context

MAX_ACTIONS_PER_UPDATE = 500
USER_AGENT = "prefect-commercetools/0.1 (+httpx)"
LOGGER = logging.getLogger("ctsync.client.http")
_CORRELATION_SAFE = re.compile(r"[^A-Za-z0-9_\-]")


def correlation_prefix(text: str) -> str:
    """commercetools accepts letters, digits, '-' and '_' in correlation ids."""
    return _CORRELATION_SAFE.sub("-", text)[:100] or "prefect-commercetools"


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
        inner = self._transport or httpx.AsyncHTTPTransport(limits=limits, verify=tls_context())
        timeout = httpx.Timeout(self.settings.timeout_seconds)
        self._token_http = httpx.AsyncClient(
            transport=self._transport or httpx.AsyncHTTPTransport(verify=tls_context()),
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
        call = Call(method, path, self.new_correlation_id(), idempotent)
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
            raise call.refused(response)
        return response_body(response), len(response.content)

    async def _send(
        self,
        call: Call,
        *,
        params: dict[str, Any] | None,
        json: Any,
        on_sent: Callable[[], None] | None,
    ) -> httpx.Response:
        """The response once it is not worth retrying; typed errors once the retries are spent."""
        http = self._open()
        extensions = {"trace": sent_tracer(on_sent)} if on_sent is not None else None
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
                        call.check_sent(exc, self.settings)
                        raise
                    self._note_server_date(response)
                    call.check_answer(response.status_code)
                    if is_retryable_status(response.status_code, call.method):
                        raise RetryableResponse(
                            response.status_code,
                            response_body(response),
                            parse_retry_after(response.headers.get("Retry-After")),
                        )
        except RetryableResponse as exc:
            raise call.gave_up(exc) from None
        except httpx.TransportError as exc:
            raise call.unreachable(exc, self.settings) from None
        return response

    def _warn_retry(self, call: Call, reason: str, attempt: int, wait: float) -> None:
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
        params = query_params(
            where=where,
            sort=sort,
            limit=limit,
            offset=offset,
            with_total=with_total,
            variables=variables,
            expand=expand,
        )
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
        request = graphql_request(query, variables, operation_name)
        body = await self.request(
            "POST", "graphql", json=request, idempotent=not is_mutation(query)
        )
        return graphql_data(body)

    async def delete(self, endpoint: str, resource_id: str, version: int) -> dict[str, Any]:
        return await self.request(
            "DELETE", f"{endpoint}/{resource_id}", params={"version": version}
        )
