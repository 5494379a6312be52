"""Customers: matched by key, else by e-mail; names, customer group, addresses (by key) and their
defaults, custom fields.

Here: the customers draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from ctsync.client.identity import customer_emails, is_customer
from ctsync.push.copied import copied
from ctsync.push.custom_fields import (
    CustomFieldsDraft,
    custom_actions,
    custom_draft,
    custom_refs,
    with_custom,
)
from ctsync.push.diff import Action, Ids, blank, manages, set_field
from ctsync.push.draft_types import AddressDraft, DraftModel, Key, KeyReference
from ctsync.push.entity import PushEntity, Reference
from ctsync.push.keys import KeyOf, NotCopyable, key_of_reference
from ctsync.push.references import reference, set_reference
from ctsync.registry import get_entity


class CustomerDraft(DraftModel):
    """Matched by `key`, else by e-mail."""

    key: Key | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    firstName: str | None = None
    middleName: str | None = None
    lastName: str | None = None
    title: str | None = None
    salutation: str | None = None
    companyName: str | None = None
    customerGroup: KeyReference | None = None
    addresses: list[AddressDraft] = Field(default_factory=list)
    defaultShippingAddress: Key | None = None
    defaultBillingAddress: Key | None = None
    custom: CustomFieldsDraft | None = None

    @model_validator(mode="after")
    def _defaults_name_addresses(self) -> CustomerDraft:
        keys = [address.key for address in self.addresses]
        if len(set(keys)) != len(keys):
            raise ValueError("addresses: two addresses share a key")
        for name in ("defaultShippingAddress", "defaultBillingAddress"):
            value = getattr(self, name)
            if value is not None and value not in keys:
                raise ValueError(f"{name}: no address has the key {value!r}")
        return self

    @property
    def identity(self) -> str:
        return f"key {self.key}" if self.key else f"email {self.email.lower()}"


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


CUSTOMER_FIELDS = (
    "key",
    "email",
    "firstName",
    "middleName",
    "lastName",
    "title",
    "salutation",
    "companyName",
)

ADDRESS_FIELDS = (
    "country",
    "title",
    "salutation",
    "firstName",
    "lastName",
    "streetName",
    "streetNumber",
    "additionalStreetInfo",
    "postalCode",
    "city",
    "region",
    "state",
    "company",
    "department",
    "building",
    "apartment",
    "pOBox",
    "phone",
    "mobile",
    "email",
)


def _addresses(resource: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The addresses, each with a key, and the key of each address id. An address without a
    key gets its id as key: stable in the source project, and a push recognises addresses by
    key only (refusing such customers would leave most storefront customers behind)."""
    addresses, key_by_id = [], {}
    for address in resource.get("addresses") or []:
        key = address.get("key") or address.get("id")
        if not key:
            raise NotCopyable(f"customer {resource.get('id')}: an address has no key")
        key_by_id[str(address.get("id"))] = str(key)
        addresses.append({"key": key, **copied(address, *ADDRESS_FIELDS)})
    return addresses, key_by_id


def customer_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    """A CustomerDraft: no password (commercetools never returns one; the push creates
    customers with external authentication), defaults by address key."""
    if not resource.get("email"):
        raise NotCopyable(f"customer {resource.get('id')} has no email")
    draft = copied(resource, *CUSTOMER_FIELDS)
    addresses, key_by_id = _addresses(resource)
    if addresses:
        draft["addresses"] = addresses
    for name in ("defaultShippingAddress", "defaultBillingAddress"):
        address_id = resource.get(f"{name}Id")
        if address_id and address_id in key_by_id:
            draft[name] = key_by_id[address_id]
    if resource.get("customerGroup"):
        draft["customerGroup"] = key_of_reference(resource["customerGroup"], key_of)
    return with_custom(draft, resource, key_of)


def _customer_refs(draft: CustomerDraft) -> list[Reference]:
    refs = [("customer-group", draft.customerGroup.key)] if draft.customerGroup else []
    return refs + custom_refs(draft.custom)


def _customer_lookups(drafts: Sequence[CustomerDraft]) -> list[tuple[str, list[str]]]:
    keys = sorted({d.key for d in drafts if d.key})
    emails = sorted({e for d in drafts for e in customer_emails(d.email)})
    return [(name, values) for name, values in (("key", keys), ("email", emails)) if values]


def _find_customer(
    draft: CustomerDraft, candidates: list[dict[str, Any]], _ids: Ids
) -> dict[str, Any] | None:
    if draft.key:
        for candidate in candidates:
            if candidate.get("key") == draft.key:
                return candidate
    return next((c for c in candidates if is_customer(c, draft.email)), None)


PUSH: PushEntity[CustomerDraft] = PushEntity(
    entity=get_entity("customers"),
    model=CustomerDraft,
    identity=lambda d: d.identity,
    references=_customer_refs,
    lookups=_customer_lookups,
    find=_find_customer,
    create=customer_create,
    actions=customer_actions,
    created_in="customer",
    to_draft=customer_to_draft,
)
