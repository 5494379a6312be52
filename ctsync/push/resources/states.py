"""States: type, name, description, initial, roles and the transitions to other states.

`transitions` has three meanings in commercetools, and a draft keeps them apart: absent or null
lets a state move to any state of its type, `[]` makes it final, a list allows only those.

Here: the states draft, its update actions, how a resource becomes one (copy_project)
and the push's row, `PUSH`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ctsync.push.copied import copied
from ctsync.push.diff import Action, Ids, manages, set_field
from ctsync.push.draft_types import DraftModel, Key, KeyReference, LocalizedString
from ctsync.push.entity import PushEntity, Reference
from ctsync.push.keys import KeyOf, key_of_reference, own_key
from ctsync.push.matching import by_keys, find_by_key
from ctsync.push.references import ref_id, reference
from ctsync.registry import get_entity

StateType = Literal[
    "OrderState",
    "LineItemState",
    "ProductState",
    "ReviewState",
    "PaymentState",
    "QuoteRequestState",
    "StagedQuoteState",
    "QuoteState",
]

StateRole = Literal["ReviewIncludedInStatistics", "Return"]


class StateDraft(DraftModel):
    """Matched by `key`; transitions name other states (of the same type) by key."""

    key: Key
    type: StateType
    name: LocalizedString | None = None
    description: LocalizedString | None = None
    initial: bool | None = None
    roles: list[StateRole] = Field(default_factory=list)
    transitions: list[KeyReference] | None = None

    @model_validator(mode="after")
    def _unique_lists(self) -> StateDraft:
        if len(set(self.roles)) != len(self.roles):
            raise ValueError("roles: a role is listed twice")
        keys = self.transition_keys
        if keys is not None and len(set(keys)) != len(keys):
            raise ValueError("transitions: a state is listed twice")
        return self

    @property
    def transition_keys(self) -> list[str] | None:
        return None if self.transitions is None else [t.key for t in self.transitions]

    @property
    def identity(self) -> str:
        return f"key {self.key}"


def transition_ids(draft: StateDraft, ids: Ids) -> list[dict[str, str]] | None:
    """The transitions as id references (None: any transition is allowed)."""
    if draft.transitions is None:
        return None
    return [r for r in (reference("state", t, ids) for t in draft.transitions) if r]


def transition_actions(draft: StateDraft, current: dict[str, Any], ids: Ids) -> list[Action]:
    """setTransitions when the set of allowed targets differs (order does not matter)."""
    wanted = transition_ids(draft, ids)
    have = current.get("transitions")
    wanted_ids = None if wanted is None else sorted(str(ref_id(r)) for r in wanted)
    have_ids = None if have is None else sorted(str(ref_id(r)) for r in have)
    if wanted_ids == have_ids:
        return []
    if wanted is None:
        return [{"action": "setTransitions"}]
    return [{"action": "setTransitions", "transitions": wanted}]


def role_actions(draft: StateDraft, current: dict[str, Any]) -> list[Action]:
    have: list[str] = current.get("roles") or []
    extra = [role for role in have if role not in draft.roles]
    missing = [role for role in draft.roles if role not in have]
    actions: list[Action] = []
    if extra:
        actions.append({"action": "removeRoles", "roles": extra})
    if missing:
        actions.append({"action": "addRoles", "roles": missing})
    return actions


def state_actions(
    draft: StateDraft, current: dict[str, Any], ids: Ids, replace: bool = False
) -> list[Action]:
    actions: list[Action] = []
    if draft.type != current.get("type"):
        actions.append({"action": "changeType", "type": draft.type})
    for field, action in (("name", "setName"), ("description", "setDescription")):
        if manages(draft, field, replace):
            actions += set_field(action, field, getattr(draft, field), current.get(field))
    # `initial` is a flag commercetools always has: null or absent under replace means false.
    if manages(draft, "initial", replace) and bool(draft.initial) != bool(current.get("initial")):
        actions.append({"action": "changeInitial", "initial": bool(draft.initial)})
    if manages(draft, "roles", replace):
        actions += role_actions(draft, current)
    if manages(draft, "transitions", replace):
        actions += transition_actions(draft, current, ids)
    return actions


def state_create(draft: StateDraft, ids: Ids) -> dict[str, Any]:
    document: dict[str, Any] = draft.model_dump(exclude_none=True, exclude={"transitions"})
    if not draft.roles:
        document.pop("roles")
    transitions = transition_ids(draft, ids)
    if transitions is not None:
        document["transitions"] = transitions
    return document


def state_to_draft(resource: dict[str, Any], key_of: KeyOf) -> dict[str, Any]:
    draft: dict[str, Any] = {
        "key": own_key(resource, "state"),
        "type": resource["type"],
        "initial": bool(resource.get("initial")),
        "roles": list(resource.get("roles") or []),
    }
    draft |= copied(resource, "name", "description")
    if resource.get("transitions") is not None:
        draft["transitions"] = [key_of_reference(ref, key_of) for ref in resource["transitions"]]
    return draft


def _state_refs(draft: StateDraft) -> list[Reference]:
    return [("state", key) for key in draft.transition_keys or []]


def _state_parent(draft: StateDraft) -> str | None:
    """A transition target pushed a level before the state (the first other one it names), so
    a chain of states created in one push is created target first. A state's other targets and
    cycles get no such order: a target not created yet fails the state, naming its key."""
    other = [key for key in draft.transition_keys or [] if key != draft.key]
    return f"key {other[0]}" if other else None


PUSH: PushEntity[StateDraft] = PushEntity(
    entity=get_entity("states"),
    model=StateDraft,
    identity=lambda d: d.identity,
    references=_state_refs,
    lookups=by_keys,
    find=find_by_key,
    create=state_create,
    actions=state_actions,
    parent=_state_parent,
    to_draft=state_to_draft,
)
