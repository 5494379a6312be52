"""Push syncs: drafts from a file or Python into commercetools, one flow per entity.

The flows only orchestrate: reading, validation, matching and the update actions live in
`ctsync`. Each run leaves what the pulls leave (DESIGN.md): a state message with the counts, a
table artifact `ct-<project>-push-<entity>`, a markdown summary with the first failures, a plan
table on a dry run, and a `commercetools.push.completed` / `.failed` event.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.runtime import flow_run
from prefect.states import Completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote
from pydantic import BaseModel, Field

from blocks import CommercetoolsCredentials, HubDatabase
from ctsync.draft_files import DraftRow, numbered, read_file, validate_rows
from ctsync.hub import HubStore
from ctsync.push import (
    PUSH_ENTITIES,
    PushCounts,
    PushEntity,
    ReferenceCache,
    category_levels,
    deduplicate,
    push_batch,
)
from flows._credentials import resolve_credentials
from flows._engine import run_with_client
from flows._heap import frozen_heap
from flows._naming import artifact_key, correlation_prefix_for_run
from flows._outcome import publish_outcome
from flows._parameters import (
    BatchSize,
    CreateMissing,
    Credentials,
    Hub,
    PushDryRun,
    PushSource,
)
from flows.sync import resolve_hub

Source = str | Path | list[Any] | None


class PushReport(BaseModel):
    """What one entity's push did; returned by every push flow and shown in its artifacts."""

    project_key: str
    entity: str
    status: Literal["completed", "failed"]
    dry_run: bool = False
    source: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    actions: dict[str, int] = Field(default_factory=dict)
    conflict_retries: int = 0
    api_calls: int = 0
    retries: int = 0
    throttle_wait_seconds: float = 0.0
    duration_seconds: float = 0.0
    records_per_second: float = 0.0
    first_failures: list[str] = Field(default_factory=list)
    error: str | None = None
    flow_run_id: str | None = None

    @property
    def changes(self) -> int:
        return self.created + self.updated

    def summary(self) -> str:
        head = f"push {self.entity}{' (dry run)' if self.dry_run else ''}"
        counts = (
            f"read {self.read}, created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, skipped {self.skipped}, failed {self.failed}"
        )
        speed = f"{self.duration_seconds:.1f} s, {self.records_per_second:.0f} records/s"
        tail = f"; {self.error}" if self.error else ""
        return f"{head}: {counts} in {speed}{tail}"

    def table_row(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "status": self.status,
            "dry run": self.dry_run,
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "failed": self.failed,
            "actions": ", ".join(f"{k} {v}" for k, v in sorted(self.actions.items())),
            "conflict retries": self.conflict_retries,
            "API calls": self.api_calls,
            "retries": self.retries,
            "duration (s)": round(self.duration_seconds, 3),
            "records/s": round(self.records_per_second, 1),
        }


class PushFailed(Exception):
    """A push could not run to its end; carries the report of what it did before."""

    def __init__(self, message: str, report: PushReport | None = None) -> None:
        super().__init__(message)
        self.report = report


@task(name="push-batch", cache_policy=NO_CACHE, task_run_name="push-{entity}-batch-{index}")
def push_batch_task(
    credentials: CommercetoolsCredentials,
    entity: str,
    index: int,
    rows: list[DraftRow[Any]],
    cache: ReferenceCache,
    options: dict[str, Any],
    correlation_prefix: str | None,
) -> PushCounts:
    """One batch: references, current resources, then creates and updates at once."""
    return run_with_client(
        credentials,
        correlation_prefix,
        lambda client: push_batch(client, PUSH_ENTITIES[entity], rows, cache, **options),
    )


def draft_fields(entity: PushEntity[Any]) -> set[str]:
    """Top-level fields (and aliases) a draft file's columns may name."""
    fields = entity.model.model_fields
    return set(fields) | {f.alias for f in fields.values() if f.alias}


