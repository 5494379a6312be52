"""The retry policy for commercetools calls, declared once with tenacity.

What is retried: for reads, 429 (after its Retry-After), 500, 502, 503, 504, timeouts and
dropped or refused connections. For writes, only what cannot have reached commercetools: 429 and
connections refused or not made in time; a write whose answer was lost after it went out is not
sent again (the client raises OutcomeUnknown, and the caller reads what happened). Never 400, 403,
404 or 409: those need a different request, not the same one again.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from ctsync.client.config import RetrySettings

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
READ_METHODS = frozenset({"GET", "HEAD"})
MAY_HAVE_LANDED: tuple[type[httpx.TransportError], ...] = (
    httpx.ReadTimeout,
    httpx.ReadError,
    httpx.RemoteProtocolError,
)
"""Failures after a request went out whole: commercetools may have applied it. The others
(refused or timed-out connects, a pool or write that never finished) never reached it."""
ANSWER_LOST_STATUSES = frozenset({500, 502, 503, 504})
"""Statuses a write may have been applied behind (a gateway lost the answer); 429 never is."""


class RetryableResponse(Exception):
    """A response worth retrying; carries what the final typed error will need."""

    def __init__(self, status: int, body: object, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.retry_after = retry_after


def is_retryable_status(status: int, method: str) -> bool:
    return status in RETRYABLE_STATUSES or (status == 500 and method.upper() in READ_METHODS)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header in its delta-seconds form; None (the backoff applies)
    for anything else, an HTTP date included."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


@dataclass
class RequestStats:
    """Counters of one client, shown in every sync report."""

    calls: int = 0
    retries: int = 0
    retries_by_reason: dict[str, int] = field(default_factory=dict)
    retry_wait_seconds: float = 0.0
    throttle_waits: int = 0
    throttle_wait_seconds: float = 0.0
    token_mints: int = 0
    token_remints_on_401: int = 0

    def count_retry(self, reason: str, wait: float) -> None:
        self.retries += 1
        self.retry_wait_seconds += wait
        self.retries_by_reason[reason] = self.retries_by_reason.get(reason, 0) + 1

    def snapshot(self) -> RequestStats:
        return replace(self, retries_by_reason=dict(self.retries_by_reason))

    def since(self, earlier: RequestStats) -> RequestStats:
        """What was counted after `earlier` (a snapshot of these same counters)."""
        reasons = {
            reason: count - earlier.retries_by_reason.get(reason, 0)
            for reason, count in self.retries_by_reason.items()
        }
        return RequestStats(
            calls=self.calls - earlier.calls,
            retries=self.retries - earlier.retries,
            retries_by_reason={reason: n for reason, n in reasons.items() if n},
            retry_wait_seconds=self.retry_wait_seconds - earlier.retry_wait_seconds,
            throttle_waits=self.throttle_waits - earlier.throttle_waits,
            throttle_wait_seconds=self.throttle_wait_seconds - earlier.throttle_wait_seconds,
            token_mints=self.token_mints - earlier.token_mints,
            token_remints_on_401=self.token_remints_on_401 - earlier.token_remints_on_401,
        )


def retry_reason(exc: BaseException) -> str:
    if isinstance(exc, RetryableResponse):
        return str(exc.status)
    return type(exc).__name__


class WaitRetryAfterOrBackoff:
    """Honour the server's Retry-After when it gives one, else exponential backoff with jitter."""

    def __init__(self, settings: RetrySettings) -> None:
        # The server's word beats our backoff cap; the request's time budget still bounds it.
        self._max_retry_after = settings.max_seconds
        self._backoff = wait_exponential_jitter(
            multiplier=settings.initial_backoff, max=settings.max_backoff, jitter=settings.jitter
        )

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableResponse) and exc.retry_after is not None:
            # A little jitter so a fleet of workers does not return in lockstep.
            return min(self._max_retry_after, exc.retry_after) + random.uniform(0, 0.1)
        return float(self._backoff(state))


class StopWhenBudgetSpent(stop_base):
    """Stop before a wait that would carry the request past its time budget.

    Time spent is the larger of the wall clock since the first attempt and the waits slept so far,
    so the budget also holds when `sleep` is replaced (tests, a virtual clock).
    """

    def __init__(self, max_seconds: float) -> None:
        self.max_seconds = max_seconds

    def __call__(self, state: RetryCallState) -> bool:
        spent = max(state.seconds_since_start or 0.0, state.idle_for)
        return spent + state.upcoming_sleep > self.max_seconds


def retrying(
    settings: RetrySettings,
    stats: RequestStats,
    *,
    transient: tuple[type[BaseException], ...],
    sleep: Callable[[float], Awaitable[None]],
    on_retry: Callable[[str, int, float], None] | None = None,
) -> AsyncRetrying:
    """An `AsyncRetrying` for one request; every retry and its wait lands in `stats`, and
    `on_retry(reason, failed attempt number, seconds until the next)` is told of it."""

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        reason = retry_reason(exc) if exc else "unknown"
        stats.count_retry(reason, wait)
        if on_retry is not None:
            on_retry(reason, state.attempt_number, wait)

    return AsyncRetrying(
        retry=retry_if_exception(lambda e: isinstance(e, (RetryableResponse, *transient))),
        wait=WaitRetryAfterOrBackoff(settings),
        stop=stop_after_attempt(settings.max_attempts) | StopWhenBudgetSpent(settings.max_seconds),
        before_sleep=before_sleep,
        sleep=sleep,
        reraise=True,
    )
