"""Prefect flows of prefect-commercetools, callable ad hoc: `sync_customers(credentials="prod")`.

Each name is imported from its module when first used: a flow-run process that runs
`flows.sync:sync_customers` loads the sync, not the push, copy, export and check flows too.
"""

from __future__ import annotations

import importlib
from typing import Any

from ctsync.push.registry import PUSH_ENTITIES
from ctsync.registry import ENTITIES
from flows._bound import function_name

_HOMES = {
    "PullOptions": "ctsync.run.options",
    "PushOptions": "ctsync.run.options",
    "PushReport": "ctsync.run.push_report",
    "RunFailed": "ctsync.run.report",
    "SyncFailed": "ctsync.run.report",  # the names 0.1.0 raised under: both are `RunFailed`
    "PushFailed": "ctsync.run.report",
    "SyncAllReport": "ctsync.run.sync_all_report",
    "SyncReport": "ctsync.run.sync_report",
    "ConnectionCheckFailed": "flows.check",
    "ConnectionReport": "flows.check",
    "check_connection": "flows.check",
    "copy_project": "flows.copy",
    "export_changes": "flows.export",
    "export_new_orders": "flows.export",
    "ensure_subscription": "flows.follow",
    "follow_changes": "flows.follow",
    "push_entity": "flows.push",
    "ENTITY_FLOWS": "flows.sync",
    "sync_all": "flows.sync",
    "sync_entity": "flows.sync",
}
_HOMES.update({function_name("sync", name): "flows.sync" for name in ENTITIES})
_HOMES.update({function_name("push", name): "flows.push" for name in PUSH_ENTITIES})
_ALIASES = {"SyncFailed": "RunFailed", "PushFailed": "RunFailed"}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """A flow, report or option class of the package, imported from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), _ALIASES.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
