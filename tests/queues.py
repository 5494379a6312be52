"""moto's SQS server for the tests: a real implementation of the SQS API on 127.0.0.1."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

REGION = "eu-central-1"
ACCESS_KEY = "AKIDMOTO"
SECRET_KEY = "moto-secret-never-shown"


@contextmanager
def moto_sqs() -> Iterator[str]:
    """A running moto server; yields its endpoint URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per SQS call otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def sqs_client(endpoint: str) -> Any:
    return boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def new_queue(endpoint: str) -> str:
    """A fresh queue's URL."""
    name = f"ct-changes-{uuid.uuid4().hex[:10]}"
    url: str = sqs_client(endpoint).create_queue(QueueName=name)["QueueUrl"]
    return url


def queue_depth(endpoint: str, queue_url: str) -> int:
    """Visible plus in-flight messages of the queue."""
    attributes = sqs_client(endpoint).get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def drain(endpoint: str, queue_url: str) -> int:
    """Empty the queue (what a test's set-up sent); returns how many bodies it held."""
    client = sqs_client(endpoint)
    drained = 0
    while True:
        got = client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
        messages = got.get("Messages", [])
        if not messages:
            return drained
        for message in messages:
            client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        drained += len(messages)
