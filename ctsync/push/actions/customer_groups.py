"""Customer groups: the group name and custom fields.

A draft names the group `groupName` (as commercetools' draft does); the resource calls it `name`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints

from ctsync.push.actions.common import (
    Action,
    Ids,
    change_field,
    custom_actions,
    custom_draft,
    manages,
)
from ctsync.push.drafts import CustomFieldsDraft, DraftModel, Key


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
