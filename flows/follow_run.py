"""One `follow_changes` run's state between its windows: the report, the quiet clock, and what
it tells Prefect (events per applied batch, artifacts, logs)."""

from __future__ import annotations

import time
from typing import Any

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.events import emit_event

from blocks import CommercetoolsCredentials, HubDatabase
from ctsync.follow import FollowedBatch
from ctsync.follow.messages import MessagesSource
from ctsync.follow.report import FollowReport
from ctsync.hub import HubStore
from flows._naming import artifact_key, current_flow_run_id

APPLIED_EVENT = "commercetools.changes.applied"


class FollowRun:
    """What a following run carries from window to window."""

    def __init__(
        self,
        block: CommercetoolsCredentials,
        hub_block: HubDatabase,
        store: HubStore,
        *,
        source: str,
        check_seconds: float,
    ) -> None:
        self.block = block
        self.hub_block = hub_block
        self.store = store
        self.report = FollowReport(block.project_key, source, flow_run_id=current_flow_run_id())
        self.messages: MessagesSource | None = None
        self.started = time.monotonic()
        self._quiet_since = time.monotonic()
        self._published_batches = -1
        self._logged_at = time.monotonic()
        self._log_every = check_seconds

    def applied(self, batch: FollowedBatch | None) -> None:
        """Count a batch (None: a quiet poll), emit its events, log now and then."""
        if batch is None:
            return
        self._quiet_since = time.monotonic()
        self.report.add(batch.applied, batch.bodies, len(batch.unreadable), batch.other_projects)
        logger = get_run_logger()
        for reason in batch.unreadable[:3]:
            logger.warning("Left out a body that is no change notification: %s", reason)
        publish_applied(self.block.project_key, batch)
        logger.debug(
            "Batch: %d bodies, %d changes in %.2f s",
            batch.bodies,
            batch.applied.changes,
            batch.applied.seconds,
        )
        if time.monotonic() - self._logged_at >= self._log_every:
            logger.info("So far: %s", self.report.summary())
            self._logged_at = time.monotonic()

    def quiet_seconds(self) -> float:
        """Seconds since the last body arrived (or since the run or its last delta started)."""
        return time.monotonic() - self._quiet_since

    def restart_quiet_clock(self) -> None:
        self._quiet_since = time.monotonic()

    def publish(self) -> None:
        """Refresh the artifacts when something was applied since the last time."""
        if self.report.batches == self._published_batches:
            return
        publish_report(self.report)
        self._published_batches = self.report.batches

    def finish(self) -> FollowReport:
        """The run's end: final artifacts, the summary in the log."""
        self.report.seconds = time.monotonic() - self.started
        publish_report(self.report)
        get_run_logger().info("Done: %s", self.report.summary())
        return self.report


def publish_applied(project_key: str, batch: FollowedBatch) -> None:
    """`commercetools.changes.applied`, one event per entity of the batch, labelled with its
    counts as a sync's event is (automations match labels, not payload values)."""
    lags = batch.applied.lags
    for name, applied in batch.applied.entities.items():
        counts = {
            "changes": applied.changes,
            "inserted": applied.inserted,
            "updated": applied.updated,
            "deleted": applied.deleted,
            "unchanged": applied.unchanged,
        }
        payload: dict[str, Any] = {**counts, "max_lag_seconds": max(lags) if lags else None}
        emit_event(
            event=APPLIED_EVENT,
            resource={
                "prefect.resource.id": f"commercetools.{project_key}.{name}",
                "prefect.resource.name": f"{project_key}: {name}, {applied.changes} changes",
                "commercetools.project": project_key,
                "commercetools.entity": name,
                **{f"commercetools.{k}": str(v) for k, v in counts.items()},
            },
            payload=payload,
        )


def publish_report(report: FollowReport) -> None:
    """The run's table (per entity) and summary artifacts."""
    create_table_artifact(
        key=artifact_key(report.project_key, "follow"),
        table=report.metric_rows(),
        description=f"follow_changes of {report.project_key}: {report.summary()}",
    )
    create_markdown_artifact(
        key=artifact_key(report.project_key, "follow-summary"),
        markdown=report.markdown(),
        description=f"Summary of following {report.project_key}",
    )
