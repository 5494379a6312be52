"""What a notification or message says changed, in one shape whatever carried it.

commercetools delivers change notifications (`ResourceCreated`, `ResourceUpdated`,
`ResourceDeleted`) and messages, in the Platform format or as CloudEvents; the Messages API
serves the same messages. Each becomes a `Change`: which resource, at which version, whether it
is gone (and whether its data must be erased). Bodies are fetched by id afterwards, so a change
carries no document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from ctsync.registry import ENTITIES, Entity
from ctsync.timestamps import TIMESTAMP, parse

ENTITY_OF_TYPE: dict[str, Entity] = {
    entity.type_id: entity for entity in ENTITIES.values() if not entity.singleton
}
"""The registry entity of each resource type id a notification names (`customer` -> customers)."""

_TIMESTAMP = re.compile(TIMESTAMP)

_NOTIFICATION_KINDS = {
    "ResourceCreated": "created",
    "ResourceUpdated": "updated",
    "ResourceDeleted": "deleted",
}

DELETION_MESSAGES = frozenset(
    {
        "AssociateRoleDeleted",
        "BusinessUnitDeleted",
        "CustomerDeleted",
        "CustomerGroupDeleted",
        "DiscountCodeDeleted",
        "InventoryEntryDeleted",
        "OrderDeleted",
        "PaymentDeleted",
        "ProductDeleted",
        "ProductSelectionDeleted",
        "QuoteDeleted",
        "QuoteRequestDeleted",
        "RecurringOrderDeleted",
        "ReviewDeleted",
        "StagedQuoteDeleted",
        "StandalonePriceDeleted",
        "StoreDeleted",
        "CartDiscountDeleted",
        "ProductDiscountDeleted",
        "ShoppingListDeleted",
    }
)
"""Messages that say the resource itself is gone (not a part of it: `ProductVariantDeleted`
leaves the product). Types without one (categories, product types, channels, custom objects,
carts and others) get their deletions from change notifications or the periodic plain delta."""


class NotAChange(ValueError):
    """A body that is no notification or message this consumer understands (kept out of the hub,
    acknowledged, and counted)."""


@dataclass(frozen=True)
class Change:
    """One resource's change: its type and id, the version it reached, and whether it is gone."""

    type_id: str
    id: str
    version: int | None
    modified_at: str | None
    deleted: bool = False
    data_erasure: bool = False
    project_key: str | None = None
    """The project the notification names (messages from the Messages API name none)."""

    @property
    def entity(self) -> Entity | None:
        """The registry entity, or None for a type the hub does not keep."""
        return ENTITY_OF_TYPE.get(self.type_id)


def parse_body(body: str | bytes) -> Change:
    """A queue message's body (Platform format or a CloudEvent) as a Change."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise NotAChange(f"not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise NotAChange("not a JSON object")
    if "specversion" in payload:  # CloudEvents: the Platform payload is its `data`
        data = payload.get("data")
        if not isinstance(data, dict):
            raise NotAChange("a CloudEvent without a data object")
        payload = data
    return parse_payload(payload)


def parse_payload(payload: dict[str, Any]) -> Change:
    """A Platform-format payload: a change notification or a message."""
    kind = payload.get("notificationType")
    if kind in _NOTIFICATION_KINDS:
        resource = _resource(payload)
        return Change(
            type_id=resource[0],
            id=resource[1],
            version=_version(payload.get("version")),
            modified_at=_timestamp(payload.get("modifiedAt")),
            deleted=kind == "ResourceDeleted",
            data_erasure=kind == "ResourceDeleted" and payload.get("dataErasure") is True,
            project_key=_text(payload.get("projectKey")),
        )
    if kind == "Message" or (kind is None and "sequenceNumber" in payload):
        return parse_message(payload)
    if kind is None:
        raise NotAChange(f"no notificationType among the fields {sorted(payload)[:8]}")
    raise NotAChange(f"notificationType {kind!r} is no change")


def parse_message(message: dict[str, Any]) -> Change:
    """A message (from a subscription or the Messages API) as a Change of its resource."""
    type_id, resource_id = _resource(message)
    deleted = _message_type(message) in DELETION_MESSAGES
    return Change(
        type_id=type_id,
        id=resource_id,
        version=_version(message.get("resourceVersion")),
        modified_at=_timestamp(message.get("createdAt")),
        deleted=deleted,
        data_erasure=deleted and message.get("dataErasure") is True,
        project_key=_text(message.get("projectKey")),
    )


def latest(changes: Iterable[Change]) -> dict[tuple[str, str], Change]:
    """Per resource, what the hub must end with: a deletion wins (a deleted id never returns),
    an erasing one over a plain one, else the highest version. Ties are broken on every field,
    so duplicates and reordering change nothing, not even which change's times are kept."""
    kept: dict[tuple[str, str], Change] = {}
    for change in changes:
        key = (change.type_id, change.id)
        before = kept.get(key)
        if before is None or _rank(change) > _rank(before):
            kept[key] = change
    return kept


def _rank(change: Change) -> tuple[bool, bool, int, str, str]:
    """A total order on one resource's changes: the greatest is the one the hub ends with."""
    version = -1 if change.version is None else change.version
    return (
        change.deleted,
        change.data_erasure,
        version,
        change.modified_at or "",
        change.project_key or "",
    )


def _resource(payload: dict[str, Any]) -> tuple[str, str]:
    resource = payload.get("resource")
    if not isinstance(resource, dict):
        raise NotAChange("no resource reference")
    type_id, resource_id = resource.get("typeId"), resource.get("id")
    if not isinstance(type_id, str) or not isinstance(resource_id, str) or not resource_id:
        raise NotAChange(f"a resource reference without typeId and id: {resource}")
    return type_id, resource_id


def _message_type(message: dict[str, Any]) -> str:
    """The message's type; a payload too large for the queue keeps it in `payloadNotIncluded`
    (and drops the message's own fields, `type` among them)."""
    kind = message.get("type")
    if isinstance(kind, str):
        return kind
    dropped = message.get("payloadNotIncluded")
    kind = dropped.get("payloadType") if isinstance(dropped, dict) else None
    return kind if isinstance(kind, str) else ""


def _timestamp(value: Any) -> str | None:
    """A commercetools timestamp, or None: the lag is computed from it after the hub committed,
    where a malformed one would fail a batch that could then never be acknowledged."""
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        return None
    try:
        parse(value)
    except ValueError:  # the pattern's shape, not a date (month 13)
        return None
    return value


def _version(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
