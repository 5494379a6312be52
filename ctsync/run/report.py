"""What one run of one entity did, in either direction: the report a flow returns and shows.

`RunReport` holds what pulls and pushes share (status, failures, calls, speed) and how a report
is told: its one-line summary, its table row and its markdown. `SyncReport` and `PushReport` add
their own counts; `from_counts` copies every count a report shows from the run's counts.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, Field

from ctsync.registry import get_entity
from ctsync.run.counts import RunCounts
from ctsync.run.tables import cell, metric_table, pairs
from ctsync.timestamps import clock

Status = Literal["completed", "failed"]
FIRST_FAILURES_SHOWN = 10


class RunReport(BaseModel):
    """The part of a run's report both directions share."""

    kind: ClassVar[Literal["sync", "push"]]
    SUMMARY_COUNTS: ClassVar[tuple[str, ...]]
    """The counts of the one-line summary, in order."""
    PROCESSED: ClassVar[str]
    """The count records/s is measured on."""

    project_key: str
    entity: str
    status: Status
    dry_run: bool = False
    failed: int = 0
    api_calls: int = 0
    retries: int = 0
    throttle_wait_seconds: float = 0.0
    duration_seconds: float = 0.0
    records_per_second: float = 0.0
    first_failures: list[str] = Field(default_factory=list)
    error: str | None = None
    flow_run_id: str | None = None

    @classmethod
    def from_counts(
        cls, counts: RunCounts, *, duration: float, error: str | None = None, **values: Any
    ) -> Self:
        """The report of a run that took `duration` seconds and counted `counts`; `values` are
        what the counts do not know (project, entity, mode, …)."""
        shown = {f.name for f in fields(counts)} & set(cls.model_fields)
        copied = {name: getattr(counts, name) for name in shown}
        for name in ("actions", "destructive_actions"):
            if name in copied:
                copied[name] = dict(copied[name])
        processed = getattr(counts, cls.PROCESSED)
        data = {
            **copied,
            "status": "failed" if error else "completed",
            "throttle_wait_seconds": round(counts.throttle_wait_seconds, 3),
            "duration_seconds": round(duration, 3),
            "records_per_second": round(processed / duration, 1) if duration > 0 else 0.0,
            "first_failures": counts.failures[:FIRST_FAILURES_SHOWN],
            "error": error,
        }
        return cls(**{**data, **values})

    @property
    def headline(self) -> str:
        """What ran, as the summary starts (e.g. `customers full`)."""
        raise NotImplementedError

    @property
    def artifact_name(self) -> str:
        """The `<name>` of the run's artifact keys `ct-<project>-<name>`."""
        raise NotImplementedError

    @property
    def activity(self) -> str:
        """What ran, in a sentence's words (`customers sync of mystore`)."""
        raise NotImplementedError

    def summary(self) -> str:
        """The one line a state message and a log carry; a failure says its error first."""
        head = f"{self.headline}{' (dry run)' if self.dry_run else ''}"
        counts = ", ".join(f"{name} {getattr(self, name)}" for name in self.SUMMARY_COUNTS)
        speed = f"{self.duration_seconds:.1f} s, {self.records_per_second:.0f} records/s"
        if self.error:
            return f"{head} failed: {self.error} (before it stopped: {counts} in {speed})"
        return f"{head}: {counts} in {speed}{self.left_to_next_run()}"

    def left_to_next_run(self) -> str:
        """What the run left for the next one to read, as the end of its summary."""
        return ""

    def metric_rows(self) -> list[dict[str, Any]]:
        """The run's own table: one (metric, value) row per figure, so nothing is cut off.

        The UI shows TABLE_PAGE_ROWS rows a page: status, the error (if any) and every
        count come first, then what ran, then how it ran.
        """
        rows: list[tuple[str, Any]] = [("status", self.status)]
        rows += [("error", self.error)] if self.error else []
        rows += [(name, getattr(self, name)) for name in self.SUMMARY_COUNTS]
        rows += self.leading_metrics()
        rows += [
            ("duration (s)", self.duration_seconds),
            ("retries", self.retries),
            ("API calls", self.api_calls),
            *self.trailing_metrics(),
            ("throttled (s)", self.throttle_wait_seconds),
            ("records/s", self.records_per_second),
        ]
        return metric_table(rows)

    def leading_metrics(self) -> list[tuple[str, Any]]:
        """Rows right after the counts: what ran."""
        return []

    def trailing_metrics(self) -> list[tuple[str, Any]]:
        """Rows after the duration: how it ran."""
        return []

    def details(self) -> list[str]:
        """Markdown bullets under the summary."""
        return []

    def markdown(self) -> str:
        """The summary artifact: heading, summary, details, the error and the first failures."""
        heading = self.activity[0].upper() + self.activity[1:]
        lines = [f"## {heading}: {self.status}", "", self.summary(), "", *self.details()]
        if self.error:
            lines += ["", "### Error", "", f"```\n{self.error}\n```"]
        if self.first_failures:
            lines += ["", f"### First failures ({self.failed} in dead letters)", ""]
            lines += [f"- `{failure}`" for failure in self.first_failures]
        return "\n".join(lines)

    def payload(self) -> dict[str, Any]:
        """The event's payload: every count, not the failure texts."""
        return self.model_dump(exclude={"first_failures"})


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 record`, `2 records` (`many` when the plural is not `word` + s): the counts a person
    reads in summaries and logs."""
    return f"{count} {word}" if count == 1 else f"{count} {many or word + 's'}"


def unread_sentence(unread_after: str) -> str:
    """The end of a summary that says what a run left to the next one, if anything."""
    if not unread_after:
        return ""
    return f"; changes after {clock(unread_after)} are read by the next run"


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


class PushReport(RunReport):
    """What one entity's push did; returned by every push flow and shown in its artifacts."""

    kind: ClassVar[Literal["sync", "push"]] = "push"
    SUMMARY_COUNTS = ("read", "created", "updated", "unchanged", "skipped", "failed")
    PROCESSED = "read"

    source: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    actions: dict[str, int] = Field(default_factory=dict)
    conflict_retries: int = 0
    answers_lost: int = 0
    """Writes whose answer was lost and that were resolved by reading commercetools."""
    unknown_outcomes: int = 0
    """Drafts whose create may or may not have landed: nothing identifies them to look up."""
    destructive: int = 0
    """Drafts whose update removes or unsets data (planned, for a push that stopped)."""
    destructive_actions: dict[str, int] = Field(default_factory=dict)

    @property
    def changes(self) -> int:
        return self.created + self.updated

    def leading_metrics(self) -> list[tuple[str, Any]]:
        return [("source", self.source), ("dry run", self.dry_run)]

    def trailing_metrics(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [
            ("actions", self.actions),
            ("conflict retries", self.conflict_retries),
            ("answers lost", self.answers_lost),
        ]
        if self.unknown_outcomes:
            rows.append(("unknown outcomes", self.unknown_outcomes))
        if self.destructive:
            rows.append(("removes or unsets data", self.destructive_actions))
        return rows

    @property
    def headline(self) -> str:
        return f"push {self.entity}"

    @property
    def artifact_name(self) -> str:
        return f"push-{self.entity}"

    @property
    def activity(self) -> str:
        return f"{self.entity} push into {self.project_key}"

    def details(self) -> list[str]:
        lines = [f"- source: {self.source}"]
        if self.actions:
            lines.append(f"- actions: {pairs(self.actions)}")
        if self.destructive:
            lines.append(
                f"- removes or unsets data in {self.destructive} drafts: "
                f"{pairs(self.destructive_actions)}"
            )
        lines.append(
            f"- {self.api_calls} API calls, {self.retries} retries, "
            f"{self.conflict_retries} re-reads after a concurrent change"
        )
        if self.answers_lost:
            lines.append(
                f"- {self.answers_lost} writes whose answer was lost, resolved by reading "
                f"commercetools before writing again; {self.unknown_outcomes} with an unknown "
                "outcome (no key to look them up by)"
            )
        return lines


class SyncAllReport(BaseModel):
    """One report per entity of a `sync_all` run."""

    TOTALS: ClassVar[tuple[str, ...]] = SyncReport.SUMMARY_COUNTS

    project_key: str
    reports: list[SyncReport]
    duration_seconds: float = 0.0

    @property
    def failed(self) -> list[SyncReport]:
        return [r for r in self.reports if r.status == "failed"]

    @property
    def unread_after(self) -> str:
        """The earliest upper bound of the entities' deltas: what changed after it may be left
        to the next run (empty: no entity left anything out)."""
        return min((r.unread_after for r in self.reports if r.unread_after), default="")

    @property
    def mode(self) -> str:
        """What the entities read: `full`, `delta`, or `mixed` (singletons, always read whole,
        left aside)."""
        modes = {r.mode for r in self.reports if not get_entity(r.entity).singleton}
        return modes.pop() if len(modes) == 1 else "mixed" if modes else "full"

    def summary(self) -> str:
        """The run's state message: failures first, then what the entities did together."""
        entities = plural(len(self.reports), "entity", "entities")
        totals = ", ".join(
            f"{name} {sum(getattr(r, name) for r in self.reports)}" for name in self.TOTALS
        )
        done = f"{totals} in {self.duration_seconds:.1f} s"
        if self.failed:
            names = ", ".join(f"{r.entity} ({r.error})" for r in self.failed)
            return f"{len(self.failed)} of {entities} failed: {names}; all of them: {done}"
        return f"{entities} synced ({self.mode}): {done}{unread_sentence(self.unread_after)}"

    def table_rows(self) -> list[dict[str, Any]]:
        """A row per entity, the ones a person looks for on the table's first page: failed,
        then those that changed, then the rest, each group in dependency order."""

        def rank(report: SyncReport) -> int:
            if report.status == "failed":
                return 0
            return 1 if report.inserted or report.updated or report.deleted else 2

        return [r.table_row() for r in sorted(self.reports, key=rank)]


class RunFailed(Exception):
    """A run could not complete; `report` says what it did before it failed."""

    def __init__(self, message: str, report: BaseModel | None = None) -> None:
        super().__init__(message)
        self.report = report
