"""Customers: names, group, addresses (matched by key), default addresses, custom fields."""

from __future__ import annotations

from typing import Any

from ctsync.push.actions.common import (
    Action,
    Ids,
    blank,
    custom_actions,
    custom_draft,
    manages,
    reference,
    set_field,
    set_reference,
)
from ctsync.push.drafts import AddressDraft, CustomerDraft

NAME_FIELDS = ("firstName", "middleName", "lastName", "title", "salutation", "companyName")


def address_document(address: AddressDraft) -> dict[str, Any]:
    return address.model_dump(exclude_none=True)


def _address_equal(draft: AddressDraft, current: dict[str, Any]) -> bool:
    wanted = address_document(draft)
    have = {k: v for k, v in current.items() if k != "id" and not blank(v)}
    return wanted == have


def address_actions(draft: CustomerDraft, current: dict[str, Any]) -> list[Action]:
    """Addresses matched by key: add the new, change the different, remove the unlisted."""
    existing: list[dict[str, Any]] = current.get("addresses") or []
    by_key = {a["key"]: a for a in existing if a.get("key")}
    wanted = {a.key for a in draft.addresses}
    actions: list[Action] = []
    for address in existing:
        if address.get("key") not in wanted:
            if address.get("key"):
                actions.append({"action": "removeAddress", "addressKey": address["key"]})
            else:
                actions.append({"action": "removeAddress", "addressId": address["id"]})
    for address in draft.addresses:
        have = by_key.get(address.key)
        if have is None:
            actions.append({"action": "addAddress", "address": address_document(address)})
        elif not _address_equal(address, have):
            actions.append(
                {
                    "action": "changeAddress",
                    "addressKey": address.key,
                    "address": address_document(address),
                }
            )
    return actions


def _default_address_actions(
    action: str,
    wanted_key: str | None,
    current_id: str | None,
    current: dict[str, Any],
    removed: set[str],
) -> list[Action]:
    keys = {a.get("id"): a.get("key") for a in current.get("addresses") or []}
    current_key = keys.get(current_id) if current_id else None
    if wanted_key is None and current_id in removed:
        return []  # removing an address also unsets it as a default
    if wanted_key == current_key and (wanted_key is not None or current_id is None):
        return []
    return [{"action": action, "addressKey": wanted_key} if wanted_key else {"action": action}]


def customer_actions(
    draft: CustomerDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    """Actions that make `current` equal to the draft in every field the draft manages."""
    actions: list[Action] = []
    if draft.key is not None:
        actions += set_field("setKey", "key", draft.key, current.get("key"))
    if draft.email.lower() != str(current.get("email", "")).lower():
        actions.append({"action": "changeEmail", "email": draft.email})
    for field in NAME_FIELDS:
        if manages(draft, field, replace):
            action = f"set{field[0].upper()}{field[1:]}"
            actions += set_field(action, field, getattr(draft, field), current.get(field))
    if manages(draft, "customerGroup", replace):
        actions += set_reference(
            "setCustomerGroup",
            "customerGroup",
            "customer-group",
            draft.customerGroup,
            current.get("customerGroup"),
            ids,
        )
    removed: set[str] = set()
    if manages(draft, "addresses", replace):
        changes = address_actions(draft, current)
        actions += changes
        removed = _removed_ids(changes, current)
    for field, current_field, action in (
        ("defaultShippingAddress", "defaultShippingAddressId", "setDefaultShippingAddress"),
        ("defaultBillingAddress", "defaultBillingAddressId", "setDefaultBillingAddress"),
    ):
        if manages(draft, field, replace):
            actions += _default_address_actions(
                action, getattr(draft, field), current.get(current_field), current, removed
            )
    if manages(draft, "custom", replace):
        actions += custom_actions(draft.custom, current.get("custom"), ids, replace=replace)
    return actions


def _removed_ids(actions: list[Action], current: dict[str, Any]) -> set[str]:
    """Ids of the current addresses that `removeAddress` actions take away."""
    by_key = {a.get("key"): a.get("id") for a in current.get("addresses") or [] if a.get("key")}
    removed = set()
    for action in actions:
        if action["action"] == "removeAddress":
            removed.add(action.get("addressId") or by_key.get(action.get("addressKey")))
    return {address_id for address_id in removed if address_id}


def customer_create(draft: CustomerDraft, ids: Ids) -> dict[str, Any]:
    """The CustomerDraft to POST: no password, the ERP/CRM owns authentication."""
    document: dict[str, Any] = draft.model_dump(
        exclude_none=True,
        exclude={"customerGroup", "custom", "defaultShippingAddress", "defaultBillingAddress"},
    )
    document["authenticationMode"] = "ExternalAuth"
    keys = [a.key for a in draft.addresses]
    if draft.defaultShippingAddress:
        document["defaultShippingAddress"] = keys.index(draft.defaultShippingAddress)
    if draft.defaultBillingAddress:
        document["defaultBillingAddress"] = keys.index(draft.defaultBillingAddress)
    if draft.customerGroup:
        document["customerGroup"] = reference("customer-group", draft.customerGroup, ids)
    if draft.custom:
        document["custom"] = custom_draft(draft.custom, ids)
    return document
