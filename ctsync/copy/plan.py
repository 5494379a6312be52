"""copy_project's engine: a source project's records in the hub, as drafts for a target project.

Both projects are pulled into the hub first (it keys records by project), so a copy reads no
more of commercetools than a delta of each. A source record becomes a draft through its push's
`to_draft`, id references turned into keys with the source's keys; one that cannot (no key, a
reference to a resource without key) is skipped with the reason. A delta copies the records the
source changed since the last copy to that target; the copy watermark is kept per (source,
target, entity) in `sync_state`, direction `copy:<target>`. What the target holds that the
source no longer has is found by comparing both projects' identities in the hub. What a run
did is its `CopyReport`, a `CopyRow` per entity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, ValidationError

from ctsync.hub import HubStore, StoredRecord, Watermark
from ctsync.push.entity import PushEntity
from ctsync.push.keys import KeyOf, NotCopyable
from ctsync.registry import ENTITIES
from ctsync.run.report import Status, plural, unread_sentence
from ctsync.timestamps import short

MAX_SKIPS_KEPT = 20
_COPY_COLUMNS = {"unchanged": "same"}
"""Counts whose column in the copy table has a shorter title, so every column fits."""


def copy_direction(target_project: str) -> str:
    """The `sync_state` direction of the copy watermarks into `target_project`."""
    return f"copy:{target_project}"


def key_index(store: HubStore, project_key: str) -> KeyOf:
    """(typeId, id) -> `key` of every live resource of the project the hub holds."""
    keys: dict[tuple[str, str], str | None] = {}
    for entity in ENTITIES.values():
        if entity.singleton:
            continue
        for record in store.exact.records.iterate(project_key, entity.name):
            key = record.document.get("key")
            keys[(entity.type_id, record.id)] = key if isinstance(key, str) else None

    def key_of(type_id: str, resource_id: str) -> str | None:
        return keys.get((type_id, resource_id))

    return key_of


@dataclass
class EntityCopy:
    """What one entity's copy sends, skips and leaves behind in the target."""

    entity: str
    drafts: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    skip_reasons: list[str] = field(default_factory=list)
    changed_until: str | None = None
    """The latest `lastModifiedAt` among the source records read: the next watermark."""
    missing: list[StoredRecord] = field(default_factory=list)
    """Target records whose identity the source no longer has."""

    def skip(self, record: StoredRecord, reason: str) -> None:
        self.skipped += 1
        if len(self.skip_reasons) < MAX_SKIPS_KEPT:
            self.skip_reasons.append(f"{self.entity} {record.id}: {reason}")


def draft_of(
    push: PushEntity[Any], document: dict[str, Any], key_of: KeyOf
) -> tuple[str, dict[str, Any]]:
    """How the push names the resource (`key shoes`), and its draft; NotCopyable when it
    cannot be one."""
    assert push.to_draft is not None
    draft = push.to_draft(document, key_of)
    try:
        return push.identity(push.model.model_validate(draft)), draft
    except ValidationError as error:
        raise NotCopyable(f"not a valid draft: {error.errors()[0]['msg']}") from None


def identity_of(push: PushEntity[Any], document: dict[str, Any], key_of: KeyOf) -> str:
    """How the push names the resource; NotCopyable when it has no identity."""
    return draft_of(push, document, key_of)[0]


def plan_entity_copy(
    store: HubStore,
    push: PushEntity[Any],
    source: tuple[str, KeyOf],
    target: tuple[str, KeyOf],
    since: str | None,
) -> EntityCopy:
    """The drafts of the source records changed after `since` (all when None), and the target
    records the source no longer has."""
    if push.to_draft is None:
        raise ValueError(f"{push.name} cannot be copied: its push has no to_draft")
    (source_key, source_keys), (target_key, target_keys) = source, target
    plan = EntityCopy(push.name)
    wanted: set[str] = set()
    for record in store.exact.records.iterate(source_key, push.name):
        try:
            identity, draft = draft_of(push, record.document, source_keys)
        except NotCopyable as reason:
            plan.skip(record, str(reason))
            continue
        wanted.add(identity)
        if since is not None and record.last_modified_at <= since:
            continue
        plan.drafts.append(draft)
        if plan.changed_until is None or record.last_modified_at > plan.changed_until:
            plan.changed_until = record.last_modified_at
    plan.missing = list(_missing(store, push, target_key, target_keys, wanted))
    return plan


def _missing(
    store: HubStore, push: PushEntity[Any], target_key: str, key_of: KeyOf, wanted: set[str]
) -> Iterable[StoredRecord]:
    for record in store.exact.records.iterate(target_key, push.name):
        try:
            identity = identity_of(push, record.document, key_of)
        except NotCopyable:
            continue  # without an identity it cannot be matched, so it is never deleted
        if identity not in wanted:
            yield record


