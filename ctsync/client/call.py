"""One request and its attempts: what its answer means, and the typed error that names it
(method, path, correlation id, attempts) when it failed or its answer was lost."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from ctsync.client.config import ConnectionSettings
from ctsync.client.errors import (
    AuthenticationError,
    CommercetoolsError,
    ConnectionFailed,
    OutcomeUnknown,
    ServiceUnavailable,
    error_from_response,
)
from ctsync.client.retries import ANSWER_LOST_STATUSES, RetryableResponse


@dataclass
class Call:
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

    def refused(self, response: httpx.Response) -> CommercetoolsError:
        """The typed error of an answer of 400 or more that is not tried again."""
        error = error_from_response(response.status_code, response_body(response), **self.context)
        if isinstance(error, AuthenticationError):
            error.message += (
                " (the token was rejected again after one re-mint: the API client may have "
                "been deleted or its scopes changed)"
            )
        return error

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

    def check_sent(self, exc: httpx.TransportError, settings: ConnectionSettings) -> None:
        """A failure after the request went out whole is a lost answer (`MAY_HAVE_LANDED`)."""
        self.raise_if_write(_lost_what(exc, settings))

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


def _lost_what(exc: httpx.TransportError, settings: ConnectionSettings) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {settings.timeout_seconds:g} s"
    return f"the connection dropped: {type(exc).__name__}"


def response_body(response: httpx.Response) -> Any:
    """The decoded JSON body (orjson: pages are most of a pull's parsing), else the text."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text
