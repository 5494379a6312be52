"""The consumer's loop: collect a batch from the queue, apply it, then acknowledge it.

A batch closes after `batch_seconds` from its first body, or at `max_batch` bodies: short enough
for changes to reach the hub within seconds, long enough that one `id in (…)` query per entity
fetches many changes. Acknowledging only after `ChangeApplier.apply` returned (the hub
committed) is what makes a kill at any point lose nothing.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from ctsync.follow.apply import AppliedBatch, ChangeApplier
from ctsync.follow.changes import Change, NotAChange, parse_body
from ctsync.follow.queue import ChangeQueue, Delivery


@dataclass
class FollowedBatch:
    """One batch as the loop saw it: the applied result and what it could not read."""

    applied: AppliedBatch
    bodies: int
    unreadable: list[str] = field(default_factory=list)
    """Why each unreadable body was left out (acknowledged: it can never be applied)."""
    other_projects: int = 0
    waited_seconds: float = 0.0


@dataclass
class LoopSettings:
    batch_seconds: float = 1.0
    max_batch: int = 500
    idle_wait_seconds: float = 5.0
    """How long one receive waits for a first body (a long poll) when the queue is quiet."""


async def collect(queue: ChangeQueue, settings: LoopSettings) -> tuple[list[Delivery], float]:
    """One batch of deliveries (possibly empty after a quiet long poll) and the seconds waited."""
    started = time.monotonic()
    deliveries = await queue.receive(settings.max_batch, settings.idle_wait_seconds)
    if not deliveries:
        return [], time.monotonic() - started
    closes = time.monotonic() + settings.batch_seconds
    while len(deliveries) < settings.max_batch:
        left = closes - time.monotonic()
        if left <= 0:
            break
        more = await queue.receive(settings.max_batch - len(deliveries), min(left, 1.0))
        deliveries += more
    return deliveries, time.monotonic() - started


def parse_deliveries(
    deliveries: list[Delivery], project_key: str
) -> tuple[list[Change], list[str], int]:
    """The changes of this project; why each unreadable body is; how many were another's."""
    changes: list[Change] = []
    unreadable: list[str] = []
    other = 0
    for delivery in deliveries:
        try:
            change = parse_body(delivery.body)
        except NotAChange as reason:
            unreadable.append(str(reason))
            continue
        if change.project_key not in (None, project_key):
            other += 1
            continue
        changes.append(change)
    return changes, unreadable, other


Collect = Callable[[ChangeQueue, LoopSettings], Awaitable[tuple[list[Delivery], float]]]
"""How a batch is gathered from the queue (`collect`, or a benchmark's variant)."""


async def follow_once(
    queue: ChangeQueue, applier: ChangeApplier, settings: LoopSettings, gather: Collect = collect
) -> FollowedBatch | None:
    """Receive, apply and acknowledge one batch; None when the queue stayed quiet."""
    deliveries, waited = await gather(queue, settings)
    if not deliveries:
        return None
    changes, unreadable, other = parse_deliveries(deliveries, applier.project_key)
    applied = await applier.apply(changes)
    await queue.acknowledge(deliveries)
    return FollowedBatch(applied, len(deliveries), unreadable, other, waited)


async def follow(
    queue: ChangeQueue,
    applier: ChangeApplier,
    settings: LoopSettings,
    *,
    keep_going: Callable[[], bool],
    on_batch: Callable[[FollowedBatch | None], None],
) -> None:
    """Batches until `keep_going()` says stop; `on_batch` hears of each (None: a quiet poll)."""
    while keep_going():
        on_batch(await follow_once(queue, applier, settings))
