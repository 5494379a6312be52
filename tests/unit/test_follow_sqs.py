"""SqsQueue (ctsync.follow.sqs) against moto's SQS server, and the loop (ctsync.follow.loop) on
it: bodies acknowledged only once applied, unacknowledged ones back after the visibility timeout,
failures that never name the credentials."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import orjson
import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from ctsync.follow.apply import AppliedBatch
from ctsync.follow.changes import Change
from ctsync.follow.loop import LoopSettings, follow_once
from ctsync.follow.queue import Delivery
from ctsync.follow.sqs import SqsQueue, SqsQueueError

REGION = "eu-central-1"
ACCESS_KEY = "AKIAFOLLOWTESTKEY0001"
SECRET = "sqs-secret-Qx7-do-not-log-0123456789"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def admin(endpoint: str) -> Any:
    """A plain boto3 client: what sends to the queue (commercetools) and inspects it."""
    return boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="admin",
        aws_secret_access_key="admin",
    )


@pytest.fixture
def queue_url(admin: Any) -> str:
    url: str = admin.create_queue(QueueName=f"follow-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    return url


@pytest.fixture
async def queue(queue_url: str, endpoint: str) -> Any:
    sqs = SqsQueue(
        queue_url,
        region=REGION,
        access_key_id=ACCESS_KEY,
        secret_access_key=SecretStr(SECRET),
        endpoint_url=endpoint,
        visibility_timeout=1,
    )
    yield sqs
    await sqs.close()


def send(admin: Any, queue_url: str, bodies: Iterable[str]) -> None:
    for body in bodies:
        admin.send_message(QueueUrl=queue_url, MessageBody=body)


def waiting(admin: Any, queue_url: str) -> tuple[int, int]:
    """(visible, in flight) messages of the queue."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    found = admin.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return int(found[names[0]]), int(found[names[1]])


async def receive_all(queue: SqsQueue, count: int, wait: float = 2) -> list[Delivery]:
    """Receive until `count` bodies came (SQS hands out what it has, not always all)."""
    got: list[Delivery] = []
    deadline = time.monotonic() + 20
    while len(got) < count and time.monotonic() < deadline:
        got += await queue.receive(count - len(got), wait)
    return got


def notification(number: int, project: str = "shop") -> str:
    payload = {
        "notificationType": "ResourceUpdated",
        "projectKey": project,
        "resource": {"typeId": "customer", "id": f"c-{number}"},
        "version": number,
        "oldVersion": number - 1,
        "modifiedAt": "2026-03-01T10:00:00.000Z",
    }
    return orjson.dumps(payload).decode()


# -- the queue -----------------------------------------------------------------------------------


async def test_receive_then_acknowledge_empties_the_queue(
    queue: SqsQueue, admin: Any, queue_url: str
) -> None:
    bodies = [f"body-{n:02d}" for n in range(25)]
    send(admin, queue_url, bodies)
    got = await receive_all(queue, 25)
    assert sorted(d.body for d in got) == bodies
    assert len({d.receipt for d in got}) == 25
    assert all(d.sent_at is not None and abs(d.sent_at - time.time()) < 120 for d in got)
    await queue.acknowledge(got)  # 25 deletions: three batches of at most ten
    assert waiting(admin, queue_url) == (0, 0)
    assert await queue.receive(10, 2) == []  # past the visibility timeout: nothing comes back


async def test_unacknowledged_bodies_come_back_after_the_visibility_timeout(
    queue: SqsQueue, admin: Any, queue_url: str
) -> None:
    send(admin, queue_url, ["one", "two", "three"])
    first = await receive_all(queue, 3)
    assert sorted(d.body for d in first) == ["one", "three", "two"]
    assert await queue.receive(10, 0) == []  # in flight: invisible for now
    assert waiting(admin, queue_url) == (0, 3)
    again = await receive_all(queue, 3, wait=5)  # a long poll outlasting the timeout
    assert sorted(d.body for d in again) == ["one", "three", "two"]
    assert {d.receipt for d in again}.isdisjoint(d.receipt for d in first)
    await queue.acknowledge(again)
    assert waiting(admin, queue_url) == (0, 0)


