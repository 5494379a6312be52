"""Pull syncs: commercetools into the hub, one flow per entity and `sync_all` for everything.

The flows only orchestrate: planning, reading, validation and writing live in `ctsync.pull`.
Each run leaves what DESIGN.md promises a user in the Prefect UI: a named run, a state message
with the counts, a table artifact `ct-<project>-<entity>`, a progress artifact while it pages, a
markdown summary with the first failures, and a `commercetools.sync.completed` / `.failed` event.
"""

from __future__ import annotations

import contextvars
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, wait
from prefect.runtime import flow_run
from prefect.states import Completed, State
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import allow_failure, quote

from blocks import CommercetoolsCredentials, HubDatabase
from blocks.resolve import resolve_credentials, resolve_hub
from ctsync.counts import PullCounts
from ctsync.entities import ENTITIES, Entity, dependency_levels, get_entity
from ctsync.errors import CommercetoolsError
from ctsync.hub import LockHolder
from ctsync.options import Mode, PullOptions
from ctsync.pull import (
    PullInterrupted,
    PullPlan,
    PullRun,
    describe_watermark,
    finish_pull,
    plan_pull,
    pull,
    pull_range,
)
from ctsync.report import RunFailed, SyncAllReport, SyncReport, plural
from flows import _parameters as param
from flows._engine import run_with_client
from flows._heap import frozen_heap
from flows._naming import (
    artifact_key,
    correlation_prefix_for_run,
    current_flow_run_id,
    rename_flow_run,
    run_name_mode,
)
from flows._outcome import publish
from flows._progress import Progress
from flows._tags import TAG, entity_tag, project_tag, tag_flow_run

