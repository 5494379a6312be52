"""What a `follow_changes` run did, for its logs, state message, artifact and return value."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ctsync.follow.apply import AppliedBatch, EntityApplied
from ctsync.run.report import plural

_KEPT_LAGS = 10_000
"""Lags kept for the percentiles: the latest ones, a long run's memory stays flat."""


@dataclass
class Fallback:
    """One plain delta of every entity the run fell back on, and why."""

    at: str
    reason: str
    outcome: str


@dataclass
class FollowReport:
    """Counts since the run started, by entity; the lag; the deltas it fell back on."""

    project_key: str
    source: str
    """`queue <url>` or `messages`."""
    entities: dict[str, EntityApplied] = field(default_factory=dict)
    batches: int = 0
    bodies: int = 0
    ignored: int = 0
    unreadable: int = 0
    other_projects: int = 0
    requests: int = 0
    lags: list[float] = field(default_factory=list)
    fallbacks: list[Fallback] = field(default_factory=list)
    last_change_at: datetime | None = None
    health: str = "unknown"
    seconds: float = 0.0
    flow_run_id: str | None = None

    def add(self, batch: AppliedBatch, bodies: int, unreadable: int, other: int) -> None:
        """Count one applied batch."""
        self.batches += 1
        self.bodies += bodies
        self.unreadable += unreadable
        self.other_projects += other
        self.ignored += sum(batch.ignored.values())
        self.requests += batch.requests
        for name, applied in batch.entities.items():
            self.entities.setdefault(name, EntityApplied()).add(applied)
        self.lags = (self.lags + batch.lags)[-_KEPT_LAGS:]
        if bodies:
            self.last_change_at = datetime.now(UTC)

    def total(self, name: str) -> int:
        return sum(getattr(e, name) for e in self.entities.values())

    @property
    def changes(self) -> int:
        return self.total("changes")

    def lag(self, quantile: float) -> float | None:
        """The lag at `quantile` (0.5: the median) of the latest changes, in seconds."""
        if not self.lags:
            return None
        if len(self.lags) == 1:
            return self.lags[0]
        cuts = statistics.quantiles(self.lags, n=100, method="inclusive")
        return cuts[min(98, max(0, round(quantile * 100) - 1))]

    def summary(self) -> str:
        """One line: what the run applied and how late."""
        parts = [
            f"{plural(self.changes, 'change')} applied in {plural(self.batches, 'batch')}",
            f"inserted {self.total('inserted')}, updated {self.total('updated')}, "
            f"deleted {self.total('deleted')}, unchanged {self.total('unchanged')}",
        ]
        if self.lags:
            parts.append(f"lag p50 {self.lag(0.5):.1f} s, p95 {self.lag(0.95):.1f} s")
        if self.fallbacks:
            parts.append(f"fell back on {plural(len(self.fallbacks), 'plain delta')}")
        return "; ".join(parts)

    def metric_rows(self) -> list[dict[str, object]]:
        """The artifact's table: one row per entity, then the run's totals."""
        rows: list[dict[str, object]] = []
        for name in sorted(self.entities):
            e = self.entities[name]
            rows.append(
                {
                    "entity": name,
                    "changes": e.changes,
                    "fetched": e.fetched,
                    "inserted": e.inserted,
                    "updated": e.updated,
                    "unchanged": e.unchanged,
                    "deleted": e.deleted,
                    "erased": e.erased,
                    "failed": e.failed,
                }
            )
        return rows

    def markdown(self) -> str:
        """The run's summary artifact."""
        lines = [
            f"# Following {self.project_key} ({self.source})",
            "",
            self.summary() + ".",
            "",
            f"- subscription health: {self.health}",
            f"- requests: {self.requests} ({self.requests / self.changes:.3f} per change)"
            if self.changes
            else f"- requests: {self.requests}",
            f"- bodies read: {self.bodies}; unreadable {self.unreadable}; of other projects "
            f"{self.other_projects}; of types the hub does not keep {self.ignored}",
        ]
        if self.lags:
            lines.append(
                f"- lag (commercetools commit to hub commit): p50 {self.lag(0.5):.2f} s, "
                f"p95 {self.lag(0.95):.2f} s, max {max(self.lags):.2f} s"
            )
        lines += ["", "## Plain deltas fallen back on", ""]
        if not self.fallbacks:
            lines.append("None: every change came through the " + self.source.split()[0] + ".")
        for fallback in self.fallbacks:
            lines.append(f"- {fallback.at}: {fallback.reason}. {fallback.outcome}")
        return "\n".join(lines) + "\n"
