"""Tax categories: name, description and their rates.

A rate is matched by its key; a draft rate is matched to a rate without a key by country and
state (rates made in the Merchant Center have none). A named rate list is the desired set: a
matched rate that differs is replaced, an unmatched one added, a current one left over removed.

Here: the tax categories draft, its update actions, how a resource becomes one (copy_project)
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

Text = Annotated[str, StringConstraints(min_length=1)]

Rate = Annotated[float, Field(ge=0, le=1)]


class SubRateDraft(DraftModel):
    name: Text
    amount: Rate


class TaxRateDraft(DraftModel):
    key: Key | None = None
    name: Text
    amount: Rate | None = None
    includedInPrice: bool
    country: CountryCode
    state: str | None = None
    subRates: list[SubRateDraft] = Field(default_factory=list)

    @model_validator(mode="after")
    def _amount_or_sub_rates(self) -> TaxRateDraft:
        if self.amount is None and not self.subRates:
            raise ValueError("amount: give an amount or subRates")
        return self

    @property
    def place(self) -> tuple[str, str | None]:
        return (self.country, self.state or None)


class TaxCategoryDraft(DraftModel):
    """Matched by `key`; a tax category without a key and with the same name is adopted."""

    key: Key
    name: Text
    description: str | None = None
    rates: list[TaxRateDraft] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rates_recognisable(self) -> TaxCategoryDraft:
        keys = [rate.key for rate in self.rates if rate.key]
        if len(set(keys)) != len(keys):
            raise ValueError("rates: two rates share a key")
        places = [rate.place for rate in self.rates if not rate.key]
        if len(set(places)) != len(places):
            raise ValueError("rates: two rates without a key share a country and state")
        return self

    @property
    def identity(self) -> str:
        return f"key {self.key}"


def rate_document(rate: TaxRateDraft) -> dict[str, Any]:
    document: dict[str, Any] = rate.model_dump(exclude_none=True, exclude={"subRates"})
    if rate.subRates:
        document["subRates"] = [sub.model_dump() for sub in rate.subRates]
    return document


def _amount(value: Any) -> float | None:
    return None if value is None else round(float(value), 10)


def _comparable(rate: dict[str, Any]) -> dict[str, Any]:
    """A rate as both sides compare it: amounts as floats, the amount of sub-rates their sum
    (what commercetools stores when a draft gives none), no id, blanks dropped."""
    subs = [(s.get("name"), _amount(s.get("amount"))) for s in rate.get("subRates") or []]
    amount = rate.get("amount")
    if amount is None and subs:
        amount = sum(a or 0.0 for _, a in subs)
    return {
        "key": rate.get("key") or None,
        "name": rate.get("name"),
        "amount": _amount(amount),
        "includedInPrice": bool(rate.get("includedInPrice")),
        "country": rate.get("country"),
        "state": rate.get("state") or None,
        "subRates": subs,
    }


def match_rates(
    draft: TaxCategoryDraft, current: list[dict[str, Any]]
) -> list[tuple[TaxRateDraft, dict[str, Any] | None]]:
    """Each draft rate with the current rate it stands for (by key, else a keyless rate of the
    same country and state), or None when it is new."""
    left = list(current)
    pairs: list[tuple[TaxRateDraft, dict[str, Any] | None]] = []
    for rate in draft.rates:
        found = next((c for c in left if rate.key and c.get("key") == rate.key), None)
        if found is None:
            found = next(
                (
                    c
                    for c in left
                    if not c.get("key") and (c.get("country"), c.get("state") or None) == rate.place
                ),
                None,
            )
        if found is not None:
            left.remove(found)
        pairs.append((rate, found))
    return pairs


def rate_actions(draft: TaxCategoryDraft, current: dict[str, Any]) -> list[Action]:
    """removeTaxRate, then replaceTaxRate, then addTaxRate: never two rates for one place."""
    have: list[dict[str, Any]] = current.get("rates") or []
    pairs = match_rates(draft, have)
    matched = {id(found) for _, found in pairs if found is not None}
    actions: list[Action] = [
        {"action": "removeTaxRate", "taxRateId": rate["id"]}
        for rate in have
        if id(rate) not in matched
    ]
    for rate, found in pairs:
        document = rate_document(rate)
        if found is not None and _comparable(document) != _comparable(found):
            actions.append(
                {"action": "replaceTaxRate", "taxRateId": found["id"], "taxRate": document}
            )
    actions += [
        {"action": "addTaxRate", "taxRate": rate_document(rate)}
        for rate, found in pairs
        if found is None
    ]
    return actions


def tax_category_actions(
    draft: TaxCategoryDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    actions = key_name_description_actions(
        draft.key,
        draft.name,
        draft.description,
        current,
        manages_description=manages(draft, "description", replace),
    )
    if manages(draft, "rates", replace):
        actions += rate_actions(draft, current)
    return actions


def tax_category_create(draft: TaxCategoryDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = draft.model_dump(exclude_none=True, exclude={"rates"})
    document["rates"] = [rate_document(rate) for rate in draft.rates]
    return document


def _rate_draft(rate: dict[str, Any]) -> dict[str, Any]:
    draft = {k: rate[k] for k in ("name", "amount", "includedInPrice", "country") if k in rate}
    draft |= copied(rate, "key", "state")
    if rate.get("subRates"):
        draft["subRates"] = [{"name": s["name"], "amount": s["amount"]} for s in rate["subRates"]]
    return draft


def tax_category_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft = {
        "key": own_key(resource, "tax-category"),
        "name": resource["name"],
        "rates": [_rate_draft(rate) for rate in resource.get("rates") or []],
    }
    draft |= copied(resource, "description")
    return draft


PUSH: PushEntity[TaxCategoryDraft] = PushEntity(
    entity=get_entity("tax-categories"),
    model=TaxCategoryDraft,
    identity=lambda d: d.identity,
    references=lambda d: [],
    lookups=by_keys_and_names,
    find=find_by_key_or_name,
    create=tax_category_create,
    actions=tax_category_actions,
    to_draft=tax_category_to_draft,
)
