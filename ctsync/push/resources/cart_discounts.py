"""Cart discounts: value, predicate, target, sort order, activity, validity, stores, custom.

Here: the cart discounts draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from ctsync.push.copied import copied, keyed_references
from ctsync.push.custom_fields import CustomFieldsDraft, custom_actions, custom_draft, with_custom
from ctsync.push.diff import Action, Ids, change_field, manages, set_field
from ctsync.push.draft_types import (
    DraftModel,
    Key,
    KeyReference,
    LocalizedString,
    MoneyDraft,
    Timestamp,
)
from ctsync.push.entity import PushEntity
from ctsync.push.keys import KeyOf, key_of_reference, own_key
from ctsync.push.matching import by_keys, find_by_key
from ctsync.push.money import money
from ctsync.push.references import ref_id, reference, store_keys, stores_document
from ctsync.push.validity import validity_actions
from ctsync.registry import get_entity

ApplicationMode = Literal["ProportionateDistribution", "EvenDistribution", "IndividualApplication"]


class RelativeValue(DraftModel):
    type: Literal["relative"]
    permyriad: int = Field(ge=0, le=10000)


class MoneyValue(DraftModel):
    """`absolute` (an amount off) or `fixed` (a price), one money value per currency."""

    type: Literal["absolute", "fixed"]
    money: list[MoneyDraft] = Field(min_length=1)
    applicationMode: ApplicationMode | None = None


class GiftLineItemValue(DraftModel):
    type: Literal["giftLineItem"]
    product: KeyReference
    variantId: int = Field(ge=1)
    supplyChannel: KeyReference | None = None
    distributionChannel: KeyReference | None = None


CartDiscountValue = Annotated[
    RelativeValue | MoneyValue | GiftLineItemValue, Field(discriminator="type")
]


class CartDiscountDraft(DraftModel):
    """Matched by `key`. `target` is commercetools' target object as is (`{"type": "lineItems",
    "predicate": "1 = 1"}`, `{"type": "shipping"}`, multi-buy, pattern…)."""

    key: Key
    name: Annotated[LocalizedString, Field(min_length=1)]
    description: LocalizedString | None = None
    value: CartDiscountValue
    cartPredicate: str = Field(min_length=1)
    target: dict[str, Any] | None = None
    sortOrder: str | None = None
    isActive: bool | None = None
    validFrom: Timestamp | None = None
    validUntil: Timestamp | None = None
    requiresDiscountCode: bool | None = None
    stackingMode: Literal["Stacking", "StopAfterThisDiscount"] | None = None
    stores: list[KeyReference] | None = None
    custom: CustomFieldsDraft | None = None

    @field_validator("target")
    @classmethod
    def _target_has_type(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and not isinstance(value.get("type"), str):
            raise ValueError('a target names its "type" (lineItems, shipping, totalPrice, …)')
        return value

    @property
    def identity(self) -> str:
        return f"key {self.key}"


def value_document(value: RelativeValue | MoneyValue | GiftLineItemValue, ids: Ids) -> Any:
    """The CartDiscountValueDraft: fixed amounts are typed money, gift references by id."""
    if isinstance(value, RelativeValue):
        return value.model_dump()
    if isinstance(value, MoneyValue):
        document: dict[str, Any] = value.model_dump(exclude_none=True)
        if value.type == "fixed":
            document["money"] = [{"type": "centPrecision", **m} for m in document["money"]]
        return document
    gift: dict[str, Any] = {
        "type": "giftLineItem",
        "product": reference("product", value.product, ids),
        "variantId": value.variantId,
    }
    for name in ("supplyChannel", "distributionChannel"):
        channel = getattr(value, name)
        if channel is not None:
            gift[name] = reference("channel", channel, ids)
    return gift


def _comparable(value: dict[str, Any], application_mode: bool) -> dict[str, Any]:
    """A value as a draft states it: money without type and digits, references by id."""
    kind = value.get("type")
    if kind == "relative":
        return {"type": kind, "permyriad": value.get("permyriad")}
    if kind in ("absolute", "fixed"):
        amounts = sorted((money(m) or {}).items() for m in value.get("money") or [])
        mode = value.get("applicationMode") if application_mode else None
        return {"type": kind, "money": amounts, "applicationMode": mode}
    return {
        "type": kind,
        "product": ref_id(value.get("product")),
        "variantId": value.get("variantId"),
        "supplyChannel": ref_id(value.get("supplyChannel")),
        "distributionChannel": ref_id(value.get("distributionChannel")),
    }


def value_actions(draft: CartDiscountDraft, current: dict[str, Any], ids: Ids) -> list[Action]:
    """`changeValue` when the value differs; an application mode the draft leaves out is
    commercetools' to choose, so it is compared only when named."""
    wanted = value_document(draft.value, ids)
    named_mode = isinstance(draft.value, MoneyValue) and draft.value.applicationMode is not None
    if _comparable(wanted, named_mode) == _comparable(current.get("value") or {}, named_mode):
        return []
    return [{"action": "changeValue", "value": wanted}]


def target_actions(draft: CartDiscountDraft, current: dict[str, Any]) -> list[Action]:
    """`changeTarget` when a field the draft's target names differs: commercetools fills in
    defaults (a multi-buy's selection mode) a draft may leave out. A target cannot be unset."""
    if draft.target is None:
        return []
    have = current.get("target") or {}
    if all(have.get(name) == value for name, value in draft.target.items()):
        return []
    return [{"action": "changeTarget", "target": draft.target}]


def stores_actions(
    draft: CartDiscountDraft, current: dict[str, Any], ids: Ids, replace: bool
) -> list[Action]:
    """`setStores` with the whole desired set when it differs (no stores: every store)."""
    if not manages(draft, "stores", replace):
        return []
    wanted = draft.stores or []
    if sorted(s.key for s in wanted) == store_keys(current.get("stores")):
        return []
    if not wanted:
        return [{"action": "setStores"}]
    return [{"action": "setStores", "stores": stores_document(wanted)}]


def cart_discount_actions(
    draft: CartDiscountDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    actions: list[Action] = []
    actions += set_field("setKey", "key", draft.key, current.get("key"))
    actions += change_field("changeName", "name", draft.name, current.get("name"))
    if manages(draft, "description", replace):
        actions += set_field(
            "setDescription", "description", draft.description, current.get("description")
        )
    actions += value_actions(draft, current, ids)
    actions += change_field(
        "changeCartPredicate", "cartPredicate", draft.cartPredicate, current.get("cartPredicate")
    )
    actions += target_actions(draft, current)
    actions += change_field(
        "changeSortOrder", "sortOrder", draft.sortOrder, current.get("sortOrder")
    )
    actions += _flag_actions(draft, current)
    actions += validity_actions(draft, current, replace)
    actions += stores_actions(draft, current, ids, replace)
    if manages(draft, "custom", replace):
        actions += custom_actions(draft.custom, current.get("custom"), ids, replace=replace)
    return actions


def _flag_actions(draft: CartDiscountDraft, current: dict[str, Any]) -> list[Action]:
    """The required flags: changed when the draft names a value, never unset."""
    actions: list[Action] = []
    for action, field in (
        ("changeIsActive", "isActive"),
        ("changeRequiresDiscountCode", "requiresDiscountCode"),
        ("changeStackingMode", "stackingMode"),
    ):
        wanted = getattr(draft, field)
        if wanted is not None and wanted != current.get(field):
            actions.append({"action": action, field: wanted})
    return actions


def cart_discount_create(draft: CartDiscountDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = draft.model_dump(
        exclude_none=True, exclude={"value", "stores", "custom"}
    )
    document["value"] = value_document(draft.value, ids)
    if draft.stores:
        document["stores"] = stores_document(draft.stores)
    if draft.custom:
        document["custom"] = custom_draft(draft.custom, ids)
    return document


def cart_discount_references(draft: CartDiscountDraft) -> list[tuple[str, str]]:
    refs = [("store", store.key) for store in draft.stores or []]
    value = draft.value
    if isinstance(value, GiftLineItemValue):
        refs.append(("product", value.product.key))
        for channel in (value.supplyChannel, value.distributionChannel):
            if channel is not None:
                refs.append(("channel", channel.key))
    if draft.custom is not None:
        refs.append(("type", draft.custom.type.key))
    return list(dict.fromkeys(refs))


def _cart_discount_value(value: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    kind = value.get("type")
    if kind == "relative":
        return {"type": kind, "permyriad": value["permyriad"]}
    if kind in ("absolute", "fixed"):
        amounts = [money(m) for m in value.get("money") or []]
        return {"type": kind, "money": amounts, **copied(value, "applicationMode")}
    gift = {"type": kind, "variantId": value.get("variantId")}
    return gift | keyed_references(value, key_of, "product", "supplyChannel", "distributionChannel")


def cart_discount_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    """A cart discount as a draft (its discount group and recurring-order scope are not part
    of what this push manages and stay behind)."""
    draft: dict[str, Any] = {"key": own_key(resource, "cart-discount")}
    draft |= copied(resource, "name", "description", "cartPredicate", "target", "sortOrder")
    draft["value"] = _cart_discount_value(resource.get("value") or {}, key_of)
    draft |= copied(resource, "validFrom", "validUntil", "stackingMode")
    for flag in ("isActive", "requiresDiscountCode"):
        if isinstance(resource.get(flag), bool):
            draft[flag] = resource[flag]
    if resource.get("stores"):
        draft["stores"] = [key_of_reference(s, key_of) for s in resource["stores"]]
    return with_custom(draft, resource, key_of, keyed_fields=False)


PUSH: PushEntity[CartDiscountDraft] = PushEntity(
    entity=get_entity("cart-discounts"),
    model=CartDiscountDraft,
    identity=lambda d: d.identity,
    references=cart_discount_references,
    lookups=by_keys,
    find=find_by_key,
    create=cart_discount_create,
    actions=cart_discount_actions,
    to_draft=cart_discount_to_draft,
)
