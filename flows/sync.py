"""Pull syncs: commercetools into the hub, one flow per entity and `sync_all` for everything.

The flows only orchestrate: the reading, validation and writing live in `ctsync.pull`. Each run
leaves what DESIGN.md promises a user in the Prefect UI: a named run, a state message with the
counts, a table artifact `ct-<project>-<entity>`, a progress artifact while it pages, a markdown
summary with the first failures, and a `commercetools.sync.completed` / `.failed` event.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from concurrent.futures import Future
from concurrent.futures import wait as wait_all
from datetime import UTC, datetime
from typing import Any, Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.runtime import flow_run
from prefect.states import Completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import allow_failure, quote
from pydantic import BaseModel, Field

from blocks import CommercetoolsCredentials, HubDatabase
from ctsync.entities import ENTITIES, Entity, dependency_levels, get_entity
from ctsync.errors import CommercetoolsError
from ctsync.hub import LockHolder
from ctsync.pull import (
    PullCounts,
    PullInterrupted,
    PullPlan,
    PullRun,
    finish_pull,
    plan_pull,
    pull_delta,
    pull_range,
    pull_singleton,
)
from flows import _parameters as param
from flows._credentials import resolve_credentials
from flows._engine import run_with_client
from flows._heap import frozen_heap
from flows._naming import artifact_key, correlation_prefix_for_run
from flows._outcome import in_background, publish_outcome
from flows._tags import TAG, entity_tag, project_tag, tag_flow_run

Mode = Literal["delta", "full"]
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$")


class SyncReport(BaseModel):
    """What one entity's sync did; returned by every sync flow and shown in its artifacts."""

    project_key: str
    entity: str
    mode: Mode
    requested_mode: Mode
    status: Literal["completed", "failed"]
    dry_run: bool = False
    resumed: bool = False
    note: str | None = None
    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: int = 0
    pages: int = 0
    partitions: int = 1
    api_calls: int = 0
    retries: int = 0
    throttle_waits: int = 0
    throttle_wait_seconds: float = 0.0
    token_remints: int = 0
    duration_seconds: float = 0.0
    records_per_second: float = 0.0
    window: str = ""
    first_failures: list[str] = Field(default_factory=list)
    error: str | None = None
    flow_run_id: str | None = None

    def summary(self) -> str:
        """The one line a state message and a log carry."""
        head = f"{self.entity} {self.mode}{' (dry run)' if self.dry_run else ''}"
        counts = (
            f"fetched {self.fetched}, inserted {self.inserted}, updated {self.updated}, "
            f"unchanged {self.unchanged}, deleted {self.deleted}, failed {self.failed}"
        )
        speed = f"{self.duration_seconds:.1f} s, {self.records_per_second:.0f} records/s"
        tail = f"; {self.error}" if self.error else ""
        return f"{head}: {counts} in {speed}{tail}"

    def table_row(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "mode": self.mode,
            "status": self.status,
            "fetched": self.fetched,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "failed": self.failed,
            "pages": self.pages,
            "API calls": self.api_calls,
            "retries": self.retries,
            "throttle wait (s)": round(self.throttle_wait_seconds, 3),
            "duration (s)": round(self.duration_seconds, 3),
            "records/s": round(self.records_per_second, 1),
            "window": self.window,
        }


class SyncFailed(Exception):
    """A sync could not complete; carries the report of what it did before failing."""

    def __init__(self, message: str, report: SyncReport | SyncAllReport | None = None) -> None:
        super().__init__(message)
        self.report = report


class _Progress:
    """The progress artifact of one run, updated from partition threads at most twice a second.

    Every artifact call is a round trip to the Prefect API, so none of them is made on a
    partition's event loop or waited for while pages flow: the artifact is created and updated
    in the background, one call at a time (an update still in flight makes the next one skip,
    so they never arrive out of order), and `finish` waits for them before setting 100 %.
    """

    def __init__(self, project_key: str, entity: str, total: int | None) -> None:
        self.total = total
        self.done = 0
        self._lock = threading.Lock()
        self._last_update = 0.0
        what = f"{total} records" if total is not None else "changes since the watermark"
        self._pending: Future[Any] = in_background(
            create_progress_artifact,
            progress=0.0,
            key=artifact_key(project_key, f"{entity}-progress"),
            description=f"Pulling {entity} of {project_key}: {what}",
        )
        self._artifact_id: Future[Any] = self._pending

    def __call__(self, counts: PullCounts) -> None:
        with self._lock:
            self.done += counts.fetched
            now = time.monotonic()
            if now - self._last_update < 0.5 or not self._pending.done():
                return
            if self._artifact_id.exception() is not None:
                return  # reported by finish
            self._last_update = now
            self._pending = in_background(
                update_progress_artifact,
                artifact_id=self._artifact_id.result(),
                progress=self._percent(),
                _sync=True,
            )

    def _percent(self) -> float:
        if not self.total:
            return 0.0
        return min(99.0, 100.0 * self.done / self.total)

    def finish(self) -> Future[Any]:
        """Set 100 % once the update in flight is done; wait on the returned future."""
        with self._lock:
            pending = self._pending
        wait_all([pending])
        if pending is not self._artifact_id and pending.exception() is not None:
            get_run_logger().warning(
                "A progress update was refused by the Prefect API: %s", pending.exception()
            )
        return in_background(
            update_progress_artifact,
            artifact_id=self._artifact_id.result(),
            progress=100.0,
            _sync=True,
        )


