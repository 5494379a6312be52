"""What a run (or one of its tasks) did, added up across tasks: the numbers behind a report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

from pydantic import BaseModel

from ctsync.client.retries import RequestStats
from ctsync.hub import RejectedRecord

MAX_FAILURES_KEPT = 20
"""Failure messages a run keeps for its report; every failure is in the dead letters."""
MAX_PLAN_ROWS = 1000
MAX_NOTES = 10
MAX_DESTRUCTIVE_EXAMPLES = 10


class DraftLine(Protocol):
    """What a failed push's count needs of its draft: the line it came from and the draft
    (`ctsync.push.draft_files.DraftRow` is one; the run does not import the push)."""

    @property
    def line(self) -> int: ...

    @property
    def draft(self) -> BaseModel: ...


@dataclass
class RunCounts:
    """Counts shared by both directions; `add` sums numbers, merges counters, extends lists
    (a list whose field names a `cap` keeps its first items only)."""

    failed: int = 0
    api_calls: int = 0
    retries: int = 0
    throttle_waits: int = 0
    throttle_wait_seconds: float = 0.0
    token_remints: int = 0
    failures: list[str] = field(default_factory=list, metadata={"cap": MAX_FAILURES_KEPT})

    def add(self, other: RunCounts) -> None:
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, Counter):
                mine.update(theirs)
            elif isinstance(mine, list):
                room = f.metadata.get("cap", len(mine) + len(theirs)) - len(mine)
                mine.extend(theirs[: max(0, room)])
            else:
                setattr(self, f.name, mine + theirs)

    def add_stats(self, stats: RequestStats) -> None:
        """The calls a client made for this run, retries and throttle waits included."""
        self.api_calls += stats.calls
        self.retries += stats.retries
        self.throttle_waits += stats.throttle_waits
        self.throttle_wait_seconds += stats.throttle_wait_seconds
        self.token_remints += stats.token_remints_on_401

    def note_failure(self, message: str) -> None:
        self.failed += 1
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append(message)


@dataclass
class PullCounts(RunCounts):
    """What a pull (or one of its partitions) read and did to the hub."""

    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    pages: int = 0
    notes: list[str] = field(default_factory=list, metadata={"cap": MAX_NOTES})
    """What a task found worth telling (how deletions were looked for, say)."""


@dataclass
class PushCounts(RunCounts):
    """What a push (or one batch of it) did in commercetools."""

    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    conflict_retries: int = 0
    answers_lost: int = 0
    """Writes whose answer was lost, resolved by reading what commercetools holds."""
    unknown_outcomes: int = 0
    """Drafts whose create was lost with nothing to look them up by: reported, not resent."""
    actions: Counter[str] = field(default_factory=Counter)
    dead: list[RejectedRecord] = field(default_factory=list)
    plan: list[dict[str, Any]] = field(default_factory=list, metadata={"cap": MAX_PLAN_ROWS})
    failed_lines: list[tuple[int, str]] = field(default_factory=list)
    """(line, reason) of every failed row, so an outbox push can mark exactly those rows."""
    destructive: int = 0
    """Drafts whose update removes or unsets something (`ctsync.push.guard`)."""
    destructive_actions: Counter[str] = field(default_factory=Counter)
    destructive_examples: list[str] = field(
        default_factory=list, metadata={"cap": MAX_DESTRUCTIVE_EXAMPLES}
    )
    destructive_plan: list[dict[str, Any]] = field(
        default_factory=list, metadata={"cap": MAX_PLAN_ROWS}
    )
    """A dry run's plan rows that remove or unset something; shown before the others."""

    def fail(self, row: DraftLine, identity: str, reason: str) -> None:
        """A draft that could not be pushed: counted, kept for the report and the dead letters."""
        message = f"line {row.line} ({identity}): {reason}"
        self.note_failure(message)
        self.dead.append(
            RejectedRecord(identity, message, row.draft.model_dump(exclude_unset=True))
        )
        self.failed_lines.append((row.line, reason))
