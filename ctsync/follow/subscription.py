"""The project's subscription that sends every change the hub keeps to one queue.

`ensure_subscription` creates it, or brings an existing one (found by its key) in line with
update actions: the registry's resource types as `changes`, the given destination. It never
deletes a subscription and leaves subscriptions with other keys alone (a project may hold 50).
`subscription_health` reads its status: commercetools keeps nothing it could not deliver while
a subscription is `ConfigurationErrorDeliveryStopped` or `ManuallySuspended`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ctsync.client.errors import NotFound
from ctsync.client.http import CommercetoolsClient
from ctsync.client.resources import ResourceRef, create, get, update
from ctsync.follow.changes import ENTITY_OF_TYPE

SUBSCRIPTION_KEY = "prefect-commercetools-changes"
HEALTHY = "Healthy"
STOPPED = frozenset({"ConfigurationErrorDeliveryStopped", "ManuallySuspended"})
"""Statuses in which commercetools delivers nothing and keeps nothing."""

_SECRET_FIELDS = frozenset({"accessSecret", "connectionString"})
"""Destination fields compared only by whether they are there: the API may mask them."""


@dataclass
class SubscriptionOutcome:
    """What `ensure_subscription` did, and the subscription's state after it."""

    key: str
    id: str
    action: str
    """created, updated or unchanged."""
    status: str
    resource_types: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    """The update actions sent (their names), when updated."""

    @property
    def stopped(self) -> bool:
        return self.status in STOPPED


def subscribed_types() -> list[str]:
    """Every resource type the hub keeps (the registry's, less the project's settings)."""
    return sorted(ENTITY_OF_TYPE)


async def ensure_subscription(
    client: CommercetoolsClient,
    destination: dict[str, Any],
    *,
    key: str = SUBSCRIPTION_KEY,
    resource_types: list[str] | None = None,
    send_secret: bool = False,
) -> SubscriptionOutcome:
    """The subscription `key` sends changes of `resource_types` (default: every registry
    type) to `destination`, created or updated as needed. Secrets are compared by presence
    (the API may not return them as sent): `send_secret` sends the destination anyway, after a
    rotated secret."""
    types = sorted(resource_types or subscribed_types())
    changes = [{"resourceTypeId": type_id} for type_id in types]
    ref = ResourceRef("subscriptions", key=key)
    try:
        existing = await get(client, ref)
    except NotFound:
        draft = {
            "key": key,
            "destination": destination,
            "changes": changes,
            "format": {"type": "Platform"},
        }
        created = await create(client, "subscriptions", draft)
        return _outcome(created, "created", types)
    actions = _actions(existing, destination, types, send_secret)
    if not actions:
        return _outcome(existing, "unchanged", types)
    updated = await update(client, ref, actions)
    outcome = _outcome(updated, "updated", types)
    outcome.changed = [action["action"] for action in actions]
    return outcome


async def subscription_health(client: CommercetoolsClient, key: str = SUBSCRIPTION_KEY) -> str:
    """The subscription's status, or `Missing` when the project has none with that key."""
    try:
        found = await get(client, ResourceRef("subscriptions", key=key))
    except NotFound:
        return "Missing"
    return str(found.get("status", "Unknown"))


def _actions(
    existing: dict[str, Any], destination: dict[str, Any], types: list[str], send_secret: bool
) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    same = _comparable(existing.get("destination") or {}) == _comparable(destination)
    if send_secret or not same:
        actions.append({"action": "changeDestination", "destination": destination})
    have = sorted(
        c.get("resourceTypeId") for c in existing.get("changes") or [] if isinstance(c, dict)
    )
    if have != types:
        changes = [{"resourceTypeId": type_id} for type_id in types]
        actions.append({"action": "setChanges", "changes": changes})
    return actions


def _comparable(destination: dict[str, Any]) -> dict[str, Any]:
    """A destination without its secrets' values (the API may not return them as sent)."""
    return {
        name: (value if name not in _SECRET_FIELDS else bool(value))
        for name, value in destination.items()
        if value is not None
    }


def _outcome(subscription: dict[str, Any], action: str, types: list[str]) -> SubscriptionOutcome:
    return SubscriptionOutcome(
        key=str(subscription.get("key")),
        id=str(subscription.get("id")),
        action=action,
        status=str(subscription.get("status", "Unknown")),
        resource_types=types,
    )
