"""The guard against destructive pushes: what removes or unsets data, and when a push stops.

A feed that lost columns, a truncated export or a `replace` push of partial records turns into
removeAddress, removePrice, removeVariant, removeFromCategory and `set…` actions without a value
on many records at once. Before writing, a push plans every batch; when more drafts than a share
of them (and more than a few) would lose data, it stops without writing and says which actions
and the first records, unless it is allowed to.
"""

from __future__ import annotations

from typing import Any

from ctsync.push.diff import Action
from ctsync.run.counts import MAX_DESTRUCTIVE_EXAMPLES, PushCounts
from ctsync.run.options import PushOptions

DESTRUCTIVE_FLOOR = 10
"""A push may always remove or unset data on this many drafts: a share of a small push is noise."""

# Fields that say where a `set…` action applies, not what it sets.
_LOCATORS = frozenset({"action", "sku", "name", "variantId", "staged"})


def is_destructive(action: Action) -> bool:
    """A `remove…` action, or a `set…` action without a value (an unset). A field named as the
    action is its value, even when it is also a locator (`setName` of a state sets `name`)."""
    name = str(action.get("action", ""))
    field = name[3:4].lower() + name[4:]
    unset = name.startswith("set") and field not in action and set(action) <= _LOCATORS
    return name.startswith("remove") or unset


def describe(action: Action) -> str:
    """The action as a person reads it in a report: `removeAddress home`, `unset firstName`."""
    name = str(action["action"])
    if name.startswith("set"):
        what = action.get("name") or name.removeprefix("set")
        field = what[:1].lower() + what[1:]
        where = f" of {action['sku']}" if "sku" in action else ""
        return f"unset {field}{where}"
    detail = next(
        (
            str(action[k]) if not isinstance(action[k], dict) else str(action[k].get("id"))
            for k in ("addressKey", "sku", "priceId", "category", "addressId", "id")
            if k in action
        ),
        "",
    )
    return f"{name} {detail}".strip()


def note(counts: PushCounts, line: int, identity: str, actions: list[Action]) -> list[str]:
    """Count a draft's destructive actions; returns how they read."""
    destructive = [a for a in actions if is_destructive(a)]
    described = [describe(a) for a in destructive]
    if destructive:
        counts.destructive += 1
        counts.destructive_actions.update(
            name if name.startswith("remove") else "unset"
            for name in (str(a["action"]) for a in destructive)
        )
        if len(counts.destructive_examples) < MAX_DESTRUCTIVE_EXAMPLES:
            counts.destructive_examples.append(f"line {line} ({identity}): {', '.join(described)}")
    return described


def refusal(planned: PushCounts, drafts: int, options: PushOptions) -> str | None:
    """Why the push must stop before writing, or None when it may go on."""
    if options.allow_destructive or planned.destructive == 0:
        return None
    limit = max(DESTRUCTIVE_FLOOR, options.max_destructive_share * drafts)
    if planned.destructive <= limit:
        return None
    kinds = ", ".join(f"{k} {v}" for k, v in planned.destructive_actions.most_common())
    examples = "; ".join(planned.destructive_examples[:5])
    share = planned.destructive / drafts if drafts else 1.0
    return (
        f"push stopped before writing anything: {planned.destructive} of {drafts} drafts "
        f"({share:.0%}) would remove or unset data ({kinds}), more than "
        f"max_destructive_share {options.max_destructive_share:g} allows. First: {examples}. "
        "Check the feed (missing columns, a truncated export, replace=True on partial records); "
        "push again with allow_destructive=True if this is what you want"
    )


def plan_rows(counts: PushCounts, limit: int) -> list[dict[str, Any]]:
    """A dry run's plan: the rows that remove or unset data first."""
    return [*counts.destructive_plan, *counts.plan][:limit]
