"""Client-side throttling: a calls-per-window limit and a cap on connections in flight.

Both are safe to share between event loops and threads, because Prefect runs tasks on worker
threads, each with its own loop, and every task of a process must share one budget. Waiting happens
with the caller's own `sleep`, so tests drive the limiter with a fake clock.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


WINDOW_LAG_SECONDS = 0.05
"""Held on top of each call's window (and its margin), from when it was sent: a call reaches
commercetools, which counts arrivals, a little after it leaves, and that lag varies from call
to call (the network, the server's own queue): two calls a window apart when sent must not
arrive closer than that. The same for a process's budget and a cluster's."""


class WindowLimiter:
    """At most `limit` calls in any half-open window of `seconds`, counted when they are sent.

    A call is admitted under a lock and holds its place until one window after it was sent
    (`sent`), or after its admission when nobody says: a call that waits between admission and
    the wire (a new connection, a TLS handshake, a thread waiting for the GIL) would otherwise
    let the next window's calls arrive within one window of it, and commercetools counts
    arrivals. Each window is kept 0.5 % longer than asked, and `lag` (WINDOW_LAG_SECONDS) on
    top, for the way from the wire to where the calls are counted.
    """

    MARGIN = 0.005

    def __init__(
        self,
        limit: int,
        seconds: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep | None = None,
        lag: float = WINDOW_LAG_SECONDS,
    ) -> None:
        self.limit = limit
        self.seconds = seconds
        self._hold = seconds * (1 + self.MARGIN) + lag
        self._clock = clock
        self._sleep = sleep or asyncio.sleep
        self._held: list[list[float]] = []
        """One cell per call in the window: [the time it counts from, 1.0 once sent]."""
        self._lock = threading.Lock()

    def _try_admit(self) -> float:
        """Admit now and return 0, or return how long to wait before trying again."""
        wait, _ = self._admit_now()
        return wait

    def _admit_now(self) -> tuple[float, list[float] | None]:
        with self._lock:
            now = self._clock()
            hold = self._hold
            if len(self._held) >= self.limit:
                self._held = [cell for cell in self._held if cell[0] + hold > now]
                if len(self._held) >= self.limit:
                    return min(cell[0] for cell in self._held) + hold - now, None
            cell = [now, 0.0]
            self._held.append(cell)
            return 0.0, cell

    async def acquire(self) -> float:
        """Wait until a call may start; return the seconds waited."""
        waited, _ = await self.admit()
        return waited

    async def admit(self) -> tuple[float, Callable[[], None]]:
        """Wait until a call may start; return the seconds waited and what to call once the
        call is on the wire (its window then counts from there; later calls change nothing)."""
        waited = 0.0
        while True:
            wait, cell = self._admit_now()
            if cell is not None:
                return waited, functools.partial(self._sent, cell)
            await self._sleep(wait)
            waited += wait

    def _sent(self, cell: list[float]) -> None:
        with self._lock:
            if not cell[1]:  # the first word counts (the trace); the response's comes later
                cell[0] = max(cell[0], self._clock())
                cell[1] = 1.0


class SharedSemaphore:
    """A counting semaphore whose waiters may sit on different event loops or threads."""

    def __init__(self, value: int) -> None:
        self._value = value
        self._in_use = 0
        self._waiters: deque[concurrent.futures.Future[None]] = deque()
        self._lock = threading.Lock()

    @property
    def in_use(self) -> int:
        """Slots held right now."""
        return self._in_use

    async def acquire(self) -> bool:
        """Take a slot; return True when the caller had to wait for it."""
        with self._lock:
            if self._value > 0 and not self._waiters:
                self._value -= 1
                self._in_use += 1
                return False
            waiter: concurrent.futures.Future[None] = concurrent.futures.Future()
            self._waiters.append(waiter)
        try:
            await asyncio.wrap_future(waiter)
        except asyncio.CancelledError:
            # Granted in the instant we were cancelled: hand the slot on instead of leaking it.
            if waiter.done() and not waiter.cancelled():
                self.release()
            raise
        return True

    def release(self) -> None:
        with self._lock:
            while self._waiters:
                waiter = self._waiters.popleft()
                if waiter.set_running_or_notify_cancel():
                    waiter.set_result(None)
                    return
            self._value += 1
            self._in_use -= 1


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class ThrottleWait:
    """How long one call waited before it could start, for the run's counters, and what to
    call once it is on the wire (a window counted from the send, not from the admission)."""

    seconds: float
    waited: bool
    sent: Callable[[], None] = _nothing


class CallBudget(Protocol):
    """What the client asks of a throttle: this process's `Throttle`, or a cluster's
    (`ctsync.client.cluster_throttle.ClusterThrottle`) when a run's partitions leave the process."""

    concurrency: int

    async def acquire(self) -> ThrottleWait: ...

    def release(self) -> None: ...


class Throttle:
    """The block's throttling settings applied to every call of a process."""

    def __init__(
        self,
        limit: int,
        seconds: float,
        concurrency: int,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep | None = None,
    ) -> None:
        self._clock = clock
        self.window = WindowLimiter(limit, seconds, clock=clock, sleep=sleep)
        self.connections = SharedSemaphore(concurrency)
        self.concurrency = concurrency

    async def acquire(self) -> ThrottleWait:
        """Take a connection slot, then a place in the window; give the slot back with `release`.

        The slot comes first: a call admitted to the window and then left waiting for a connection
        would start later than its admission and could crowd a later window.
        """
        started = self._clock()
        waited_for_connection = await self.connections.acquire()
        try:
            window_wait, sent = await self.window.admit()
        except BaseException:
            self.connections.release()
            raise
        return ThrottleWait(
            seconds=max(0.0, self._clock() - started),
            waited=waited_for_connection or window_wait > 0,
            sent=sent,
        )

    def release(self) -> None:
        self.connections.release()
