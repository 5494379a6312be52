"""Custom objects: a container, a key and a whole JSON value; commercetools has no update
actions for them, so a changed value is POSTed over the current one (`upsert`).

Here: the custom objects draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import StringConstraints, model_validator

from ctsync.client.identity import is_custom_object
from ctsync.push.diff import Action, Ids
from ctsync.push.draft_types import DraftModel
from ctsync.push.entity import PushEntity
from ctsync.push.keys import KeyOf, NotCopyable
from ctsync.registry import get_entity

ContainerOrKey = Annotated[
    str, StringConstraints(min_length=1, max_length=256, pattern=r"^[-_~.a-zA-Z0-9]+$")
]
"""commercetools' pattern for a custom object's container and key (no `/`: the registry joins
them with it)."""


class CustomObjectDraft(DraftModel):
    """A custom object: its value is the whole document (commercetools has no partial update)."""

    container: ContainerOrKey
    key: ContainerOrKey
    value: Any

    @model_validator(mode="before")
    @classmethod
    def _value_required(cls, data: Any) -> Any:
        # `Any` would make a missing value silently None, and commercetools refuses a null value.
        if isinstance(data, dict) and "value" in data and data["value"] is None:
            raise ValueError("value: a custom object needs a value (null is not one)")
        return data

    @property
    def identity(self) -> str:
        return f"custom object {self.container}/{self.key}"


def same_json(draft: Any, current: Any) -> bool:
    """JSON equality that tells `true` from `1` (Python's `==` does not); 1 and 1.0 are equal."""
    if isinstance(draft, bool) or isinstance(current, bool):
        return type(draft) is type(current) and draft == current
    if isinstance(draft, dict) and isinstance(current, dict):
        return draft.keys() == current.keys() and all(
            same_json(value, current[name]) for name, value in draft.items()
        )
    if isinstance(draft, list) and isinstance(current, list):
        return len(draft) == len(current) and all(map(same_json, draft, current))
    numbers = {type(draft), type(current)} <= {int, float}
    return (type(draft) is type(current) or numbers) and draft == current


def custom_object_create(draft: CustomObjectDraft, _ids: Ids) -> dict[str, Any]:
    return {"container": draft.container, "key": draft.key, "value": draft.value}


def custom_object_upsert(
    draft: CustomObjectDraft, current: dict[str, Any]
) -> dict[str, Any] | None:
    """The CustomObjectDraft to POST over `current`, None when its value is already the draft's.
    It names the current version: a change made meanwhile answers 409 instead of being lost."""
    if same_json(draft.value, current.get("value")):
        return None
    return {**custom_object_create(draft, {}), "version": current["version"]}


def custom_object_to_draft(resource: dict[str, Any], _key_of: KeyOf) -> dict[str, Any]:
    """Container, key and value as they are: a value is the application's JSON, and a reference
    in it is the application's to interpret."""
    if not resource.get("container") or not resource.get("key"):
        raise NotCopyable(f"key-value-document {resource.get('id')} has no key")
    return {name: resource[name] for name in ("container", "key", "value")}


def _custom_object_lookups(drafts: Sequence[CustomObjectDraft]) -> list[tuple[str, list[str]]]:
    """By key across containers, then matched by container (`find`): a container may hold far
    more objects than a batch names, a key seldom recurs in many containers."""
    return [("key", sorted({d.key for d in drafts}))]


def _find_custom_object(
    draft: CustomObjectDraft, candidates: list[dict[str, Any]], _ids: Ids
) -> dict[str, Any] | None:
    return next((c for c in candidates if is_custom_object(c, draft.container, draft.key)), None)


def _no_actions(_draft: Any, _current: dict[str, Any], _ids: Ids, _replace: bool) -> list[Action]:
    """commercetools has no update actions for custom objects: `upsert` replaces the value."""
    return []


PUSH: PushEntity[CustomObjectDraft] = PushEntity(
    entity=get_entity("custom-objects"),
    model=CustomObjectDraft,
    identity=lambda d: d.identity,
    references=lambda _draft: [],
    lookups=_custom_object_lookups,
    find=_find_custom_object,
    create=custom_object_create,
    actions=_no_actions,
    upsert=custom_object_upsert,
    to_draft=custom_object_to_draft,
)
