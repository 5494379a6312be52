"""Run the async engine from the flows' tasks, which are plain functions on purpose.

Prefect 3.9 gives every run of an `async def` task in a worker thread a new API client, and with
it a new TLS context that loads the CA bundle, before the task's first line; a sync task skips
that (bench/RESULTS.md has the figures). A sync that starts two tasks, or a push that starts
twenty, paid it on every run, so the tasks are sync and each runs its engine coroutine on an
event loop of its own thread. The engine's token provider and
throttle are shared across event loops, so the tasks still share one budget.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from prefect import get_run_logger
from prefect.exceptions import MissingContextError

if TYPE_CHECKING:
    from blocks import CommercetoolsCredentials
    from ctsync.client.config import RetrySettings
    from ctsync.client.http import CommercetoolsClient

T = TypeVar("T")


def run_engine(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `work()` to completion on a fresh event loop and return its result.

    Called where a loop is already running (a task called from async code), the coroutine runs
    on a loop of a helper thread instead of failing.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop_running = False
    else:
        loop_running = True
    if not loop_running:
        # Outside the except block: an error of `work` would otherwise come chained to "no
        # running event loop", which reads like the cause.
        return asyncio.run(work())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ctsync-engine") as pool:
        return pool.submit(lambda: asyncio.run(work())).result()


def run_with_client(
    credentials: CommercetoolsCredentials,
    correlation_prefix: str | None,
    work: Callable[[CommercetoolsClient], Awaitable[T]],
    *,
    retry: RetrySettings | None = None,
) -> T:
    """`work(client)` with a client of the block (its process-wide token and throttle), run to
    completion by `run_engine`; the client is closed whatever happens."""

    logger = run_logger()

    async def main() -> T:
        async with credentials.get_client(correlation_prefix, retry=retry, logger=logger) as client:
            return await work(client)

    return run_engine(main)


def run_logger() -> logging.Logger | logging.LoggerAdapter[Any] | None:
    """The current task or flow run's logger (its lines reach the Prefect UI); None outside."""
    try:
        return get_run_logger()
    except MissingContextError:
        return None
