"""No client secret, token or API key reaches a log line, local or on the Prefect server."""

from __future__ import annotations

import logging

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.client.schemas.objects import FlowRun

from flows import ConnectionCheckFailed, check_connection

from .test_check_connection import credentials_for

pytestmark = pytest.mark.sandbox


async def server_logs(flow_run_ids: list) -> str:
    async with get_client() as client:
        logs = await client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=flow_run_ids))
        )
    return "\n".join(log.message for log in logs)


async def flow_runs() -> list[FlowRun]:
    async with get_client() as client:
        return await client.read_flow_runs()


async def test_secrets_never_logged(sandbox, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    good = credentials_for(sandbox, api_key="api-key-SENTINEL-1")
    wrong = credentials_for(sandbox, client_secret="wrong-secret-SENTINEL-2")
    before = {run.id for run in await flow_runs()}

    check_connection(good)
    sandbox.revoke_tokens()  # the next run meets a 401 and re-mints: that path is logged too
    check_connection(good)
    with pytest.raises(ConnectionCheckFailed):
        check_connection(wrong)

    token = good.get_client().token_provider.cached
    assert token is not None
    runs = [run for run in await flow_runs() if run.id not in before]
    assert len(runs) == 3
    captured = caplog.text + "\n" + await server_logs([run.id for run in runs])
    states = "\n".join(str(run.state.message) for run in runs if run.state)
    assert "check-connection" in captured  # the logs were really collected
    for secret in (
        sandbox.client_secret,
        "wrong-secret-SENTINEL-2",
        "api-key-SENTINEL-1",
        token.value,
    ):
        assert secret not in captured
        assert secret not in states