def read_source(entity: PushEntity[Any], source: Source) -> tuple[list[DraftRow[Any]], PushCounts]:
    """Valid drafts of a file or list, and the counts of the rows that are not."""
    if source is None:
        raise ValueError("source is None: the hub outbox is read by `read_outbox`")
    raw = numbered(source) if isinstance(source, list) else read_file(source, draft_fields(entity))
    rows, counts = _validated(entity, raw)
    kept, duplicates = deduplicate(entity, rows)
    counts.add(duplicates)
    return kept, counts


def _validated(entity: PushEntity[Any], raw: Any) -> tuple[list[DraftRow[Any]], PushCounts]:
    rows, errors = validate_rows(entity.model, raw)
    counts = PushCounts(read=len(errors), failed=len(errors))
    for error in errors:
        if len(counts.failures) < 20:
            counts.failures.append(str(error))
        counts.dead.append((None, str(error), error.raw))
        counts.failed_lines.append((error.line, f"{error.field}: {error.reason}"))
    return rows, counts


def read_outbox(
    entity: PushEntity[Any], store: HubStore, project_key: str
) -> tuple[list[DraftRow[Any]], PushCounts, list[int]]:
    """Pending outbox drafts numbered by their outbox id; for a record queued more than once
    the newest draft wins and the older rows are returned as superseded (done with it)."""
    items = store.pending(project_key, entity.name)
    rows, counts = _validated(entity, ((item.id, item.draft) for item in items))
    newest: dict[str, DraftRow[Any]] = {}
    for row in rows:
        newest[entity.identity(row.draft)] = row
    kept = sorted(newest.values(), key=lambda row: row.line)
    latest = {row.line for row in kept}
    superseded = [row.line for row in rows if row.line not in latest]
    return kept, counts, superseded


def _mark_outbox(
    store: HubStore, rows: list[DraftRow[Any]], counts: PushCounts, superseded: list[int]
) -> None:
    """Pushed rows (and the older drafts they replaced) are processed; failed ones keep why."""
    failed: dict[int, str] = {}
    for line, reason in counts.failed_lines:
        failed.setdefault(line, reason)
    done = [row.line for row in rows if row.line not in failed] + superseded
    store.mark_outbox(sorted(done), sorted(failed.items()))


def _report(
    project_key: str,
    entity: str,
    source: Source,
    dry_run: bool,
    counts: PushCounts,
    started: float,
    error: str | None,
) -> PushReport:
    duration = time.perf_counter() - started
    if source is None:
        shown = "hub outbox"
    elif isinstance(source, list):
        shown = f"{len(source)} drafts from Python"
    else:
        shown = str(source)
    return PushReport(
        project_key=project_key,
        entity=entity,
        status="failed" if error else "completed",
        dry_run=dry_run,
        source=shown,
        read=counts.read,
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        skipped=counts.skipped,
        failed=counts.failed,
        actions=dict(counts.actions),
        conflict_retries=counts.conflict_retries,
        api_calls=counts.api_calls,
        retries=counts.retries,
        throttle_wait_seconds=round(counts.throttle_wait_seconds, 3),
        duration_seconds=round(duration, 3),
        records_per_second=round(counts.read / duration, 1) if duration > 0 else 0.0,
        first_failures=counts.failures[:10],
        error=error,
        flow_run_id=str(flow_run.id) if flow_run.id else None,
    )


def _publish(report: PushReport, plan: list[dict[str, Any]]) -> None:
    name = f"push-{report.entity}"
    tables = [
        {
            "key": artifact_key(report.project_key, name),
            "table": [report.table_row()],
            "description": f"push of {report.entity} into {report.project_key} from "
            f"{report.source}",
        }
    ]
    if report.dry_run:
        tables.append(
            {
                "key": artifact_key(report.project_key, f"{name}-plan"),
                "table": plan or [{"line": "", "record": "", "operation": "none", "actions": ""}],
                "description": f"Planned creates and updates of {report.entity} (dry run: none "
                "written)",
            }
        )
    lines = [f"## push {report.entity}: {report.status}", "", report.summary(), ""]
    lines.append(f"- source: {report.source}")
    if report.actions:
        lines.append(
            "- actions: " + ", ".join(f"{k} {v}" for k, v in sorted(report.actions.items()))
        )
    lines.append(
        f"- {report.api_calls} API calls, {report.retries} retries, "
        f"{report.conflict_retries} re-reads after a concurrent change"
    )
    publish_outcome(
        kind="push",
        project_key=report.project_key,
        entity=report.entity,
        summary_key=f"{name}-summary",
        lines=lines,
        description=f"Summary of the {report.entity} push into {report.project_key}",
        error=report.error,
        first_failures=report.first_failures,
        failed=report.failed,
        payload=report.model_dump(exclude={"first_failures"}),
        tables=tables,
    )


