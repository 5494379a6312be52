"""Pull syncs: commercetools into the hub, one flow per entity and `sync_all` for everything.

The flows only orchestrate: planning, reading, validation and writing live in `ctsync.pull`, one
entity's sync in `flows/_entity_sync.py`. Each run leaves what docs/architecture.md promises a
user in the Prefect UI: a run named after what it read, logs that narrate it, a state message with
the counts, a metric/value table `ct-<project>-<entity>`, a progress bar while a full read pages, a
markdown summary with the first failures, and a `commercetools.sync.completed` / `.failed` event.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect import Flow, flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, wait
from prefect.states import Completed, State
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import allow_failure

from blocks import CommercetoolsCredentials, HubDatabase
from blocks.resolve import resolve_hub
from ctsync.registry import ENTITIES, dependency_levels, get_entity
from ctsync.run.options import DEFAULT_PAGE_BYTES, Mode, PullOptions
from ctsync.run.report import RunFailed, plural
from ctsync.run.sync_all_report import SyncAllReport
from ctsync.run.sync_report import SyncReport
from flows import _parameters as param
from flows._bound import BoundFlows, entity_bound
from flows._entity_sync import EntitySync, run_locked
from flows._heap import frozen_heap
from flows._naming import artifact_key, rename_flow_run
from flows._sync_names import all_run_name, entity_run_name
from flows._tags import resolve_tagged
from flows._workers import THREADS, PartitionCluster, Workers, running_cluster


@frozen_heap()  # full collections walk only this run's objects (flows/_heap.py)
def run_sync(
    entity_name: str,
    block: CommercetoolsCredentials,
    hub: HubDatabase | str | None,
    options: PullOptions,
    workers: str = THREADS,
) -> State[SyncReport]:
    """The body of every sync flow (they differ only in the entity), once the run is tagged
    and its options are checked."""
    started = time.perf_counter()
    entity = get_entity(entity_name)
    hub_block = resolve_hub(hub)
    with partition_cluster(Workers.parse(workers), block, hub_block, options) as cluster:
        sync = EntitySync(entity, block, hub_block, options, started, cluster=cluster)
        return run_locked(sync)


@contextmanager
def partition_cluster(
    workers: Workers, block: CommercetoolsCredentials, hub: HubDatabase, options: PullOptions
) -> Iterator[PartitionCluster | None]:
    """The run's Dask cluster while it runs, or None when partitions stay on threads."""
    if workers.in_process:
        yield None
        return
    get_run_logger().info("Partitions of full reads run on %s", workers.describe())
    with PartitionCluster(workers, block, hub, partitions=options.partitions) as cluster:
        yield cluster


# Partitions run as concurrent tasks; the default pool holds only the CPU count + 4 threads.
_TASK_RUNNER = ThreadPoolTaskRunner(max_workers=80)


@flow(name="sync-entity", flow_run_name=entity_run_name, task_runner=_TASK_RUNNER)
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
    workers: param.Workers = THREADS,
    page_bytes: param.PageBytes = DEFAULT_PAGE_BYTES,
) -> SyncReport:
    """Pull one entity of commercetools into the hub; `entity` is a name from the registry."""
    block = resolve_tagged(credentials, entity if entity in ENTITIES else None)
    options = PullOptions(
        mode=mode,
        since=since,
        reset=reset,
        page_size=page_size,
        partitions=partitions,
        settle=settle,
        where=where,
        dry_run=dry_run,
        page_bytes=page_bytes,
    )
    return run_sync(entity, block, hub, options, workers)


def _entity_flow(entity: str) -> Flow[..., SyncReport]:
    """`sync_<entity>`: sync_entity for one entity, in a flow of its own."""
    doc = (
        f"Pull commercetools {entity} into the hub: a delta since the watermark by default, "
        "a full keyset read (in parallel id ranges) on the first run or with mode='full'."
    )
    return entity_bound(
        sync_entity,
        entity,
        verb="sync",
        doc=doc,
        run_name=entity_run_name,
        task_runner=_TASK_RUNNER,
    )


ENTITY_FLOWS = BoundFlows("sync", ENTITIES, _entity_flow)
"""The flow of each registry entity by its name: `sync_customers` is ENTITY_FLOWS["customers"],
built when first asked for."""
SYNC_FLOW_NAMES = ENTITY_FLOWS.function_names
"""`sync_customers`, …: each also a name of this module (`flows.sync:sync_orders` is a
deployment's entrypoint)."""
__all__ = ["ENTITY_FLOWS", "SYNC_FLOW_NAMES", "sync_all", "sync_entity", *SYNC_FLOW_NAMES]


