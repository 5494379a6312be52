"""The SQS destination block: a clear error per bad field, and the secret nowhere but in the
subscription's destination sent to commercetools."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from blocks import SqsDestination

URL = "https://sqs.eu-central-1.amazonaws.com/123456789012/ct-changes"
SECRET = "wJalrXUtnFEMI-never-shown"


def block(**fields: object) -> SqsDestination:
    values: dict[str, object] = {
        "queue_url": URL,
        "region": "eu-central-1",
        "access_key_id": "AKIAEXAMPLE",
        "secret_access_key": SECRET,
    }
    values.update(fields)
    return SqsDestination(**values)  # type: ignore[arg-type]


def test_the_secret_shows_in_no_repr_and_no_dump() -> None:
    destination = block()
    assert SECRET not in repr(destination) and SECRET not in str(destination)
    assert SECRET not in destination.model_dump_json()
    assert SECRET not in repr(destination.queue())


def test_the_subscription_gets_what_commercetools_needs() -> None:
    assert block().subscription_destination() == {
        "type": "SQS",
        "queueUrl": URL,
        "region": "eu-central-1",
        "authenticationMode": "Credentials",
        "accessKey": "AKIAEXAMPLE",
        "accessSecret": SECRET,
    }
    iam = block(authentication="IAM", access_key_id=None, secret_access_key=None)
    assert iam.subscription_destination() == {
        "type": "SQS",
        "queueUrl": URL,
        "region": "eu-central-1",
        "authenticationMode": "IAM",
    }


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"queue_url": "sqs://my-queue"}, "queue_url 'sqs://my-queue' is no SQS queue URL"),
        ({"secret_access_key": None}, "access_key_id and secret_access_key go together"),
        (
            {"access_key_id": None, "secret_access_key": None},
            "authentication 'Credentials' sends commercetools an access key",
        ),
    ],
)
def test_bad_input_names_the_field_and_the_fix_never_the_secret(
    fields: dict[str, object], says: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        block(**fields)
    assert says in str(raised.value)
    assert SECRET not in str(raised.value)
