"""The throttle: never more than Limit calls per window, never more than N in flight."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from ctsync.client.throttle import SharedSemaphore, Throttle, WindowLimiter


def max_in_any_window(times: list[float], seconds: float) -> int:
    """Most timestamps inside any half-open window [t, t + seconds)."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_window_admits_limit_per_window_and_no_more(vclock) -> None:
    limiter = WindowLimiter(5, 1.0, clock=vclock, sleep=vclock.sleep)
    admitted: list[float] = []

    async def call() -> None:
        await limiter.acquire()
        admitted.append(vclock.now)

    await vclock.run(*(call() for _ in range(100)))

    assert len(admitted) == 100
    assert max_in_any_window(admitted, 1.0) == 5
    # The limit is also reached: 100 calls at 5 per second take 19 windows after the first, each
    # 0.5 % longer and 50 ms more for the way from the wire to where calls are counted.
    assert max(admitted) == pytest.approx(19 * (1.005 + 0.05))


async def test_window_with_fractional_seconds(vclock) -> None:
    limiter = WindowLimiter(3, 0.25, clock=vclock, sleep=vclock.sleep)
    admitted: list[float] = []

    async def call() -> None:
        await limiter.acquire()
        admitted.append(vclock.now)

    await vclock.run(*(call() for _ in range(30)))
    assert max_in_any_window(admitted, 0.25) == 3
    assert max(admitted) == pytest.approx(9 * (0.25 * 1.005 + 0.05))


async def test_a_window_counts_from_when_a_call_was_sent(vclock) -> None:
    """Calls that reach the wire late (a new connection, a thread waiting for the GIL) push the
    next window back: what commercetools counts are arrivals, not admissions."""
    limiter = WindowLimiter(3, 1.0, clock=vclock, sleep=vclock.sleep)
    sent: list[float] = []

    async def call(lag: float) -> None:
        _, on_the_wire = await limiter.admit()
        await vclock.sleep(lag)  # between admission and the wire
        on_the_wire()
        sent.append(vclock.now)
        await vclock.sleep(0.3)  # the response
        on_the_wire()  # told again (the response): counts from the first, the send

    await vclock.run(*(call(lag) for lag in (0.0, 0.4, 0.0, 0.0, 0.4, 0.0, 0.0)))
    assert len(sent) == 7
    assert max_in_any_window(sent, 1.0) == 3
    # The 4th waits for the 1st (sent at 0), the 5th for the 2nd, sent 0.4 s late: 1.4 s (each
    # plus the margin and the 50 ms lag); never for a response (0.3 s after each send).
    assert sorted(sent)[3] == pytest.approx(1.055)
    assert sorted(sent)[4] == pytest.approx(1.455)


async def test_acquire_reports_time_waited(vclock) -> None:
    limiter = WindowLimiter(2, 10.0, clock=vclock, sleep=vclock.sleep)
    waits = await vclock.run(limiter.acquire(), limiter.acquire(), limiter.acquire())
    assert sorted(waits) == [0.0, 0.0, pytest.approx(10.05 + 0.05)]


async def test_concurrency_cap_holds_and_is_used(vclock) -> None:
    throttle = Throttle(1000, 1.0, 3, clock=vclock, sleep=vclock.sleep)
    in_flight = 0
    peak = 0

    async def call() -> None:
        nonlocal in_flight, peak
        await throttle.acquire()
        in_flight += 1
        peak = max(peak, in_flight)
        await vclock.sleep(0.5)
        in_flight -= 1
        throttle.release()

    await vclock.run(*(call() for _ in range(20)))
    assert peak == 3
    # 20 calls of 0.5 s, three at a time: seven rounds.
    assert vclock.now == pytest.approx(3.5)
    assert throttle.connections.in_use == 0


async def test_window_and_connections_together(vclock) -> None:
    throttle = Throttle(4, 1.0, 2, clock=vclock, sleep=vclock.sleep)
    starts: list[float] = []
    waits = []

    async def call() -> None:
        wait = await throttle.acquire()
        waits.append(wait)
        starts.append(vclock.now)
        await vclock.sleep(0.1)
        throttle.release()

    await vclock.run(*(call() for _ in range(12)))
    assert max_in_any_window(starts, 1.0) <= 4
    assert sum(1 for w in waits if w.waited) >= 8
    assert sum(w.seconds for w in waits) > 0


async def test_cancelled_waiter_does_not_leak_a_slot() -> None:
    semaphore = SharedSemaphore(1)
    assert await semaphore.acquire() is False
    waiter = asyncio.ensure_future(semaphore.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    semaphore.release()
    # The slot came back: a new caller gets it at once.
    assert await asyncio.wait_for(semaphore.acquire(), 1) is False
    semaphore.release()
    assert semaphore.in_use == 0


def test_semaphore_is_shared_across_threads_and_event_loops() -> None:
    """Prefect runs tasks on worker threads with their own loops: the cap must hold for all."""
    semaphore = SharedSemaphore(2)
    lock = threading.Lock()
    in_flight = 0
    peak = 0

    async def worker() -> None:
        nonlocal in_flight, peak
        for _ in range(5):
            await semaphore.acquire()
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            await asyncio.sleep(0.005)
            with lock:
                in_flight -= 1
            semaphore.release()

    threads = [threading.Thread(target=asyncio.run, args=(worker(),)) for _ in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert time.monotonic() - started < 10
    assert peak == 2
    assert semaphore.in_use == 0


def test_window_is_shared_across_threads() -> None:
    limiter = WindowLimiter(4, 0.2)
    admitted: list[float] = []
    lock = threading.Lock()

    async def worker() -> None:
        for _ in range(4):
            await limiter.acquire()
            with lock:
                admitted.append(time.monotonic())

    threads = [threading.Thread(target=asyncio.run, args=(worker(),)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(admitted) == 12
    assert max_in_any_window(admitted, 0.2) <= 4