@frozen_heap()  # full collections walk only this run's objects (flows/_heap.py)
def run_push(
    entity_name: str,
    credentials: CommercetoolsCredentials | str,
    source: Source,
    hub: HubDatabase | str | None,
    dry_run: bool,
    batch_size: int,
    create_missing: bool,
) -> Any:
    """The body of every push flow (they differ only in the entity)."""
    started = time.perf_counter()
    if not 1 <= batch_size <= 500:
        raise ValueError(f"batch_size is {batch_size}: use 1 to 500 drafts per batch")
    entity = PUSH_ENTITIES[entity_name]
    block = resolve_credentials(credentials)
    project_key = block.project_key
    store = resolve_hub(hub).get_store()
    superseded: list[int] = []
    if source is None:
        rows, counts, superseded = read_outbox(entity, store, project_key)
    else:
        rows, counts = read_source(entity, source)
    cache = ReferenceCache()
    prefix = correlation_prefix_for_run()
    options = {"dry_run": dry_run, "create_missing": create_missing}
    levels = category_levels(rows, entity) if entity.name == "categories" else [rows]
    error: str | None = None
    index = 0
    for level in levels:
        futures = []
        batches = []
        for start in range(0, len(level), batch_size):
            batch = level[start : start + batch_size]
            batches.append(batch)
            futures.append(
                push_batch_task.submit(
                    block, entity.name, index, quote(batch), quote(cache), options, prefix
                )
            )
            index += 1
        wait(futures)
        for batch, future in zip(batches, futures, strict=True):
            outcome = future.result(raise_on_failure=False)
            if isinstance(outcome, PushCounts):
                counts.add(outcome)
                continue
            reason = f"{type(outcome).__name__}: {outcome}"
            counts.failed_lines += [(row.line, reason) for row in batch]
            if error is None:
                error = reason
    run_id = str(flow_run.id or uuid.uuid4())
    if not dry_run:
        store.add_dead_letters(project_key, entity.name, counts.dead, run_id=run_id)
        if source is None:
            _mark_outbox(store, rows, counts, superseded)
    report = _report(project_key, entity.name, source, dry_run, counts, started, error)
    _publish(report, counts.plan)
    if error is not None:
        raise PushFailed(report.summary(), report)
    return Completed(message=report.summary(), data=report)


def _run_name() -> str:
    entity = flow_run.flow_name.removeprefix("push-")
    dry = "-dry-run" if flow_run.parameters.get("dry_run") else ""
    return f"push-{entity}{dry}-{datetime.now(UTC):%Y%m%d-%H%M%S}"


_TASK_RUNNER = ThreadPoolTaskRunner(max_workers=16)


def _entity_flow(name: str) -> Any:
    def push(
        credentials: Credentials,
        source: PushSource = None,
        dry_run: PushDryRun = False,
        batch_size: BatchSize = 100,
        create_missing: CreateMissing = True,
        hub: Hub = None,
    ) -> PushReport:
        return run_push(name, credentials, source, hub, dry_run, batch_size, create_missing)

    push.__name__ = push.__qualname__ = f"push_{name}"
    push.__doc__ = (
        f"Bring commercetools {name} in line with drafts from a .jsonl/.csv file, a list, or "
        "(source=None) the hub outbox's pending drafts: "
        "create what is missing, update with minimal actions, leave equal records alone. "
        "Bad rows go to the hub's dead letters; `dry_run` writes nothing and shows the plan."
    )
    return flow(name=f"push-{name}", flow_run_name=_run_name, task_runner=_TASK_RUNNER)(push)


push_customers = _entity_flow("customers")
push_categories = _entity_flow("categories")
push_inventory = _entity_flow("inventory")
push_products = _entity_flow("products")
