"""Connection and throttling settings, with the URL and scope rules commercetools imposes.

The messages name each field by the title a user sees in the Prefect UI form (the iPaaS vocabulary),
say what was given (never a secret) and how to fix it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

_PROJECT_KEY = re.compile(r"^[a-z0-9_-]{2,36}$")
_LOCAL_HOSTS = {"localhost", "host.docker.internal"}

DEFAULT_THROTTLE_LIMIT = 100
DEFAULT_THROTTLE_SECONDS = 1.0
DEFAULT_CONCURRENT_CONNECTIONS = 10


def validation_message(error: ValidationError) -> str:
    """The problems of a failed validation as one sentence per problem: our own validators'
    messages as they were written (they name the field), pydantic's prefixed with the field."""
    messages = []
    for detail in error.errors():
        cause = (detail.get("ctx") or {}).get("error")
        if cause is not None:
            messages.append(str(cause))
        else:
            where = ".".join(str(part) for part in detail["loc"])
            messages.append(f"{where}: {detail['msg']}" if where else detail["msg"])
    return "; ".join(messages)


def is_local_host(host: str) -> bool:
    """Loopback hosts may use plain http (the sandbox); every other host must use https."""
    if host in _LOCAL_HOSTS or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def split_api_url(api_url: str) -> tuple[str, str]:
    """Split an API URL into (origin, project key), or raise ValueError saying how to fix it."""
    example = "https://api.europe-west1.gcp.commercetools.com/mystore"
    parts = urlsplit(api_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"API URL {api_url!r} is not a URL: give the instance URL with the project key, "
            f"e.g. {example}"
        )
    if parts.scheme != "https" and not is_local_host(parts.hostname):
        raise ValueError(
            f"API URL {api_url!r} uses {parts.scheme}://: commercetools is only served over "
            "https (plain http is accepted for localhost only), use https://"
        )
    if parts.query or parts.fragment:
        raise ValueError(
            f"API URL {api_url!r} has a query or fragment: give only the instance URL and "
            f"project key, e.g. {example}"
        )
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        raise ValueError(
            f"API URL {api_url!r} has no project key: append it to the instance URL, e.g. {example}"
        )
    if len(segments) > 1:
        raise ValueError(
            f"API URL {api_url!r} has more than a project key in its path: end it at the "
            f"project key, e.g. {example}"
        )
    key = segments[0]
    if not _PROJECT_KEY.match(key):
        raise ValueError(
            f"API URL {api_url!r} ends in {key!r}, which is not a project key (2-36 lowercase "
            "letters, digits, '-' or '_'): copy the URL from the Merchant Center address bar"
        )
    origin = f"{parts.scheme}://{parts.netloc}"
    return origin, key


def derive_auth_url(api_url: str) -> str:
    """The region's auth host: `api.<region>` becomes `auth.<region>`; loopback keeps its host."""
    origin, _ = split_api_url(api_url)
    parts = urlsplit(origin)
    host = parts.hostname or ""
    if host.startswith("api."):
        return f"{parts.scheme}://auth.{parts.netloc[len('api.') :]}"
    if is_local_host(host):
        return origin
    raise ValueError(
        f"Auth URL is empty and cannot be derived from API URL {api_url!r} (its host does not "
        "start with 'api.'): set Auth URL, e.g. https://auth.europe-west1.gcp.commercetools.com"
    )


def scope_project_keys(scope: str) -> list[tuple[str, str | None]]:
    """Each scope with the project key it names (`manage_orders:mystore:store-a` names mystore)."""
    pairs = []
    for item in scope.split():
        parts = item.split(":")
        pairs.append((item, parts[1] if len(parts) > 1 and parts[1] else None))
    return pairs


class ThrottleSettings(BaseModel):
    """At most `limit` calls start in any `seconds` window, at most `concurrency` in flight."""

    model_config = ConfigDict(frozen=True)

    limit: int = Field(DEFAULT_THROTTLE_LIMIT, title="API Throttle Limit")
    seconds: float = Field(DEFAULT_THROTTLE_SECONDS, title="API Throttle Seconds")
    concurrency: int = Field(DEFAULT_CONCURRENT_CONNECTIONS, title="Concurrent Connections")

    @field_validator("limit")
    @classmethod
    def _positive_limit(cls, value: int) -> int:
        if value <= 0:
            raise ValueError(
                f"API Throttle Limit is {value}: it is the number of calls allowed per window "
                f"and must be at least 1 (default {DEFAULT_THROTTLE_LIMIT})"
            )
        return value

    @field_validator("seconds")
    @classmethod
    def _positive_window(cls, value: float) -> float:
        if value <= 0:
            raise ValueError(
                f"API Throttle Seconds is {value}: it is the window length in seconds and must "
                f"be greater than 0 (default {DEFAULT_THROTTLE_SECONDS:g})"
            )
        return value

    @field_validator("concurrency")
    @classmethod
    def _positive_concurrency(cls, value: int) -> int:
        if value <= 0:
            raise ValueError(
                f"Concurrent Connections is {value}: it must be at least 1 "
                f"(default {DEFAULT_CONCURRENT_CONNECTIONS})"
            )
        return value


