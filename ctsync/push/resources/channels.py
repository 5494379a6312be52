"""Channels: roles, name, description, address, geo location, custom fields.

commercetools changes a channel's name and description but cannot unset them (`changeName`,
`changeDescription` need a value), so a null there leaves them as they are. A channel created
without roles gets `InventorySupply`: a draft without roles under `replace` wants that default.

Here: the channels draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ctsync.push.custom_fields import (
    CustomFieldsDraft,
    custom_actions,
    custom_draft,
    custom_refs,
    with_custom,
)
from ctsync.push.diff import Action, Ids, blank, change_field, manages, set_field
from ctsync.push.draft_types import AddressDraft, DraftModel, Key, LocalizedString
from ctsync.push.entity import PushEntity
from ctsync.push.keys import KeyOf, own_key
from ctsync.push.matching import by_keys, find_by_key
from ctsync.registry import get_entity

ChannelRole = Literal[
    "InventorySupply", "ProductDistribution", "OrderExport", "OrderImport", "Primary"
]

DEFAULT_ROLES: list[str] = ["InventorySupply"]
"""What commercetools gives a channel created without roles."""


class BaseAddressDraft(AddressDraft):
    """An address of its own (a channel's): the key is optional, and the fields customers'
    addresses lack are there."""

    key: Key | None = None  # type: ignore[assignment]
    additionalAddressInfo: str | None = None
    fax: str | None = None
    externalId: str | None = None


class GeoPointDraft(DraftModel):
    """A GeoJSON point: coordinates are [longitude, latitude]."""

    type: Literal["Point"] = "Point"
    coordinates: Annotated[list[float], Field(min_length=2, max_length=2)]


class ChannelDraft(DraftModel):
    key: Key
    roles: list[ChannelRole] | None = None
    name: LocalizedString | None = None
    description: LocalizedString | None = None
    address: BaseAddressDraft | None = None
    geoLocation: GeoPointDraft | None = None
    custom: CustomFieldsDraft | None = None

    @property
    def identity(self) -> str:
        return f"key {self.key}"


def wanted_roles(draft: ChannelDraft) -> list[str]:
    """The roles a draft wants: those it names (null: none), else commercetools' default."""
    if "roles" in draft.model_fields_set:
        return list(dict.fromkeys(draft.roles or []))
    return list(DEFAULT_ROLES)


def address_of(current: Any) -> dict[str, Any] | None:
    """A stored address as a draft gives it: without its id and empty fields."""
    if not isinstance(current, dict):
        return None
    fields = BaseAddressDraft.model_fields
    return {k: v for k, v in current.items() if k in fields and not blank(v)} or None


def channel_actions(
    draft: ChannelDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    actions: list[Action] = []
    actions += change_field("changeName", "name", draft.name, current.get("name"))
    actions += change_field(
        "changeDescription", "description", draft.description, current.get("description")
    )
    if manages(draft, "roles", replace):
        wanted, have = wanted_roles(draft), list(current.get("roles") or [])
        added = [role for role in wanted if role not in have]
        removed = [role for role in have if role not in wanted]
        actions += [{"action": "addRoles", "roles": added}] if added else []
        actions += [{"action": "removeRoles", "roles": removed}] if removed else []
    if manages(draft, "address", replace):
        wanted_address = draft.address.model_dump(exclude_none=True) if draft.address else None
        actions += set_field(
            "setAddress", "address", wanted_address, address_of(current.get("address"))
        )
    if manages(draft, "geoLocation", replace):
        point = draft.geoLocation.model_dump() if draft.geoLocation else None
        actions += set_field("setGeoLocation", "geoLocation", point, current.get("geoLocation"))
    if manages(draft, "custom", replace):
        actions += custom_actions(draft.custom, current.get("custom"), ids, replace=replace)
    return actions


def channel_create(draft: ChannelDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = draft.model_dump(exclude_none=True, exclude={"roles", "custom"})
    if "roles" in draft.model_fields_set:
        document["roles"] = wanted_roles(draft)
    if draft.custom:
        document["custom"] = custom_draft(draft.custom, ids)
    return document


def channel_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft: dict[str, Any] = {
        "key": own_key(resource, "channel"),
        "roles": list(resource.get("roles") or []),
    }
    for field in ("name", "description", "geoLocation"):
        if not blank(resource.get(field)):
            draft[field] = resource[field]
    address = resource.get("address")
    if isinstance(address, dict):
        fields = BaseAddressDraft.model_fields
        kept = {k: v for k, v in address.items() if k in fields and not blank(v)}
        if kept:
            draft["address"] = kept
    return with_custom(draft, resource, key_of, keyed_fields=False)


PUSH: PushEntity[ChannelDraft] = PushEntity(
    entity=get_entity("channels"),
    model=ChannelDraft,
    identity=lambda d: d.identity,
    references=lambda d: custom_refs(d.custom),
    lookups=by_keys,
    find=find_by_key,
    create=channel_create,
    actions=channel_actions,
    to_draft=channel_to_draft,
)