@task(name="plan-pull", cache_policy=NO_CACHE)
def plan_task(
    credentials: CommercetoolsCredentials,
    hub: HubDatabase,
    entity: str,
    options: dict[str, Any],
    correlation_prefix: str | None,
) -> PullPlan:
    """Decide full or delta, fresh or resumed, and (for a full run) count what there is."""
    return run_with_client(
        credentials,
        correlation_prefix,
        lambda client: plan_pull(hub.get_store(), client, get_entity(entity), **options),
    )


@task(
    name="pull-partition",
    cache_policy=NO_CACHE,
    task_run_name="pull-{entity}-partition-{partition}",
)
def pull_partition_task(
    credentials: CommercetoolsCredentials,
    run: PullRun,
    entity: str,
    partition: int,
    progress: _Progress,
    correlation_prefix: str | None,
) -> PullCounts:
    """One id range of a full run, page by page, each page committed with its checkpoint."""
    return run_with_client(
        credentials,
        correlation_prefix,
        lambda client: pull_range(client, run, partition, progress),
    )


@task(name="pull-delta", cache_policy=NO_CACHE, task_run_name="pull-{entity}-delta")
def pull_delta_task(
    credentials: CommercetoolsCredentials,
    run: PullRun,
    entity: str,
    progress: _Progress,
    correlation_prefix: str | None,
) -> PullCounts:
    """Everything changed since the watermark, each page moving the watermark as it commits."""
    pull = pull_singleton if run.plan.entity.singleton else pull_delta
    return run_with_client(
        credentials, correlation_prefix, lambda client: pull(client, run, progress)
    )


def resolve_hub(hub: HubDatabase | str | None) -> HubDatabase:
    if hub is None:
        return HubDatabase()
    if isinstance(hub, HubDatabase):
        return hub
    try:
        return HubDatabase.load(hub)  # type: ignore[return-value]
    except ValueError as error:
        raise ValueError(
            f"hub {hub!r}: no commercetools-hub-database block of that name could be loaded "
            f"({error}); save one or pass None for the default SQLite hub ./data/hub.db"
        ) from None


def _check_options(
    mode: str, since: str | None, page_size: int, partitions: int | None, settle: float
) -> None:
    if mode not in ("delta", "full"):
        raise ValueError(f"mode is {mode!r}: use 'delta' (changes since the watermark) or 'full'")
    if since is not None and not _ISO.match(since):
        raise ValueError(
            f"since is {since!r}: give a UTC timestamp as commercetools writes them, "
            "e.g. 2026-01-31T00:00:00.000Z"
        )
    if not 1 <= page_size <= 500:
        raise ValueError(f"page_size is {page_size}: commercetools pages hold 1 to 500 records")
    if partitions is not None and not 1 <= partitions <= 64:
        raise ValueError(f"partitions is {partitions}: use 1 to 64")
    if settle < 0:
        raise ValueError(f"settle is {settle}: use 0 or more seconds")


def _report(
    plan: PullPlan, counts: PullCounts, deleted: int, started: float, error: str | None
) -> SyncReport:
    duration = time.perf_counter() - started
    return SyncReport(
        project_key=plan.project_key,
        entity=plan.entity.name,
        mode=plan.mode,
        requested_mode=plan.requested_mode,
        status="failed" if error else "completed",
        dry_run=plan.dry_run,
        resumed=plan.resumed,
        note="; ".join(plan.notes) or None,
        fetched=counts.fetched,
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.unchanged,
        deleted=deleted,
        failed=counts.failed,
        pages=counts.pages,
        partitions=max(1, len(plan.ranges)),
        api_calls=counts.api_calls,
        retries=counts.retries,
        throttle_waits=counts.throttle_waits,
        throttle_wait_seconds=round(counts.throttle_wait_seconds, 3),
        token_remints=counts.token_remints,
        duration_seconds=round(duration, 3),
        records_per_second=round(counts.fetched / duration, 1) if duration > 0 else 0.0,
        window=plan.window,
        first_failures=counts.failures[:10],
        error=error,
        flow_run_id=str(flow_run.id) if flow_run.id else None,
    )