class RetrySettings(BaseModel):
    """How long transient failures (429, 502-504, timeouts, dropped connections) are retried."""

    model_config = ConfigDict(frozen=True)

    max_attempts: int = Field(6, ge=1, description="Attempts per request, the first included.")
    max_seconds: float = Field(120.0, gt=0, description="Give up once this much time is spent.")
    initial_backoff: float = Field(0.5, ge=0, description="First backoff, doubled each attempt.")
    max_backoff: float = Field(30.0, ge=0, description="Longest backoff (not Retry-After).")
    jitter: float = Field(0.5, ge=0, description="Random seconds added to each backoff.")


class ConnectionSettings(BaseModel):
    """Everything the engine needs to talk to one commercetools project."""

    # Validation errors must never echo the raw input: it holds the client secret.
    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    api_url: str = Field(title="API URL")
    client_id: str = Field(title="Client ID")
    client_secret: SecretStr = Field(title="Client Secret")
    scope: str = Field(title="Scope")
    auth_url: str | None = Field(None, title="Auth URL")
    api_key: SecretStr | None = Field(None, title="API Key")
    api_key_header: str = Field("X-API-Key", title="API Key Header")
    version: str = Field("v1.0", title="Version")
    throttle: ThrottleSettings = ThrottleSettings()
    retry: RetrySettings = RetrySettings()
    timeout_seconds: float = Field(30.0, gt=0, title="Request Timeout (seconds)")
    correlation_prefix: str = Field("prefect-commercetools", title="Correlation ID Prefix")

    @field_validator("api_url")
    @classmethod
    def _valid_api_url(cls, value: str) -> str:
        split_api_url(value)
        return value.strip().rstrip("/")

    @field_validator("client_id")
    @classmethod
    def _client_id_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(
                "Client ID is empty: copy it from the API client you created in the "
                "Merchant Center (Settings > Developer settings)"
            )
        return value.strip()

    @field_validator("client_secret")
    @classmethod
    def _client_secret_given(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError(
                "Client Secret is empty: copy it from the API client you created in the "
                "Merchant Center (it is shown once, at creation)"
            )
        return value

    @field_validator("auth_url")
    @classmethod
    def _valid_auth_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"Auth URL {value!r} is not a URL: use e.g. "
                "https://auth.europe-west1.gcp.commercetools.com, or leave it empty to derive it"
            )
        if parts.scheme != "https" and not is_local_host(parts.hostname):
            raise ValueError(f"Auth URL {value!r} uses {parts.scheme}://: use https://")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _scope_matches_project(self) -> ConnectionSettings:
        project_key = self.project_key
        pairs = scope_project_keys(self.scope)
        if not pairs:
            raise ValueError(
                "Scope is empty: give the API client's scopes, space-separated, "
                f"e.g. manage_project:{project_key}"
            )
        for item, key in pairs:
            if key is None:
                raise ValueError(
                    f"Scope {item!r} names no project: scopes are permission:projectKey, "
                    f"e.g. manage_project:{project_key}"
                )
            if key != project_key:
                raise ValueError(
                    f"Scope {item!r} is for project {key!r} but API URL is for project "
                    f"{project_key!r}: use {item.split(':')[0]}:{project_key} or fix the API URL"
                )
        if self.auth_url is None:
            derive_auth_url(self.api_url)  # raises when it cannot be derived
        return self

    @property
    def project_key(self) -> str:
        return split_api_url(self.api_url)[1]

    @property
    def api_origin(self) -> str:
        return split_api_url(self.api_url)[0]

    @property
    def token_url(self) -> str:
        return f"{self.auth_url or derive_auth_url(self.api_url)}/oauth/token"

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    def fingerprint(self) -> tuple[object, ...]:
        """What identifies one OAuth client and project: the key of process-wide shared state."""
        secret = hashlib.sha256(self.client_secret.get_secret_value().encode()).hexdigest()
        return (self.token_url, self.api_url, self.client_id, secret, " ".join(sorted(self.scopes)))
