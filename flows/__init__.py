"""Prefect flows of prefect-commercetools, callable ad hoc: `sync_customers(credentials="prod")`."""

from ctsync.run.options import PullOptions, PushOptions
from ctsync.run.push_report import PushReport
from ctsync.run.report import RunFailed
from ctsync.run.sync_all_report import SyncAllReport
from ctsync.run.sync_report import SyncReport
from flows.check import ConnectionCheckFailed, ConnectionReport, check_connection
from flows.copy import copy_project
from flows.export import export_changes, export_new_orders
from flows.push import PUSH_FLOWS_BY_FUNCTION, push_entity
from flows.sync import ENTITY_FLOWS, SYNC_FLOWS_BY_FUNCTION, sync_all, sync_entity

SyncFailed = PushFailed = RunFailed
"""The names 0.1.0 raised under: both are `RunFailed`, which every failed run raises."""

globals().update(SYNC_FLOWS_BY_FUNCTION)  # sync_customers, …: one per entity (flows.sync)

globals().update(PUSH_FLOWS_BY_FUNCTION)  # push_customers, …: one per push (flows.push)

__all__ = [
    "ENTITY_FLOWS",
    "ConnectionCheckFailed",
    "ConnectionReport",
    "PullOptions",
    "PushFailed",
    "PushOptions",
    "PushReport",
    "RunFailed",
    "SyncAllReport",
    "SyncFailed",
    "SyncReport",
    "check_connection",
    "copy_project",
    "export_changes",
    "export_new_orders",
    "push_entity",
    "sync_all",
    "sync_entity",
]
__all__.extend(SYNC_FLOWS_BY_FUNCTION)  # sync_customers, …: the flows of the registries
__all__.extend(PUSH_FLOWS_BY_FUNCTION)  # push_customers, …
