"""A temporary Prefect server for one process (the demo), stopped once it has recorded the runs.

With no PREFECT_API_URL, Prefect starts a temporary server on first use and stops it at exit
(SIGTERM). Task runs reach a server as events, which its task-run recorder writes one at a time
after the fact: a busy run leaves it a backlog, and stopped with one it cancels the write in
progress, logs "Error flushing 1 events" with a traceback, and never records the rest. Here the
process starts that server itself (the one Prefect would start: clients and the events worker
use it as theirs) and, before stopping it, sends every event still queued and waits until the
server has recorded every task run of the runs started meanwhile.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.objects import StateType
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import get_current_settings
from prefect.utilities.asyncutils import run_coro_as_sync

logger = logging.getLogger(__name__)

UNFINISHED = [StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING, StateType.PAUSED]
QUIET_SECONDS = 1.5
"""How long the recorded task runs must hold still (all final, none added) to count as done:
longer than the recorder takes for one event, so a backlog shows as a change."""
POLL_SECONDS = 0.5


@contextmanager
def temporary_prefect(timeout: float = 120) -> Iterator[None]:
    """Prefect's temporary server for the block, unless PREFECT_API_URL names a server; stopped
    only once it has recorded the task runs of the flow runs started in the block (at most
    `timeout` seconds of waiting)."""
    if get_current_settings().api.url:
        yield  # the user's server: it outlives this process, nothing to wait for
        return
    server = SubprocessASGIServer()  # per-port singleton: the one get_client() would start
    server.start()
    since = datetime.now(UTC)
    try:
        yield
        send_queued(timeout)  # everything still queued reaches the server before it stops
        with get_client(sync_client=True) as client:
            wait_until_recorded(client, since, timeout)
    finally:
        server.stop()


def send_queued(timeout: float) -> None:
    """Send what Prefect's log and events workers of this process hold (at most `timeout`
    seconds each), then stop them; the next log or event starts them again, bound to the server
    current then. Works under a running event loop too (Playwright's sync API)."""

    async def drain() -> None:
        for worker in (APILogWorker, EventsWorker):
            result = worker.drain_all(timeout=timeout, at_exit=False)
            if inspect.isawaitable(result):
                await result

    run_coro_as_sync(drain())


def wait_until_recorded(client: SyncPrefectClient, since: datetime, timeout: float) -> bool:
    """Poll until the task runs of flow runs started since `since` are all final and their
    number stays the same for QUIET_SECONDS; False when `timeout` ran out first."""
    deadline = time.monotonic() + timeout
    previous: tuple[int, int] | None = None
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        counts = (_count(client, since), _count(client, since, UNFINISHED))
        if counts != previous:
            previous, quiet_since = counts, time.monotonic()
        elif counts[1] == 0 and time.monotonic() - quiet_since >= QUIET_SECONDS:
            return True
        time.sleep(POLL_SECONDS)
    logger.warning(
        "The temporary Prefect server had not recorded every task run after %s s", timeout
    )
    return False


def _count(
    client: SyncPrefectClient, since: datetime, states: list[StateType] | None = None
) -> int:
    body: dict[str, Any] = {"flow_runs": {"start_time": {"after_": since.isoformat()}}}
    if states is not None:
        body["task_runs"] = {"state": {"type": {"any_": [state.value for state in states]}}}
    response = client.request("POST", "/task_runs/count", json=body)
    response.raise_for_status()
    return int(response.json())