def __getattr__(name: str) -> Flow[..., SyncReport]:
    """`flows.sync.sync_<entity>`, built on first access."""
    try:
        return ENTITY_FLOWS.by_function(name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


@task(name="sync-entity", cache_policy=NO_CACHE, task_run_name="sync-{entity}")
def _sync_entity_task(
    entity: str,
    block: CommercetoolsCredentials,
    hub: HubDatabase,
    options: PullOptions,
    cluster_id: str | None,
) -> State[SyncReport]:
    """One entity's whole sync inside sync_all: the same plan, reads, lock, artifacts and event
    as its own flow, as one task run (a failed sync fails the task, its report in the error)."""
    started = time.perf_counter()
    sync = EntitySync(
        get_entity(entity),
        block,
        hub,
        options,
        started,
        own_flow_run=False,
        cluster=running_cluster(cluster_id),
    )
    return run_locked(sync)


def in_dependency_order(
    names: list[str],
    block: CommercetoolsCredentials,
    hub: HubDatabase,
    options: PullOptions,
    cluster: PartitionCluster | None,
) -> dict[str, PrefectFuture[SyncReport]]:
    """Each entity's sync, started as soon as the entities it depends on have ended."""
    futures: dict[str, PrefectFuture[SyncReport]] = {}
    for level in dependency_levels(names):
        for name in level:
            upstream = [
                allow_failure(futures[d]) for d in ENTITIES[name].depends_on if d in futures
            ]
            futures[name] = _sync_entity_task.submit(
                name, block, hub, options, cluster and cluster.id, wait_for=upstream
            )
    wait(list(futures.values()))
    return futures


def _report_of(outcome: Any, project_key: str, entity: str, mode: Mode) -> SyncReport:
    """An entity task's report, failed or not."""
    if isinstance(outcome, SyncReport):
        return outcome
    if isinstance(outcome, RunFailed) and isinstance(outcome.report, SyncReport):
        return outcome.report
    return SyncReport.not_started(project_key, entity, mode, f"{type(outcome).__name__}: {outcome}")


@flow(name="sync-all", flow_run_name=all_run_name, task_runner=ThreadPoolTaskRunner(max_workers=24))
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
    workers: param.Workers = THREADS,
    page_bytes: param.PageBytes = DEFAULT_PAGE_BYTES,
) -> SyncAllReport:
    """Pull every entity (or those named) in dependency order, independent ones at once.

    One entity failing (a missing scope, say) fails its own run; the others go on, and this run
    ends Failed naming the entities that failed.
    """
    started = time.perf_counter()
    block = resolve_tagged(credentials)
    project_key = block.project_key
    options = PullOptions(
        mode=mode,
        reset=reset,
        page_size=page_size,
        partitions=partitions,
        settle=settle,
        dry_run=dry_run,
        page_bytes=page_bytes,
    )
    names = _checked_entity_names(entities)
    _log_plan(mode, names)
    hub_block = resolve_hub(hub)
    with (
        partition_cluster(Workers.parse(workers), block, hub_block, options) as cluster,
        frozen_heap(),
    ):
        futures = in_dependency_order(names, block, hub_block, options, cluster)
    reports = [
        _report_of(future.result(raise_on_failure=False), project_key, name, mode)
        for name, future in futures.items()
    ]
    result = SyncAllReport(
        project_key=project_key, reports=reports, duration_seconds=time.perf_counter() - started
    )
    _publish_all(result)
    if result.failed:
        raise RunFailed(result.summary(), result)
    get_run_logger().info("Done: %s", result.summary())
    return Completed(message=result.summary(), data=result)


def _log_plan(mode: str, names: list[str]) -> None:
    levels = dependency_levels(names)
    if mode == "delta":  # a first run asks for deltas and reads in full: say so before it does
        mode = "delta (full where an entity has no watermark yet)"
    get_run_logger().info(
        "Plan: %s of %s in %s, each started once those it depends on have ended: %s",
        mode,
        plural(len(names), "entity", "entities"),
        plural(len(levels), "dependency level"),
        " | ".join(", ".join(level) for level in levels),
    )


def _publish_all(result: SyncAllReport) -> None:
    """The run named after what its entities read, and its table `ct-<project>-all`."""
    rename_flow_run("all", result.mode)  # its plans may read otherwise than its name says
    create_table_artifact(
        key=artifact_key(result.project_key, "all"),
        table=result.table_rows(),
        description=f"sync_all of {result.project_key}: one row per entity, failed and changed "
        "first",
    )


def _checked_entity_names(entities: list[str] | None) -> list[str]:
    """The entities asked for, each a registry name (refused before anything runs)."""
    for name in entities or ():
        get_entity(name)
    return list(entities or ENTITIES)
