"""Stores: name, languages, countries, distribution and supply channels, product selections
and custom fields.

Each list a draft names is the desired set, set whole (`setLanguages`, `setCountries`,
`setDistributionChannels`, `setSupplyChannels`, `setProductSelections`) when the set differs:
commercetools keeps no meaning in their order.

Here: the stores draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from ctsync.push.custom_fields import (
    CustomFieldsDraft,
    custom_actions,
    custom_draft,
    custom_refs,
    with_custom,
)
from ctsync.push.diff import Action, Ids, blank, manages, set_field, set_list
from ctsync.push.draft_types import CountryCode, DraftModel, Key, KeyReference, LocalizedString
from ctsync.push.entity import PushEntity, Reference
from ctsync.push.keys import KeyOf, key_of_reference, own_key
from ctsync.push.matching import by_keys, find_by_key
from ctsync.push.references import id_set, key_references, ref_id, reference
from ctsync.registry import get_entity


def _country_from_code(value: Any) -> Any:
    """A country given as its code (`"DE"`) or as commercetools has it (`{"code": "DE"}`)."""
    return {"code": value} if isinstance(value, str) else value


class StoreCountryDraft(DraftModel):
    code: CountryCode


class ProductSelectionSettingDraft(DraftModel):
    """A product selection by key; inactive unless `active` (commercetools' default)."""

    productSelection: KeyReference
    active: bool = False


class StoreDraft(DraftModel):
    key: Key
    name: LocalizedString | None = None
    languages: list[str] | None = None
    countries: list[Annotated[StoreCountryDraft, BeforeValidator(_country_from_code)]] | None = None
    distributionChannels: list[KeyReference] | None = None
    supplyChannels: list[KeyReference] | None = None
    productSelections: list[ProductSelectionSettingDraft] | None = None
    custom: CustomFieldsDraft | None = None

    @property
    def identity(self) -> str:
        return f"key {self.key}"


def selection_documents(draft: StoreDraft, ids: Ids) -> list[dict[str, Any]]:
    return [
        {
            "productSelection": reference("product-selection", setting.productSelection, ids),
            "active": setting.active,
        }
        for setting in draft.productSelections or []
    ]


def _selection_set(settings: Any) -> set[tuple[str | None, bool]]:
    return {
        (ref_id(s.get("productSelection")), bool(s.get("active")))
        for s in settings or []
        if isinstance(s, dict)
    }


def _list_actions(
    draft: StoreDraft, current: dict[str, Any], ids: Ids, replace: bool
) -> list[Action]:
    """The lists' `set…` actions, each when its set differs."""
    actions: list[Action] = []
    if manages(draft, "languages", replace):
        languages = list(dict.fromkeys(draft.languages or []))
        same = set(languages) == set(current.get("languages") or [])
        actions += set_list("setLanguages", "languages", languages, same)
    if manages(draft, "countries", replace):
        countries = [{"code": c.code} for c in draft.countries or []]
        have = {c.get("code") for c in current.get("countries") or []}
        same = {c["code"] for c in countries} == have
        actions += set_list("setCountries", "countries", countries, same)
    for field, action in (
        ("distributionChannels", "setDistributionChannels"),
        ("supplyChannels", "setSupplyChannels"),
    ):
        if manages(draft, field, replace):
            channels = key_references("channel", getattr(draft, field) or [], ids)
            same = id_set(channels) == id_set(current.get(field))
            actions += set_list(action, field, channels, same)
    if manages(draft, "productSelections", replace):
        settings = selection_documents(draft, ids)
        same = _selection_set(settings) == _selection_set(current.get("productSelections"))
        actions += set_list("setProductSelections", "productSelections", settings, same)
    return actions


def store_actions(
    draft: StoreDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    actions: list[Action] = []
    if manages(draft, "name", replace):
        actions += set_field("setName", "name", draft.name, current.get("name"))
    actions += _list_actions(draft, current, ids, replace)
    if manages(draft, "custom", replace):
        actions += custom_actions(draft.custom, current.get("custom"), ids, replace=replace)
    return actions


def store_create(draft: StoreDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = {"key": draft.key}
    if draft.name:
        document["name"] = draft.name
    if draft.languages is not None:
        document["languages"] = list(dict.fromkeys(draft.languages))
    if draft.countries is not None:
        document["countries"] = [{"code": c.code} for c in draft.countries]
    for field in ("distributionChannels", "supplyChannels"):
        refs = getattr(draft, field)
        if refs is not None:
            document[field] = key_references("channel", refs, ids)
    if draft.productSelections is not None:
        document["productSelections"] = selection_documents(draft, ids)
    if draft.custom:
        document["custom"] = custom_draft(draft.custom, ids)
    return document


def _store_refs(draft: StoreDraft) -> list[Reference]:
    refs: list[Reference] = [
        ("channel", ref.key)
        for ref in [*(draft.distributionChannels or []), *(draft.supplyChannels or [])]
    ]
    refs += [("product-selection", s.productSelection.key) for s in draft.productSelections or []]
    return list(dict.fromkeys(refs + custom_refs(draft.custom)))


def store_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft: dict[str, Any] = {"key": own_key(resource, "store")}
    if not blank(resource.get("name")):
        draft["name"] = resource["name"]
    draft["languages"] = list(resource.get("languages") or [])
    draft["countries"] = [{"code": c.get("code")} for c in resource.get("countries") or []]
    for field in ("distributionChannels", "supplyChannels"):
        draft[field] = [{"key": key_of_reference(ref, key_of)} for ref in resource.get(field) or []]
    draft["productSelections"] = [
        {
            "productSelection": {"key": key_of_reference(s.get("productSelection"), key_of)},
            "active": bool(s.get("active")),
        }
        for s in resource.get("productSelections") or []
    ]
    return with_custom(draft, resource, key_of, keyed_fields=False)


PUSH: PushEntity[StoreDraft] = PushEntity(
    entity=get_entity("stores"),
    model=StoreDraft,
    identity=lambda d: d.identity,
    references=_store_refs,
    lookups=by_keys,
    find=find_by_key,
    create=store_create,
    actions=store_actions,
    to_draft=store_to_draft,
)
