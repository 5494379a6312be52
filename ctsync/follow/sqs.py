"""AWS SQS as a `ChangeQueue`, through boto3 (in worker threads: boto3 is synchronous).

SQS hands out at most 10 messages per receive, so `receive` runs several long polls at once
when asked for more. A message is deleted only by `acknowledge`, after the hub committed it; one
left alone reappears after the visibility timeout.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any

from pydantic import SecretStr

from ctsync.follow.queue import Delivery

SQS_MAX_PER_RECEIVE = 10
SQS_MAX_WAIT_SECONDS = 20


class SqsQueueError(RuntimeError):
    """SQS refused a call; says which queue and why (never the credentials)."""


def _boto3() -> Any:
    try:
        import boto3
    except ImportError:
        raise SqsQueueError(
            "reading an SQS queue needs boto3: pip install 'prefect-commercetools[aws]'"
        ) from None
    return boto3


class SqsQueue:
    """One SQS queue, read with the given credentials (or boto3's default chain without)."""

    def __init__(
        self,
        queue_url: str,
        *,
        region: str,
        access_key_id: str | None = None,
        secret_access_key: SecretStr | None = None,
        endpoint_url: str | None = None,
        visibility_timeout: int = 60,
        receivers: int = 4,
    ) -> None:
        self.queue_url = queue_url
        self.name = queue_url
        self.visibility_timeout = visibility_timeout
        self.receivers = receivers
        secret = secret_access_key.get_secret_value() if secret_access_key else None
        self._client = (
            _boto3()
            .session.Session()
            .client(
                "sqs",
                region_name=region,
                aws_access_key_id=access_key_id,
                aws_secret_access_key=secret,
                endpoint_url=endpoint_url,
            )
        )

    def __repr__(self) -> str:
        return f"SqsQueue({self.queue_url!r})"

    async def receive(self, max_bodies: int, wait_seconds: float) -> list[Delivery]:
        """One long poll; once it brought bodies, more receives at once that do not wait.

        Several long polls at once would each wait out `wait_seconds` unless bodies came for
        every one of them: one body in a quiet queue would come only when the others ended."""
        polls = max(1, min(self.receivers, -(-max_bodies // SQS_MAX_PER_RECEIVE)))
        # Up, not to the nearest: a wait under half a second rounded to 0 made short polls
        # spin at the end of every batch window (86 receives/s at 10 changes/s).
        wait = max(0, min(SQS_MAX_WAIT_SECONDS, math.ceil(wait_seconds)))
        first = await asyncio.to_thread(self._receive_once, wait)
        if polls == 1 or not first:
            return first
        more = await asyncio.gather(
            *(asyncio.to_thread(self._receive_once, 0) for _ in range(polls - 1))
        )
        return first + [delivery for result in more for delivery in result]

    def _receive_once(self, wait: int) -> list[Delivery]:
        try:
            answer = self._client.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=SQS_MAX_PER_RECEIVE,
                WaitTimeSeconds=wait,
                VisibilityTimeout=self.visibility_timeout,
                AttributeNames=["SentTimestamp"],
            )
        except Exception as error:
            raise SqsQueueError(f"receiving from {self.queue_url}: {_reason(error)}") from None
        return [
            Delivery(
                body=message["Body"],
                receipt=message["ReceiptHandle"],
                sent_at=_sent_at(message),
            )
            for message in answer.get("Messages", [])
        ]

    async def acknowledge(self, deliveries: Sequence[Delivery]) -> None:
        for start in range(0, len(deliveries), SQS_MAX_PER_RECEIVE):
            chunk = deliveries[start : start + SQS_MAX_PER_RECEIVE]
            await asyncio.to_thread(self._delete, chunk)

    def _delete(self, chunk: Sequence[Delivery]) -> None:
        entries = [{"Id": str(n), "ReceiptHandle": d.receipt} for n, d in enumerate(chunk)]
        try:
            answer = self._client.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
        except Exception as error:
            raise SqsQueueError(f"deleting from {self.queue_url}: {_reason(error)}") from None
        failed = answer.get("Failed") or []
        if failed:
            reasons = sorted({f"{f.get('Code')}: {f.get('Message')}" for f in failed})
            raise SqsQueueError(
                f"{self.queue_url} kept {len(failed)} applied messages ({'; '.join(reasons)});"
                " they come back and are applied again, which changes nothing"
            )

    async def close(self) -> None:
        await asyncio.to_thread(self._client.close)


def _sent_at(message: dict[str, Any]) -> float | None:
    stamp = message.get("Attributes", {}).get("SentTimestamp")
    return int(stamp) / 1000 if stamp and str(stamp).isdigit() else None


def _reason(error: Exception) -> str:
    """boto3's error code and message, without request details that may carry credentials."""
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        details = response["Error"]
        return f"{details.get('Code')}: {details.get('Message')}"
    return f"{type(error).__name__}: {error}"
