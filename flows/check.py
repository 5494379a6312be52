"""`check_connection`: prove a credentials block works before any sync relies on it."""

from __future__ import annotations

import time
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event
from prefect.runtime import flow_run
from pydantic import BaseModel

from blocks import CommercetoolsCredentials
from blocks.resolve import resolve_credentials
from ctsync.client.auth import AccessToken
from ctsync.client.config import RetrySettings
from ctsync.client.errors import (
    AuthenticationError,
    CommercetoolsError,
    ConnectionFailed,
    NotFound,
    PermissionDenied,
)
from ctsync.client.http import CommercetoolsClient
from flows import _parameters as param
from flows._engine import run_with_client
from flows._naming import artifact_key, correlation_prefix_for_run
from flows._tags import TAG, project_tag, tag_flow_run

# A check should answer within seconds: a few quick retries, not a sync's patience.
QUICK_RETRY = RetrySettings(max_attempts=3, max_seconds=10, initial_backoff=0.5, max_backoff=2)


class ConnectionReport(BaseModel):
    """What a working connection looks like from the project's side."""

    project_key: str
    project_name: str
    api_url: str
    auth_url: str
    countries: list[str]
    currencies: list[str]
    languages: list[str]
    messages_enabled: bool
    scopes: list[str]
    token_expires_in_seconds: int
    api_calls: int
    duration_seconds: float


class ConnectionCheckFailed(Exception):
    """The connection does not work; the message says which setting to fix."""


def explain(error: CommercetoolsError, credentials: CommercetoolsCredentials) -> str:
    """Turn an engine error into the sentence a user acts on."""
    settings = credentials.connection_settings()
    key = settings.project_key
    if isinstance(error, ConnectionFailed):
        return f"Unreachable host: {error.message}"
    if isinstance(error, PermissionDenied):
        missing = error.missing_scope or f"view_project_settings:{key}"
        return (
            f"Missing scope: the API client may not read project {key!r} ({missing} is missing); "
            f"grant it in the Merchant Center or use manage_project:{key}. [{error}]"
        )
    if isinstance(error, NotFound):
        return (
            f"Unknown project: {settings.api_url} has no project {key!r}; check the project key "
            f"at the end of API URL. [{error}]"
        )
    if isinstance(error, AuthenticationError):
        at_token_url = error.path == settings.token_url
        if error.code == "invalid_client" or (
            at_token_url and error.status == 401 and not error.code
        ):
            return f"Wrong client credentials: {error.message}"
        if error.code == "invalid_scope":
            return f"Unknown project or scope not granted: {error.message}"
        if at_token_url:
            return f"Wrong auth URL: {error.message}"
        return f"Authentication failed: {error}"
    return f"Connection check failed: {error}"


@task(name="read-project", cache_policy=NO_CACHE)
def read_project(
    credentials: CommercetoolsCredentials, correlation_prefix: str | None = None
) -> ConnectionReport:
    """Mint a token and read the project resource, the two things every sync needs."""
    started = time.perf_counter()
    settings = credentials.connection_settings()

    async def read(client: CommercetoolsClient) -> tuple[AccessToken, dict[str, Any], int]:
        return await client.token(), await client.get_project(), client.stats.calls

    token, project, calls = run_with_client(
        credentials, correlation_prefix, read, retry=QUICK_RETRY
    )
    name = project.get("name")
    return ConnectionReport(
        project_key=str(project.get("key", settings.project_key)),
        project_name=str(name if name is not None else ""),
        api_url=settings.api_url,
        auth_url=settings.token_url.removesuffix("/oauth/token"),
        countries=list(project.get("countries", [])),
        currencies=list(project.get("currencies", [])),
        languages=list(project.get("languages", [])),
        messages_enabled=bool((project.get("messages") or {}).get("enabled", False)),
        scopes=token.scopes,
        token_expires_in_seconds=int(token.expires_in),
        api_calls=calls,
        duration_seconds=round(time.perf_counter() - started, 3),
    )


def _report_markdown(report: ConnectionReport) -> str:
    rows = [
        ("Project", f"{report.project_name} (`{report.project_key}`)"),
        ("API URL", report.api_url),
        ("Auth URL", report.auth_url),
        ("Countries", ", ".join(report.countries) or "none"),
        ("Currencies", ", ".join(report.currencies) or "none"),
        ("Languages", ", ".join(report.languages) or "none"),
        ("Messages enabled", "yes" if report.messages_enabled else "no"),
        ("Scopes granted", ", ".join(f"`{s}`" for s in report.scopes)),
        ("Token valid for", f"{report.token_expires_in_seconds} s"),
        ("Duration", f"{report.duration_seconds:.3f} s"),
    ]
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    return f"## commercetools connection OK\n\n| | |\n|---|---|\n{table}\n"


def _run_name() -> str:
    credentials = flow_run.parameters.get("credentials")
    if isinstance(credentials, CommercetoolsCredentials):
        return f"check-connection-{credentials.project_key}"
    return f"check-connection-{credentials}"


@flow(name="check-connection", flow_run_name=_run_name, log_prints=False)
def check_connection(credentials: param.Credentials) -> ConnectionReport:
    """Get a token, read the project and report what the API client sees and may do.

    Fails with a message that names the problem: wrong client credentials, wrong auth URL,
    unknown project, missing scope or unreachable host.
    """
    block = resolve_credentials(credentials)
    project_key = block.project_key
    tag_flow_run(TAG, project_tag(project_key))
    resource = {
        "prefect.resource.id": f"commercetools.{project_key}",
        "prefect.resource.name": project_key,
    }
    try:
        report = read_project.submit(block, correlation_prefix_for_run()).result()
    except CommercetoolsError as error:
        message = explain(error, block)
        emit_event(
            "commercetools.connection.failed",
            resource=resource,
            payload={"reason": message, "status": error.status, "code": error.code},
        )
        raise ConnectionCheckFailed(message) from None
    create_markdown_artifact(
        key=artifact_key(project_key, "connection"),
        markdown=_report_markdown(report),
        description=f"Connection check of commercetools project {project_key}",
    )
    emit_event(
        "commercetools.connection.checked",
        resource=resource,
        payload=report.model_dump(),
    )
    return report
