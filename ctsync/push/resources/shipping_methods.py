"""Shipping methods: names, descriptions, tax category, predicate, flags, custom fields, and the
zone rates (zones by key, each with its shipping rates) as the desired set.

Here: the shipping methods draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field, model_validator

from ctsync.push.copied import copied, keyed_references
from ctsync.push.custom_fields import CustomFieldsDraft, custom_actions, custom_draft, with_custom
from ctsync.push.diff import Action, Ids, change_field, manages, set_field
from ctsync.push.draft_types import DraftModel, Key, KeyReference, LocalizedString, MoneyDraft
from ctsync.push.entity import PushEntity
from ctsync.push.keys import KeyOf, key_of_reference, own_key
from ctsync.push.matching import by_keys, find_by_key
from ctsync.push.money import money
from ctsync.push.references import ref_id, reference, set_reference
from ctsync.registry import get_entity


class ShippingRateDraft(DraftModel):
    """A rate of a zone; `tiers` are commercetools' price tiers as they are (CartValue,
    CartClassification, CartScore)."""

    price: MoneyDraft
    freeAbove: MoneyDraft | None = None
    tiers: list[dict[str, Any]] = Field(default_factory=list)


class ZoneRateDraft(DraftModel):
    zone: KeyReference
    shippingRates: list[ShippingRateDraft] = Field(default_factory=list)


class ShippingMethodDraft(DraftModel):
    """Matched by `key`. `zoneRates`, when named, is the whole set of zones and rates."""

    key: Key
    name: str = Field(min_length=1)
    localizedName: LocalizedString | None = None
    description: str | None = None
    localizedDescription: LocalizedString | None = None
    taxCategory: KeyReference
    predicate: str | None = None
    isDefault: bool | None = None
    active: bool | None = None
    zoneRates: list[ZoneRateDraft] | None = None
    custom: CustomFieldsDraft | None = None

    @model_validator(mode="after")
    def _one_entry_per_zone(self) -> ShippingMethodDraft:
        zones = [rate.zone.key for rate in self.zoneRates or []]
        if len(set(zones)) != len(zones):
            raise ValueError("zoneRates: a zone is listed twice")
        return self

    @property
    def identity(self) -> str:
        return f"key {self.key}"


def rate_document(rate: Any) -> dict[str, Any]:
    """A ShippingRateDraft from a draft's rate or a current one: money by currency and amount,
    tiers without what commercetools computes (`isMatching`)."""
    if isinstance(rate, ShippingRateDraft):
        rate = rate.model_dump(exclude_none=True)
    document: dict[str, Any] = {"price": money(rate.get("price"))}
    if rate.get("freeAbove"):
        document["freeAbove"] = money(rate["freeAbove"])
    tiers = [_tier(tier) for tier in rate.get("tiers") or []]
    if tiers:
        document["tiers"] = tiers
    return document


def _tier(tier: dict[str, Any]) -> dict[str, Any]:
    clean = {name: value for name, value in tier.items() if name != "isMatching"}
    if isinstance(clean.get("price"), dict):
        clean["price"] = money(clean["price"])
    return clean


def _signature(rate: dict[str, Any]) -> str:
    return json.dumps(rate, sort_keys=True)


def _current_zones(current: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Zone id -> its rates as drafts (entries of one zone merged)."""
    zones: dict[str, list[dict[str, Any]]] = {}
    for entry in current.get("zoneRates") or []:
        zone = ref_id(entry.get("zone"))
        if zone:
            rates = zones.setdefault(zone, [])
            rates += [rate_document(rate) for rate in entry.get("shippingRates") or []]
    return zones


