"""Where a full read's partitions run: threads of the flow's process (the default), worker
processes of a Dask cluster started for the run, or an existing Dask cluster by its address.

Threads share one Python process, so one core is their ceiling. Processes and clusters run each
partition as a Prefect task run on a Dask worker (prefect-dask's `DaskTaskRunner`): the worker
builds its own client and hub engine from the blocks, every process of the run draws on one
throttle budget held by the Dask scheduler (`ctsync.client.cluster_throttle`), and each page commits
its partition's progress in the hub, so a worker that dies costs no page twice.
"""

from __future__ import annotations

import logging
import math
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import dask
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from blocks import CommercetoolsCredentials, HubDatabase
from blocks.credentials import use_budget
from ctsync.client.cluster_throttle import ClusterThrottle, ClusterThrottleSpec
from ctsync.pull import PullPlan, PullRun, pull_range
from ctsync.run.counts import PullCounts
from flows._engine import run_with_client
from flows._heap import frozen_heap

THREADS = "threads"
_LOCAL_WORKER_CONFIG = {
    # Dask's statistical profiler samples every worker thread's stack 100 times a second: CPU
    # taken from the partitions that parse and write pages, for a profile no run reads.
    "distributed.worker.profile.enabled": False,
    # Worker processes set their loggers' levels as they import distributed, before a Nanny's
    # `env` or `silence_logs` reach them: only the environment they are spawned with keeps
    # their start and stop chatter (INFO) out of the run's output.
    "distributed.nanny.pre-spawn-environ.DASK_LOGGING__DISTRIBUTED": "warning",
}
_CHATTY_LOGGERS = ("distributed", "prefect.task_runner.dask")
"""Loggers of this process that narrate a cluster's start and stop at INFO; LocalCluster's
`silence_logs` quiets only handlers of distributed's own, not Prefect's console handler."""
_PROCESSES = re.compile(r"^processes(?::(\d+))?$")
_ADDRESS = re.compile(r"^(?:(tcp|tls|ucx|inproc|ws|wss)://)?([^\s/:]+|\[[0-9a-fA-F:]+\]):(\d+)$")
_WORKERS_HELP = (
    "use 'threads' (the default: threads of the flow's process), 'processes' (a Dask cluster of "
    "one worker process per CPU on this machine), 'processes:N' (N worker processes), or the "
    "address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786"
)


@dataclass(frozen=True)
class Workers:
    """A run's choice of where partitions run (the flows' `workers` parameter)."""

    kind: Literal["threads", "processes", "cluster"]
    processes: int | None = None
    """Worker processes of a cluster started for the run; None: one per CPU."""
    address: str | None = None
    """The scheduler of an existing cluster."""

    @classmethod
    def parse(cls, value: str | None) -> Workers:
        """The choice `value` names, or a ValueError that names the value and the forms."""
        text = (value or THREADS).strip()
        if text == THREADS:
            return cls("threads")
        if match := _PROCESSES.match(text):
            count = int(match.group(1)) if match.group(1) else None
            if count is not None and not 1 <= count <= 64:
                raise ValueError(f"workers is {value!r}: use 1 to 64 processes; {_WORKERS_HELP}")
            return cls("processes", processes=count)
        if _ADDRESS.match(text):
            address = text if "://" in text else f"tcp://{text}"
            return cls("cluster", address=address)
        raise ValueError(f"workers is {value!r}: {_WORKERS_HELP}")

    @property
    def in_process(self) -> bool:
        return self.kind == "threads"

    def describe(self) -> str:
        if self.kind == "threads":
            return "threads of the flow's process"
        if self.kind == "processes":
            count = self.processes or os.cpu_count() or 1
            return f"{count} worker processes of a Dask cluster on this machine"
        return f"the Dask cluster at {self.address}"


