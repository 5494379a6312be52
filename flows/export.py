"""export_changes: the hub's change feed to a file, for systems that take files.

Every insert, update and deletion mark of one project after the consumer's cursor, in change
order, appended to a JSON Lines file (or one entity's typed view as CSV); the cursor lives in
the hub and moves with each durable batch, so a killed run resumes where the file stops. A
consumer writes only into the file its first run started, with the settings it started with.
The engine is `ctsync/export/files.py` (and `guard.py` beside it); the feed `ctsync/hub/feed.py`.
"""

from __future__ import annotations

import time

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.events import emit_event
from prefect.runtime import flow_run

from blocks.resolve import resolve_hub
from ctsync.export.files import ExportReport, cursor_name
from ctsync.export.files import export_changes as export_to_file
from ctsync.hub import HubStore
from flows import _parameters as param
from flows._naming import artifact_key, rename_flow_run_prefix, timestamped


def _named(kind: str, consumer: str, project: str | None) -> str:
    """A run's name before its time: the kind, the consumer and the project read."""
    return "-".join([kind, consumer, project] if project else [kind, consumer])


def _run_name() -> str:
    parameters = flow_run.parameters
    consumer, project = parameters.get("consumer", "default"), parameters.get("project")
    return timestamped(_named("export", consumer, project))


@flow(name="export-changes", flow_run_name=_run_name, log_prints=False)
def export_changes(
    path: param.ExportPath,
    consumer: param.ExportConsumer = "default",
    hub: param.Hub = None,
    project: param.Project = None,
    entities: param.ExportEntities = None,
    format: param.ExportFormat = "jsonl",
    reset: param.ResetConsumer = False,
) -> ExportReport:
    """Append one project's changes in the hub after `consumer`'s cursor to `path` and move
    the cursor; `project` is a project key or a credentials block's name (empty: the hub's
    only project)."""
    logger = get_run_logger()
    store = resolve_hub(hub).get_store()
    key = _project(store, "export", consumer, project)
    before = store.feed.cursor(consumer)
    logger.info(
        "Plan: changes of %s after %d for consumer %r%s, to %s (%s); the hub's newest change is %d",
        _shown(key, project),
        0 if reset else before.seq,
        consumer,
        f" of {', '.join(entities)}" if entities else "",
        path,
        format,
        store.feed.last_seq(),
    )
    started = time.monotonic()
    report = export_to_file(
        store,
        path,
        consumer=consumer,
        entities=entities,
        project=key,
        file_format=format,
        reset=reset,
    )
    _done(report, time.monotonic() - started)
    return report


def _new_orders_run_name() -> str:
    parameters = flow_run.parameters
    consumer, project = parameters.get("consumer", "erp-new-orders"), parameters.get("project")
    return timestamped(_named("new-orders", consumer, project))


@flow(name="export-new-orders", flow_run_name=_new_orders_run_name, log_prints=False)
def export_new_orders(
    path: param.NewOrdersPath = "data/exports/new-orders.jsonl",
    consumer: param.ExportConsumer = "erp-new-orders",
    hub: param.Hub = None,
    project: param.Project = None,
    reset: param.ResetConsumer = False,
) -> ExportReport:
    """Append the orders of one project inserted into the hub since this consumer's last run
    to a JSON Lines file for an ERP: each order once, with its document as the hub now holds
    it, even when it changed again before the export (the deployment's trigger starts it after
    a sync that inserted orders). The first run writes every order the hub holds of it."""
    logger = get_run_logger()
    store = resolve_hub(hub).get_store()
    key = _project(store, "new-orders", consumer, project)
    before = store.feed.cursor(cursor_name(consumer, "insertions"))
    logger.info(
        "Plan: orders of %s inserted after change %d for consumer %r, to %s",
        _shown(key, project),
        0 if reset else before.seq,
        consumer,
        path,
    )
    started = time.monotonic()
    report = export_to_file(
        store,
        path,
        consumer=consumer,
        entities=["orders"],
        project=key,
        reset=reset,
        only="insertions",
    )
    _done(report, time.monotonic() - started)
    return report


def _project(store: HubStore, kind: str, consumer: str, project: str | None) -> str | None:
    """The project key the run reads (refused before anything is written when the hub holds
    several and none is named, or no such project); the run's name then shows it."""
    key = store.projects.only(project)
    if key is not None:
        rename_flow_run_prefix(_named(kind, consumer, project), _named(kind, consumer, key))
    return key


def _shown(key: str | None, project: str | None) -> str:
    if key is None:
        return "no project (the hub holds none yet)"
    named = (project or "").strip()
    return f"project {key} (block {named})" if named and named != key else f"project {key}"


def _done(report: ExportReport, seconds: float) -> None:
    logger = get_run_logger()
    if report.restarted:
        logger.warning(
            "%s was missing (moved away?): a new file was started there, going on from the "
            "consumer's cursor %d; the changes before it are in the file that was moved",
            report.path,
            report.after,
        )
    logger.info("Done: %s in %.1f s", report.summary(), seconds)
    _publish(report, seconds)


def _publish(report: ExportReport, seconds: float) -> None:
    rows = [
        {"metric": "project", "value": report.project or "none yet"},
        {"metric": "exported", "value": report.exported},
        {"metric": "cursor", "value": f"{report.after} -> {report.through}"},
        {"metric": "file", "value": report.path},
        {"metric": "format", "value": report.format},
        *(
            {"metric": f"{kind}s", "value": count}
            for kind, count in sorted(report.by_change.items())
        ),
        {"metric": "recovered from the file", "value": report.recovered},
        {"metric": "new file (the last was moved away)", "value": report.restarted},
        {"metric": "seconds", "value": round(seconds, 2)},
        *(
            {"metric": f"entity {name}", "value": count}
            for name, count in sorted(report.by_entity.items())
        ),
    ]
    create_table_artifact(
        key=artifact_key("hub", f"export-{report.consumer}"),
        table=rows,
        description=report.summary(),
    )
    emit_event(
        event="commercetools.export.completed",
        resource={
            "prefect.resource.id": f"commercetools.hub.export.{report.consumer}",
            "prefect.resource.name": f"export {report.consumer}: {report.summary()}",
        },
        payload={
            "consumer": report.consumer,
            "project": report.project,
            "path": report.path,
            "format": report.format,
            "exported": report.exported,
            "after": report.after,
            "through": report.through,
            "by_entity": dict(report.by_entity),
            "by_change": dict(report.by_change),
        },
    )
