"""copy_project: keep a target project in line with a source project, by key.

Both projects are pulled into the hub (a delta each), then every entity a push knows is pushed
into the target in dependency order: the source's records as drafts with key references, each
draft the whole desired record (`replace`), so the target ends equal to the source. One summary
table per run, the copy watermark per (source, target, entity) in the hub, and the events
`commercetools.copy.completed` / `.failed`. The engine is `ctsync/copy/plan.py`.
"""

from __future__ import annotations

import time
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.events import emit_event
from prefect.runtime import flow_run
from prefect.states import Completed
from prefect.task_runners import ThreadPoolTaskRunner

from blocks import CommercetoolsCredentials, HubDatabase
from blocks.resolve import resolve_credentials, resolve_hub
from ctsync.client import resources
from ctsync.client.resources import ResourceRef
from ctsync.copy.plan import (
    CopyReport,
    CopyRow,
    EntityCopy,
    copy_direction,
    copy_watermark,
    key_index,
    plan_entity_copy,
    save_copy_watermark,
)
from ctsync.hub import HubStore
from ctsync.push import PUSH_ENTITIES, PushEntity, guard, read_drafts, record_outcome
from ctsync.push.guard import DESTRUCTIVE_FLOOR
from ctsync.push.lookup import ReferenceCache
from ctsync.registry import ENTITIES, dependency_levels
from ctsync.run.counts import MAX_PLAN_ROWS
from ctsync.run.options import PullOptions, PushOptions
from ctsync.run.report import RunFailed
from ctsync.run.sync_report import SyncReport
from flows import _parameters as param
from flows._engine import run_with_client
from flows._naming import (
    artifact_key,
    correlation_prefix_for_run,
    current_flow_run_id,
    timestamped,
)
from flows._outcome import log_failures
from flows._tags import resolve_tagged
from flows.push import push_all, refused_before_writing
from flows.sync import in_dependency_order

COPYABLE = param.COPYABLE


def _run_name() -> str:
    """`copy-<mode>-<UTC time>`; a mode that is neither delta nor full is left out (the run
    fails saying so)."""
    mode = flow_run.parameters.get("mode", "delta")
    return timestamped("copy", *([mode] if mode in ("delta", "full") else []))


def _same_project(a: CommercetoolsCredentials, b: CommercetoolsCredentials) -> bool:
    one, two = a.connection_settings(), b.connection_settings()
    return (one.api_origin, one.project_key) == (two.api_origin, two.project_key)


def _copied_entities(entities: list[str] | None) -> list[str]:
    """The entities asked for (all that can be copied by default), in dependency order."""
    for name in entities or ():
        if name not in PUSH_ENTITIES:
            known = ", ".join(COPYABLE)
            raise ValueError(f"entities: {name!r} cannot be copied; copy one of {known}")
    chosen = entities or COPYABLE
    return [name for level in dependency_levels(chosen) for name in level]


def _checked(
    source: CommercetoolsCredentials | str,
    target: CommercetoolsCredentials | str,
    entities: list[str] | None,
    mode: str,
) -> tuple[CommercetoolsCredentials, CommercetoolsCredentials, list[str]]:
    """The source and target blocks and the entities to copy, the run tagged with the target
    project before anything can fail; a copy into the source itself, a mode that is neither
    delta nor full and an entity no push knows are refused."""
    target_block = resolve_tagged(target)
    source_block = resolve_credentials(source)
    if _same_project(source_block, target_block):
        raise ValueError(
            f"source and target are both project {source_block.project_key} at the same API "
            "URL: a project cannot be copied into itself; name another target block"
        )
    if mode not in ("delta", "full"):
        raise ValueError(
            f"mode is {mode!r}: use 'delta' (what the source changed since the last copy) or "
            "'full' (compare every record)"
        )
    return source_block, target_block, _copied_entities(entities)


def _forget_watermarks(
    store: HubStore,
    source: CommercetoolsCredentials,
    target: CommercetoolsCredentials,
    names: list[str],
) -> None:
    """`reset`: the copy watermarks of these entities into this target are forgotten."""
    for name in names:
        store.exact.states.reset(
            source.project_key, name, direction=copy_direction(target.project_key)
        )


