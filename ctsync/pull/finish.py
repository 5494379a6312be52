"""What a pull does after its last page: records commercetools no longer has are marked
deleted, and the watermark moves."""

from __future__ import annotations

from datetime import timedelta

from ctsync.hub import Watermark
from ctsync.pull.pages import PullRun
from ctsync.pull.plan import PullPlan
from ctsync.timestamps import iso, parse


def finish_pull(run: PullRun) -> int:
    """Close a complete full run: mark what commercetools no longer has, set the watermark.
    Returns how many records were marked deleted.

    A run that leaves the watermark (filtered by `where`, a dry run) saw only part of the entity
    or writes nothing, so it deletes nothing either. The watermark goes to the run's start minus
    the settle time: a following delta re-reads what changed while the full run was paging, and
    the version rule makes that re-read harmless.
    """
    hub, plan = run.hub, run.plan
    if not plan.moves_watermark or not plan.partitioned:
        return 0
    deleted = 0
    if not _saw_everything(run):
        deleted = hub.records.mark_unseen_deleted(
            plan.project_key, plan.entity.name, plan.run_token
        )
    started = parse(plan.started_at)
    watermark = Watermark(iso(started - timedelta(seconds=plan.options.settle)), "")
    state = hub.exact.states.get(plan.project_key, plan.entity.name)
    if state and state.watermark and state.watermark.last_modified_at > watermark.last_modified_at:
        watermark = state.watermark
    hub.states.save(plan.project_key, plan.entity.name, cursor=None, watermark=watermark)
    return deleted


def _saw_everything(run: PullRun) -> bool:
    """True when every stored record of the entity was committed by this run: then nothing is
    left to mark deleted, and a count over the primary key spares the marking UPDATE, which
    reads every row. A resumed run did not commit its first pages in this process, so it
    always marks."""
    plan = run.plan
    if plan.resumed:
        return False
    stored = run.hub.exact.records.count(plan.project_key, plan.entity.name, include_deleted=True)
    return stored == run.seen


def describe_watermark(plan: PullPlan, after: Watermark | None, *, stopped: bool = False) -> str:
    """What became of the watermark, in the words of the run's summary."""
    if not plan.moves_watermark:
        return f"kept at {shown_watermark(plan.watermark)}: {plan.keeps_watermark}"
    if after == plan.watermark:
        why = "the run stopped before its end" if stopped else "nothing newer was committed"
        return f"kept at {shown_watermark(after)}: {why}"
    moved = f"moved from {shown_watermark(plan.watermark)} to {shown_watermark(after)}"
    if stopped:
        return f"{moved} (the run stopped before its end)"
    if plan.partitioned and after is not None and not after.id:
        settle = plan.options.settle
        return f"{moved} (its start less the {settle:g} s settle)"
    return moved


def shown_watermark(watermark: Watermark | None) -> str:
    return "none" if watermark is None else str(watermark)