# What the hub's `runs` table keeps of a report.
_RUN_COUNTS = {
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


@task(name="plan-pull", cache_policy=NO_CACHE)
def plan_task(
    credentials: CommercetoolsCredentials,
    hub: HubDatabase,
    entity: str,
    options: PullOptions,
    correlation_prefix: str | None,
) -> PullPlan:
    """Decide full or delta, fresh or resumed, and (for a full run) count what there is."""
    return run_with_client(
        credentials,
        correlation_prefix,
        lambda client: plan_pull(hub.get_store(), client, get_entity(entity), options),
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
    progress: Progress,
    correlation_prefix: str | None,
) -> PullCounts:
    """One id range of a full run, page by page, each page committed with its checkpoint."""
    return run_with_client(
        credentials,
        correlation_prefix,
        lambda client: pull_range(client, run, partition, progress),
    )


@task(name="pull", cache_policy=NO_CACHE, task_run_name="pull-{entity}-{mode}")
def pull_delta_task(
    credentials: CommercetoolsCredentials,
    run: PullRun,
    entity: str,
    mode: str,
    progress: Progress,
    correlation_prefix: str | None,
) -> PullCounts:
    """A delta (everything changed since the watermark, each page moving the watermark as it
    commits) or a singleton read whole; `mode` names the task run after what it reads."""
    return run_with_client(
        credentials, correlation_prefix, lambda client: pull(client, run, progress)
    )


class _Sync:
    """One sync of one entity: plan, read, finish, report.

    In a flow run of its own (`sync_customers`, …) the plan and each read are task runs (a task
    per partition); inside `sync_all` the whole sync is one task run of sync_all's flow run, and
    its plan and reads are plain calls (partitions on threads): a subflow per entity cost more
    API round trips than a delta with nothing new costs in all.
    """

    def __init__(
        self,
        entity: Entity,
        block: CommercetoolsCredentials,
        hub: HubDatabase,
        options: PullOptions,
        started: float,
        *,
        own_flow_run: bool = True,
    ) -> None:
        self.entity = entity
        self.block = block
        self.hub = hub
        self.options = options
        self.started = started
        """When the sync began (perf_counter): the report's duration counts from it."""
        self.own_flow_run = own_flow_run
        self.prefix = correlation_prefix_for_run()
        own_id = current_flow_run_id() if own_flow_run else None
        self.run_id = own_id or str(uuid.uuid4())

    def run(self, taken_over: LockHolder | None = None) -> State[SyncReport]:
        logger = get_run_logger()
        plan = self._plan()
        if taken_over is not None:
            plan.notes.append(f"took over the lock of {taken_over.describe()}, which had stopped")
        logger.info("Plan: %s", plan.describe())
        if self.own_flow_run and plan.mode != run_name_mode(self.entity, self.options.mode):
            rename_flow_run(self.entity.name, plan.mode)
        store = self.hub.get_store()
        run = PullRun(store, plan)
        if not self.options.dry_run:
            store.start_run(
                self.run_id,
                plan.project_key,
                self.entity.name,
                direction="pull",
                mode=plan.mode,
                flow_run_id=current_flow_run_id(),
            )
        progress = Progress(plan.project_key, self.entity.name, plan.total, logger)
        counts, error = self._read(run, progress)
        finishing = None
        if error is None:
            counts.deleted += finish_pull(run)
            finishing = progress.finish()
        message = None if error is None else f"{type(error).__name__}: {error}"
        state = store.get_state(plan.project_key, self.entity.name)
        watermark = describe_watermark(
            plan, state.watermark if state else None, stopped=error is not None
        )
        report = plan.report(
            counts,
            duration=time.perf_counter() - self.started,
            watermark=watermark,
            error=message,
            flow_run_id=current_flow_run_id(),
        )
        if not self.options.dry_run:
            counted = report.model_dump(include=_RUN_COUNTS)
            store.finish_run(self.run_id, status=report.status, counts=counted, error=message)
        publish(report, f"{report.entity} {report.mode} sync of {report.project_key}")
        if finishing is not None:
            finishing.result()
        if error is not None:
            raise RunFailed(report.summary(), report)
        logger.info("Done: %s; watermark %s", report.summary(), report.watermark)
        return Completed(message=report.summary(), data=report)

    def _plan(self) -> PullPlan:
        """The run's plan; a failed plan still leaves its report, artifacts and event."""
        arguments = (self.block, self.hub, self.entity.name, self.options, self.prefix)
        try:
            if self.own_flow_run:
                return plan_task.submit(*arguments).result()
            return plan_task.fn(*arguments)
        except CommercetoolsError as error:
            report = SyncReport.not_started(
                self.block.project_key,
                self.entity.name,
                self.options.mode,
                f"{type(error).__name__}: {error}",
                dry_run=self.options.dry_run,
                duration=time.perf_counter() - self.started,
                flow_run_id=current_flow_run_id(),
            )
            publish(report, f"{report.entity} {report.mode} sync of {report.project_key}")
            raise RunFailed(report.summary(), report) from None

    def _read(self, run: PullRun, progress: Progress) -> tuple[PullCounts, BaseException | None]:
        """Run the reads to their end; what they committed, and the first error if any."""
        if self.own_flow_run:
            outcomes = self._read_in_tasks(run, progress)
        else:
            outcomes = self._read_in_threads(run, progress)
        counts = PullCounts()
        counts.add(run.plan.planning)
        error: BaseException | None = None
        for outcome in outcomes:
            if isinstance(outcome, PullInterrupted):
                counts.add(outcome.counts)
                outcome = outcome.cause
            if isinstance(outcome, PullCounts):
                counts.add(outcome)
            elif error is None:
                error = (
                    outcome if isinstance(outcome, BaseException) else RuntimeError(str(outcome))
                )
        return counts, error

    def _read_in_tasks(self, run: PullRun, progress: Progress) -> list[Any]:
        """A task run per partition (or one for a delta): what each returned or raised."""
        name = self.entity.name
        if run.plan.partitioned:
            futures = [
                pull_partition_task.submit(
                    self.block, quote(run), name, i, quote(progress), self.prefix
                )
                for i in range(len(run.plan.ranges))
            ]
        else:
            futures = [
                pull_delta_task.submit(
                    self.block, quote(run), name, run.plan.mode, quote(progress), self.prefix
                )
            ]
        wait(futures)
        return [future.result(raise_on_failure=False) for future in futures]

    def _read_in_threads(self, run: PullRun, progress: Progress) -> list[Any]:
        """The same reads as plain calls, partitions on threads that carry the run's context."""
        name = self.entity.name
        if not run.plan.partitioned:
            calls = [
                partial(
                    pull_delta_task.fn,
                    self.block,
                    run,
                    name,
                    run.plan.mode,
                    progress,
                    self.prefix,
                )
            ]
        else:
            calls = [
                partial(pull_partition_task.fn, self.block, run, name, i, progress, self.prefix)
                for i in range(len(run.plan.ranges))
            ]
        if len(calls) == 1:
            try:
                return [calls[0]()]
            except Exception as error:
                return [error]
        with ThreadPoolExecutor(len(calls), thread_name_prefix=f"pull-{name}") as pool:
            futures = [pool.submit(contextvars.copy_context().run, call) for call in calls]
        return [f.exception() or f.result() for f in futures]


@frozen_heap()  # full collections walk only this run's objects (flows/_heap.py)
def run_sync(
    entity_name: str,
    credentials: CommercetoolsCredentials | str,
    hub: HubDatabase | str | None,
    options: PullOptions,
) -> State[SyncReport]:
    """The body of every sync flow (they differ only in the entity)."""
    started = time.perf_counter()
    entity = get_entity(entity_name)
    block = resolve_credentials(credentials)
    tag_flow_run(TAG, project_tag(block.project_key), entity_tag(entity.name))
    return _locked(_Sync(entity, block, resolve_hub(hub), options, started))


def _locked(sync: _Sync) -> State[SyncReport]:
    """Run `sync` holding its entity's lock: one run per entity and hub, a second one refused
    naming the run that holds it. A dry run reads and writes nothing: it needs no lock."""
    if sync.options.dry_run:
        return sync.run()
    store = sync.hub.get_store()
    with store.locked(sync.block.project_key, sync.entity.name, sync.run_id) as taken_over:
        return sync.run(taken_over)


def _run_name() -> str:
    """`<entity>-<mode>-<UTC time>`; a run whose plan reads otherwise is renamed (run_sync)."""
    parameters = flow_run.parameters
    entity = parameters.get("entity") or flow_run.flow_name.removeprefix("sync-")
    mode = parameters.get("mode", "delta")
    if entity in ENTITIES:
        mode = run_name_mode(ENTITIES[entity], mode)
    return f"{entity}-{mode}-{datetime.now(UTC):%Y%m%d-%H%M%S}"


# Partitions run as concurrent tasks; the default pool holds only the CPU count + 4 threads.
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
    options = PullOptions(
        mode=mode,
        since=since,
        reset=reset,
        page_size=page_size,
        partitions=partitions,
        settle=settle,
        where=where,
        dry_run=dry_run,
    )
    return run_sync(entity, credentials, hub, options)


def _entity_flow(entity: Entity) -> Any:
    # The parameters again, not **kwargs: Prefect builds the Run form from this signature.
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
        return sync_entity.fn(
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


@task(name="sync-entity", cache_policy=NO_CACHE, task_run_name="sync-{entity}")
def _sync_entity_task(
    entity: str,
    block: CommercetoolsCredentials,
    hub: HubDatabase,
    options: PullOptions,
) -> State[SyncReport]:
    """One entity's whole sync inside sync_all: the same plan, reads, lock, artifacts and event
    as its own flow, as one task run (a failed sync fails the task, its report in the error)."""
    started = time.perf_counter()
    sync = _Sync(get_entity(entity), block, hub, options, started, own_flow_run=False)
    return _locked(sync)


def _all_run_name() -> str:
    return f"all-{flow_run.parameters.get('mode', 'delta')}-{datetime.now(UTC):%Y%m%d-%H%M%S}"


def _in_dependency_order(
    names: list[str], block: CommercetoolsCredentials, hub: HubDatabase, options: PullOptions
) -> dict[str, PrefectFuture[SyncReport]]:
    """Each entity's sync, started as soon as the entities it depends on have ended."""
    futures: dict[str, PrefectFuture[SyncReport]] = {}
    for level in dependency_levels(names):
        for name in level:
            upstream = [
                allow_failure(futures[d]) for d in ENTITIES[name].depends_on if d in futures
            ]
            futures[name] = _sync_entity_task.submit(name, block, hub, options, wait_for=upstream)
    wait(list(futures.values()))
    return futures


def _report_of(outcome: Any, project_key: str, entity: str, mode: Mode) -> SyncReport:
    """An entity task's report, failed or not."""
    if isinstance(outcome, SyncReport):
        return outcome
    if isinstance(outcome, RunFailed) and isinstance(outcome.report, SyncReport):
        return outcome.report
    return SyncReport.not_started(project_key, entity, mode, f"{type(outcome).__name__}: {outcome}")


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
    options = PullOptions(
        mode=mode,
        reset=reset,
        page_size=page_size,
        partitions=partitions,
        settle=settle,
        dry_run=dry_run,
    )
    names = _checked_entity_names(entities)
    with frozen_heap():
        futures = _in_dependency_order(names, block, resolve_hub(hub), options)
    reports = [
        _report_of(future.result(raise_on_failure=False), project_key, name, mode)
        for name, future in futures.items()
    ]
    result = SyncAllReport(project_key=project_key, reports=reports)
    read = {r.mode for r in reports if not ENTITIES[r.entity].singleton}
    if read == {"full"} and mode == "delta":
        rename_flow_run("all", "full")  # a first sync_all reads everything
    create_table_artifact(
        key=artifact_key(project_key, "all"),
        table=[r.table_row() for r in reports],
        description=f"sync_all of {project_key}: one row per entity",
    )
    totals = (
        f"{plural(sum(r.fetched for r in reports), 'record')} over {plural(len(reports), 'entity')}"
    ).replace("entitys", "entities")
    if result.failed:
        names_failed = ", ".join(f"{r.entity} ({r.error})" for r in result.failed)
        failed = plural(len(result.failed), "entity", "entities")
        raise RunFailed(f"{failed} failed: {names_failed}; {totals}", result)
    return Completed(message=f"all {len(reports)} entities synced: {totals}", data=result)


def _checked_entity_names(entities: list[str] | None) -> list[str]:
    """The entities asked for, each a registry name (refused before anything runs)."""
    for name in entities or ():
        get_entity(name)
    return list(entities or ENTITIES)
