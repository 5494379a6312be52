"""Client-side throttling: a calls-per-window limit and a cap on connections in flight.

Both are safe to share between event loops and threads, because Prefect runs tasks on worker
threads, each with its own loop, and every task of a process must share one budget. Waiting happens
with the caller's own `sleep`, so tests drive the limiter with a fake clock.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class WindowLimiter:
    """At most `limit` admissions in any half-open window of `seconds`.

    Admission times are recorded under a lock at the moment they are granted, so the guarantee is
    about the times calls really start, not about times reserved in advance. Each window is kept
    0.5 % longer than asked: a call reaches the wire (and commercetools) a little after its
    admission, and that lag must not let an observer count one call too many.
    """

    MARGIN = 0.005

    def __init__(
        self,
        limit: int,
        seconds: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep | None = None,
    ) -> None:
        self.limit = limit
        self.seconds = seconds
        self._clock = clock
        self._sleep = sleep or asyncio.sleep
        self._admitted: deque[float] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def _try_admit(self) -> float:
        """Admit now and return 0, or return how long to wait before trying again."""
        with self._lock:
            now = self._clock()
            if len(self._admitted) == self.limit:
                wait = self._admitted[0] + self.seconds * (1 + self.MARGIN) - now
                if wait > 0:
                    return wait
            self._admitted.append(now)
            return 0.0

    async def acquire(self) -> float:
        """Wait until a call may start; return the seconds waited."""
        waited = 0.0
        while (wait := self._try_admit()) > 0:
            await self._sleep(wait)
            waited += wait
        return waited


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


@dataclass(frozen=True)
class ThrottleWait:
    """How long one call waited before it could start, for the run's counters."""

    seconds: float
    waited: bool


class CallBudget(Protocol):
    """What the client asks of a throttle: this process's `Throttle`, or a cluster's
    (`ctsync.cluster_throttle.ClusterThrottle`) when a run's partitions leave the process."""

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
            window_wait = await self.window.acquire()
        except BaseException:
            self.connections.release()
            raise
        return ThrottleWait(
            seconds=max(0.0, self._clock() - started),
            waited=waited_for_connection or window_wait > 0,
        )

    def release(self) -> None:
        self.connections.release()
