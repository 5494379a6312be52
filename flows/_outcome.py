"""What every sync and push run leaves at its end: tables, a markdown summary and an event.

Each artifact is one call to the Prefect API, so the artifacts of a run are created at once,
each in a worker thread that carries the run's context (an artifact finds its flow run through
context variables, which plain threads do not inherit).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.events import emit_event

from ctsync.run.counts import MAX_FAILURES_KEPT
from ctsync.run.report import RunReport, plural
from flows._naming import artifact_key

T = TypeVar("T")

_ARTIFACT_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ct-artifacts")


def in_background(call: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
    """Run an artifact call in a worker thread, in the caller's Prefect run context."""
    context = contextvars.copy_context()
    return _ARTIFACT_THREADS.submit(context.run, call, *args, **kwargs)


def log_failures(failures: Sequence[str], failed: int, *, dry_run: bool, what: str = "") -> None:
    """Each failure kept (its line or key and why, at most MAX_FAILURES_KEPT) as a warning on
    the run's logger, then one line with the count of the rest: a person reading the run's logs
    sees why rows failed without opening the artifacts or the hub's dead letters."""
    logger = get_run_logger()
    shown = failures[:MAX_FAILURES_KEPT]
    for failure in shown:
        logger.warning("Failed %s%s", f"{what} " if what else "", failure)
    if failed > len(shown):
        rest = plural(failed - len(shown), "more failed row")
        kept = "" if dry_run else " (the hub's dead letters keep every one)"
        logger.warning("... and %s%s%s", rest, f" of {what}" if what else "", kept)


def publish(
    report: RunReport, table_description: str, extra_tables: Sequence[dict[str, Any]] = ()
) -> None:
    """The report's table `ct-<project>-<name>` (described by `table_description`), its
    markdown summary `ct-<project>-<name>-summary` and `extra_tables` (keyword arguments of
    `create_table_artifact`), all created at once; then the event `commercetools.<kind>.completed`
    or `.failed` on the resource `commercetools.<project>.<entity>`."""
    name = report.artifact_name
    table = {
        "key": artifact_key(report.project_key, name),
        "table": report.metric_rows(),
        "description": table_description,
    }
    created = [in_background(create_table_artifact, **t) for t in (table, *extra_tables)]
    created.append(
        in_background(
            create_markdown_artifact,
            key=artifact_key(report.project_key, f"{name}-summary"),
            markdown=report.markdown(),
            description=f"Summary of the {report.activity}",
        )
    )
    emit_event(
        event=f"commercetools.{report.kind}.{'failed' if report.error else 'completed'}",
        resource={
            "prefect.resource.id": f"commercetools.{report.project_key}.{report.entity}",
            # The UI's event feed shows a resource's name, not the payload: the counts go here.
            "prefect.resource.name": f"{report.project_key}: {report.summary()}",
            "commercetools.project": report.project_key,
            "commercetools.entity": report.entity,
            # Automations and deployment triggers match labels, not payload values: the counts
            # as labels let one start on "inserted is not 0" (prefect.yaml, export-new-orders).
            **{
                f"commercetools.{name}": str(getattr(report, name))
                for name in report.SUMMARY_COUNTS
            },
        },
        payload=report.payload(),
    )
    for future in created:
        future.result()  # an artifact the API refused fails the run, as it did one at a time
