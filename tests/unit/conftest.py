"""Shared fixtures of the unit tests: settings for a fictitious project and virtual time."""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Awaitable
from typing import Any

import pytest

from ctsync.client.config import ConnectionSettings, RetrySettings

API_URL = "https://api.europe-west1.gcp.commercetools.com/shop"
TOKEN_URL = "https://auth.europe-west1.gcp.commercetools.com/oauth/token"
SECRET = "client-secret-XYZ-0123456789"


def token_body(token: str = "tok-1", expires_in: int = 172800) -> dict[str, Any]:
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": "manage_project:shop",
    }


@pytest.fixture
def settings() -> ConnectionSettings:
    return ConnectionSettings(
        api_url=API_URL,
        client_id="client-id-1",
        client_secret=SECRET,
        scope="manage_project:shop",
        retry=RetrySettings(max_attempts=4, initial_backoff=0.5, max_backoff=8, jitter=0),
    )


class VirtualClock:
    """Deterministic time for asyncio code that takes `clock` and `sleep` as dependencies.

    `run` drives the coroutines: whenever they are all blocked on virtual sleeps, time jumps to
    the earliest wake-up. Nothing waits in real time.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + max(0.0, delay), self._seq, future))
        self._seq += 1
        await future

    async def run(self, *coros: Awaitable[Any]) -> list[Any]:
        tasks = [asyncio.ensure_future(c) for c in coros]
        while not all(t.done() for t in tasks):
            for _ in range(50):
                await asyncio.sleep(0)
            if self._timers and not all(t.done() for t in tasks):
                when, _, future = heapq.heappop(self._timers)
                self.now = max(self.now, when)
                if not future.done():
                    future.set_result(None)
        return [t.result() for t in tasks]


@pytest.fixture
def vclock() -> VirtualClock:
    return VirtualClock()


class RecordingSleep:
    """A `sleep` that records the delays the retry policy asked for and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def no_sleep() -> RecordingSleep:
    return RecordingSleep()
