"""Standalone prices: value, validity, tiers, activity, custom fields. Their scope (SKU,
currency, country, customer group, channel) is fixed once created: a draft that moves it fails
with the reason instead of being applied to another price.

Here: the standalone prices draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from ctsync.client.errors import InvalidInput
from ctsync.push.copied import copied, keyed_references
from ctsync.push.custom_fields import CustomFieldsDraft, custom_actions, custom_draft, with_custom
from ctsync.push.diff import Action, Ids, manages
from ctsync.push.draft_types import (
    CountryCode,
    DraftModel,
    Key,
    KeyReference,
    MoneyDraft,
    Timestamp,
)
from ctsync.push.entity import PushEntity
from ctsync.push.keys import KeyOf, own_key
from ctsync.push.matching import by_keys, find_by_key
from ctsync.push.money import money
from ctsync.push.references import ref_id, reference
from ctsync.push.validity import validity_actions
from ctsync.registry import get_entity


class PriceTierDraft(DraftModel):
    minimumQuantity: int = Field(ge=2)
    value: MoneyDraft


class StandalonePriceDraft(DraftModel):
    """Matched by `key` (a standalone price without one cannot be matched, so is refused)."""

    key: Key
    sku: Key
    value: MoneyDraft
    country: CountryCode | None = None
    customerGroup: KeyReference | None = None
    channel: KeyReference | None = None
    validFrom: Timestamp | None = None
    validUntil: Timestamp | None = None
    tiers: list[PriceTierDraft] | None = None
    active: bool | None = None
    custom: CustomFieldsDraft | None = None

    @field_validator("tiers")
    @classmethod
    def _one_tier_per_quantity(cls, value: list[PriceTierDraft] | None) -> Any:
        quantities = [tier.minimumQuantity for tier in value or []]
        if len(set(quantities)) != len(quantities):
            raise ValueError("two tiers have the same minimumQuantity")
        return value

    @property
    def identity(self) -> str:
        return f"key {self.key}"


class ScopeChanged(InvalidInput):
    """A draft moves a standalone price's scope, which commercetools cannot change."""


def scope_changes(draft: StandalonePriceDraft, current: dict[str, Any], ids: Ids) -> list[str]:
    """What of the scope the draft would change, as `field old -> new` (references by key)."""
    changes = [
        f"{name} {have} -> {want}"
        for name, have, want in (
            ("sku", current.get("sku"), draft.sku),
            (
                "currency",
                (current.get("value") or {}).get("currencyCode"),
                draft.value.currencyCode,
            ),
        )
        if have != want
    ]
    if "country" in draft.model_fields_set and current.get("country") != draft.country:
        changes.append(f"country {current.get('country')} -> {draft.country}")
    for field, type_id in (("customerGroup", "customer-group"), ("channel", "channel")):
        wanted: KeyReference | None = getattr(draft, field)
        if field in draft.model_fields_set:
            if ref_id(reference(type_id, wanted, ids)) != ref_id(current.get(field)):
                changes.append(f"{field} -> {wanted.key if wanted else 'none'}")
    return changes


def _tier_map(tiers: Any) -> dict[int, dict[str, Any] | None]:
    """minimumQuantity -> value as a draft states it."""
    out: dict[int, dict[str, Any] | None] = {}
    for tier in tiers or []:
        if isinstance(tier, PriceTierDraft):
            out[tier.minimumQuantity] = tier.value.model_dump()
        elif isinstance(tier, dict):
            out[tier.get("minimumQuantity", 0)] = money(tier.get("value"))
    return out


def tier_actions(
    draft: StandalonePriceDraft, current: dict[str, Any], replace: bool
) -> list[Action]:
    """`addPriceTier` per new tier when tiers are only added, `removePriceTier` per tier when
    only removed, else one `setPriceTiers` with the whole set."""
    if not manages(draft, "tiers", replace):
        return []
    want, have = _tier_map(draft.tiers), _tier_map(current.get("tiers"))
    if want == have:
        return []
    added = {q: v for q, v in want.items() if q not in have}
    removed = [q for q in have if q not in want]
    changed = [q for q in want if q in have and want[q] != have[q]]
    if added and not removed and not changed:
        return [
            {"action": "addPriceTier", "tier": {"minimumQuantity": q, "value": v}}
            for q, v in sorted(added.items())
        ]
    if removed and not added and not changed:
        return [{"action": "removePriceTier", "minimumQuantity": q} for q in sorted(removed)]
    tiers = [{"minimumQuantity": q, "value": v} for q, v in sorted(want.items())]
    return [{"action": "setPriceTiers", "tiers": tiers}]


def standalone_price_actions(
    draft: StandalonePriceDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    """The update actions; raises ScopeChanged (the record fails) when the scope moves."""
    changes = scope_changes(draft, current, ids)
    if changes:
        raise ScopeChanged(
            f"the scope of a standalone price cannot change ({'; '.join(changes)}): delete "
            "the price and push it under a new key"
        )
    actions: list[Action] = []
    if money(current.get("value")) != draft.value.model_dump():
        actions.append({"action": "changeValue", "value": draft.value.model_dump()})
    actions += validity_actions(draft, current, replace)
    actions += tier_actions(draft, current, replace)
    if draft.active is not None and draft.active != current.get("active"):
        actions.append({"action": "changeActive", "active": draft.active})
    if manages(draft, "custom", replace):
        actions += custom_actions(draft.custom, current.get("custom"), ids, replace=replace)
    return actions


def standalone_price_create(draft: StandalonePriceDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = draft.model_dump(
        exclude_none=True, exclude={"customerGroup", "channel", "custom"}
    )
    if draft.customerGroup:
        document["customerGroup"] = reference("customer-group", draft.customerGroup, ids)
    if draft.channel:
        document["channel"] = reference("channel", draft.channel, ids)
    if draft.custom:
        document["custom"] = custom_draft(draft.custom, ids)
    return document


def standalone_price_references(draft: StandalonePriceDraft) -> list[tuple[str, str]]:
    refs: list[tuple[str, str]] = []
    if draft.customerGroup:
        refs.append(("customer-group", draft.customerGroup.key))
    if draft.channel:
        refs.append(("channel", draft.channel.key))
    if draft.custom is not None:
        refs.append(("type", draft.custom.type.key))
    return refs


def standalone_price_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    """A standalone price as a draft; its discounted value and staged changes stay behind (a
    product discount or a later edit sets them)."""
    draft: dict[str, Any] = {
        "key": own_key(resource, "standalone-price"),
        "sku": resource.get("sku"),
        "value": money(resource.get("value")),
    }
    draft |= copied(resource, "country", "validFrom", "validUntil")
    draft |= keyed_references(resource, key_of, "customerGroup", "channel")
    if resource.get("tiers"):
        draft["tiers"] = [
            {"minimumQuantity": t["minimumQuantity"], "value": money(t["value"])}
            for t in resource["tiers"]
        ]
    if isinstance(resource.get("active"), bool):
        draft["active"] = resource["active"]
    return with_custom(draft, resource, key_of, keyed_fields=False)


PUSH: PushEntity[StandalonePriceDraft] = PushEntity(
    entity=get_entity("standalone-prices"),
    model=StandalonePriceDraft,
    identity=lambda d: d.identity,
    references=standalone_price_references,
    lookups=by_keys,
    find=find_by_key,
    create=standalone_price_create,
    actions=standalone_price_actions,
    to_draft=standalone_price_to_draft,
)
