"""No client secret, token or API key reaches anything a run leaves behind.

Runs the flows that handle credentials (a connection check that works and one that fails, a pull
that completes and one that fails, a push), then collects what they wrote: local log records, the
Prefect server's logs, artifacts, events, flow and task run states and parameters, the exceptions
raised, and the blocks' reprs; none may contain a secret value.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from prefect.client.orchestration import get_client

from blocks import CommercetoolsCredentials, HubDatabase
from ctsync.run.report import RunFailed
from flows import ConnectionCheckFailed, check_connection, push_customers
from flows.sync import sync_customers
from sandbox import Sandbox
from sandbox.seed import customers_only

pytestmark = pytest.mark.sandbox

SECRET = "client-secret-SENTINEL-7f3a"
WRONG_SECRET = "wrong-secret-SENTINEL-91bc"
API_KEY = "api-key-SENTINEL-55d0"


@pytest.fixture(scope="module")
def secret_sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=None, client_secret=SECRET) as sandbox:
        sandbox.load({"customer": customers_only(120, seed=5)})
        yield sandbox


def credentials(sandbox: Sandbox, secret: str = SECRET) -> CommercetoolsCredentials:
    return CommercetoolsCredentials(
        api_url=sandbox.api_url,
        client_id=sandbox.client_id,
        client_secret=secret,
        scope=sandbox.scope,
        api_key=API_KEY,
    )


async def read_all(read: Any) -> list[Any]:
    """Every row of a Prefect API listing, 200 (the server's maximum) at a time."""
    rows: list[Any] = []
    while True:
        page = await read(limit=200, offset=len(rows))
        rows += page
        if len(page) < 200:
            return rows


async def everything_the_server_holds() -> str:
    async with get_client() as client:
        logs = await read_all(client.read_logs)
        artifacts = await read_all(client.read_artifacts)
        flow_runs = await read_all(client.read_flow_runs)
        task_runs = await read_all(client.read_task_runs)
        response = await client._client.post(
            "/events/filter",
            json={"filter": {"occurred": {"since": "2026-01-01T00:00:00Z"}}, "limit": 50},
        )
        events = response.json()["events"]
        next_page = response.json().get("next_page")
        while next_page:  # events page by a link, not by offset
            response = await client._client.get(next_page)
            events += response.json()["events"]
            next_page = response.json().get("next_page")
    parts: list[Any] = [log.message for log in logs]
    parts += [(a.key, a.description, a.data) for a in artifacts]
    parts += [(r.name, r.parameters, r.state.message if r.state else None) for r in flow_runs]
    parts += [(r.name, r.state.message if r.state else None) for r in task_runs]
    parts.append(events)
    return json.dumps(parts, default=str)


async def test_no_secret_in_anything_a_run_leaves(secret_sandbox, tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    good = credentials(secret_sandbox)
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    raised: list[BaseException] = []

    def run_everything() -> None:
        check_connection(good)
        secret_sandbox.revoke_tokens()  # the 401, re-mint and resend path runs too
        sync_customers(good, hub=hub, mode="full")
        push_customers(
            good,
            source=[{"key": "sentinel-1", "email": "sentinel-1@example.com", "firstName": "A"}],
            hub=hub,
        )
        for failing in (
            lambda: check_connection(credentials(secret_sandbox, WRONG_SECRET)),
            lambda: sync_customers(credentials(secret_sandbox, WRONG_SECRET), hub=hub),
        ):
            try:
                failing()
            except (ConnectionCheckFailed, RunFailed) as error:
                raised.append(error)

    await asyncio.to_thread(run_everything)
    assert len(raised) == 2
    token = good.get_client().token_provider.cached
    assert token is not None

    collected = "\n".join(
        [
            caplog.text,
            await everything_the_server_holds(),
            *(f"{error!s} {error!r} {getattr(error, 'report', '')!r}" for error in raised),
            repr(good),
            str(good),
            good.model_dump_json(),
            repr(good.get_client()),
            repr(hub),
            repr(hub.get_store()),
        ]
    )
    assert "check-connection" in collected and "ct-sandbox-customers" in collected
    assert "commercetools.sync.completed" in collected and "commercetools.push" in collected
    for secret in (SECRET, WRONG_SECRET, API_KEY, token.value):
        assert secret not in collected
