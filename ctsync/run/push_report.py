"""What one entity's push did: its writes, their actions, and the answers it lost."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from ctsync.run.report import RunReport
from ctsync.run.tables import pairs


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
