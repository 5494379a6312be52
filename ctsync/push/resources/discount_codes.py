"""Discount codes: matched by their code, which commercetools never changes; the cart discounts
they unlock, name, description, predicate, limits, groups, validity, custom fields.

Here: the discount codes draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from ctsync.push.copied import copied
from ctsync.push.custom_fields import CustomFieldsDraft, custom_actions, custom_draft, with_custom
from ctsync.push.diff import Action, Ids, manages, set_field
from ctsync.push.draft_types import DraftModel, Key, KeyReference, LocalizedString, Timestamp
from ctsync.push.entity import PushEntity
from ctsync.push.keys import KeyOf, NotCopyable, key_of_reference
from ctsync.push.references import reference, sorted_ids
from ctsync.push.validity import validity_actions
from ctsync.registry import get_entity


class DiscountCodeDraft(DraftModel):
    code: Key
    cartDiscounts: list[KeyReference] = Field(min_length=1)
    key: Key | None = None
    name: LocalizedString | None = None
    description: LocalizedString | None = None
    cartPredicate: str | None = None
    isActive: bool | None = None
    maxApplications: int | None = Field(default=None, ge=0)
    maxApplicationsPerCustomer: int | None = Field(default=None, ge=0)
    groups: list[Annotated[str, Field(min_length=1)]] | None = None
    validFrom: Timestamp | None = None
    validUntil: Timestamp | None = None
    custom: CustomFieldsDraft | None = None

    @field_validator("cartDiscounts")
    @classmethod
    def _distinct(cls, value: list[KeyReference]) -> list[KeyReference]:
        keys = [ref.key for ref in value]
        if len(set(keys)) != len(keys):
            raise ValueError("a cart discount is listed twice")
        return value

    @property
    def identity(self) -> str:
        return f"code {self.code}"


def _cart_discounts(draft: DiscountCodeDraft, ids: Ids) -> list[dict[str, str] | None]:
    return [reference("cart-discount", ref, ids) for ref in draft.cartDiscounts]


def discount_code_actions(
    draft: DiscountCodeDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    actions: list[Action] = []
    if manages(draft, "key", replace):
        actions += set_field("setKey", "key", draft.key, current.get("key"))
    for action, field in (
        ("setName", "name"),
        ("setDescription", "description"),
        ("setCartPredicate", "cartPredicate"),
        ("setMaxApplications", "maxApplications"),
        ("setMaxApplicationsPerCustomer", "maxApplicationsPerCustomer"),
    ):
        if manages(draft, field, replace):
            actions += set_field(action, field, getattr(draft, field), current.get(field))
    wanted = _cart_discounts(draft, ids)
    if sorted_ids(wanted) != sorted_ids(current.get("cartDiscounts")):
        actions.append({"action": "changeCartDiscounts", "cartDiscounts": wanted})
    if draft.isActive is not None and draft.isActive != current.get("isActive"):
        actions.append({"action": "changeIsActive", "isActive": draft.isActive})
    if manages(draft, "groups", replace):
        groups = draft.groups or []
        if sorted(groups) != sorted(current.get("groups") or []):
            actions.append({"action": "changeGroups", "groups": groups})
    actions += validity_actions(draft, current, replace)
    if manages(draft, "custom", replace):
        actions += custom_actions(draft.custom, current.get("custom"), ids, replace=replace)
    return actions


def discount_code_create(draft: DiscountCodeDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = draft.model_dump(
        exclude_none=True, exclude={"cartDiscounts", "custom"}
    )
    document["cartDiscounts"] = _cart_discounts(draft, ids)
    if draft.custom:
        document["custom"] = custom_draft(draft.custom, ids)
    return document


def discount_code_references(draft: DiscountCodeDraft) -> list[tuple[str, str]]:
    refs = [("cart-discount", ref.key) for ref in draft.cartDiscounts]
    if draft.custom is not None:
        refs.append(("type", draft.custom.type.key))
    return refs


def discount_code_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    """A discount code as a draft; its code is what names it, so it is always copyable."""
    if not resource.get("code"):
        raise NotCopyable(f"discount-code {resource.get('id')} has no code")
    draft: dict[str, Any] = {
        "code": resource["code"],
        "cartDiscounts": [key_of_reference(r, key_of) for r in resource.get("cartDiscounts", [])],
    }
    draft |= copied(
        resource,
        "key",
        "name",
        "description",
        "cartPredicate",
        "maxApplications",
        "maxApplicationsPerCustomer",
        "groups",
        "validFrom",
        "validUntil",
    )
    if isinstance(resource.get("isActive"), bool):
        draft["isActive"] = resource["isActive"]
    return with_custom(draft, resource, key_of, keyed_fields=False)


def _find_by_code(
    draft: DiscountCodeDraft, candidates: list[dict[str, Any]], _ids: Ids
) -> dict[str, Any] | None:
    return next((c for c in candidates if c.get("code") == draft.code), None)


PUSH: PushEntity[DiscountCodeDraft] = PushEntity(
    entity=get_entity("discount-codes"),
    model=DiscountCodeDraft,
    identity=lambda d: d.identity,
    references=discount_code_references,
    lookups=lambda drafts: [("code", sorted({d.code for d in drafts}))],
    find=_find_by_code,
    create=discount_code_create,
    actions=discount_code_actions,
    to_draft=discount_code_to_draft,
)