def copy_watermark(store: HubStore, source_key: str, target_key: str, entity: str) -> str | None:
    state = store.exact.states.get(source_key, entity, direction=copy_direction(target_key))
    return state.watermark.last_modified_at if state and state.watermark else None


def save_copy_watermark(
    store: HubStore, source_key: str, target_key: str, plan: EntityCopy
) -> None:
    """Move the copy watermark to the latest change copied (kept when nothing was read)."""
    if plan.changed_until is None:
        return
    store.states.save(
        source_key,
        plan.entity,
        watermark=Watermark(plan.changed_until, ""),
        direction=copy_direction(target_key),
    )


class CopyRow(BaseModel):
    """What a copy did to one entity of the target."""

    entity: str
    status: Status = "completed"
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    missing: int = 0
    """Target records the source no longer has, left in place (`delete_missing` off)."""
    skipped: int = 0
    failed: int = 0
    answers_lost: int = 0
    """Writes whose answer was lost, resolved by reading the target before writing again."""
    skip_reasons: list[str] = Field(default_factory=list)
    missing_examples: list[str] = Field(default_factory=list)
    failures: list[str] = Field(default_factory=list)
    """The first records that failed, with their reasons."""
    watermark: str = ""
    """The copy watermark after the run: the latest source change copied (empty: none yet)."""
    error: str | None = None
    """Why the entity as a whole stopped (a guard, a batch that could not run)."""


class CopyReport(BaseModel):
    """One row per entity of a `copy_project` run."""

    COUNTS: ClassVar[tuple[str, ...]] = (
        "created",
        "updated",
        "unchanged",
        "deleted",
        "missing",
        "skipped",
        "failed",
    )

    source_project: str
    target_project: str
    mode: Literal["delta", "full"]
    dry_run: bool = False
    rows: list[CopyRow] = Field(default_factory=list)
    duration_seconds: float = 0.0
    flow_run_id: str | None = None
    unread_after: str = ""
    """The earliest upper bound of the deltas that pulled both projects into the hub: what
    changed after it is copied by the next run (empty: nothing was left out)."""

    @property
    def failed(self) -> list[CopyRow]:
        return [row for row in self.rows if row.status == "failed" or row.failed]

    def total(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.rows)

    def summary(self) -> str:
        what = f"{self.source_project} -> {self.target_project} {self.mode} copy"
        if self.dry_run:
            what += " (dry run)"
        totals = ", ".join(f"{name} {self.total(name)}" for name in self.COUNTS)
        done = f"{totals} in {self.duration_seconds:.1f} s"
        if self.failed:
            names = ", ".join(row.entity for row in self.failed)
            return (
                f"{what}: {plural(len(self.failed), 'entity', 'entities')} failed ({names}); {done}"
            )
        done += unread_sentence(self.unread_after)
        return f"{what} of {plural(len(self.rows), 'entity', 'entities')}: {done}"

    def table_rows(self) -> list[dict[str, Any]]:
        """A row per entity in columns that all fit the UI at 1440 px (short words: `ok`,
        `same` for unchanged, the watermark to the minute), the ones a person looks for first
        on the first page: failed, then those that changed, then the rest."""

        def rank(row: CopyRow) -> int:
            if row.status == "failed" or row.failed:
                return 0
            return 1 if any(getattr(row, n) for n in self.COUNTS if n != "unchanged") else 2

        return [
            {"entity": row.entity, "status": "failed" if rank(row) == 0 else "ok"}
            | {_COPY_COLUMNS.get(name, name): getattr(row, name) for name in self.COUNTS}
            | {"until (UTC)": short(row.watermark) if row.watermark else "none"}
            for row in sorted(self.rows, key=rank)
        ]

    def markdown(self) -> str:
        lines = [f"# {self.summary()}", ""]
        for row in self.rows:
            if row.error:
                lines.append(f"- **{row.entity}** failed: {row.error}")
            lines += [f"- failed {failure}" for failure in row.failures]
            lines += [f"- skipped {reason}" for reason in row.skip_reasons]
            lines += [f"- {row.entity} only in the target: {m}" for m in row.missing_examples]
            if row.answers_lost:
                lines.append(
                    f"- {row.entity}: {row.answers_lost} writes whose answer was lost, each "
                    "read back from the target before anything was sent again"
                )
        return "\n".join(lines)

    def payload(self) -> dict[str, Any]:
        return self.model_dump(exclude={"rows"}) | {
            "totals": {name: self.total(name) for name in self.COUNTS},
            "entities": {row.entity: row.model_dump(exclude={"entity"}) for row in self.rows},
        }
