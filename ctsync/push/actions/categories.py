"""Categories: name, slug, description, parent, order hint, custom fields."""

from __future__ import annotations

from typing import Any

from ctsync.push.actions.common import (
    Action,
    Ids,
    change_field,
    custom_actions,
    custom_draft,
    manages,
    ref_id,
    reference,
    set_field,
)
from ctsync.push.drafts import CategoryDraft


def category_actions(
    draft: CategoryDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    actions: list[Action] = []
    actions += change_field("changeName", "name", draft.name, current.get("name"))
    actions += change_field("changeSlug", "slug", draft.slug, current.get("slug"))
    if manages(draft, "description", replace):
        actions += set_field(
            "setDescription", "description", draft.description, current.get("description")
        )
    # commercetools cannot detach a category from its parent: only a new parent is applied.
    if draft.parent is not None:
        parent = reference("category", draft.parent, ids)
        if ref_id(parent) != ref_id(current.get("parent")):
            actions.append({"action": "changeParent", "parent": parent})
    actions += change_field(
        "changeOrderHint", "orderHint", draft.orderHint, current.get("orderHint")
    )
    if manages(draft, "custom", replace):
        actions += custom_actions(draft.custom, current.get("custom"), ids, replace=replace)
    return actions


def category_create(draft: CategoryDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = draft.model_dump(exclude_none=True, exclude={"parent", "custom"})
    if draft.parent:
        document["parent"] = reference("category", draft.parent, ids)
    if draft.custom:
        document["custom"] = custom_draft(draft.custom, ids)
    return document
