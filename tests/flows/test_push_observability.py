"""A push leaves what a pull leaves: table and summary artifacts and an outcome event."""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.client.schemas.sorting import LogSort

from flows.push import push_customers
from sandbox import Sandbox
from tests.flows.push_support import credentials_for, hub_in

from .test_sync import metrics, read_artifact, read_events

pytestmark = pytest.mark.sandbox


async def test_push_publishes_table_summary_and_event(tmp_path) -> None:
    drafts = [
        {"key": f"obs-{i}", "email": f"obs{i}@example.com", "firstName": "A"} for i in range(7)
    ]
    drafts.append({"key": "obs-bad", "email": "not-an-email-at-all"})
    with Sandbox(seed=None) as sandbox:
        report = await asyncio.to_thread(
            push_customers, credentials_for(sandbox), source=drafts, hub=hub_in(tmp_path)
        )
        project = sandbox.project_key
    assert report.created == 7 and report.failed == 1 and report.flow_run_id
    key = f"ct-{project}-push-customers"
    table = await read_artifact(key, report.flow_run_id)
    shown = metrics(table)
    assert (shown["created"], shown["failed"], shown["source"]) == (7, 1, "8 drafts from Python")
    summary = await read_artifact(f"{key}-summary", report.flow_run_id)
    assert "push customers" in summary.data and "First failures (1 in dead letters)" in summary.data
    events = await read_events(
        "commercetools.push.completed", f"commercetools.{project}.customers", report.flow_run_id
    )
    assert events and events[0]["payload"]["created"] == 7


async def warnings_of(flow_run_id: str, at_least: int) -> list[str]:
    """The WARNING messages of a flow run's logs, once `at_least` of them arrived."""
    found: list[str] = []
    async with get_client() as client:
        for _ in range(100):
            logs = await client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(flow_run_id)])),
                sort=LogSort.TIMESTAMP_ASC,
            )
            found = [log.message for log in logs if log.level == logging.WARNING]
            if len(found) >= at_least:
                break
            await asyncio.sleep(0.2)
    return found


async def test_failed_rows_are_logged_as_warnings_with_line_and_reason(blank, tmp_path) -> None:
    drafts = [{"key": "fine-1", "email": "fine1@example.com"}]
    drafts += [{"key": f"bad-{i}", "email": f"not-an-email-{i}"} for i in range(23)]
    drafts.append({"key": "fine-1", "email": "again@example.com"})  # line 25: the same record
    report = await asyncio.to_thread(
        push_customers, credentials_for(blank), source=drafts, hub=hub_in(tmp_path)
    )
    assert (report.created, report.failed) == (1, 24) and report.flow_run_id
    warnings = await warnings_of(report.flow_run_id, 21)
    failed = [w for w in warnings if w.startswith("Failed ")]
    # The first 20 failures, each with its line and why, then one line with the count of the
    # rest: line 25's duplicate is among the rest (validation failures come first).
    assert len(failed) == 20
    assert failed[0].startswith("Failed line 2: email: ") and failed[19].startswith(
        "Failed line 21: email: "
    )
    assert "... and 4 more failed rows (the hub's dead letters keep every one)" in warnings
