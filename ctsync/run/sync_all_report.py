"""What a `sync_all` run did: one report per entity, told together."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel

from ctsync.registry import get_entity
from ctsync.run.report import plural, unread_sentence
from ctsync.run.sync_report import SyncReport


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