def zone_rate_actions(
    draft: ShippingMethodDraft, current: dict[str, Any], ids: Ids, replace: bool
) -> list[Action]:
    """`removeZone` / `addZone` for zones that go or come, and per zone `removeShippingRate`
    then `addShippingRate` for the rates that differ (removals first: a zone holds one rate
    per currency)."""
    if not manages(draft, "zoneRates", replace):
        return []
    have = _current_zones(current)
    removals: list[Action] = []
    additions: list[Action] = []
    wanted_zones: set[str] = set()
    for entry in draft.zoneRates or []:
        zone = reference("zone", entry.zone, ids)
        assert zone is not None
        wanted_zones.add(zone["id"])
        rates = [rate_document(rate) for rate in entry.shippingRates]
        if zone["id"] not in have:
            additions.append({"action": "addZone", "zone": zone})
        present = [_signature(r) for r in have.get(zone["id"], [])]
        wanted = [_signature(r) for r in rates]
        for rate, signature in zip(have.get(zone["id"], []), present, strict=True):
            if signature not in wanted:
                removals.append(
                    {"action": "removeShippingRate", "zone": zone, "shippingRate": rate}
                )
        for rate, signature in zip(rates, wanted, strict=True):
            if signature not in present:
                additions.append({"action": "addShippingRate", "zone": zone, "shippingRate": rate})
    gone = [
        {"action": "removeZone", "zone": {"typeId": "zone", "id": zone}}
        for zone in have
        if zone not in wanted_zones
    ]
    return gone + removals + additions


def shipping_method_actions(
    draft: ShippingMethodDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    actions: list[Action] = []
    actions += set_field("setKey", "key", draft.key, current.get("key"))
    actions += change_field("changeName", "name", draft.name, current.get("name"))
    for action, field in (
        ("setLocalizedName", "localizedName"),
        ("setDescription", "description"),
        ("setLocalizedDescription", "localizedDescription"),
        ("setPredicate", "predicate"),
    ):
        if manages(draft, field, replace):
            actions += set_field(action, field, getattr(draft, field), current.get(field))
    actions += set_reference(
        "changeTaxCategory",
        "taxCategory",
        "tax-category",
        draft.taxCategory,
        current.get("taxCategory"),
        ids,
    )
    for action, field in (("changeIsDefault", "isDefault"), ("changeActive", "active")):
        wanted = getattr(draft, field)
        if wanted is not None and wanted != current.get(field):
            actions.append({"action": action, field: wanted})
    actions += zone_rate_actions(draft, current, ids, replace)
    if manages(draft, "custom", replace):
        actions += custom_actions(draft.custom, current.get("custom"), ids, replace=replace)
    return actions


def shipping_method_create(draft: ShippingMethodDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = draft.model_dump(
        exclude_none=True, exclude={"taxCategory", "zoneRates", "custom"}
    )
    document["taxCategory"] = reference("tax-category", draft.taxCategory, ids)
    document["isDefault"] = bool(draft.isDefault)
    document["zoneRates"] = [
        {
            "zone": reference("zone", entry.zone, ids),
            "shippingRates": [rate_document(rate) for rate in entry.shippingRates],
        }
        for entry in draft.zoneRates or []
    ]
    if draft.custom:
        document["custom"] = custom_draft(draft.custom, ids)
    return document


def shipping_method_references(draft: ShippingMethodDraft) -> list[tuple[str, str]]:
    refs = [("tax-category", draft.taxCategory.key)]
    refs += [("zone", entry.zone.key) for entry in draft.zoneRates or []]
    if draft.custom is not None:
        refs.append(("type", draft.custom.type.key))
    return refs


def shipping_method_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft: dict[str, Any] = {"key": own_key(resource, "shipping-method")}
    draft |= copied(
        resource, "name", "localizedName", "description", "localizedDescription", "predicate"
    )
    draft |= keyed_references(resource, key_of, "taxCategory")
    for flag in ("isDefault", "active"):
        if isinstance(resource.get(flag), bool):
            draft[flag] = resource[flag]
    draft["zoneRates"] = [
        {
            "zone": key_of_reference(entry["zone"], key_of),
            "shippingRates": [rate_document(r) for r in entry.get("shippingRates") or []],
        }
        for entry in resource.get("zoneRates") or []
    ]
    return with_custom(draft, resource, key_of, keyed_fields=False)


PUSH: PushEntity[ShippingMethodDraft] = PushEntity(
    entity=get_entity("shipping-methods"),
    model=ShippingMethodDraft,
    identity=lambda d: d.identity,
    references=shipping_method_references,
    lookups=by_keys,
    find=find_by_key,
    create=shipping_method_create,
    actions=shipping_method_actions,
    to_draft=shipping_method_to_draft,
)
