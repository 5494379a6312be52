"""Where commercetools sends change notifications: an AWS SQS queue, as a Prefect block.

The same block serves both ends: `follow_changes` reads the queue with it, and
`ensure_subscription` gives commercetools its URL, region and (for `Credentials`
authentication) the access key that may send to it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from prefect.blocks.core import Block
from pydantic import ConfigDict, Field, SecretStr, field_validator, model_validator

from blocks._form import Shown
from blocks._loading import NamedLoad
from ctsync.follow.sqs import SqsQueue

_QUEUE_URL = re.compile(r"^https?://[^/\s]+/\d{12}/[A-Za-z0-9_-]{1,80}(\.fifo)?$")


class SqsDestination(NamedLoad, Block):
    """An AWS SQS queue that commercetools delivers change notifications to.

    Example:
        Save one, then let `ensure_subscription` point the project's subscription at it:
        ```python
        from blocks import SqsDestination

        SqsDestination(
            queue_url="https://sqs.eu-central-1.amazonaws.com/123456789012/ct-changes",
            region="eu-central-1",
            access_key_id="AKIA...",
            secret_access_key="...",
        ).save("changes-queue")
        ```
    """

    model_config = ConfigDict(hide_input_in_errors=True)

    _block_type_name = "commercetools SQS Destination"
    _block_type_slug = "commercetools-sqs-destination"
    _save_example: ClassVar[str] = 'SqsDestination(queue_url="https://sqs...", region="...")'
    _logo_url = "https://docs.commercetools.com/favicon.ico"
    _documentation_url = "https://docs.commercetools.com/api/projects/subscriptions"
    _description = (
        "An AWS SQS queue that commercetools sends change notifications to and follow_changes "
        "reads: its URL, region and AWS credentials."
    )

    queue_url: str = Field(
        title="Queue URL",
        description="https://sqs.<region>.amazonaws.com/<account id>/<queue name>",
    )
    region: str = Field(title="Region", description="The queue's AWS region, e.g. eu-central-1.")
    authentication: Literal["Credentials", "IAM"] = Field(
        default="Credentials",
        title="commercetools authentication",
        description=(
            "How commercetools may send to the queue: Credentials (the access key below) or "
            "IAM (the queue's policy lets commercetools' IAM user send)."
        ),
    )
    access_key_id: Annotated[str | None, Shown()] = Field(
        default=None,
        title="Access key ID",
        description="An AWS access key that may receive and delete (and, for Credentials, send).",
    )
    secret_access_key: Annotated[SecretStr | None, Shown()] = Field(
        default=None, title="Secret access key"
    )
    endpoint_url: Annotated[str | None, Shown()] = Field(
        default=None,
        title="Endpoint URL",
        description="Only for an SQS stand-in (moto's server in tests); empty for AWS.",
    )

    @field_validator("queue_url")
    @classmethod
    def _queue_url(cls, value: str) -> str:
        value = value.strip()
        if not _QUEUE_URL.match(value):
            raise ValueError(
                f"queue_url {value!r} is no SQS queue URL: give "
                "https://sqs.<region>.amazonaws.com/<12-digit account id>/<queue name>"
            )
        return value

    @model_validator(mode="after")
    def _credentials_complete(self) -> SqsDestination:
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ValueError(
                "access_key_id and secret_access_key go together: give both, or neither to "
                "use the worker's AWS credentials (environment, profile or role)"
            )
        if self.authentication == "Credentials" and self.access_key_id is None:
            raise ValueError(
                "authentication 'Credentials' sends commercetools an access key: give "
                "access_key_id and secret_access_key, or choose 'IAM'"
            )
        return self

    def queue(self, **options: Any) -> SqsQueue:
        """A reader of the queue for `follow_changes`."""
        return SqsQueue(
            self.queue_url,
            region=self.region,
            access_key_id=self.access_key_id,
            secret_access_key=self.secret_access_key,
            endpoint_url=self.endpoint_url,
            **options,
        )

    def subscription_destination(self) -> dict[str, Any]:
        """The subscription's `destination` (SqsDestination of the API), secrets included:
        for the API request only, never for a log."""
        destination: dict[str, Any] = {
            "type": "SQS",
            "queueUrl": self.queue_url,
            "region": self.region,
            "authenticationMode": self.authentication,
        }
        if self.authentication == "Credentials":
            assert self.access_key_id is not None and self.secret_access_key is not None
            destination["accessKey"] = self.access_key_id
            destination["accessSecret"] = self.secret_access_key.get_secret_value()
        return destination
