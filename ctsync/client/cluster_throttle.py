"""The block's throttle for every process of a Dask cluster: one budget, whatever the workers.

Both limits become leases of two semaphores that live on the Dask scheduler
(`distributed.Semaphore`), the one place every worker, and the flow's own process, reach:

- Concurrent Connections: a lease per call in flight, given back when its response is read.
- API Throttle Limit per window: a sliding window of `limit` calls in `seconds` is the same as a
  semaphore of `limit` leases each held for `seconds` after its call started; so a call takes a
  lease and gives it back one window (plus a margin) later.

A lease of a worker that dies is returned by the scheduler after its lease timeout, so a dead
worker shrinks the budget for a while and never enlarges it. Budget left by a finished
partition is simply there for the others to take.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ctsync.client.throttle import WINDOW_LAG_SECONDS, ThrottleWait, WindowLimiter


@dataclass(frozen=True)
class ClusterThrottleSpec:
    """What a worker needs to join a run's budget: the semaphores' names and the limits."""

    name: str
    limit: int
    seconds: float
    concurrency: int

    @property
    def hold_seconds(self) -> float:
        return self.seconds * (1 + WindowLimiter.MARGIN) + WINDOW_LAG_SECONDS


class _Releaser:
    """One daemon thread per process that gives leases back when they are due."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Callable[[], Any]]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def after(self, delay: float, release: Callable[[], Any]) -> None:
        with self._wake:
            heapq.heappush(self._due, (time.monotonic() + delay, next(self._order), release))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="ctsync-lease-release", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._due or self._due[0][0] > time.monotonic():
                    timeout = self._due[0][0] - time.monotonic() if self._due else None
                    self._wake.wait(timeout)
                _, _, release = heapq.heappop(self._due)
            try:
                release()
            except Exception:  # the scheduler returns the lease after its timeout anyway
                pass


_releaser = _Releaser()


class ClusterThrottle:
    """`Throttle`'s contract (acquire, then release once the response is read) across a cluster.

    `scheduler_rpc` and `loop` are those of the Dask client or worker of this process.
    """

    def __init__(self, spec: ClusterThrottleSpec, *, scheduler_rpc: Any, loop: Any) -> None:
        from distributed import Semaphore

        self.spec = spec
        self.concurrency = spec.concurrency
        self._connections = Semaphore(
            spec.concurrency,
            name=f"{spec.name}-connections",
            scheduler_rpc=scheduler_rpc,
            loop=loop,
        )
        self._window = Semaphore(
            spec.limit, name=f"{spec.name}-window", scheduler_rpc=scheduler_rpc, loop=loop
        )

    async def acquire(self) -> ThrottleWait:
        """Take a connection lease, then a window lease (given back one window later)."""
        started = time.monotonic()
        waited_for_connection = await _take(self._connections)
        try:
            waited_for_window = await _take(self._window)
        except BaseException:
            _releaser.after(0.0, self._connections.release)
            raise
        _releaser.after(self.spec.hold_seconds, self._window.release)
        return ThrottleWait(
            seconds=max(0.0, time.monotonic() - started),
            waited=waited_for_connection or waited_for_window,
        )

    def release(self) -> None:
        """The call's response is read: its connection lease goes back (off this thread)."""
        _releaser.after(0.0, self._connections.release)

    def close(self) -> None:
        """Stop refreshing this process's leases (the semaphores stay on the scheduler)."""
        for semaphore in (self._connections, self._window):
            refresh = getattr(semaphore, "refresh_callback", None)
            if refresh is not None:
                refresh.stop()


async def _take(semaphore: Any) -> bool:
    """Acquire one lease without blocking this event loop or a thread; True when it waited.

    The acquire runs as a coroutine on the Dask client's (or worker's) own loop, where the
    semaphore lives; a thread per waiter would starve: waiters for a connection would hold
    every thread while the calls that have one wait for a thread to take a window lease.
    """
    if await _acquire(semaphore, at_once=True):
        return False
    await _acquire(semaphore, at_once=False)
    return True


async def _acquire(semaphore: Any, *, at_once: bool) -> bool:
    """One acquire on the semaphore's loop: now or never (`at_once`), or until granted.
    Should the caller be cancelled meanwhile, a lease still granted is given straight back."""
    request = asyncio.run_coroutine_threadsafe(
        semaphore._acquire(timeout=0 if at_once else None), semaphore.loop.asyncio_loop
    )
    try:
        return bool(await asyncio.shield(asyncio.wrap_future(request)))
    except asyncio.CancelledError:
        request.add_done_callback(
            lambda done: (
                done.cancelled()
                or done.exception() is not None
                or not done.result()
                or _releaser.after(0.0, semaphore.release)
            )
        )
        raise
