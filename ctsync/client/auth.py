"""OAuth2 client credentials: one token per API client and scope, shared by a whole process.

`TokenProvider` holds the token and refreshes it shortly before it expires; when several
callers need a new token at once, one of them mints it and the others wait for that single result,
whatever event loop or thread they run on. `BearerTokenAuth` is the httpx `Auth` that puts the
token on each request and, on a 401, re-mints once and resends.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass, field

import httpx
from pydantic import SecretStr

from ctsync.client.config import RetrySettings
from ctsync.client.errors import AuthenticationError, ConnectionFailed
from ctsync.client.retries import RequestStats, RetryableResponse, is_retryable_status, retrying

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (httpx.TimeoutException, httpx.TransportError)


@dataclass(frozen=True)
class AccessToken:
    """A bearer token and when it stops being valid (on the provider's clock)."""

    value: str = field(repr=False)
    expires_at: float
    expires_in: float
    scope: str

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()


class _MintAbandoned(Exception):
    """The caller minting for everyone was cancelled: the waiters try again themselves."""


class TokenProvider:
    """Cached client-credentials token with single-flight refresh before expiry."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        scope: str,
        *,
        retry: RetrySettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        refresh_margin: float = 300.0,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope
        self._retry = retry or RetrySettings()
        self._clock = clock
        self._refresh_margin = refresh_margin
        self._lock = threading.Lock()
        self._token: AccessToken | None = None
        self._inflight: concurrent.futures.Future[AccessToken] | None = None
        self.mints = 0

    def __repr__(self) -> str:
        return f"TokenProvider(token_url={self.token_url!r}, client_id={self.client_id!r})"

    @property
    def cached(self) -> AccessToken | None:
        """The token held now, if any (for diagnostics; `get` is how callers obtain one)."""
        return self._token

    def _fresh(self, token: AccessToken) -> bool:
        margin = min(self._refresh_margin, token.expires_in * 0.1)
        return self._clock() < token.expires_at - margin

    def invalidate(self, rejected: AccessToken) -> None:
        """Forget `rejected` (a 401 said so) unless another caller already replaced it."""
        with self._lock:
            if self._token is not None and self._token.value == rejected.value:
                self._token = None

    async def get(
        self,
        http: httpx.AsyncClient,
        stats: RequestStats,
        *,
        retry: RetrySettings | None = None,
        sleep: Callable[[float], object] | None = None,
    ) -> AccessToken:
        """The current token, minting a new one (once, for all waiting callers) when needed.

        `retry` overrides the provider's retry settings for a mint this caller leads.
        """
        while True:
            with self._lock:
                token = self._token
                if token is not None and self._fresh(token):
                    return token
                leader = self._inflight is None
                if leader:
                    self._inflight = concurrent.futures.Future()
                inflight = self._inflight
                assert inflight is not None
            if not leader:
                try:
                    return await asyncio.shield(asyncio.wrap_future(inflight))
                except _MintAbandoned:
                    continue
            try:
                token = await self._mint(http, stats, retry or self._retry, sleep)
            except asyncio.CancelledError:
                self._finish(inflight, error=_MintAbandoned())
                raise
            except BaseException as exc:
                self._finish(inflight, error=exc)
                raise
            self._finish(inflight, token=token)
            return token

    def _finish(
        self,
        inflight: concurrent.futures.Future[AccessToken],
        *,
        token: AccessToken | None = None,
        error: BaseException | None = None,
    ) -> None:
        with self._lock:
            if token is not None:
                self._token = token
            self._inflight = None
        if error is not None:
            inflight.set_exception(error)
        else:
            inflight.set_result(token)  # type: ignore[arg-type]

    async def _mint(
        self,
        http: httpx.AsyncClient,
        stats: RequestStats,
        retry: RetrySettings,
        sleep: Callable[[float], object] | None,
    ) -> AccessToken:
        basic = httpx.BasicAuth(self.client_id, self._client_secret.get_secret_value())
        data = {"grant_type": "client_credentials", "scope": self.scope}
        policy = retrying(
            retry,
            stats,
            transient=TRANSIENT_ERRORS,
            sleep=sleep or asyncio.sleep,  # type: ignore[arg-type]
        )
        try:
            async for attempt in policy:
                with attempt:
                    response = await http.post(self.token_url, data=data, auth=basic)
                    if is_retryable_status(response.status_code, "POST"):
                        raise RetryableResponse(response.status_code, None, None)
        except RetryableResponse as exc:
            raise AuthenticationError(
                f"Auth URL {self.token_url} kept answering HTTP {exc.status}; try again later",
                status=exc.status,
                method="POST",
                path=self.token_url,
            ) from None
        except TRANSIENT_ERRORS as exc:
            raise ConnectionFailed(
                f"cannot reach Auth URL {self.token_url} ({type(exc).__name__}): check Auth URL "
                "and the network",
                method="POST",
                path=self.token_url,
            ) from None
        stats.token_mints += 1
        self.mints += 1
        return self._parse(response)

    def _parse(self, response: httpx.Response) -> AccessToken:
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict) and body.get("access_token"):
            expires_in = float(body.get("expires_in") or 172800)
            return AccessToken(
                value=str(body["access_token"]),
                expires_at=self._clock() + expires_in,
                expires_in=expires_in,
                scope=str(body.get("scope") or self.scope),
            )
        code = None
        if isinstance(body, dict):
            errors = body.get("errors")
            first = errors[0] if isinstance(errors, list) and errors else {}
            code = body.get("error") or (first.get("code") if isinstance(first, dict) else None)
        if response.status_code == 401 and code not in (None, "invalid_client"):
            message = (
                f"Auth URL {self.token_url} answered like an API ({code}), not like an OAuth "
                "server: it is not a commercetools auth server; check Auth URL (e.g. "
                "https://auth.<region>.commercetools.com, not the api. host)"
            )
        elif response.status_code == 401 or code == "invalid_client":
            message = (
                f"Client ID {self.client_id!r} and its Client Secret were rejected by "
                f"{self.token_url}: check Client ID and Client Secret (a secret is shown only "
                "once, at API client creation; create a new API client if it is lost)"
            )
        elif code == "invalid_scope" or response.status_code == 400:
            detail = body.get("error_description") or body.get("message") if body else None
            message = (
                f"Scope {self.scope!r} was refused by {self.token_url}"
                f"{f' ({detail})' if detail else ''}: the project may not exist, or the API "
                "client was not granted these scopes; check API URL and Scope"
            )
        elif response.status_code == 404 or not isinstance(body, dict):
            message = (
                f"Auth URL {self.token_url} answered HTTP {response.status_code} without an OAuth "
                "response: it is not a commercetools auth server; check Auth URL"
            )
        else:
            message = f"token request failed with HTTP {response.status_code}: {body}"
        raise AuthenticationError(
            message, status=response.status_code, code=code, method="POST", path=self.token_url
        )


class BearerTokenAuth(httpx.Auth):
    """Adds the bearer token; on a 401 forgets it, mints a new one and resends once."""

    def __init__(
        self,
        provider: TokenProvider,
        token_http: httpx.AsyncClient,
        stats: RequestStats,
        retry: RetrySettings | None = None,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        self._provider = provider
        self._token_http = token_http
        self._stats = stats
        self._retry = retry
        self._sleep = sleep

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise RuntimeError("BearerTokenAuth is async-only: use it with httpx.AsyncClient")
        yield request  # pragma: no cover

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._provider.get(
            self._token_http, self._stats, retry=self._retry, sleep=self._sleep
        )
        request.headers["Authorization"] = f"Bearer {token.value}"
        response = yield request
        if response.status_code == 401:
            self._stats.token_remints_on_401 += 1
            self._provider.invalidate(token)
            token = await self._provider.get(
                self._token_http, self._stats, retry=self._retry, sleep=self._sleep
            )
            request.headers["Authorization"] = f"Bearer {token.value}"
            yield request


__all__ = ["AccessToken", "BearerTokenAuth", "TokenProvider"]
