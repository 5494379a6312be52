"""What a push knows of one entity: how its drafts are matched, referenced, created and diffed.

Every difference between entities is an attribute here (how a record is found, what a create
answers, whether drafts form a hierarchy); the push code itself names no entity. Each module of
`ctsync.push.resources` declares one, as `PUSH`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ctsync.push.diff import Action, Ids
from ctsync.push.draft_types import DraftModel
from ctsync.push.keys import KeyOf
from ctsync.registry import Entity

D = TypeVar("D", bound=DraftModel)

Reference = tuple[str, str]
"""(typeId, key) of a resource a draft refers to."""


@dataclass(frozen=True)
class PushEntity(Generic[D]):
    """How drafts of one entity are matched, referenced, created and diffed."""

    entity: Entity
    """The registry entry: name, endpoint and the typeId references to it use."""
    model: type[D]
    identity: Callable[[D], str]
    """How the report and the dead letters name a draft's record (`key shoes`)."""
    references: Callable[[D], list[Reference]]
    lookups: Callable[[Sequence[D]], list[tuple[str, list[str]]]]
    """(field, values) queries that find every record the drafts may match."""
    find: Callable[[D, list[dict[str, Any]], Ids], dict[str, Any] | None]
    create: Callable[[D, Ids], dict[str, Any]]
    actions: Callable[[D, dict[str, Any], Ids, bool], list[Action]]
    """The update actions from a draft, the current resource, the ids and `replace`."""
    parent: Callable[[D], str | None] | None = None
    """For a hierarchy (categories): the identity of the draft's parent, pushed a level before."""
    created_in: str | None = None
    """The field a create's answer wraps the resource in (`{"customer": {...}}`), if any."""
    upsert: Callable[[D, dict[str, Any]], dict[str, Any] | None] | None = None
    """For a resource without update actions (custom objects): the document to POST to the
    endpoint over the current resource instead of actions, None when it already equals the draft."""
    to_draft: Callable[[dict[str, Any], KeyOf], dict[str, Any]] | None = None
    """A resource as commercetools returns it -> this push's draft (JSON-shaped, references by
    key), as `model` validates it; raises NotCopyable with the reason when it cannot be one."""

    @property
    def name(self) -> str:
        return self.entity.name

    @property
    def endpoint(self) -> str:
        return self.entity.endpoint

    def columns(self) -> set[str]:
        """Top-level fields (and aliases) a draft file's columns may name."""
        fields = self.model.model_fields
        return set(fields) | {f.alias for f in fields.values() if f.alias}

    def created_resource(self, answer: dict[str, Any]) -> dict[str, Any]:
        """The resource a create answered with."""
        return answer.get(self.created_in, answer) if self.created_in else answer
