"""`python -m deployments.alerts --webhook-url URL`: a notification for every commercetools run
that fails or crashes.

Saves a Custom Webhook notification block and an automation on the Prefect server of
PREFECT_API_URL: any flow run tagged `commercetools` (every deployment of prefect.yaml, and every
sync, push, copy or export run from Python) that ends Failed or Crashed sends the webhook a JSON
body with the run's name, its state, its error (the state message) and a link to the run.
Running it again replaces both (one block, one automation), so a new URL needs nothing else.
The link comes from the server's PREFECT_UI_URL: set it to the UI's address (…/v2).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit
from uuid import UUID

from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.orchestration import get_client
from prefect.events.actions import SendNotification
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

from flows._tags import TAG

BLOCK_NAME = "commercetools-alerts"
AUTOMATION_NAME = "commercetools run failed or crashed"
ENDED_BADLY = ("prefect.flow-run.Failed", "prefect.flow-run.Crashed")

# Jinja, rendered by the server's actions service with the run that triggered it.
SUBJECT = "commercetools run {{ flow_run.name }} {{ flow_run.state.name }}"
BODY = """\
Flow run {{ flow_run.name }} of {{ flow.name }}{% if deployment %} \
(deployment {{ deployment.name }}){% endif %} ended {{ flow_run.state.name }}.
Error: {{ flow_run.state.message }}
{{ flow_run|ui_url }}"""
# What the webhook receives: `{{subject}}` and `{{body}}` are the rendered texts above; `text`
# is what chat webhooks (Slack, Mattermost, Teams workflows) show.
JSON_DATA = {"subject": "{{subject}}", "body": "{{body}}", "text": "{{subject}}\n{{body}}"}


def notification_block(webhook_url: str) -> CustomWebhookNotificationBlock:
    """The webhook as a block; its URL is a secret value (a chat webhook's URL is its token), so
    the UI shows it masked."""
    return CustomWebhookNotificationBlock(
        name="prefect-commercetools",
        url="{{webhook_url}}",
        method="POST",
        json_data=JSON_DATA,
        secrets={"webhook_url": webhook_url},
    )


def failure_automation(block_document_id: UUID) -> AutomationCore:
    """Every Failed or Crashed state of a flow run tagged `commercetools`, one notification."""
    return AutomationCore(
        name=AUTOMATION_NAME,
        description=f"Notifies the {BLOCK_NAME} webhook when a run tagged {TAG} fails or crashes.",
        enabled=True,
        trigger=EventTrigger(
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={
                "prefect.resource.role": "tag",
                "prefect.resource.id": f"prefect.tag.{TAG}",
            },
            expect=set(ENDED_BADLY),
            posture=Posture.Reactive,
            threshold=1,
            within=timedelta(0),
        ),
        actions=[SendNotification(block_document_id=block_document_id, subject=SUBJECT, body=BODY)],
    )


def install(webhook_url: str, block_name: str = BLOCK_NAME) -> tuple[UUID, UUID]:
    """Save the block and create or replace the automation; their ids."""
    block_id = notification_block(webhook_url).save(block_name, overwrite=True)
    automation = failure_automation(block_id)
    with get_client(sync_client=True) as prefect:
        existing = prefect.read_automations_by_name(AUTOMATION_NAME)
        if not existing:
            return block_id, prefect.create_automation(automation)
        keep, *extra = existing
        prefect.update_automation(keep.id, automation)
        for duplicate in extra:  # made by hand in the UI, say: one notification per failure
            prefect.delete_automation(duplicate.id)
        return block_id, keep.id


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m deployments.alerts",
        description=__doc__.splitlines()[0] if __doc__ else "",
    )
    parser.add_argument("--webhook-url", required=True, help="where to POST the notification")
    parser.add_argument(
        "--block-name",
        default=BLOCK_NAME,
        help=f"name of the notification block to save (default: {BLOCK_NAME})",
    )
    args = parser.parse_args(argv)
    block_id, automation_id = install(args.webhook_url, args.block_name)
    print(
        f"Notification block {args.block_name!r} ({block_id}) and automation "
        f"{AUTOMATION_NAME!r} ({automation_id}): runs tagged {TAG} that end Failed or Crashed "
        f"are POSTed to the webhook at {urlsplit(args.webhook_url).hostname}"
    )


if __name__ == "__main__":
    main()
