"""Push syncs: drafts from a file, Python or the hub outbox into commercetools, one flow per
entity.

The flows only orchestrate: reading, validation, matching and the update actions live in
`ctsync.push`. Each run leaves what the pulls leave (docs/architecture.md): a state message with
the counts, a table artifact `ct-<project>-push-<entity>`, a markdown summary with the first
failures, a plan table on a dry run, and a `commercetools.push.completed` / `.failed` event.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from prefect import Flow, flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.runtime import flow_run
from prefect.states import Completed, State
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from blocks import CommercetoolsCredentials, HubDatabase
from blocks.resolve import resolve_hub
from ctsync.push import (
    PUSH_ENTITIES,
    DraftSource,
    PushEntity,
    ReferenceCache,
    batches,
    describe_source,
    get_push_entity,
    guard,
    push_batch,
    read_drafts,
    record_outcome,
)
from ctsync.push.draft_files import DraftRow
from ctsync.run.counts import MAX_PLAN_ROWS, PushCounts
from ctsync.run.options import PushOptions
from ctsync.run.push_report import PushReport
from ctsync.run.report import RunFailed
from flows._bound import BoundFlows, entity_bound
from flows._engine import run_with_client
from flows._heap import frozen_heap
from flows._naming import (
    artifact_key,
    correlation_prefix_for_run,
    current_flow_run_id,
    timestamped,
)
from flows._outcome import log_failures, publish
from flows._parameters import (
    BatchSize,
    CreateMissing,
    Credentials,
    Hub,
    MaxDestructiveShare,
    PushAllowDestructive,
    PushDryRun,
    PushSource,
    Replace,
)
from flows._tags import resolve_tagged


@task(name="push-batch", cache_policy=NO_CACHE, task_run_name="{stage}-{entity}-batch-{index}")
def push_batch_task(
    credentials: CommercetoolsCredentials,
    stage: str,
    entity: str,
    index: int,
    rows: list[DraftRow[Any]],
    cache: ReferenceCache,
    options: PushOptions,
    correlation_prefix: str | None,
) -> PushCounts:
    """One batch: references, current resources, then creates and updates at once (`stage`
    "plan" for a dry run or the plan before a push: nothing is written)."""
    return run_with_client(
        credentials,
        correlation_prefix,
        lambda client: push_batch(client, PUSH_ENTITIES[entity], rows, cache, options),
    )


def push_all(
    block: CommercetoolsCredentials,
    entity: PushEntity[Any],
    rows: list[DraftRow[Any]],
    options: PushOptions,
    counts: PushCounts,
    cache: ReferenceCache | None = None,
) -> str | None:
    """Every batch, level after level, each level's batches at once; adds their counts to
    `counts` and returns the first error of a batch that could not run, if any. `cache`: keys
    resolved before, e.g. those a dry-run copy planned to create for the entities before."""
    cache = cache if cache is not None else ReferenceCache()
    prefix = correlation_prefix_for_run()
    stage = "plan" if options.dry_run else "push"
    error: str | None = None
    index = 0
    for level in batches(rows, entity, options.batch_size):
        futures = []
        for batch in level:
            futures.append(
                push_batch_task.submit(
                    block, stage, entity.name, index, quote(batch), quote(cache), options, prefix
                )
            )
            index += 1
        wait(futures)
        for batch, future in zip(level, futures, strict=True):
            outcome = future.result(raise_on_failure=False)
            if isinstance(outcome, PushCounts):
                counts.add(outcome)
                continue
            reason = f"{type(outcome).__name__}: {outcome}"
            counts.failed_lines += [(row.line, reason) for row in batch]
            if error is None:
                error = reason
    return error


def refused_before_writing(
    block: CommercetoolsCredentials,
    entity: PushEntity[Any],
    rows: list[DraftRow[Any]],
    options: PushOptions,
    counts: PushCounts,
) -> str | None:
    """Plan every batch before writing anything (a dry run of the push) and say why the push
    must stop, if it must: a batch that could not be planned, or too many destructive drafts.
    A dry run, a push allowed to destroy and an empty push need no such plan."""
    if options.dry_run or options.allow_destructive or not rows:
        return None
    planned = PushCounts()
    stopped = push_all(block, entity, rows, options.model_copy(update={"dry_run": True}), planned)
    stopped = stopped or guard.refusal(planned, len(rows), options)
    if stopped is not None:
        counts.read += len(rows)
        counts.destructive = planned.destructive
        counts.destructive_actions.update(planned.destructive_actions)
        counts.destructive_examples += planned.destructive_examples
    return stopped


def _publish(report: PushReport, plan: list[dict[str, Any]]) -> None:
    extra = []
    if report.dry_run:
        nothing = {"line": "", "record": "", "operation": "none", "removes or unsets": ""}
        extra.append(
            {
                "key": artifact_key(report.project_key, f"{report.artifact_name}-plan"),
                "table": plan or [{**nothing, "actions": ""}],
                "description": f"Planned creates and updates of {report.entity} (dry run: none "
                "written)",
            }
        )
    description = f"push of {report.entity} into {report.project_key} from {report.source}"
    publish(report, description, extra)


@frozen_heap()  # full collections walk only this run's objects (flows/_heap.py)
def run_push(
    entity_name: str,
    block: CommercetoolsCredentials,
    source: DraftSource,
    hub: HubDatabase | str | None,
    options: PushOptions,
) -> State[PushReport]:
    """The body of every push flow (they differ only in the entity), once the run is tagged
    and its options are checked."""
    started = time.perf_counter()
    entity = get_push_entity(entity_name)
    project_key = block.project_key
    store = resolve_hub(hub).get_store()
    drafts = read_drafts(entity, source, store, project_key)
    counts = drafts.counts
    error = refused_before_writing(block, entity, drafts.rows, options, counts)
    if error is None:
        error = push_all(block, entity, drafts.rows, options, counts)
        if not options.dry_run:
            run_id = current_flow_run_id() or str(uuid.uuid4())
            record_outcome(store, project_key, entity, drafts, counts, run_id)
    report = PushReport.from_counts(
        counts,
        duration=time.perf_counter() - started,
        error=error,
        project_key=project_key,
        entity=entity.name,
        dry_run=options.dry_run,
        source=describe_source(source),
        flow_run_id=current_flow_run_id(),
    )
    log_failures(counts.failures, counts.failed, dry_run=options.dry_run)
    _publish(report, guard.plan_rows(counts, MAX_PLAN_ROWS))
    if error is not None:
        raise RunFailed(report.summary(), report)
    return Completed(message=report.summary(), data=report)


def _run_name() -> str:
    entity = flow_run.parameters.get("entity") or flow_run.flow_name.removeprefix("push-")
    dry = "-dry-run" if flow_run.parameters.get("dry_run") else ""
    return timestamped("push", f"{entity}{dry}")


_TASK_RUNNER = ThreadPoolTaskRunner(max_workers=16)


@flow(name="push-entity", flow_run_name=_run_name, task_runner=_TASK_RUNNER)
def push_entity(
    entity: str,
    credentials: Credentials,
    source: PushSource = None,
    dry_run: PushDryRun = False,
    batch_size: BatchSize = 100,
    create_missing: CreateMissing = True,
    hub: Hub = None,
    replace: Replace = False,
    allow_destructive: PushAllowDestructive = False,
    max_destructive_share: MaxDestructiveShare = 0.1,
) -> PushReport:
    """Bring commercetools `entity` in line with drafts from a .jsonl/.csv file, a list, or
    (source=None) the hub outbox's pending drafts: create what is missing, update with minimal
    actions, leave equal records alone. Bad rows go to the hub's dead letters; `dry_run` writes
    nothing and shows the plan. Each `push_<entity>` flow is this one with `entity` bound."""
    name = get_push_entity(entity).name
    block = resolve_tagged(credentials, name)
    options = PushOptions(
        batch_size=batch_size,
        dry_run=dry_run,
        create_missing=create_missing,
        replace=replace,
        allow_destructive=allow_destructive,
        max_destructive_share=max_destructive_share,
    )
    return run_push(name, block, source, hub, options)


def _entity_flow(name: str) -> Flow[..., PushReport]:
    """`push_<entity>`: push_entity for one entity, in a flow of its own."""
    doc = (
        f"Bring commercetools {name} in line with drafts from a .jsonl/.csv file, a list, or "
        "(source=None) the hub outbox's pending drafts: "
        "create what is missing, update with minimal actions, leave equal records alone. "
        "Bad rows go to the hub's dead letters; `dry_run` writes nothing and shows the plan."
    )
    return entity_bound(
        push_entity, name, verb="push", doc=doc, run_name=_run_name, task_runner=_TASK_RUNNER
    )


PUSH_FLOWS = BoundFlows("push", PUSH_ENTITIES, _entity_flow)
"""Every push flow, by entity, built when first asked for."""
PUSH_FLOW_NAMES = PUSH_FLOWS.function_names
"""`push_customers`, …: each also a name of this module, the name prefect.yaml's entrypoints
(`flows.push:push_customers`) and `from flows import …` use."""


def __getattr__(name: str) -> Flow[..., PushReport]:
    """`flows.push.push_<entity>`, built on first access."""
    try:
        return PUSH_FLOWS.by_function(name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
