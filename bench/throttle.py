"""Measure 6: throttle accuracy, 20 calls per 1 s for 10 s of saturated calls to the sandbox.

The client is the engine's own (`CommercetoolsClient`), with a throttle that notes the time of
each admission: the promise is about when calls start, so that is what is checked.
"""

from __future__ import annotations

import asyncio
import bisect
import time

from bench.common import Figures, credentials
from ctsync.client.http import CommercetoolsClient
from ctsync.client.throttle import Throttle, ThrottleWait
from sandbox import Sandbox


class RecordingThrottle(Throttle):
    """The engine's throttle, recording the limiter's own admission times and, apart, when
    the caller resumes after admission (what an observer of the calls would see)."""

    def __init__(self, limit: int, seconds: float, concurrency: int) -> None:
        super().__init__(limit, seconds, concurrency)
        self.admitted: list[float] = []
        self.resumed: list[float] = []
        window = self.window
        admit_now = window._admit_now

        def recording_admit_now() -> tuple[float, list[float] | None]:
            wait, cell = admit_now()
            if cell is not None:
                self.admitted.append(cell[0])  # the admission (sending moves the cell later)
            return wait, cell

        window._admit_now = recording_admit_now  # type: ignore[method-assign]

    async def acquire(self) -> ThrottleWait:
        wait = await super().acquire()
        self.resumed.append(time.monotonic())
        return wait


def max_in_window(times: list[float], seconds: float) -> int:
    """The most admissions in any half-open window [t, t + seconds)."""
    ordered = sorted(times)
    return max(
        (bisect.bisect_left(ordered, t + seconds) - i for i, t in enumerate(ordered)), default=0
    )


async def saturate(
    sandbox: Sandbox, limit: int, seconds: float, duration: float, workers: int
) -> tuple[int, int, int, float, float]:
    """Calls admitted in the duration, most in any window at admission and as the callers
    resumed, calls/s, and the largest admission-to-resume lag; `workers` callers."""
    block = credentials(sandbox, limit=limit)
    throttle = RecordingThrottle(limit, seconds, block.concurrent_connections)
    client = CommercetoolsClient(block.connection_settings(), throttle=throttle)
    async with client:
        await client.token()  # the token request is not an API call: take it out of the clock
        started = time.monotonic()
        deadline = started + duration

        async def worker() -> None:
            while time.monotonic() < deadline:
                await client.query("customers", limit=1)

        await asyncio.gather(*(worker() for _ in range(workers)))
    inside = [t for t in throttle.admitted if started <= t < deadline]
    lag = max(r - a for a, r in zip(throttle.admitted, throttle.resumed, strict=True))
    most = max_in_window(throttle.admitted, seconds)
    seen = max_in_window(throttle.resumed, seconds)
    return len(inside), most, seen, len(inside) / duration, lag


def measure(
    sandbox: Sandbox, runs: int, limit: int = 20, seconds: float = 1.0, duration: float = 10.0
) -> Figures:
    figures = Figures()
    sandbox.clear_faults()
    for _ in range(runs):
        calls, most, seen, rate, lag = asyncio.run(
            saturate(sandbox, limit, seconds, duration, workers=50)
        )
        figures["calls"].add(calls)
        figures["max in window"].add(most)
        figures["max in window resumed"].add(seen)
        figures["rate"].add(rate)
        figures["lag ms"].add(lag * 1000)
    return figures
