"""Zones: name, description and the locations (a country, maybe one of its states) they cover.

A zone's locations are a set: a draft that names them is the whole set, and a location is its
country and state (commercetools has no other identity for one).

Here: the zones draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from ctsync.push.copied import copied
from ctsync.push.diff import Action, Ids, key_name_description_actions, manages
from ctsync.push.draft_types import CountryCode, DraftModel, Key
from ctsync.push.entity import PushEntity
from ctsync.push.keys import KeyOf, own_key
from ctsync.push.matching import by_keys_and_names, find_by_key_or_name
from ctsync.registry import get_entity

Location = tuple[str, str | None]
"""(country, state): how a zone's location is recognised."""


class LocationDraft(DraftModel):
    country: CountryCode
    state: str | None = None

    @property
    def pair(self) -> Location:
        return (self.country, self.state or None)


class ZoneDraft(DraftModel):
    """Matched by `key`; a zone without a key and with the same name is adopted (setKey)."""

    key: Key
    name: Annotated[str, StringConstraints(min_length=1)]
    description: str | None = None
    locations: list[LocationDraft] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_locations(self) -> ZoneDraft:
        pairs = [location.pair for location in self.locations]
        if len(set(pairs)) != len(pairs):
            raise ValueError("locations: a location is listed twice")
        return self

    @property
    def identity(self) -> str:
        return f"key {self.key}"


def location_document(pair: Location) -> dict[str, str]:
    country, state = pair
    return {"country": country, "state": state} if state else {"country": country}


def location_pair(location: dict[str, Any]) -> Location:
    return (str(location.get("country")), location.get("state") or None)


def location_actions(draft: ZoneDraft, current: dict[str, Any]) -> list[Action]:
    """removeLocation for each location the draft does not list, addLocation for each new one."""
    wanted = [location.pair for location in draft.locations]
    have = [location_pair(location) for location in current.get("locations") or []]
    actions: list[Action] = [
        {"action": "removeLocation", "location": location_document(pair)}
        for pair in have
        if pair not in wanted
    ]
    actions += [
        {"action": "addLocation", "location": location_document(pair)}
        for pair in wanted
        if pair not in have
    ]
    return actions


def zone_actions(
    draft: ZoneDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    actions = key_name_description_actions(
        draft.key,
        draft.name,
        draft.description,
        current,
        manages_description=manages(draft, "description", replace),
    )
    if manages(draft, "locations", replace):
        actions += location_actions(draft, current)
    return actions


def zone_create(draft: ZoneDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = draft.model_dump(exclude_none=True, exclude={"locations"})
    document["locations"] = [location_document(location.pair) for location in draft.locations]
    return document


def zone_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    locations = []
    for location in resource.get("locations") or []:
        locations.append({"country": location["country"]})
        locations[-1] |= copied(location, "state")
    draft = {"key": own_key(resource, "zone"), "name": resource["name"], "locations": locations}
    draft |= copied(resource, "description")
    return draft


PUSH: PushEntity[ZoneDraft] = PushEntity(
    entity=get_entity("zones"),
    model=ZoneDraft,
    identity=lambda d: d.identity,
    references=lambda d: [],
    lookups=by_keys_and_names,
    find=find_by_key_or_name,
    create=zone_create,
    actions=zone_actions,
    to_draft=zone_to_draft,
)