def _with_dependencies(names: list[str]) -> list[str]:
    """The entities and every entity they refer to (their keys are needed for references)."""
    wanted, todo = set(names), list(names)
    while todo:
        for dependency in ENTITIES[todo.pop()].depends_on:
            if dependency not in wanted:
                wanted.add(dependency)
                todo.append(dependency)
    return [name for name in ENTITIES if name in wanted]


def _pull(
    block: CommercetoolsCredentials, hub: HubDatabase, names: list[str], settle: float
) -> str:
    """A delta of each entity into the hub, as sync_all runs them; fails the copy if one fails.
    Returns the earliest upper bound of the deltas: what changed after it was not read."""
    futures = in_dependency_order(names, block, hub, PullOptions(settle=settle), None)
    outcomes = {name: future.result(raise_on_failure=False) for name, future in futures.items()}
    failed = [
        f"{name}: {outcome}"
        for name, outcome in outcomes.items()
        if futures[name].state.is_failed()
    ]
    if failed:
        raise RuntimeError(f"pulling {block.project_key} into the hub failed: {'; '.join(failed)}")
    bounds = [o.unread_after for o in outcomes.values() if isinstance(o, SyncReport)]
    return min(filter(None, bounds), default="")


@flow(name="copy-project", flow_run_name=_run_name, task_runner=ThreadPoolTaskRunner(24))
def copy_project(
    source: param.SourceCredentials,
    target: param.TargetCredentials,
    hub: param.Hub = None,
    entities: param.CopyEntityNames = None,
    mode: param.CopyMode = "delta",
    dry_run: param.CopyDryRun = False,
    delete_missing: param.DeleteMissing = False,
    allow_destructive: param.CopyAllowDestructive = False,
    settle: param.Settle = 120.0,
    reset: param.ResetCopy = False,
) -> CopyReport:
    """Make the target project equal the source for every entity a push knows: create what it
    lacks, update what differs with minimal actions, and list (or, with delete_missing,
    delete) what only the target has. A delta copies what the source changed since the last
    copy to that target (and pulled with the usual `settle`); a full copy compares everything."""
    started = time.perf_counter()
    source_block, target_block, names = _checked(source, target, entities, mode)
    hub_block = resolve_hub(hub)
    logger = get_run_logger()
    into = f"{source_block.project_key} into {target_block.project_key}"
    logger.info("Plan: %s copy of %s: %s", mode, into, ", ".join(names))
    pulled = _with_dependencies(names)
    unread = [_pull(block, hub_block, pulled, settle) for block in (source_block, target_block)]
    store = hub_block.get_store()
    if reset and not dry_run:
        _forget_watermarks(store, source_block, target_block, names)
    copy = _Copy(source_block, target_block, store, "full" if reset else mode, dry_run)
    options = PushOptions(dry_run=dry_run, replace=True, allow_destructive=allow_destructive)
    report = CopyReport(
        source_project=source_block.project_key,
        target_project=target_block.project_key,
        mode=mode,
        dry_run=dry_run,
        unread_after=min(filter(None, unread), default=""),
    )
    report.rows = copy.entities(names, options, delete_missing)
    report.duration_seconds = round(time.perf_counter() - started, 3)
    report.flow_run_id = current_flow_run_id()
    _publish(report, copy.plan)
    if report.failed:
        raise RunFailed(report.summary(), report)
    return Completed(message=report.summary(), data=report)  # type: ignore[return-value]


