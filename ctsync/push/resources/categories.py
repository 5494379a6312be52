"""Categories: matched by key; a parent in the input is pushed a level before its children.

Here: the categories draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from ctsync.push.copied import copied
from ctsync.push.custom_fields import (
    CustomFieldsDraft,
    custom_actions,
    custom_draft,
    custom_refs,
    with_custom,
)
from ctsync.push.diff import Action, Ids, change_field, manages, set_field
from ctsync.push.draft_types import DraftModel, Key, KeyReference, LocalizedString
from ctsync.push.entity import PushEntity, Reference
from ctsync.push.keys import KeyOf, key_of_reference, own_key
from ctsync.push.matching import by_keys, find_by_key
from ctsync.push.references import ref_id, reference
from ctsync.registry import get_entity


class CategoryDraft(DraftModel):
    key: Key
    name: Annotated[LocalizedString, Field(min_length=1)]
    slug: Annotated[LocalizedString, Field(min_length=1)]
    description: LocalizedString | None = None
    parent: KeyReference | None = None
    orderHint: str | None = None
    custom: CustomFieldsDraft | None = None

    @property
    def identity(self) -> str:
        return f"key {self.key}"


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


def category_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft = {"key": own_key(resource, "category")}
    draft |= copied(resource, "name", "slug", "description", "orderHint")
    if resource.get("parent"):
        draft["parent"] = key_of_reference(resource["parent"], key_of)
    return with_custom(draft, resource, key_of)


def _category_refs(draft: CategoryDraft) -> list[Reference]:
    refs = [("category", draft.parent.key)] if draft.parent else []
    return refs + custom_refs(draft.custom)


PUSH: PushEntity[CategoryDraft] = PushEntity(
    entity=get_entity("categories"),
    model=CategoryDraft,
    identity=lambda d: d.identity,
    references=_category_refs,
    lookups=by_keys,
    find=find_by_key,
    create=category_create,
    actions=category_actions,
    parent=lambda d: f"key {d.parent.key}" if d.parent else None,
    to_draft=category_to_draft,
)
