"""The commercetools connection block: the iPaaS "subscription" as a Prefect block."""

from __future__ import annotations

import logging
import threading
from typing import Annotated, Any, ClassVar

from prefect.blocks.abstract import CredentialsBlock
from pydantic import (
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from blocks._form import Shown
from blocks._loading import NamedLoad
from ctsync.client.auth import TokenProvider
from ctsync.client.config import (
    DEFAULT_CONCURRENT_CONNECTIONS,
    DEFAULT_THROTTLE_LIMIT,
    DEFAULT_THROTTLE_SECONDS,
    ConnectionSettings,
    RetrySettings,
    ThrottleSettings,
    validation_message,
)
from ctsync.client.http import CommercetoolsClient
from ctsync.client.throttle import CallBudget, Throttle

API_URL_PATTERN = r"^\s*https?://[^/\s?#]+/[a-z0-9_-]{2,36}/?\s*$"
"""An origin and a project key: what the UI form can check before saving a block."""

_shared_lock = threading.Lock()
_shared: dict[tuple[object, ...], tuple[TokenProvider, Throttle]] = {}
_budgets: dict[tuple[object, ...], CallBudget] = {}


def _shared_key(settings: ConnectionSettings) -> tuple[object, ...]:
    return (*settings.fingerprint(), settings.throttle)


def _shared_for(settings: ConnectionSettings) -> tuple[TokenProvider, CallBudget]:
    """One token and one throttle budget per API client, for every task of this process; the
    budget is a cluster's while a run has installed one (`use_budget`)."""
    key = _shared_key(settings)
    with _shared_lock:
        if key not in _shared:
            limits = settings.throttle
            _shared[key] = (
                TokenProvider(
                    settings.token_url,
                    settings.client_id,
                    settings.client_secret,
                    settings.scope,
                    retry=settings.retry,
                ),
                Throttle(limits.limit, limits.seconds, limits.concurrency),
            )
        token_provider, throttle = _shared[key]
        return token_provider, _budgets.get(key, throttle)


def use_budget(settings: ConnectionSettings, budget: CallBudget | None) -> CallBudget | None:
    """Make `budget` the one every client of this API client uses in this process (None: back
    to the process's own throttle); returns the budget it replaces."""
    key = _shared_key(settings)
    with _shared_lock:
        previous = _budgets.pop(key, None)
        if budget is not None:
            _budgets[key] = budget
        return previous


class CommercetoolsCredentials(NamedLoad, CredentialsBlock):
    """Connection to one commercetools project: API client credentials and throttling limits.

    Create an API client in the Merchant Center (Settings > Developer settings), copy its
    values here, save the block under a name, and pass that name to any flow of this collection.

    Example:
        Load a saved block and check the connection:
        ```python
        from blocks import CommercetoolsCredentials
        from flows import check_connection

        credentials = CommercetoolsCredentials.load("BLOCK_NAME")
        report = check_connection(credentials)
        print(report.project_name, report.scopes)
        ```
    """

    # Validation errors must never echo the raw input: it holds the client secret.
    model_config = ConfigDict(hide_input_in_errors=True)

    _block_type_name = "commercetools Credentials"
    _block_type_slug = "commercetools-credentials"
    _save_example: ClassVar[str] = (
        "CommercetoolsCredentials(api_url=..., client_id=..., client_secret=..., scope=...)"
    )
    _logo_url = "https://docs.commercetools.com/favicon.ico"
    _documentation_url = "https://docs.commercetools.com/api/authorization"
    _description = (
        "API client credentials and throttling limits for one commercetools project "
        "(API URL, Client ID, Client Secret, Scope)."
    )

    api_url: str = Field(
        default=...,
        title="API URL",
        description=(
            "Instance URL including the project key, e.g. "
            "https://api.europe-west1.gcp.commercetools.com/mystore."
        ),
        # The UI's block form checks this before it saves (Python gets our own message).
        json_schema_extra={"pattern": API_URL_PATTERN},
    )
    client_id: str = Field(
        default=..., title="Client ID", description="ID of the commercetools API client."
    )
    client_secret: SecretStr = Field(
        default=...,
        title="Client Secret",
        description="Secret of the API client; shown once when the client is created.",
    )
    scope: str = Field(
        default=...,
        title="Scope",
        description=(
            "Space-separated scopes granted to the API client, e.g. manage_project:mystore; "
            "each must name the project of the API URL."
        ),
    )
    api_key: Annotated[SecretStr | None, Shown()] = Field(
        default=None,
        title="API Key",
        description="Optional key sent on every API call, for a gateway in front of commercetools.",
    )
    api_key_header: str = Field(
        default="X-API-Key",
        title="API Key Header",
        description="HTTP header that carries the API Key when one is set.",
    )
    auth_url: Annotated[str | None, Shown()] = Field(
        default=None,
        title="Auth URL",
        description=(
            "OAuth host, e.g. https://auth.europe-west1.gcp.commercetools.com. Leave empty to "
            "derive it from the API URL (api.<region> becomes auth.<region>)."
        ),
    )
    api_throttle_limit: int = Field(
        default=DEFAULT_THROTTLE_LIMIT,
        title="API Throttle Limit",
        description=(
            f"Most API calls started per throttle window ({DEFAULT_THROTTLE_LIMIT} per second: "
            "well inside what a project serves beside its storefront)."
        ),
    )
    api_throttle_seconds: float = Field(
        default=DEFAULT_THROTTLE_SECONDS,
        title="API Throttle Seconds",
        description="Length of the throttle window, in seconds.",
    )
    concurrent_connections: int = Field(
        default=DEFAULT_CONCURRENT_CONNECTIONS,
        title="Concurrent Connections",
        description=(
            "Most API calls in flight at once, for every task of a run; also a full sync's "
            "default number of parallel partitions."
        ),
    )
    timeout_seconds: float = Field(
        default=30.0,
        title="Request Timeout (seconds)",
        description="How long one API call may take before it is retried.",
    )

    version: str = Field(
        default="v1.0",
        title="Version",
        description=(
            "Version of this integration's settings, as iPaaS subscriptions name it; "
            "leave it as it is."
        ),
    )

    @field_validator("api_key", "auth_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        """A field the UI's form left empty (or emptied) means: not set."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return value

    @model_validator(mode="after")
    def _validate_connection(self) -> CommercetoolsCredentials:
        self.connection_settings()
        return self

    def connection_settings(self, correlation_prefix: str | None = None) -> ConnectionSettings:
        """The engine's settings for this block; raises ValueError naming the field to fix."""
        try:
            throttle = ThrottleSettings(
                limit=self.api_throttle_limit,
                seconds=self.api_throttle_seconds,
                concurrency=self.concurrent_connections,
            )
            extra: dict[str, Any] = {}
            if correlation_prefix:
                extra["correlation_prefix"] = correlation_prefix
            return ConnectionSettings(
                api_url=self.api_url,
                client_id=self.client_id,
                client_secret=self.client_secret,
                scope=self.scope,
                auth_url=self.auth_url,
                api_key=self.api_key,
                api_key_header=self.api_key_header,
                version=self.version,
                throttle=throttle,
                timeout_seconds=self.timeout_seconds,
                **extra,
            )
        except ValidationError as error:
            raise ValueError(validation_message(error)) from None

    @property
    def project_key(self) -> str:
        return self.connection_settings().project_key

    def get_client(
        self,
        correlation_id_prefix: str | None = None,
        *,
        retry: RetrySettings | None = None,
        logger: logging.Logger | logging.LoggerAdapter[Any] | None = None,
    ) -> CommercetoolsClient:
        """A client that shares this process's token and throttle budget for this API client.

        Use it as `async with credentials.get_client() as client: ...`. `correlation_id_prefix`
        (e.g. the flow run id) starts every request's X-Correlation-ID; `retry` replaces the
        default retry policy (a connection check wants a quick answer, a sync patience);
        `logger` gets a warning per retry (a flow passes its run logger).
        """
        settings = self.connection_settings()
        token_provider, throttle = _shared_for(settings)
        if retry is not None:
            settings = settings.model_copy(update={"retry": retry})
        return CommercetoolsClient(
            settings,
            token_provider=token_provider,
            throttle=throttle,
            correlation_id_prefix=correlation_id_prefix,
            logger=logger,
        )