class _Copy:
    """One run's copy, entity after entity."""

    def __init__(
        self,
        source: CommercetoolsCredentials,
        target: CommercetoolsCredentials,
        store: HubStore,
        mode: str,
        dry_run: bool,
    ) -> None:
        self.source, self.target, self.store = source, target, store
        self.mode, self.dry_run = mode, dry_run
        self.source_keys = key_index(store, source.project_key)
        self.target_keys = key_index(store, target.project_key)
        self.plan: list[dict[str, Any]] = []
        # A dry run creates nothing, so the creations it plans for one entity are remembered
        # for the next (a category's type, a product's categories): without them, a dry run
        # into an empty project would report every reference to them as not found.
        self.planned = ReferenceCache() if dry_run else None

    def entities(self, names: list[str], options: PushOptions, delete: bool) -> list[CopyRow]:
        """Each entity's copy, in the order given, each one logged."""
        rows = []
        for name in names:
            rows.append(self.entity(PUSH_ENTITIES[name], options, delete))
            shown = rows[-1].model_dump(exclude={"skip_reasons", "missing_examples"})
            get_run_logger().info("%s: %s", name, shown)
        return rows

    def entity(self, push: PushEntity[Any], options: PushOptions, delete: bool) -> CopyRow:
        source_key, target_key = self.source.project_key, self.target.project_key
        since = None
        if self.mode == "delta":
            since = copy_watermark(self.store, source_key, target_key, push.name)
        plan = plan_entity_copy(
            self.store,
            push,
            (source_key, self.source_keys),
            (target_key, self.target_keys),
            since,
        )
        row = CopyRow(entity=push.name, skipped=plan.skipped, skip_reasons=plan.skip_reasons)
        drafts = read_drafts(push, plan.drafts, self.store, target_key)
        counts = drafts.counts
        error = refused_before_writing(self.target, push, drafts.rows, options, counts)
        if error is None and drafts.rows:
            error = push_all(self.target, push, drafts.rows, options, counts, self.planned)
        if not self.dry_run and drafts.rows:
            run_id = current_flow_run_id() or "copy"
            record_outcome(self.store, target_key, push, drafts, counts, run_id)
        steps = guard.plan_rows(counts, MAX_PLAN_ROWS)
        self.plan += [{"entity": push.name, **step} for step in steps]
        row.created, row.updated, row.unchanged = counts.created, counts.updated, counts.unchanged
        row.failed, row.failures, row.error = counts.failed, counts.failures[:10], error
        row.answers_lost = counts.answers_lost
        log_failures(counts.failures, counts.failed, dry_run=self.dry_run, what=push.name)
        self._missing(push, plan, row, delete, options)
        if row.error:
            row.status = "failed"
        elif not self.dry_run and not row.failed:
            save_copy_watermark(self.store, source_key, target_key, plan)
        row.watermark = copy_watermark(self.store, source_key, target_key, push.name) or ""
        return row

    def _missing(
        self, push: PushEntity[Any], plan: EntityCopy, row: CopyRow, delete: bool, options: Any
    ) -> None:
        """List what only the target has; delete it when asked (within the guard)."""
        row.missing_examples = [f"{r.key or r.id}" for r in plan.missing[:10]]
        if not delete or self.dry_run:
            row.missing = len(plan.missing)
            return
        limit = max(DESTRUCTIVE_FLOOR, int(options.max_destructive_share * len(plan.drafts)))
        if len(plan.missing) > limit and not options.allow_destructive:
            row.missing = len(plan.missing)
            row.error = (
                f"{len(plan.missing)} {push.name} to delete, more than {limit}: nothing "
                "deleted; run with allow_destructive=True if the source really lost them"
            )
            return
        prefix = correlation_prefix_for_run()

        async def delete_all(client: Any) -> int:
            for record in plan.missing:
                # A delete whose answer was lost is read back, never sent twice blindly.
                ref = ResourceRef(push.endpoint, id=record.id)
                await resources.delete(client, ref, version=record.version)
            return len(plan.missing)

        row.deleted = run_with_client(self.target, prefix, delete_all)
        self.store.records.mark_deleted(
            self.target.project_key, push.name, [r.id for r in plan.missing]
        )


def _publish(report: CopyReport, plan: list[dict[str, Any]]) -> None:
    key = artifact_key(report.target_project, "copy")
    create_table_artifact(
        key=key,
        table=report.table_rows(),
        description=f"copy of {report.source_project} into {report.target_project}",
    )
    create_markdown_artifact(key=f"{key}-summary", markdown=report.markdown())
    if report.dry_run:
        create_table_artifact(
            key=f"{key}-plan",
            table=plan or [{"entity": "-", "note": "nothing to change"}],
            description="What the copy would do; nothing was written",
        )
    emit_event(
        event=f"commercetools.copy.{'failed' if report.failed else 'completed'}",
        resource={
            "prefect.resource.id": f"commercetools.{report.target_project}.copy",
            "prefect.resource.name": f"{report.target_project}: {report.summary()}",
        },
        payload=report.payload(),
    )
