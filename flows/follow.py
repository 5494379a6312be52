"""Changes in the hub within seconds: `follow_changes` and `ensure_subscription`.

`follow_changes` reads change notifications from the project's queue (or polls the Messages
API), applies them to the hub in batches, and acknowledges each batch only once the hub
committed it (ctsync/follow). Every `check_seconds` it reads the subscription's health and
refreshes its artifact; a stopped subscription, or a queue silent for `silence_seconds`, makes
it run a plain delta of every entity (`sync_all`, a subflow), the safety net that also finds
what no notification carried. Each applied batch emits `commercetools.changes.applied` per
entity, labelled with its counts like a sync's event, so the same automations start on it.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from blocks.resolve import resolve_destination, resolve_hub
from ctsync.follow import ChangeApplier, FollowedBatch, LoopSettings, follow_once
from ctsync.follow.messages import MessagesSource
from ctsync.follow.report import Fallback, FollowReport
from ctsync.follow.subscription import (
    HEALTHY,
    STOPPED,
    SUBSCRIPTION_KEY,
    SubscriptionOutcome,
    subscription_health,
)
from ctsync.follow.subscription import ensure_subscription as ensure
from ctsync.run.sync_all_report import SyncAllReport
from ctsync.timestamps import iso
from flows import _parameters as param
from flows._engine import run_with_client
from flows._naming import timestamped
from flows._tags import resolve_tagged
from flows.follow_run import APPLIED_EVENT, FollowRun
from flows.sync import sync_all


def _follow_run_name() -> str:
    return timestamped("follow", str(flow_run.parameters.get("source", "queue")))


@flow(name="ensure-subscription", flow_run_name=lambda: timestamped("ensure-subscription"))
def ensure_subscription(
    credentials: param.Credentials,
    destination: param.RequiredDestination,
    key: param.SubscriptionKey = SUBSCRIPTION_KEY,
    send_secret: param.SendSecret = False,
) -> SubscriptionOutcome:
    """Create the project's subscription (or bring it in line): change notifications of every
    resource type the hub keeps, to the queue of `destination`. Reads its health after."""
    block = resolve_tagged(credentials)
    queue = resolve_destination(destination)
    outcome = run_with_client(
        block,
        None,
        lambda client: ensure(
            client, queue.subscription_destination(), key=key, send_secret=send_secret
        ),
    )
    logger = get_run_logger()
    done = f"{outcome.action} ({', '.join(outcome.changed)})" if outcome.changed else outcome.action
    logger.info(
        "Subscription %s %s: changes of %d resource types to %s; status %s",
        key,
        done,
        len(outcome.resource_types),
        queue.queue_url,
        outcome.status,
    )
    if outcome.stopped:
        logger.warning(
            "Subscription %s is %s: commercetools delivers nothing and keeps nothing; check the "
            "queue's permissions, then run this flow again",
            key,
            outcome.status,
        )
    return outcome


@flow(name="follow-changes", flow_run_name=_follow_run_name)
def follow_changes(
    credentials: param.Credentials,
    destination: param.Destination = None,
    hub: param.Hub = None,
    source: param.FollowSource = "queue",
    run_for_seconds: param.RunForSeconds = None,
    batch_seconds: param.BatchSeconds = 1.0,
    poll_seconds: param.PollSeconds = 2.0,
    silence_seconds: param.SilenceSeconds = 900.0,
    check_seconds: param.CheckSeconds = 60.0,
    subscription_key: param.SubscriptionKey = SUBSCRIPTION_KEY,
) -> FollowReport:
    """Apply commercetools' change notifications (or messages) to the hub as they come: within
    seconds instead of at the next scheduled delta."""
    block = resolve_tagged(credentials)
    hub_block = resolve_hub(hub)
    store = hub_block.get_store()
    if source not in ("queue", "messages"):
        raise ValueError(f"source {source!r}: choose queue or messages")
    if not 0.2 <= batch_seconds <= 10:
        raise ValueError(f"batch_seconds {batch_seconds}: give 0.2 to 10 seconds")
    run = FollowRun(block, hub_block, store, source=source, check_seconds=check_seconds)
    if source == "queue":
        if destination is None:
            raise ValueError(
                "source queue needs destination: the name of a saved SQS Destination block "
                "(or source='messages' to poll the Messages API without a queue)"
            )
        queue = resolve_destination(destination).queue()
        run.report.source = f"queue {queue.name}"
    else:
        queue = None
    settings = LoopSettings(batch_seconds=batch_seconds)
    deadline = None if run_for_seconds is None else time.monotonic() + run_for_seconds
    get_run_logger().info(
        "Following %s of %s into the hub%s",
        run.report.source,
        block.project_key,
        "" if deadline is None else f" for {run_for_seconds:g} s",
    )
    while deadline is None or time.monotonic() < deadline:
        until = time.monotonic() + check_seconds
        _window(
            run, queue, settings, poll_seconds, until if deadline is None else min(until, deadline)
        )
        _check(run, source, subscription_key, silence_seconds)
    return run.finish()


def _window(
    run: FollowRun, queue: Any, settings: LoopSettings, poll_seconds: float, until: float
) -> None:
    """Follow until `until` (a monotonic time) with a client of the run's block."""
    if queue is not None:
        run_with_client(run.block, None, lambda c: _follow_queue(c, run, queue, settings, until))
    else:
        run_with_client(run.block, None, lambda c: _follow_messages(c, run, poll_seconds, until))