def _publish(report: SyncReport) -> None:
    table = {
        "key": artifact_key(report.project_key, report.entity),
        "table": [report.table_row()],
        "description": f"{report.entity} {report.mode} sync of {report.project_key}",
    }
    lines = [
        f"## {report.entity}: {report.status}",
        "",
        report.summary(),
        "",
        f"- window: {report.window}",
        f"- pages: {report.pages} over {report.partitions} partition(s), "
        f"{report.api_calls} API calls, {report.retries} retries, "
        f"{report.throttle_wait_seconds:.2f} s throttle wait",
    ]
    if report.note:
        lines.append(f"- note: {report.note}")
    publish_outcome(
        kind="sync",
        project_key=report.project_key,
        entity=report.entity,
        summary_key=f"{report.entity}-summary",
        lines=lines,
        description=f"Summary of the {report.entity} sync of {report.project_key}",
        error=report.error,
        first_failures=report.first_failures,
        failed=report.failed,
        payload=report.model_dump(exclude={"first_failures"}),
        tables=[table],
    )


@frozen_heap()  # full collections walk only this run's objects (flows/_heap.py)
def run_sync(
    entity_name: str,
    credentials: CommercetoolsCredentials | str,
    hub: HubDatabase | str | None = None,
    mode: Mode = "delta",
    since: str | None = None,
    reset: bool = False,
    page_size: int = 500,
    partitions: int | None = None,
    settle: float = 120.0,
    where: str | None = None,
    dry_run: bool = False,
) -> Any:
    """The body of every sync flow (they differ only in the entity)."""
    started = time.perf_counter()
    entity = get_entity(entity_name)
    _check_options(mode, since, page_size, partitions, settle)
    block = resolve_credentials(credentials)
    tag_flow_run(TAG, project_tag(block.project_key), entity_tag(entity.name))
    hub_block = resolve_hub(hub)
    prefix = correlation_prefix_for_run()
    options = {
        "mode": mode,
        "since": since,
        "reset": reset,
        "partitions": partitions or block.concurrent_connections,
        "settle_seconds": settle,
        "where": where,
        "page_size": page_size,
        "dry_run": dry_run,
    }
    run_id = str(flow_run.id or uuid.uuid4())
    if dry_run:  # reads and writes nothing: it may run beside a real sync of the entity
        return _pull(entity, block, hub_block, options, prefix, started, run_id, None)
    # One run per entity and hub: a second one is refused, naming the run that holds it.
    with hub_block.get_store().locked(block.project_key, entity.name, run_id) as taken_over:
        return _pull(entity, block, hub_block, options, prefix, started, run_id, taken_over)


