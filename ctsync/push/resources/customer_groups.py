"""Customer groups: the group name and custom fields.

A draft names the group `groupName` (as commercetools' draft does); the resource calls it `name`.

Here: the customer groups draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints

from ctsync.push.custom_fields import (
    CustomFieldsDraft,
    custom_actions,
    custom_draft,
    custom_refs,
    with_custom,
)
from ctsync.push.diff import Action, Ids, change_field, manages
from ctsync.push.draft_types import DraftModel, Key
from ctsync.push.entity import PushEntity
from ctsync.push.keys import KeyOf, own_key
from ctsync.push.matching import by_keys, find_by_key
from ctsync.registry import get_entity


class CustomerGroupDraft(DraftModel):
    key: Key
    groupName: Annotated[str, StringConstraints(min_length=1)]
    custom: CustomFieldsDraft | None = None

    @property
    def identity(self) -> str:
        return f"key {self.key}"


def customer_group_actions(
    draft: CustomerGroupDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    actions = change_field("changeName", "name", draft.groupName, current.get("name"))
    if manages(draft, "custom", replace):
        actions += custom_actions(draft.custom, current.get("custom"), ids, replace=replace)
    return actions


def customer_group_create(draft: CustomerGroupDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = {"key": draft.key, "groupName": draft.groupName}
    if draft.custom:
        document["custom"] = custom_draft(draft.custom, ids)
    return document


def customer_group_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft = {"key": own_key(resource, "customer-group"), "groupName": resource.get("name")}
    return with_custom(draft, resource, key_of, keyed_fields=False)


PUSH: PushEntity[CustomerGroupDraft] = PushEntity(
    entity=get_entity("customer-groups"),
    model=CustomerGroupDraft,
    identity=lambda d: d.identity,
    references=lambda d: custom_refs(d.custom),
    lookups=by_keys,
    find=find_by_key,
    create=customer_group_create,
    actions=customer_group_actions,
    to_draft=customer_group_to_draft,
)
