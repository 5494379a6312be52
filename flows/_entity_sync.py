"""One sync of one entity: its plan, its reads, its lock, its report and what it publishes.

The sync flows (`sync_customers`, …) run it as their body, with the plan and each read as task
runs of their own; `sync_all` runs it as one task run per entity (flows/sync.py).
"""

from __future__ import annotations

import contextvars
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.states import Completed, State
from prefect.utilities.annotations import quote

from blocks import CommercetoolsCredentials, HubDatabase
from ctsync.client.errors import CommercetoolsError
from ctsync.hub import LockHolder, committed_counts
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
from ctsync.registry import Entity, get_entity
from ctsync.run.counts import PullCounts
from ctsync.run.options import PullOptions
from ctsync.run.report import RunFailed
from ctsync.run.sync_report import SyncReport
from flows._engine import run_with_client
from flows._naming import (
    correlation_prefix_for_run,
    current_flow_run_id,
    rename_flow_run,
)
from flows._outcome import publish
from flows._progress import Progress
from flows._workers import PartitionCluster

CLUSTER_PROGRESS_SECONDS = 1.0
"""How often a run on a cluster reads its partitions' progress back from the hub."""
_DISTINCT = ("inserted", "updated", "unchanged")
"""A committed record is exactly one of these: their sum is the distinct records written."""

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


@task(name="plan-pull", cache_policy=NO_CACHE, task_run_name="plan-{entity}")
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


class EntitySync:
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
        cluster: PartitionCluster | None = None,
    ) -> None:
        self.entity = entity
        self.block = block
        self.hub = hub
        self.options = options
        self.started = started
        """When the sync began (perf_counter): the report's duration counts from it."""
        self.own_flow_run = own_flow_run
        self.cluster = cluster
        """Where a full read's partitions run when not on threads of this process."""
        self.prefix = correlation_prefix_for_run()
        own_id = current_flow_run_id() if own_flow_run else None
        self.run_id = own_id or str(uuid.uuid4())

    def run(self, taken_over: LockHolder | None = None) -> State[SyncReport]:
        logger = get_run_logger()
        plan = self._plan()
        if taken_over is not None:
            plan.notes.append(f"took over the lock of {taken_over.describe()}, which had stopped")
        logger.info("Plan: %s", plan.describe())
        if self.own_flow_run:
            rename_flow_run(self.entity.name, plan.mode)
        store = self.hub.get_store()
        run = PullRun(store, plan)
        if not self.options.dry_run:
            store.runs.start(
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
        state = store.exact.states.get(plan.project_key, self.entity.name)
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
            store.runs.finish(self.run_id, status=report.status, counts=counted, error=message)
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
        if self.cluster is not None and run.plan.partitioned:
            return self._read_on_cluster(run, progress)
        if self.own_flow_run:
            outcomes = self._read_in_tasks(run, progress)
        else:
            outcomes = self._read_in_threads(run, progress)
        return _added_up(run, outcomes)

    def _read_on_cluster(
        self, run: PullRun, progress: Progress
    ) -> tuple[PullCounts, BaseException | None]:
        """A task run per partition on the cluster's workers; counts from the hub's checkpoint.

        Each page commits its partition's counts with it, so what the run did is read back from
        the hub (exact even when a worker died and Dask ran its partition again elsewhere); the
        calls, retries and failure messages come from the task runs that returned.
        """
        assert self.cluster is not None
        plan = run.plan
        store, name = run.hub, plan.entity.name
        checkpointed = plan.moves_watermark and not plan.options.dry_run

        def committed() -> dict[str, int]:
            state = store.exact.states.get(plan.project_key, name)
            return committed_counts(state.cursor if state else None)

        before = committed() if checkpointed else {}
        futures = [
            self.cluster.submit_partition(run, i, self.prefix)
            for i in range(len(plan.ranges))
            if not plan.done[i]
        ]
        reported = before.get("fetched", 0)
        while True:
            pending = wait(futures, timeout=CLUSTER_PROGRESS_SECONDS).not_done
            if checkpointed:
                fetched = committed().get("fetched", 0)
                if fetched > reported:
                    progress(PullCounts(fetched=fetched - reported))
                    reported = fetched
            if not pending:
                break
        counts, error = _added_up(run, [f.result(raise_on_failure=False) for f in futures])
        if checkpointed:
            after = committed()
            for field in ("fetched", "inserted", "updated", "unchanged", "failed", "pages"):
                done = after.get(field, 0) - before.get(field, 0)
                setattr(counts, field, done + getattr(run.plan.planning, field))
            run.seen += sum(after.get(f, 0) - before.get(f, 0) for f in _DISTINCT)
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


def _added_up(run: PullRun, outcomes: list[Any]) -> tuple[PullCounts, BaseException | None]:
    """The counts of the plan and of every read, and the first error a read ended with."""
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
            error = outcome if isinstance(outcome, BaseException) else RuntimeError(str(outcome))
    return counts, error


def run_locked(sync: EntitySync) -> State[SyncReport]:
    """Run `sync` holding its entity's lock: one run per entity and hub, a second one refused
    naming the run that holds it. A dry run reads and writes nothing: it needs no lock."""
    if sync.options.dry_run:
        return sync.run()
    store = sync.hub.get_store()
    with store.locks.held(sync.block.project_key, sync.entity.name, sync.run_id) as taken_over:
        return sync.run(taken_over)
