"""The id ranges a deletion search splits, and how a run tells what became of its watermark."""

from __future__ import annotations

import uuid

from ctsync.client.retries import RequestStats
from ctsync.hub import Watermark
from ctsync.pull import PullPlan, describe_watermark
from ctsync.pull.deletions import _split
from ctsync.pull.paging import IdRange, id_partitions
from ctsync.pull.plan import _why_watermark_stays
from ctsync.registry import get_entity
from ctsync.run.options import PullOptions


def test_halves_tile_their_range_down_to_what_cannot_be_split() -> None:
    ids = [str(uuid.uuid4()) for _ in range(3000)]
    pending = list(id_partitions(3))
    leaves = 0
    while pending:
        id_range = pending.pop()
        halves = _split(id_range)
        inside = [i for i in ids if id_range.contains(i)]
        if halves is None or len(inside) <= 1:
            leaves += 1
            continue
        left, right = halves
        assert left.lower == id_range.lower and right.upper == id_range.upper
        assert left.upper == right.lower
        assert sorted(i for i in inside if left.contains(i) or right.contains(i)) == sorted(inside)
        assert not any(left.contains(i) and right.contains(i) for i in inside)
        pending += [left, right]
    assert leaves >= 3000


def test_a_range_too_narrow_or_not_hex_is_not_split() -> None:
    assert _split(IdRange("12345678-0000-0000-0000-000000000000", "12345679")) is None
    assert _split(IdRange("customer-a", "customer-z")) is None
    assert _split(IdRange()) == (
        IdRange(None, "80000000-0000-0000-0000-000000000000"),
        IdRange("80000000-0000-0000-0000-000000000000", None),
    )


def plan(options: PullOptions, watermark: Watermark | None, mode: str = "delta") -> PullPlan:
    entity = get_entity("customers")
    return PullPlan(
        project_key="shop",
        entity=entity,
        options=options,
        mode=mode,  # type: ignore[arg-type]
        run_token="t",
        started_at="2026-03-01T00:00:00.000Z",
        watermark=watermark,
        keeps_watermark=_why_watermark_stays(entity, options, watermark, mode == "delta"),
    )


def test_only_an_unfiltered_read_from_the_watermark_moves_it() -> None:
    mark = Watermark("2026-03-01T00:00:00.000Z", "b")
    assert plan(PullOptions(), mark).moves_watermark
    assert plan(PullOptions(since="2026-02-01T00:00:00.000Z"), mark).moves_watermark
    assert plan(PullOptions(mode="full"), mark, "full").moves_watermark
    later = plan(PullOptions(since="2026-03-02T00:00:00Z"), mark)
    assert "later than the watermark" in (later.keeps_watermark or "")
    assert "no watermark yet" in (
        plan(PullOptions(since="2026-01-01T00:00:00Z"), None).keeps_watermark or ""
    )
    assert "filtered" in (plan(PullOptions(where='key = "a"'), mark).keeps_watermark or "")
    filtered_full = plan(PullOptions(mode="full", where='key = "a"'), mark, "full")
    assert not filtered_full.moves_watermark
    assert not plan(PullOptions(dry_run=True), mark).moves_watermark
    assert plan(PullOptions(), mark).finds_deletions
    assert not plan(PullOptions(mode="full"), mark, "full").finds_deletions


def test_since_is_compared_in_commercetools_spelling() -> None:
    mark = Watermark("2026-03-01T00:00:00.000Z", "")
    assert PullOptions(since="2026-03-01T00:00:00Z").since == "2026-03-01T00:00:00.000Z"
    assert plan(PullOptions(since="2026-03-01T00:00:00Z"), mark).moves_watermark


def test_the_summary_says_what_became_of_the_watermark() -> None:
    mark = Watermark("2026-03-01T00:00:00.000Z", "b")
    later = Watermark("2026-03-02T00:00:00.000Z", "c")
    moving = plan(PullOptions(), mark)
    assert describe_watermark(moving, later) == (
        "moved from 2026-03-01T00:00:00.000Z (id b) to 2026-03-02T00:00:00.000Z (id c)"
    )
    assert describe_watermark(moving, mark) == (
        "kept at 2026-03-01T00:00:00.000Z (id b): nothing newer was committed"
    )
    assert "stopped before its end" in describe_watermark(moving, mark, stopped=True)
    filtered = plan(PullOptions(where='key = "a"'), mark)
    assert describe_watermark(filtered, mark).startswith("kept at 2026-03-01T00:00:00.000Z (id b):")
    assert describe_watermark(plan(PullOptions(mode="full"), None, "full"), None).startswith(
        "kept at none"
    )


def test_request_stats_since_a_snapshot() -> None:
    stats = RequestStats(calls=3, retries=1, retries_by_reason={"503": 1})
    before = stats.snapshot()
    stats.calls += 2
    stats.count_retry("429", 1.5)
    assert stats.since(before) == RequestStats(
        calls=2, retries=1, retries_by_reason={"429": 1}, retry_wait_seconds=1.5
    )
