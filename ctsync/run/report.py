"""What one run of one entity did, in either direction: the report a flow returns and shows.

`RunReport` holds what pulls and pushes share (status, failures, calls, speed) and how a report
is told: its one-line summary, its table row and its markdown. `SyncReport`
(`ctsync.run.sync_report`) and `PushReport` (`ctsync.run.push_report`) add their own counts;
`from_counts` copies every count a report shows from the run's counts. `plural` and
`unread_sentence` are the words every report's story is told in.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, Field

from ctsync.run.counts import RunCounts
from ctsync.run.tables import metric_table
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


class RunFailed(Exception):
    """A run could not complete; `report` says what it did before it failed."""

    def __init__(self, message: str, report: BaseModel | None = None) -> None:
        super().__init__(message)
        self.report = report