def _pull(
    entity: Entity,
    block: CommercetoolsCredentials,
    hub_block: HubDatabase,
    options: dict[str, Any],
    prefix: str | None,
    started: float,
    run_id: str,
    taken_over: LockHolder | None,
) -> Any:
    """Plan, read and write one entity's run; the caller holds the entity's lock."""
    store = hub_block.get_store()
    mode, dry_run = options["mode"], options["dry_run"]
    try:
        plan = plan_task.submit(block, hub_block, entity.name, options, prefix).result()
    except CommercetoolsError as error:
        report = SyncReport(
            project_key=block.project_key,
            entity=entity.name,
            mode=mode,
            requested_mode=mode,
            status="failed",
            dry_run=dry_run,
            duration_seconds=round(time.perf_counter() - started, 3),
            error=f"{type(error).__name__}: {error}",
            flow_run_id=str(flow_run.id) if flow_run.id else None,
        )
        _publish(report)
        raise SyncFailed(report.summary(), report) from None
    if taken_over is not None:
        plan.notes.append(f"took over the lock of {taken_over.describe()}, which had stopped")
    run = PullRun(store, plan)
    if not dry_run:
        store.start_run(
            run_id,
            plan.project_key,
            entity.name,
            direction="pull",
            mode=plan.mode,
            flow_run_id=str(flow_run.id) if flow_run.id else None,
        )
    progress = _Progress(plan.project_key, entity.name, plan.total)
    counts = PullCounts()
    counts.add(plan.planning)
    error: CommercetoolsError | Exception | None = None
    if plan.mode == "full" and not entity.singleton:
        futures = [
            pull_partition_task.submit(block, quote(run), entity.name, i, quote(progress), prefix)
            for i in range(len(plan.ranges))
        ]
    else:
        futures = [pull_delta_task.submit(block, quote(run), entity.name, quote(progress), prefix)]
    wait(futures)
    for future in futures:
        outcome = future.result(raise_on_failure=False)
        if isinstance(outcome, PullInterrupted):
            counts.add(outcome.counts)
            outcome = outcome.cause
        if isinstance(outcome, PullCounts):
            counts.add(outcome)
        elif error is None:
            error = outcome if isinstance(outcome, BaseException) else RuntimeError(str(outcome))
    deleted = 0
    finishing: Future[Any] | None = None
    if error is None:
        deleted = finish_pull(run)
        finishing = progress.finish()
    message = None if error is None else f"{type(error).__name__}: {error}"
    report = _report(plan, counts, deleted, started, message)
    if not dry_run:
        store.finish_run(
            run_id,
            status=report.status,
            counts=report.model_dump(include=_COUNT_FIELDS),
            error=message,
        )
    _publish(report)
    if finishing is not None:
        finishing.result()
    if error is not None:
        raise SyncFailed(report.summary(), report)
    return Completed(message=report.summary(), data=report)


_COUNT_FIELDS = {
    "fetched",
    "inserted",
    "updated",
    "unchanged",
    "deleted",
    "failed",
    "pages",
    "api_calls",
    "retries",
    "throttle_wait_seconds",
    "duration_seconds",
    "records_per_second",
}


def _run_name() -> str:
    parameters = flow_run.parameters
    entity = parameters.get("entity") or flow_run.flow_name.removeprefix("sync-")
    mode = parameters.get("mode", "delta")
    return f"{entity}-{mode}-{datetime.now(UTC):%Y%m%d-%H%M%S}"


# Partitions run as concurrent tasks; the default pool of a 2-core machine would hold six.
_TASK_RUNNER = ThreadPoolTaskRunner(max_workers=80)


@flow(name="sync-entity", flow_run_name=_run_name, task_runner=_TASK_RUNNER)
def sync_entity(
    entity: param.EntityName,
    credentials: param.Credentials,
    hub: param.Hub = None,
    mode: param.SyncMode = "delta",
    since: param.Since = None,
    reset: param.Reset = False,
    page_size: param.PageSize = 500,
    partitions: param.Partitions = None,
    settle: param.Settle = 120.0,
    where: param.Where = None,
    dry_run: param.DryRun = False,
) -> SyncReport:
    """Pull one entity of commercetools into the hub; `entity` is a name from the registry."""
    return run_sync(
        entity, credentials, hub, mode, since, reset, page_size, partitions, settle, where, dry_run
    )


def _entity_flow(entity: Entity) -> Any:
    def sync(
        credentials: param.Credentials,
        hub: param.Hub = None,
        mode: param.SyncMode = "delta",
        since: param.Since = None,
        reset: param.Reset = False,
        page_size: param.PageSize = 500,
        partitions: param.Partitions = None,
        settle: param.Settle = 120.0,
        where: param.Where = None,
        dry_run: param.DryRun = False,
    ) -> SyncReport:
        return run_sync(
            entity.name,
            credentials,
            hub,
            mode,
            since,
            reset,
            page_size,
            partitions,
            settle,
            where,
            dry_run,
        )

    python_name = "sync_" + entity.name.replace("-", "_")
    sync.__name__ = sync.__qualname__ = python_name
    sync.__doc__ = (
        f"Pull commercetools {entity.name} into the hub: a delta since the watermark by default, "
        "a full keyset read (in parallel id ranges) on the first run or with mode='full'."
    )
    return flow(name=f"sync-{entity.name}", flow_run_name=_run_name, task_runner=_TASK_RUNNER)(sync)


