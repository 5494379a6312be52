"""Change notifications and the Messages API of the sandbox, delivered to moto's SQS server."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from ctsync.client.config import ConnectionSettings
from ctsync.client.http import CommercetoolsClient
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


def update_subscription(api: httpx.Client, ref: str, *actions: dict[str, Any]) -> httpx.Response:
    """One update of the subscription `ref` (`<id>` or `key=<key>`) at its current version."""
    version = api.get(f"/subscriptions/{ref}").json()["version"]
    return api.post(f"/subscriptions/{ref}", json={"version": version, "actions": list(actions)})


def assert_empty(sqs: Any, queue_url: str) -> None:
    got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    assert got.get("Messages", []) == []


def to_queue(url: str) -> dict[str, Any]:
    return {"type": "SQS", "queueUrl": url, "region": "eu-central-1", "authenticationMode": "IAM"}


def test_subscription_update_actions_change_what_is_delivered(
    sb: Sandbox, api: httpx.Client, sqs: Any, queue: str, subscribe: Callable[..., Any]
) -> None:
    key = f"sub-{uuid.uuid4().hex[:8]}"
    sub = subscribe(queue, key=key)
    assert api.get(f"/subscriptions/key={key}").json() == sub and sub["status"] == "Healthy"
    changes = [{"resourceTypeId": "customer-group"}]
    updated = update_subscription(api, f"key={key}", {"action": "setChanges", "changes": changes})
    assert (updated.json()["changes"], updated.json()["version"]) == (changes, 2)
    new_customer(api)  # no longer subscribed
    group = api.post("/customer-groups", json={"groupName": "vip"}).json()
    [body] = receive(sqs, queue, 1)
    assert body["resource"] == {"typeId": "customer-group", "id": group["id"]}

    other = sqs.create_queue(QueueName=f"ct-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    move = {"action": "changeDestination", "destination": to_queue(other)}
    moved = update_subscription(api, sub["id"], move).json()
    assert (moved["destination"], moved["status"], moved["version"]) == (
        to_queue(other),
        "Healthy",
        3,
    )
    # commercetools tests a new destination with a ResourceCreated of the subscription itself.
    [test] = receive(sqs, other, 1)
    assert test["notificationType"] == "ResourceCreated"
    assert (test["resource"]["typeId"], test["resource"]["id"]) == ("subscription", sub["id"])
    assert sb.deliveries()["tested"] == 1

    wanted = [{"resourceTypeId": "customer", "types": ["CustomerCreated"]}]
    events = [{"resourceTypeId": "import-api"}]
    swap = update_subscription(
        api,
        sub["id"],
        {"action": "setMessages", "messages": wanted},
        {"action": "setChanges"},  # unset: the subscription still takes messages
        {"action": "setEvents", "events": events},
    ).json()
    assert (swap["messages"], swap["changes"], swap["events"]) == (wanted, [], events)
    customer = new_customer(api)
    api.post("/customer-groups", json={"groupName": "not subscribed any more"})
    settle(sb)
    [message] = receive(sqs, other, 1)
    assert (message["type"], message["resource"]["id"]) == ("CustomerCreated", customer["id"])
    assert_empty(sqs, other)
    assert_empty(sqs, queue)


SECRET = "do-not-echo-this-secret"
NO_QUEUE = {"type": "SQS", "region": "eu-west-1"}


@pytest.mark.parametrize(
    ("action", "field", "value", "says"),
    [
        ("changeDestination", "-", None, "destination: Missing required value"),
        ("changeDestination", "destination", {"region": "x"}, "destination.type: Missing"),
        ("changeDestination", "destination", NO_QUEUE, "destination.queueUrl: Missing"),
        ("changeDestination", "destination", {"type": "Kafka"}, "type 'Kafka' is invalid"),
        (
            "changeDestination",
            "destination",
            {**NO_QUEUE, "queueUrl": "http://127.0.0.1/q", "accessSecret": SECRET},
            "requires accessKey and accessSecret",
        ),
        ("setChanges", "changes", "customer", "changes: JSON Array expected"),
        ("setChanges", "changes", [{"type": "customer"}], "changes[0].resourceTypeId: Missing"),
        ("setChanges", "changes", [{"resourceTypeId": "nope"}], "'nope' is not supported in"),
        ("setMessages", "messages", [{"resourceTypeId": "customer", "types": "X"}], "types:"),
        ("setEvents", "events", [{"resourceTypeId": "customer"}], "'customer' is not supported"),
        ("setChanges", "changes", [], "must subscribe to messages, changes or events"),
    ],
)
def test_subscription_updates_are_validated(
    api: httpx.Client,
    queue: str,
    subscribe: Callable[..., Any],
    action: str,
    field: str,
    value: Any,
    says: str,
) -> None:
    sub = subscribe(queue)
    resp = update_subscription(api, sub["id"], {"action": action, field: value})
    assert resp.status_code == 400, resp.text
    error = resp.json()["errors"][0]
    assert error["code"] == "InvalidInput" and says in error["message"], error["message"]
    assert SECRET not in resp.text
    assert api.get(f"/subscriptions/{sub['id']}").json() == sub


def test_unreachable_new_destination_fails_the_update(
    api: httpx.Client, sqs: Any, queue: str, subscribe: Callable[..., Any]
) -> None:
    sub = subscribe(queue)
    gone = sqs.create_queue(QueueName=f"ct-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    sqs.delete_queue(QueueUrl=gone)
    move = {"action": "changeDestination", "destination": to_queue(gone)}
    resp = update_subscription(api, sub["id"], move)
    assert resp.status_code == 400 and "could not be delivered to this destination" in resp.text
    assert api.get(f"/subscriptions/{sub['id']}").json() == sub
    customer = new_customer(api)  # still delivered where it was
    assert receive(sqs, queue, 1)[0]["resource"]["id"] == customer["id"]


def test_subscription_drafts_are_validated(api: httpx.Client, queue: str) -> None:
    draft = {"destination": NO_QUEUE, "changes": [{"resourceTypeId": "customer"}]}
    resp = api.post("/subscriptions", json=draft)
    assert resp.status_code == 400 and resp.json()["errors"][0]["code"] == "InvalidInput"
    assert "destination.queueUrl: Missing required value" in resp.text
    nothing = api.post("/subscriptions", json={"destination": to_queue(queue)})
    assert nothing.status_code == 400 and "must subscribe to messages, changes" in nothing.text
    assert api.get("/subscriptions", params={"limit": 1}).json()["total"] == 0


AFTER = "(createdAt > :at or (createdAt = :at and id > :after))"
ASC = ["createdAt asc", "id asc"]
DESC = ["createdAt desc", "id desc"]


def named_customers(api: httpx.Client, count: int) -> list[dict[str, Any]]:
    """`count` customers, each then updated with two actions: two messages of one createdAt."""
    names = [
        {"action": "setFirstName", "firstName": "A"},
        {"action": "setLastName", "lastName": "B"},
    ]
    customers = [new_customer(api) for _ in range(count)]
    for customer in customers:
        resp = api.post(f"/customers/{customer['id']}", json={"version": 1, "actions": names})
        assert resp.status_code == 200
    return customers


async def test_messages_polled_as_the_client_polls_them(sb: Sandbox, api: httpx.Client) -> None:
    set_messages(sb, api, True)
    first = (await asyncio.to_thread(named_customers, api, 3))[0]
    settings = ConnectionSettings(
        api_url=sb.api_url, client_id=sb.client_id, client_secret=sb.client_secret, scope=sb.scope
    )
    async with CommercetoolsClient(settings) as client:
        since = {"since": first["createdAt"]}
        page = await client.query(
            "messages", where="createdAt >= :since", sort=ASC, limit=500, variables=since
        )
        read = page.results
        keys = [(m["createdAt"], m["id"]) for m in read]
        assert keys == sorted(keys) and keys[0][0] == first["createdAt"]
        kinds = sorted((m["resource"]["id"], m["type"], m["resourceVersion"]) for m in read)
        ids = {kind[0] for kind in kinds}
        names = ["CustomerCreated", "CustomerFirstNameSet", "CustomerLastNameSet"]
        assert len(ids) == 3 and kinds == sorted(
            (c, name, 1 if name == "CustomerCreated" else 3) for c in ids for name in names
        )
        update_times = {
            (m["resource"]["id"], m["createdAt"]) for m in read if m["resourceVersion"] == 3
        }
        assert len(update_times) == 3  # both messages of an update share a createdAt: id orders

        async def after(message: dict[str, Any], limit: int = 500) -> list[dict[str, Any]]:
            cursor = {"at": message["createdAt"], "after": message["id"]}
            got = await client.query(
                "messages", where=AFTER, sort=ASC, limit=limit, variables=cursor
            )
            return got.results

        for i, message in enumerate(read):
            assert await after(message) == read[i + 1 :]
        paged, cursor = [], read[0]  # keyset pages of two, across the shared createdAt
        while chunk := await after(cursor, limit=2):
            paged, cursor = paged + chunk, chunk[-1]
        assert paged == read[1:]
        assert (await client.query("messages", sort=DESC, limit=1)).results == [read[-1]]
        later = await asyncio.to_thread(new_customer, api)  # written after a read: next in line
        more = await after(read[-1])
        assert [(m["type"], m["resource"]["id"]) for m in more] == [
            ("CustomerCreated", later["id"])
        ]
        assert (await client.query("messages", sort=DESC, limit=1)).results == more
