"""A push leaves what a pull leaves: table and summary artifacts and an outcome event."""

from __future__ import annotations

import asyncio

import pytest

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