ENTITY_FLOWS = {name: _entity_flow(entity) for name, entity in ENTITIES.items()}
sync_project = ENTITY_FLOWS["project"]
sync_types = ENTITY_FLOWS["types"]
sync_states = ENTITY_FLOWS["states"]
sync_channels = ENTITY_FLOWS["channels"]
sync_zones = ENTITY_FLOWS["zones"]
sync_tax_categories = ENTITY_FLOWS["tax-categories"]
sync_customer_groups = ENTITY_FLOWS["customer-groups"]
sync_product_types = ENTITY_FLOWS["product-types"]
sync_categories = ENTITY_FLOWS["categories"]
sync_stores = ENTITY_FLOWS["stores"]
sync_shipping_methods = ENTITY_FLOWS["shipping-methods"]
sync_customers = ENTITY_FLOWS["customers"]
sync_products = ENTITY_FLOWS["products"]
sync_standalone_prices = ENTITY_FLOWS["standalone-prices"]
sync_inventory = ENTITY_FLOWS["inventory"]
sync_cart_discounts = ENTITY_FLOWS["cart-discounts"]
sync_discount_codes = ENTITY_FLOWS["discount-codes"]
sync_payments = ENTITY_FLOWS["payments"]
sync_orders = ENTITY_FLOWS["orders"]
sync_shopping_lists = ENTITY_FLOWS["shopping-lists"]


class SyncAllReport(BaseModel):
    project_key: str
    reports: list[SyncReport]

    @property
    def failed(self) -> list[SyncReport]:
        return [r for r in self.reports if r.status == "failed"]


@task(name="sync-one-entity", cache_policy=NO_CACHE, task_run_name="sync-{entity}")
def _sync_entity_task(entity: str, parameters: dict[str, Any]) -> SyncReport:
    """Runs one entity's flow as a subflow and hands back its report, failed or not."""
    state = ENTITY_FLOWS[entity](**parameters, return_state=True)
    outcome = state.result(raise_on_failure=False)
    if isinstance(outcome, SyncReport):
        return outcome
    if isinstance(outcome, SyncFailed) and outcome.report is not None:
        return outcome.report
    raise outcome if isinstance(outcome, BaseException) else RuntimeError(str(state))


def _all_run_name() -> str:
    return f"all-{flow_run.parameters.get('mode', 'delta')}-{datetime.now(UTC):%Y%m%d-%H%M%S}"


@flow(
    name="sync-all", flow_run_name=_all_run_name, task_runner=ThreadPoolTaskRunner(max_workers=24)
)
def sync_all(
    credentials: param.Credentials,
    hub: param.Hub = None,
    mode: param.SyncMode = "delta",
    entities: param.EntityNames = None,
    reset: param.Reset = False,
    page_size: param.PageSize = 500,
    partitions: param.Partitions = None,
    settle: param.Settle = 120.0,
    dry_run: param.DryRun = False,
) -> SyncAllReport:
    """Pull every entity (or those named) in dependency order, independent ones at once.

    One entity failing (a missing scope, say) fails its own run; the others go on, and this run
    ends Failed naming the entities that failed.
    """
    block = resolve_credentials(credentials)
    project_key = block.project_key
    tag_flow_run(TAG, project_tag(project_key))
    names = entities or list(ENTITIES)
    parameters = {
        "credentials": block,
        "hub": hub,
        "mode": mode,
        "reset": reset,
        "page_size": page_size,
        "partitions": partitions,
        "settle": settle,
        "dry_run": dry_run,
    }
    futures: dict[str, Any] = {}
    for level in dependency_levels(names):
        for name in level:
            upstream = [
                allow_failure(futures[d]) for d in ENTITIES[name].depends_on if d in futures
            ]
            futures[name] = _sync_entity_task.submit(name, parameters, wait_for=upstream)
    wait(list(futures.values()))
    reports: list[SyncReport] = []
    for name, future in futures.items():
        outcome = future.result(raise_on_failure=False)
        if isinstance(outcome, SyncReport):
            reports.append(outcome)
        else:
            reports.append(
                SyncReport(
                    project_key=project_key,
                    entity=name,
                    mode=mode,
                    requested_mode=mode,
                    status="failed",
                    error=f"{type(outcome).__name__}: {outcome}",
                )
            )
    result = SyncAllReport(project_key=project_key, reports=reports)
    create_table_artifact(
        key=artifact_key(project_key, "all"),
        table=[r.table_row() for r in reports],
        description=f"sync_all of {project_key}: one row per entity",
    )
    totals = f"{sum(r.fetched for r in reports)} records over {len(reports)} entities"
    if result.failed:
        names_failed = ", ".join(f"{r.entity} ({r.error})" for r in result.failed)
        raise SyncFailed(f"{len(result.failed)} entities failed: {names_failed}; {totals}", result)
    return Completed(message=f"all {len(reports)} entities synced: {totals}", data=result)
