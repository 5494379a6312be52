"""Typed errors for commercetools calls.

Each error carries what a user needs to act and what support needs to trace: the HTTP status, the
commercetools error code, its message and the request's correlation id. None of them ever carries a
header, a token or a secret.
"""

from __future__ import annotations

import copy
import re
from typing import Any

_MISSING_SCOPE = re.compile(r"scopes? (?:is|are) missing:\s*(?P<scopes>[\w:\-, ]+)", re.IGNORECASE)


class CommercetoolsError(Exception):
    """A commercetools API call failed; the base of every error the engine raises for one."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        correlation_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.correlation_id = correlation_id
        self.method = method
        self.path = path
        self.errors = errors or []
        super().__init__(str(self))

    def __str__(self) -> str:
        head = " ".join(str(part) for part in (self.status, self.code) if part)
        text = f"{head}: {self.message}" if head else self.message
        where = f"{self.method} {self.path}" if self.method and self.path else None
        details = "; ".join(
            part
            for part in (
                where,
                f"correlation id {self.correlation_id}" if self.correlation_id else None,
            )
            if part
        )
        return f"{text} ({details})" if details else text

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor: teach pickle (Prefect persists exceptions) how to rebuild it.
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls: type[CommercetoolsError], message: str, state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class AuthenticationError(CommercetoolsError):
    """The client credentials, the auth URL or the token were rejected."""


class PermissionDenied(CommercetoolsError):
    """The token lacks a scope the call needs (403)."""

    @property
    def missing_scope(self) -> str | None:
        """The scope(s) commercetools says are missing, when its message names them."""
        for text in [self.message, *(str(e.get("message", "")) for e in self.errors)]:
            match = _MISSING_SCOPE.search(text)
            if match:
                return match.group("scopes").strip().rstrip(".")
        return None


class NotFound(CommercetoolsError):
    """The resource or project does not exist (404)."""


class ConcurrentModification(CommercetoolsError):
    """The version sent is stale (409): re-read the resource and recompute the actions."""

    @property
    def current_version(self) -> int | None:
        for error in self.errors:
            version = error.get("currentVersion")
            if isinstance(version, int):
                return version
        return None


class InvalidInput(CommercetoolsError):
    """The request was rejected as malformed or semantically invalid (400)."""


class GraphQLFailed(CommercetoolsError):
    """A GraphQL query came back with errors; `data` holds what resolved (may be None)."""

    data: dict[str, Any] | None = None

    @classmethod
    def from_errors(
        cls, errors: list[Any], data: dict[str, Any] | None, *, path: str
    ) -> GraphQLFailed:
        listed = [e for e in errors if isinstance(e, dict)]
        first = listed[0] if listed else {}
        where = ".".join(str(part) for part in first.get("path") or [])
        message = str(first.get("message") or "GraphQL error")
        if where:
            message = f"{message} (at {where})"
        if len(listed) > 1:
            message += f"; and {len(listed) - 1} more error(s), see .errors"
        error = cls(message, code=_graphql_code(first), method="POST", path=path, errors=listed)
        error.data = data
        return error


def _graphql_code(error: dict[str, Any]) -> str | None:
    """A GraphQL error's code: commercetools puts it in `extensions.code`."""
    code = error.get("code")
    extensions = error.get("extensions")
    if not code and isinstance(extensions, dict):
        code = extensions.get("code")
    return str(code) if code else None


class ServiceUnavailable(CommercetoolsError):
    """commercetools could not be reached or kept failing after every retry was spent."""

    def __init__(self, message: str, *, attempts: int | None = None, **kwargs: Any) -> None:
        self.attempts = attempts
        super().__init__(message, **kwargs)


class ConnectionFailed(ServiceUnavailable):
    """The host could not be reached at all (DNS, refused connection, TLS, timeout)."""


class OutcomeUnknown(ServiceUnavailable):
    """A write went out and its answer was lost (no answer in time, a dropped connection, or a
    500, 502, 503 or 504 after it was sent): commercetools may have applied it or not. It is
    never sent again blindly; the pushes, copies and tasks read what happened before they write
    again, and report this only where nothing identifies what was written."""

    def explained(self, why: str) -> OutcomeUnknown:
        """The same error with `why` (what was found, the fix) added to its message."""
        error = copy.copy(self)  # through __reduce__: every field it carries
        error.message = f"{self.message}; {why}"
        error.args = (str(error),)
        return error


_BY_STATUS: dict[int, type[CommercetoolsError]] = {
    400: InvalidInput,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: ConcurrentModification,
    429: ServiceUnavailable,
    502: ServiceUnavailable,
    503: ServiceUnavailable,
    504: ServiceUnavailable,
}


def error_from_response(
    status: int,
    body: Any,
    *,
    correlation_id: str | None,
    method: str,
    path: str,
) -> CommercetoolsError:
    """Build the typed error for a failed response from commercetools' error body."""
    errors: list[dict[str, Any]] = []
    code: str | None = None
    message = f"HTTP {status}"
    if isinstance(body, dict):
        raw_errors = body.get("errors")
        if isinstance(raw_errors, list):
            errors = [e for e in raw_errors if isinstance(e, dict)]
        if errors and _graphql_code(errors[0]):
            code = _graphql_code(errors[0])  # REST: errors[].code; GraphQL: its extensions
        elif body.get("error"):
            code = str(body["error"])
        first = errors[0].get("message") if errors else None  # GraphQL has no top message
        message = str(body.get("message") or body.get("error_description") or first or message)
    elif isinstance(body, str) and body.strip():
        message = body.strip()[:300]
    cls = _BY_STATUS.get(status, CommercetoolsError)
    return cls(
        message,
        status=status,
        code=code,
        correlation_id=correlation_id,
        method=method,
        path=path,
        errors=errors,
    )
