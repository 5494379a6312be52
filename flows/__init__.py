"""Prefect flows of prefect-commercetools, callable ad hoc: `check_connection("my-store")`."""

from flows.check import ConnectionCheckFailed, ConnectionReport, check_connection

__all__ = ["ConnectionCheckFailed", "ConnectionReport", "check_connection"]