async def _follow_queue(
    client: Any, run: FollowRun, queue: Any, settings: LoopSettings, until: float
) -> None:
    applier = ChangeApplier(client, run.store, run.block.project_key)
    while time.monotonic() < until:
        settings.idle_wait_seconds = max(0.0, min(5.0, until - time.monotonic()))
        run.applied(await follow_once(queue, applier, settings))


async def _follow_messages(client: Any, run: FollowRun, poll_seconds: float, until: float) -> None:
    applier = ChangeApplier(client, run.store, run.block.project_key)
    if run.messages is None:
        run.messages = MessagesSource(client, run.store, run.block.project_key)
        run.messages.commit(await run.messages.start())  # a restart resumes from here
    source = run.messages
    source.client = client
    while time.monotonic() < until:
        started = time.monotonic()
        changes, watermark = await source.poll()
        applied = await applier.apply(changes)
        source.commit(watermark)
        unreadable, source.unreadable = source.unreadable, []
        run.applied(FollowedBatch(applied, len(changes), unreadable) if changes else None)
        await asyncio.sleep(max(0.0, min(until, started + poll_seconds) - time.monotonic()))


def _check(run: FollowRun, source: str, key: str, silence_seconds: float) -> None:
    """Between windows: the subscription's health, the safety delta when it is due."""
    reason = None
    if source == "queue":
        run.report.health = run_with_client(run.block, None, lambda c: subscription_health(c, key))
        if run.report.health in STOPPED or run.report.health == "Missing":
            reason = f"subscription {key} is {run.report.health}"
        elif run.quiet_seconds() >= silence_seconds:
            reason = f"the queue was silent for {run.quiet_seconds():.0f} s"
    if reason is not None:
        _fall_back(run, reason)
    run.publish()


def _fall_back(run: FollowRun, reason: str) -> None:
    """A plain delta of every entity: what notifications did not carry reaches the hub."""
    logger = get_run_logger()
    logger.warning("%s: running a plain delta of every entity", reason)
    at = iso(datetime.now(UTC))
    state = sync_all(run.block, hub=run.hub_block, mode="delta", return_state=True)
    report = state.result(raise_on_failure=False)
    if isinstance(report, SyncAllReport):
        outcome = report.summary()
    else:  # the delta's own run says what failed; following goes on
        outcome = f"the delta failed: {state.message or report}"
    run.report.fallbacks.append(Fallback(at, reason, outcome))
    run.restart_quiet_clock()
    if run.report.health not in (HEALTHY, "unknown") and "silent" not in reason:
        logger.warning("Following goes on; run ensure-subscription once the queue is fixed")


__all__ = ["APPLIED_EVENT", "ensure_subscription", "follow_changes"]
