"""What one entity's pull did: the report of a sync flow, and its row of sync_all's table."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from ctsync.run.report import RunReport, plural, unread_sentence
from ctsync.run.tables import cell


class SyncReport(RunReport):
    """What one entity's pull did; returned by every sync flow and shown in its artifacts."""

    kind: ClassVar[Literal["sync", "push"]] = "sync"
    SUMMARY_COUNTS = ("fetched", "inserted", "updated", "unchanged", "deleted", "failed")
    PROCESSED = "fetched"
    # sync_all's table has a row per entity: what ran and every count, which is what fits the
    # UI's width at 1440 px (retries and durations are in each entity's own table).
    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("entity", "entity"),
        ("status", "status"),
        ("mode", "mode"),
        *((name, name) for name in SUMMARY_COUNTS),
    )

    mode: Literal["delta", "full"]
    requested_mode: Literal["delta", "full"]
    mode_reason: str = ""
    """Why the run is `mode` (a first run is full, the project is always read whole, …)."""
    resumed: bool = False
    note: str | None = None
    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    pages: int = 0
    partitions: int = 1
    throttle_waits: int = 0
    token_remints: int = 0
    window: str = ""
    watermark: str = ""
    """What became of the watermark: moved from, to; or kept, and why."""
    unread_after: str = ""
    """A delta's upper bound when it stayed `settle` seconds behind commercetools' clock: what
    changed after it is read by the next run (empty: the run left nothing out)."""

    @classmethod
    def not_started(
        cls,
        project_key: str,
        entity: str,
        mode: Literal["delta", "full"],
        error: str,
        *,
        dry_run: bool = False,
        duration: float = 0.0,
        flow_run_id: str | None = None,
    ) -> SyncReport:
        """The report of a sync that failed before it read anything (its plan, or its task)."""
        return cls(
            project_key=project_key,
            entity=entity,
            mode=mode,
            requested_mode=mode,
            status="failed",
            dry_run=dry_run,
            duration_seconds=round(duration, 3),
            error=error,
            flow_run_id=flow_run_id,
        )

    @property
    def headline(self) -> str:
        return f"{self.entity} {self.mode}"

    def left_to_next_run(self) -> str:
        return unread_sentence(self.unread_after)

    def table_row(self) -> dict[str, Any]:
        """The entity's row of sync_all's table."""
        return {title: cell(getattr(self, name)) for title, name in self.COLUMNS}

    @property
    def mode_shown(self) -> str:
        return f"{self.mode} ({self.mode_reason})" if self.mode_reason else self.mode

    def leading_metrics(self) -> list[tuple[str, Any]]:
        return [
            ("mode", self.mode_shown),
            ("window", self.window),
            ("watermark", self.watermark or "none"),
        ]

    def trailing_metrics(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [("pages", self.pages), ("partitions", self.partitions)]
        return [*rows, ("note", self.note)] if self.note else rows

    @property
    def artifact_name(self) -> str:
        return self.entity

    @property
    def activity(self) -> str:
        return f"{self.entity} sync of {self.project_key}"

    def details(self) -> list[str]:
        lines = [
            f"- mode: {self.mode_shown}",
            f"- window: {self.window}",
            *([f"- watermark: {self.watermark}"] if self.watermark else []),
            f"- {plural(self.pages, 'page')} over {plural(self.partitions, 'partition')}, "
            f"{plural(self.api_calls, 'API call')}, {plural(self.retries, 'retry', 'retries')}"
            + (
                f", {self.throttle_wait_seconds:.2f} s throttle wait"
                if self.throttle_wait_seconds
                else ""
            ),
        ]
        if self.note:
            lines.append(f"- note: {self.note}")
        return lines