@contextmanager
def quiet_cluster_logs() -> Iterator[None]:
    """While a run's cluster lives, its INFO chatter stays out of the run's output; warnings
    and errors still show."""
    loggers = [logging.getLogger(name) for name in _CHATTY_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class PartitionCluster:
    """A run's Dask cluster: its task runner, and the throttle budget all its processes share.

    Entered, it starts (or connects to) the cluster and makes the scheduler's budget the one
    every client of this block uses in the flow's own process too, so plan, deltas and
    partitions of the run never add up to more than the block allows.
    """

    def __init__(
        self,
        workers: Workers,
        block: CommercetoolsCredentials,
        hub: HubDatabase,
        *,
        partitions: int | None = None,
    ) -> None:
        if workers.in_process:
            raise ValueError("threads need no cluster")
        self.workers = workers
        self.block = block
        self.hub = hub
        self.partitions = partitions or block.concurrent_connections
        self.throttle_spec = _throttle_spec(block)
        self.id = uuid.uuid4().hex
        """How task runs name the cluster: the cluster itself (its Dask client) cannot be a
        task's parameter, which Dask would have to serialize for the nested partition tasks."""
        self._runner: Any = None
        self._throttle: ClusterThrottle | None = None
        self._quiet = ExitStack()

    def __enter__(self) -> PartitionCluster:
        from prefect_dask import DaskTaskRunner

        api_url = _prefect_api_url()
        if self.workers.kind == "cluster":
            _refuse_remote(self.hub, api_url, self.workers)
            runner = DaskTaskRunner(address=self.workers.address)
        else:
            count = self.workers.processes or os.cpu_count() or 1
            cluster_kwargs: dict[str, Any] = {
                "n_workers": count,
                # Every partition of a run at once: a Dask thread per partition and process.
                "threads_per_worker": max(1, math.ceil(self.partitions / count)),
                "processes": True,
                "silence_logs": logging.WARNING,
            }
            if api_url is not None:
                # The flow's temporary Prefect server: workers report to it, not to their own.
                cluster_kwargs["env"] = {"PREFECT_API_URL": api_url}
            runner = DaskTaskRunner(cluster_kwargs=cluster_kwargs)
            self._quiet.enter_context(quiet_cluster_logs())
        self._runner = runner.__enter__()
        try:
            with dask.config.set(_LOCAL_WORKER_CONFIG):  # the workers a run starts itself
                client = self._runner.client  # starts the cluster, or connects to it
            self._throttle = ClusterThrottle(
                self.throttle_spec, scheduler_rpc=client.scheduler, loop=client.loop
            )
        except BaseException:
            self._runner.__exit__(None, None, None)
            self._quiet.close()
            raise
        use_budget(self.block.connection_settings(), self._throttle)
        _running[self.id] = self
        return self

    def __exit__(self, *exc: object) -> None:
        _running.pop(self.id, None)
        use_budget(self.block.connection_settings(), None)
        if self._throttle is not None:
            self._throttle.close()
        if self._runner is not None:
            self._runner.__exit__(*exc)
        self._quiet.close()

    def submit_partition(self, run: PullRun, partition: int, correlation_prefix: str | None) -> Any:
        """One id range of `run` as a task run on a worker; a PrefectDaskFuture of its counts."""
        parameters = {
            "credentials": self.block,
            "hub": self.hub,
            "plan": run.plan,
            "entity": run.plan.entity.name,
            "partition": partition,
            "correlation_prefix": correlation_prefix,
            "throttle": self.throttle_spec,
        }
        return self._runner.submit(pull_partition_on_worker, parameters=parameters)


_running: dict[str, PartitionCluster] = {}


def running_cluster(cluster_id: str | None) -> PartitionCluster | None:
    """The entered cluster of this process with that id (None for None: threads)."""
    return None if cluster_id is None else _running[cluster_id]


def _throttle_spec(block: CommercetoolsCredentials) -> ClusterThrottleSpec:
    """The budget's name: one per API client and limits, so runs on one cluster share it."""
    settings = block.connection_settings()
    limits = settings.throttle
    fingerprint = uuid.uuid5(uuid.NAMESPACE_URL, repr(settings.fingerprint())).hex[:16]
    return ClusterThrottleSpec(
        name=f"ctsync-{fingerprint}-{limits.limit}-{limits.seconds:g}-{limits.concurrency}",
        limit=limits.limit,
        seconds=limits.seconds,
        concurrency=limits.concurrency,
    )


def _prefect_api_url() -> str | None:
    """The Prefect API this process reports to when it is a temporary one it started itself
    (None when PREFECT_API_URL names a server, which workers are told through their context)."""
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return None
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer._instances.get(None)
    return server.api_url if server is not None and server.server_process is not None else None


def _on_this_machine(address: str) -> bool:
    """A scheduler listening on loopback: only workers of this machine can have joined it."""
    host = address.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]")
    return host in ("localhost", "::1") or host.startswith("127.")


def _refuse_remote(hub: HubDatabase, temporary_api: str | None, workers: Workers) -> None:
    """A cluster on other machines needs a hub and a Prefect API they can reach."""
    assert workers.address is not None
    if _on_this_machine(workers.address):
        return
    if hub.get_store().database.dialect == "sqlite":
        raise ValueError(
            f"workers is {workers.address!r}, a Dask cluster that may run on other machines, but "
            f"the hub is the SQLite file {hub.url!r}: a SQLite file cannot be shared between "
            "machines (its locking works only on one host). Use a PostgreSQL hub "
            "(a Hub Database block with postgresql+psycopg://…) with a remote cluster, or "
            "workers='processes' for worker processes on this machine."
        )
    if temporary_api is not None:
        raise ValueError(
            f"workers is {workers.address!r}, but this flow reports to a temporary Prefect "
            f"server at {temporary_api} that only this machine can reach: set PREFECT_API_URL to "
            "a Prefect server the cluster's workers reach too."
        )


_joined: dict[str, ClusterThrottle] = {}


def _join_budget(block: CommercetoolsCredentials, spec: ClusterThrottleSpec) -> None:
    """Make the scheduler's budget this worker process's budget for the block (once)."""
    from distributed import get_worker

    if spec.name not in _joined:
        worker = get_worker()
        _joined[spec.name] = ClusterThrottle(spec, scheduler_rpc=worker.scheduler, loop=worker.loop)
    use_budget(block.connection_settings(), _joined[spec.name])


@task(
    name="pull-partition",
    cache_policy=NO_CACHE,
    task_run_name="pull-{entity}-partition-{partition}",
)
def pull_partition_on_worker(
    credentials: CommercetoolsCredentials,
    hub: HubDatabase,
    plan: PullPlan,
    entity: str,
    partition: int,
    correlation_prefix: str | None,
    throttle: ClusterThrottleSpec,
) -> PullCounts:
    """One id range of a full run on a Dask worker: its own client and hub engine, the run's
    one budget, each page committed with the range's progress (a retry goes on from there)."""
    from distributed import get_worker

    _join_budget(credentials, throttle)
    run = PullRun(hub.get_store(), plan)
    get_run_logger().info(
        "%s partition %d on Dask worker %s (pid %d)",
        entity,
        partition,
        get_worker().address,
        os.getpid(),
    )
    with frozen_heap():  # as in the flow's process: full collections walk only the run's objects
        return run_with_client(
            credentials, correlation_prefix, lambda client: pull_range(client, run, partition)
        )
