"""What `follow_changes` needs of a queue: receive bodies, acknowledge them once applied.

One small interface so that SQS (ctsync/follow/sqs.py) is one implementation and Google
Pub/Sub, Azure Service Bus or Confluent can be others. Delivery is at least once: a body not
acknowledged comes back (after SQS's visibility timeout), so a consumer killed at any point
loses nothing, and applying a body twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Delivery:
    """One body received from a queue, and what acknowledges it."""

    body: str
    receipt: str
    sent_at: float | None = None
    """When the queue got it (epoch seconds), when the queue says."""


class ChangeQueue(Protocol):
    """A queue of change notifications."""

    name: str
    """What logs and artifacts call the queue (never a secret)."""

    async def receive(self, max_bodies: int, wait_seconds: float) -> list[Delivery]:
        """Up to `max_bodies` bodies, waiting at most `wait_seconds` for the first."""
        ...

    async def acknowledge(self, deliveries: Sequence[Delivery]) -> None:
        """Remove applied bodies from the queue for good; raises when the queue refused any."""
        ...

    async def close(self) -> None: ...
