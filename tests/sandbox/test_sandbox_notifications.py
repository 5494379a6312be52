"""Change notifications and the Messages API of the sandbox, delivered to moto's SQS server."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from sandbox import Sandbox

pytestmark = pytest.mark.sandbox

DEADLINE_S = 30.0


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    """Its own sandbox: subscriptions and delivery faults must not reach other tests."""
    with Sandbox(seed=None) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def sqs() -> Iterator[Any]:
    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client(
        "sqs",
        endpoint_url=f"http://{host}:{port}",
        region_name="eu-central-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    yield client
    server.stop()


@pytest.fixture
def api(sb: Sandbox) -> Iterator[httpx.Client]:
    sb.clear_faults()
    sb.reset_stats()
    with sb.client(timeout=30) as client:
        yield client
    sb.clear_faults()


@pytest.fixture
def queue(sqs: Any) -> str:
    url: str = sqs.create_queue(QueueName=f"ct-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    return url


@pytest.fixture
def subscribe(api: httpx.Client) -> Iterator[Callable[..., dict[str, Any]]]:
    """Create subscriptions to a queue; they are deleted after the test."""
    made: list[str] = []

    def make(queue_url: str, **fields: Any) -> dict[str, Any]:
        destination = {
            "type": "SQS",
            "queueUrl": queue_url,
            "region": "eu-central-1",
            "accessKey": "AKIDEXAMPLE",
            "accessSecret": "secret",
            "authenticationMode": "Credentials",
        }
        fields.setdefault("changes", [{"resourceTypeId": "customer"}])
        resp = api.post("/subscriptions", json={"destination": destination, **fields})
        assert resp.status_code == 201, resp.text
        made.append(resp.json()["id"])
        sub: dict[str, Any] = resp.json()
        return sub

    yield make
    for sub_id in made:
        current = api.get(f"/subscriptions/{sub_id}").json()
        api.delete(f"/subscriptions/{sub_id}", params={"version": current["version"]})


def receive(sqs: Any, queue_url: str, count: int) -> list[dict[str, Any]]:
    """The bodies of `count` messages from the queue, in the order moto hands them out."""
    bodies: list[dict[str, Any]] = []
    deadline = time.monotonic() + DEADLINE_S
    while len(bodies) < count and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in got.get("Messages", []):
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    assert len(bodies) == count, bodies
    return bodies


def wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def settle(sb: Sandbox) -> None:
    wait_for(lambda: sb.deliveries()["pending"] == 0, "deliveries to settle")


def new_customer(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    draft = {"email": f"{uuid.uuid4().hex[:10]}@example.com", **fields}
    resp = api.post("/customers", json=draft)
    assert resp.status_code == 201, resp.text
    customer: dict[str, Any] = resp.json()["customer"]
    return customer


def set_messages(sb: Sandbox, api: httpx.Client, enabled: bool) -> None:
    project = api.get(sb.api_url).json()
    action = {
        "action": "changeMessagesConfiguration",
        "messagesConfiguration": {"enabled": enabled, "deleteDaysAfterCreation": 15},
    }
    resp = api.post(sb.api_url, json={"version": project["version"], "actions": [action]})
    assert resp.status_code == 200, resp.text


def test_customer_create_update_delete_notifications(
    sb: Sandbox, api: httpx.Client, sqs: Any, queue: str, subscribe: Callable[..., Any]
) -> None:
    subscribe(queue)
    created = new_customer(api, key="ada-lovelace")
    actions = [
        {"action": "setFirstName", "firstName": "Ada"},
        {"action": "setLastName", "lastName": "Lovelace"},
    ]
    updated = api.post(
        f"/customers/{created['id']}", json={"version": 1, "actions": actions}
    ).json()
    version = updated["version"]  # the mock counts one version per action that changed
    deleted = api.delete(
        f"/customers/key={created['key']}", params={"version": version, "dataErasure": "true"}
    )
    assert deleted.status_code == 200

    bodies = receive(sqs, queue, 3)
    by_type = {b["notificationType"]: b for b in bodies}
    assert [b["notificationType"] for b in bodies] == [
        "ResourceCreated",
        "ResourceUpdated",
        "ResourceDeleted",
    ]
    for body in bodies:
        assert body["projectKey"] == sb.project_key
        assert body["resource"] == {"typeId": "customer", "id": created["id"]}
        assert body["resourceUserProvidedIdentifiers"] == {"key": "ada-lovelace"}
    assert by_type["ResourceCreated"]["version"] == 1
    assert by_type["ResourceCreated"]["modifiedAt"] == created["lastModifiedAt"]
    assert "oldVersion" not in by_type["ResourceCreated"]
    assert by_type["ResourceUpdated"]["version"] == version > 1
    assert by_type["ResourceUpdated"]["oldVersion"] == 1
    assert by_type["ResourceUpdated"]["modifiedAt"] == updated["lastModifiedAt"]
    assert by_type["ResourceDeleted"]["version"] == version
    assert by_type["ResourceDeleted"]["dataErasure"] is True
    assert sb.deliveries()["sent"] == 3


def test_no_notification_for_other_types_or_unchanged_updates(
    sb: Sandbox, api: httpx.Client, sqs: Any, queue: str, subscribe: Callable[..., Any]
) -> None:
    subscribe(queue)
    customer = new_customer(api, firstName="Ada")
    api.post("/customer-groups", json={"groupName": "vip"})  # not subscribed
    same = [{"action": "setFirstName", "firstName": "Ada"}]  # no change, no new version
    unchanged = api.post(f"/customers/{customer['id']}", json={"version": 1, "actions": same})
    assert unchanged.json()["version"] == 1
    api.delete(f"/customers/{customer['id']}", params={"version": 1})
    bodies = receive(sqs, queue, 2)
    assert [b["notificationType"] for b in bodies] == ["ResourceCreated", "ResourceDeleted"]
    assert "dataErasure" not in bodies[1]


def test_messages_api_lists_messages_in_sequence(sb: Sandbox, api: httpx.Client) -> None:
    set_messages(sb, api, True)
    customer = new_customer(api, key=f"k-{uuid.uuid4().hex[:8]}")
    actions = [
        {"action": "setFirstName", "firstName": "Grace"},
        {"action": "setLastName", "lastName": "Hopper"},
    ]
    update = {"version": 1, "actions": actions}
    version = api.post(f"/customers/{customer['id']}", json=update).json()["version"]
    api.delete(f"/customers/{customer['id']}", params={"version": version})

    params = {"where": f'resource(id="{customer["id"]}")', "sort": "sequenceNumber asc"}
    page = api.get("/messages", params=params).json()
    assert page["total"] == 4
    messages = page["results"]
    assert [m["type"] for m in messages] == [
        "CustomerCreated",
        "CustomerFirstNameSet",
        "CustomerLastNameSet",
        "CustomerDeleted",
    ]
    assert [m["sequenceNumber"] for m in messages] == [1, 2, 3, 4]
    assert [m["resourceVersion"] for m in messages] == [1, version, version, version]
    assert messages[0]["customer"]["id"] == customer["id"]
    assert messages[0]["createdAt"] == customer["createdAt"]
    assert messages[1]["firstName"] == "Grace"
    assert messages[3]["email"] == customer["email"]
    for m in messages:
        assert m["version"] == 1
        assert m["resource"] == {"typeId": "customer", "id": customer["id"]}
        assert m["resourceUserProvidedIdentifiers"] == {"key": customer["key"]}
    one = api.get(f"/messages/{messages[2]['id']}")
    assert one.status_code == 200 and one.json() == messages[2]
    assert api.get(f"/messages/{uuid.uuid4()}").status_code == 404
    desc = api.get("/messages", params={**params, "sort": "sequenceNumber desc", "limit": 1})
    assert desc.json()["results"][0]["type"] == "CustomerDeleted"


def test_messages_need_the_scope_and_the_project_setting(sb: Sandbox, api: httpx.Client) -> None:
    with sb.client(scope=f"view_customers:{sb.project_key}") as narrow:
        assert narrow.get("/messages").status_code == 403
    with sb.client(scope=f"view_messages:{sb.project_key}") as reader:
        assert reader.get("/messages", params={"limit": 1}).status_code == 200
    set_messages(sb, api, False)
    try:
        customer = new_customer(api)
        where = {"where": f'resource(id="{customer["id"]}")'}
        assert api.get("/messages", params=where).json()["total"] == 0
    finally:
        set_messages(sb, api, True)


def test_message_subscription_delivers_chosen_types(
    sb: Sandbox, api: httpx.Client, sqs: Any, queue: str, subscribe: Callable[..., Any]
) -> None:
    wanted = [{"resourceTypeId": "customer", "types": ["CustomerCreated"]}]
    subscribe(queue, changes=[], messages=wanted)
    customer = new_customer(api)
    api.post(
        f"/customers/{customer['id']}",
        json={"version": 1, "actions": [{"action": "setFirstName", "firstName": "X"}]},
    )
    settle(sb)
    [body] = receive(sqs, queue, 1)
    assert body["notificationType"] == "Message"
    assert body["type"] == "CustomerCreated"
    assert body["projectKey"] == sb.project_key
    assert body["customer"]["id"] == customer["id"]
    assert body["sequenceNumber"] == 1 and body["resourceVersion"] == 1


def test_unreachable_queue_stops_the_subscription(
    sb: Sandbox, api: httpx.Client, sqs: Any, queue: str, subscribe: Callable[..., Any]
) -> None:
    sub = subscribe(queue)
    assert sub["status"] == "Healthy"
    name = queue.rsplit("/", 1)[1]
    sqs.delete_queue(QueueUrl=queue)
    lost = new_customer(api)

    def stopped() -> bool:
        status = api.get(f"/subscriptions/{sub['id']}").json()["status"]
        return status == "ConfigurationErrorDeliveryStopped"

    wait_for(stopped, "the subscription to stop")
    assert sb.deliveries()["failed"] >= 1
    # Nothing is kept: once the queue is back, only later changes arrive, and it is Healthy.
    sqs.create_queue(QueueName=name)
    later = new_customer(api)
    [body] = receive(sqs, queue, 1)
    assert body["resource"]["id"] == later["id"] != lost["id"]
    wait_for(
        lambda: api.get(f"/subscriptions/{sub['id']}").json()["status"] == "Healthy",
        "the subscription to be healthy",
    )


def test_injected_duplicates(
    sb: Sandbox, api: httpx.Client, sqs: Any, queue: str, subscribe: Callable[..., Any]
) -> None:
    subscribe(queue)
    sb.inject_delivery(duplicate=1)
    ids = [new_customer(api)["id"] for _ in range(3)]
    bodies = receive(sqs, queue, 6)
    assert sorted(b["resource"]["id"] for b in bodies) == sorted(ids * 2)
    settle(sb)
    assert sb.deliveries()["duplicated"] == 3
    assert sb.deliveries()["sent"] == 6


def test_injected_reordering(
    sb: Sandbox, api: httpx.Client, sqs: Any, queue: str, subscribe: Callable[..., Any]
) -> None:
    subscribe(queue)
    sb.inject_delivery(reorder=1)
    a, b, c, d = (new_customer(api)["id"] for _ in range(4))
    bodies = receive(sqs, queue, 4)
    # Each held notification goes out after the next one.
    assert [x["resource"]["id"] for x in bodies] == [b, a, d, c]
    assert sb.deliveries()["reordered"] == 2


def test_injected_delay(
    sb: Sandbox, api: httpx.Client, sqs: Any, queue: str, subscribe: Callable[..., Any]
) -> None:
    subscribe(queue)
    sb.inject_delivery(delay_ms=800)
    started = time.monotonic()
    customer = new_customer(api)
    [body] = receive(sqs, queue, 1)
    assert time.monotonic() - started >= 0.8
    assert body["resource"]["id"] == customer["id"]
    assert sb.deliveries()["delayed"] == 1
    sb.clear_faults()
    assert sb.deliveries()["faults"] == {"duplicate": 0, "reorder": 0, "delayMs": 0}
