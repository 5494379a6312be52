"""Pull syncs under injected faults: each run ends complete, or failed with a clear reason, and the
hub always equals commercetools once a run completes."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL

from blocks import CommercetoolsCredentials, HubDatabase
from ctsync.hub import Watermark
from ctsync.run.report import RunFailed
from flows.sync import sync_customers
from sandbox import Sandbox
from sandbox.seed import customers_only

from .test_sync import hub_documents, hub_in, log_lines, source

pytestmark = pytest.mark.sandbox

CUSTOMERS = 3_000


def credentials_for(sandbox: Sandbox, **changes: object) -> CommercetoolsCredentials:
    fields: dict[str, object] = {
        "api_url": sandbox.api_url,
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "scope": sandbox.scope,
    }
    return CommercetoolsCredentials(**{**fields, **changes})


@pytest.fixture(scope="module")
def faulty() -> Iterator[Sandbox]:
    """One sandbox for this module, 3 000 customers, faults cleared around each test."""
    with Sandbox(seed=None) as sandbox:
        sandbox.load({"customer": customers_only(CUSTOMERS, seed=11)})
        yield sandbox


@pytest.fixture
def sandbox_f(faulty: Sandbox) -> Iterator[Sandbox]:
    faulty.clear_faults()
    faulty.reset_stats()
    yield faulty
    faulty.clear_faults()


def revoke_after(sandbox: Sandbox, requests: int) -> threading.Thread:
    """Revoke every token once the sandbox has answered `requests` API calls."""

    def watch() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if sandbox.stats()["requests"] >= requests:
                sandbox.revoke_tokens()
                return
            time.sleep(0.01)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


FAULTS = {
    "429 storm with Retry-After": [{"status": 429, "count": 5, "retry_after": 1}],
    "502 and 503 bursts": [{"status": 503, "count": 3}, {"status": 502, "count": 2}],
    "dropped connections": [{"drop": True, "count": 4}],
    "latency above the request timeout": [{"latency_ms": 2500, "count": 2}],
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_run_completes_through_transient_faults(sandbox_f, tmp_path, name) -> None:
    for rule in FAULTS[name]:
        sandbox_f.inject(path="/customers", **rule)
    credentials = credentials_for(sandbox_f, timeout_seconds=1.0)
    report = sync_customers(
        credentials, hub=hub_in(tmp_path), mode="full", partitions=3, page_size=100
    )
    injected = sum(rule["count"] for rule in FAULTS[name])
    assert report.status == "completed"
    assert report.retries == injected, report
    assert sum(f["served"] for f in sandbox_f.faults()) == injected
    assert hub_documents(hub_in(tmp_path), sandbox_f.project_key, "customers") == source(
        sandbox_f, "customers"
    )


def test_each_retry_is_a_warning_in_the_runs_logs(sandbox_f, tmp_path) -> None:
    sandbox_f.inject(503, count=2, path="/customers")
    report = sync_customers(credentials_for(sandbox_f), hub=hub_in(tmp_path), mode="full")
    assert report.retries == 2 and report.flow_run_id
    lines = asyncio.run(log_lines(report.flow_run_id, count=2, start=("GET /customers",)))
    warnings = [line for line in lines if line.startswith("GET /customers")]
    assert len(warnings) == 2, lines
    for line in warnings:
        assert re.search(r": HTTP 503 on attempt [12]/6, retrying in [\d.]+ s ", line), line
        assert f"(correlation id prefect-{report.flow_run_id}-" in line, line


def test_run_completes_when_all_tokens_are_revoked_mid_run(sandbox_f, tmp_path) -> None:
    sandbox_f.inject(latency_ms=30, count=None, path="/customers")  # keep the run going a while
    watcher = revoke_after(sandbox_f, requests=8)
    report = sync_customers(
        credentials_for(sandbox_f), hub=hub_in(tmp_path), mode="full", partitions=3, page_size=100
    )
    watcher.join(5)
    assert report.status == "completed"
    assert report.token_remints >= 1
    assert report.fetched == report.inserted == CUSTOMERS
    assert hub_documents(hub_in(tmp_path), sandbox_f.project_key, "customers") == source(
        sandbox_f, "customers"
    )


def test_exhausted_retries_fail_clearly_and_the_next_run_completes(sandbox_f, tmp_path) -> None:
    hub = hub_in(tmp_path)
    credentials = credentials_for(sandbox_f)
    # A delta from a watermark before every record (a `since` would not move the watermark).
    watermark = Watermark("2025-01-01T00:00:00.000Z", "")
    hub.get_store().states.save(sandbox_f.project_key, "customers", watermark=watermark)
    # Once the delta's cursor passes 00:05 (a third of the data), every page answers 503.
    sandbox_f.inject(
        503, count=None, path=r"//customers\?.*var\.since=2026-01-01T00(:|%3A)(0[5-9]|1)/"
    )
    with pytest.raises(RunFailed) as caught:
        sync_customers(credentials, hub=hub, page_size=100, settle=0)
    report = caught.value.report
    assert report is not None and report.error
    for part in ("503", "ServiceUnavailable", "correlation id", "gave up after 6 attempts"):
        assert part in report.error
    store = hub.get_store()
    state = store.states.get(sandbox_f.project_key, "customers")
    assert state is not None and state.watermark is not None
    committed = [
        (r.last_modified_at, r.id)
        for r in store.records.iterate(sandbox_f.project_key, "customers")
    ]
    assert 0 < len(committed) < CUSTOMERS and len(committed) == report.inserted
    # The watermark is the last committed record: never ahead of what the hub holds.
    assert (state.watermark.last_modified_at, state.watermark.id) == max(committed)

    sandbox_f.clear_faults()
    again = sync_customers(credentials, hub=hub, page_size=100, settle=0)
    assert again.mode == "delta" and again.inserted == CUSTOMERS - len(committed)
    assert hub_documents(hub, sandbox_f.project_key, "customers") == source(sandbox_f, "customers")


KILLED_RUN = textwrap.dedent(
    """
    import sys
    from blocks import CommercetoolsCredentials, HubDatabase
    from flows.sync import sync_customers

    api_url, secret, hub_url = sys.argv[1:4]
    credentials = CommercetoolsCredentials(
        api_url=api_url, client_id="sandbox-client", client_secret=secret,
        scope="manage_project:sandbox",
    )
    sync_customers(credentials, hub=HubDatabase(url=hub_url), mode="full", partitions=2,
                   page_size=100)
    """
)


def test_sigkill_mid_run_then_rerun_is_complete_without_duplicates(sandbox_f, hub_url) -> None:
    """On SQLite and PostgreSQL; the rerun also takes over the lock the killed run left."""
    hub = HubDatabase(url=hub_url)
    sandbox_f.inject(latency_ms=150, count=None, path="/customers")
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLED_RUN,
            sandbox_f.api_url,
            sandbox_f.client_secret,
            hub_url,
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    store = hub.get_store()
    try:
        deadline = time.monotonic() + 90
        # exact: the run may not have put its project into the hub yet
        while store.exact.records.count(sandbox_f.project_key, "customers") < 400:
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run never committed 400 records"
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    killed_at = store.records.count(sandbox_f.project_key, "customers")
    assert killed_at < CUSTOMERS
    state = store.states.get(sandbox_f.project_key, "customers")
    assert state is not None and state.watermark is None and state.cursor is not None

    sandbox_f.clear_faults()
    resumed = sync_customers(credentials_for(sandbox_f), hub=hub, mode="full", partitions=2)
    assert resumed.resumed
    assert store.records.count(sandbox_f.project_key, "customers") == CUSTOMERS
    assert resumed.inserted == CUSTOMERS - killed_at
    assert hub_documents(hub, sandbox_f.project_key, "customers") == source(sandbox_f, "customers")
