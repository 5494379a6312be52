"""The cluster's throttle: leases on a real Dask scheduler hold one budget for every holder."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ctsync.client.cluster_throttle import WINDOW_LAG_SECONDS, ClusterThrottle, ClusterThrottleSpec
from tests.unit.test_throttle import max_in_any_window


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _spec(name: str, limit: int, seconds: float, concurrency: int) -> ClusterThrottleSpec:
    return ClusterThrottleSpec(name=name, limit=limit, seconds=seconds, concurrency=concurrency)


def test_two_holders_share_one_window_and_one_connection_cap(dask_client: Any) -> None:
    # Two throttles on the same semaphores stand for two worker processes; each has its own
    # thread and event loop, calls as fast as it is let, and holds each call 20 ms.
    spec = _spec("test-shared", limit=10, seconds=0.5, concurrency=3)
    admitted: list[float] = []
    in_flight, peak = 0, 0
    lock = threading.Lock()

    async def calls(throttle: ClusterThrottle, count: int) -> None:
        async def one() -> None:
            nonlocal in_flight, peak
            await throttle.acquire()
            with lock:
                admitted.append(time.monotonic())
                in_flight += 1
                peak = max(peak, in_flight)
            await asyncio.sleep(0.02)
            with lock:
                in_flight -= 1
            throttle.release()

        await asyncio.gather(*(one() for _ in range(count)))

    holders = [
        ClusterThrottle(spec, scheduler_rpc=dask_client.scheduler, loop=dask_client.loop)
        for _ in range(2)
    ]
    threads = [threading.Thread(target=asyncio.run, args=(calls(h, 20),)) for h in holders]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    elapsed = time.monotonic() - started

    assert len(admitted) == 40
    assert max_in_any_window(admitted, 0.5) <= 10
    assert peak <= 3
    # The budget is used, not only respected: 40 calls at 10 per 0.5 s need 3 more windows.
    hold = spec.hold_seconds
    assert hold == pytest.approx(0.5 * 1.005 + WINDOW_LAG_SECONDS)
    assert elapsed < 3 * hold + 1.0


def test_a_cancelled_wait_gives_its_lease_back(dask_client: Any) -> None:
    spec = _spec("test-cancel", limit=100, seconds=1.0, concurrency=1)
    throttle = ClusterThrottle(spec, scheduler_rpc=dask_client.scheduler, loop=dask_client.loop)

    async def scenario() -> bool:
        await throttle.acquire()  # holds the only connection
        waiting = asyncio.ensure_future(throttle.acquire())
        await asyncio.sleep(0.2)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        throttle.release()
        # The cancelled waiter's lease, granted once the connection came back, was returned:
        # a new call gets the connection.
        await asyncio.wait_for(throttle.acquire(), timeout=5)
        throttle.release()
        return True

    assert asyncio.run(scenario())