async def test_one_body_in_a_quiet_queue_is_not_held_by_the_other_long_polls(
    queue: SqsQueue, admin: Any, queue_url: str
) -> None:
    """Asked for up to 40 bodies with a 6 s long poll, a receive that got one returns with it,
    not once three other long polls ran out (it would take 6 s)."""
    send(admin, queue_url, ["alone"])
    started = time.monotonic()
    got = await queue.receive(40, 6)
    assert [d.body for d in got] == ["alone"]
    assert time.monotonic() - started < 4


async def test_a_refused_delete_raises_without_the_secret(
    queue: SqsQueue, admin: Any, queue_url: str
) -> None:
    send(admin, queue_url, ["kept"])
    (good,) = await receive_all(queue, 1)
    bogus = Delivery(body="x", receipt="not-a-receipt-handle")
    with pytest.raises(SqsQueueError) as refused:
        await queue.acknowledge([good, bogus])
    text = str(refused.value)
    assert "kept 1 applied messages" in text and "ReceiptHandleIsInvalid" in text
    assert queue_url in text
    assert SECRET not in text and SECRET not in repr(refused.value)
    assert waiting(admin, queue_url) == (0, 0)  # the good one of the batch was deleted


async def test_a_queue_that_is_gone_raises_naming_it_not_the_secret(
    queue: SqsQueue, admin: Any, queue_url: str
) -> None:
    admin.delete_queue(QueueUrl=queue_url)
    for call in (queue.receive(10, 0), queue.acknowledge([Delivery("x", "r")])):
        with pytest.raises(SqsQueueError) as failed:
            await call
        text = str(failed.value)
        assert queue_url in text and "NonExistentQueue" in text
        assert SECRET not in text and ACCESS_KEY not in text
        assert failed.value.__cause__ is None and failed.value.__suppress_context__


async def test_repr_and_attributes_shown_to_people_hold_no_secret(queue: SqsQueue) -> None:
    assert repr(queue) == f"SqsQueue({queue.queue_url!r})"
    shown = " ".join([repr(queue), str(queue), queue.name, repr(vars(queue))])
    assert SECRET not in shown


# -- the loop on a real queue --------------------------------------------------------------------


@dataclass
class RecordingApplier:
    """Stands in for ChangeApplier: keeps the batches, or fails like a hub that is down."""

    project_key: str = "shop"
    fail: bool = False
    batches: list[list[Change]] = field(default_factory=list)

    async def apply(self, changes: Iterable[Change]) -> AppliedBatch:
        if self.fail:
            raise ConnectionError("the hub is down")
        self.batches.append(list(changes))
        return AppliedBatch()


QUICK = LoopSettings(batch_seconds=0.5, max_batch=50, idle_wait_seconds=2)


async def test_a_batch_that_failed_to_apply_is_not_acknowledged_and_comes_back(
    queue: SqsQueue, admin: Any, queue_url: str
) -> None:
    send(admin, queue_url, [notification(n) for n in range(1, 6)])
    with pytest.raises(ConnectionError):
        await follow_once(queue, RecordingApplier(fail=True), QUICK)  # type: ignore[arg-type]
    assert sum(waiting(admin, queue_url)) == 5  # nothing was deleted
    applier = RecordingApplier()
    followed = None
    deadline = time.monotonic() + 20
    while sum(len(b) for b in applier.batches) < 5 and time.monotonic() < deadline:
        followed = await follow_once(queue, applier, QUICK)  # type: ignore[arg-type]
    assert followed is not None
    assert sorted(c.id for batch in applier.batches for c in batch) == [
        f"c-{n}" for n in range(1, 6)
    ]
    assert waiting(admin, queue_url) == (0, 0)


async def test_unreadable_and_other_projects_bodies_are_acknowledged_and_left_out(
    queue: SqsQueue, admin: Any, queue_url: str
) -> None:
    send(admin, queue_url, [notification(1), notification(2, "other"), "{not json"])
    applier = RecordingApplier()
    batches = []
    deadline = time.monotonic() + 20
    while sum(b.bodies for b in batches) < 3 and time.monotonic() < deadline:
        followed = await follow_once(queue, applier, QUICK)  # type: ignore[arg-type]
        if followed is not None:
            batches.append(followed)
    assert [c.id for batch in applier.batches for c in batch] == ["c-1"]
    assert sum(b.other_projects for b in batches) == 1
    unreadable = [reason for b in batches for reason in b.unreadable]
    assert len(unreadable) == 1 and unreadable[0].startswith("not JSON")
    assert waiting(admin, queue_url) == (0, 0)
    assert await follow_once(queue, applier, QUICK) is None  # type: ignore[arg-type]
