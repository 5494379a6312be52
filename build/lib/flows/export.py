"""export_changes: the hub's change feed to a file, for systems that take files.

Every insert, update and deletion mark after the consumer's cursor, in change order, appended to
a JSON Lines file (or one entity's typed view as CSV); the cursor lives in the hub and moves
with each durable batch, so a killed run resumes where the file stops. The engine is
`ctsync/export.py`; the feed `ctsync/hub/feed.py`.
"""

from __future__ import annotations

import time

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.events import emit_event
from prefect.runtime import flow_run

from blocks.resolve import resolve_hub
from ctsync.export import ExportReport, cursor_name
from ctsync.export import export_changes as export_to_file
from flows import _parameters as param
from flows._naming import artifact_key, timestamped


def _run_name() -> str:
    consumer = flow_run.parameters.get("consumer", "default")
    return timestamped("export", consumer)


@flow(name="export-changes", flow_run_name=_run_name, log_prints=False)
def export_changes(
    path: param.ExportPath,
    consumer: param.ExportConsumer = "default",
    hub: param.Hub = None,
    entities: param.ExportEntities = None,
    format: param.ExportFormat = "jsonl",
    reset: param.ResetConsumer = False,
) -> ExportReport:
    """Append the hub's changes after `consumer`'s cursor to `path` and move the cursor."""
    logger = get_run_logger()
    store = resolve_hub(hub).get_store()
    before = store.consumer_cursor(consumer)
    logger.info(
        "Plan: changes after %d for consumer %r%s, to %s (%s); the hub's newest change is %d",
        0 if reset else before.seq,
        consumer,
        f" of {', '.join(entities)}" if entities else "",
        path,
        format,
        store.last_change(),
    )
    started = time.monotonic()
    report = export_to_file(
        store, path, consumer=consumer, entities=entities, file_format=format, reset=reset
    )
    seconds = time.monotonic() - started
    logger.info("Done: %s in %.1f s", report.summary(), seconds)
    _publish(report, seconds)
    return report


def _new_orders_run_name() -> str:
    consumer = flow_run.parameters.get("consumer", "erp-new-orders")
    return timestamped("new-orders", consumer)


@flow(name="export-new-orders", flow_run_name=_new_orders_run_name, log_prints=False)
def export_new_orders(
    path: param.NewOrdersPath = "data/exports/new-orders.jsonl",
    consumer: param.ExportConsumer = "erp-new-orders",
    hub: param.Hub = None,
    reset: param.ResetConsumer = False,
) -> ExportReport:
    """Append the orders inserted into the hub since this consumer's last run to a JSON Lines
    file for an ERP: each order once, with its document as the hub now holds it, even when it
    changed again before the export (the deployment's trigger starts it after a sync that
    inserted orders). The first run writes every order the hub holds."""
    logger = get_run_logger()
    store = resolve_hub(hub).get_store()
    before = store.consumer_cursor(cursor_name(consumer, "insertions"))
    logger.info(
        "Plan: orders inserted after change %d for consumer %r, to %s",
        0 if reset else before.seq,
        consumer,
        path,
    )
    started = time.monotonic()
    report = export_to_file(
        store, path, consumer=consumer, entities=["orders"], reset=reset, only="insertions"
    )
    seconds = time.monotonic() - started
    logger.info("Done: %s in %.1f s", report.summary(), seconds)
    _publish(report, seconds)
    return report


def _publish(report: ExportReport, seconds: float) -> None:
    rows = [
        {"metric": "exported", "value": report.exported},
        {"metric": "cursor", "value": f"{report.after} -> {report.through}"},
        {"metric": "file", "value": report.path},
        {"metric": "format", "value": report.format},
        *(
            {"metric": f"{kind}s", "value": count}
            for kind, count in sorted(report.by_change.items())
        ),
        {"metric": "recovered from the file", "value": report.recovered},
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
            "path": report.path,
            "format": report.format,
            "exported": report.exported,
            "after": report.after,
            "through": report.through,
            "by_entity": dict(report.by_entity),
            "by_change": dict(report.by_change),
        },
    )
