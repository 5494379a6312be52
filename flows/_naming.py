"""Names the observability contract fixes: artifact keys and correlation id prefixes."""

from __future__ import annotations

import re

from prefect.runtime import flow_run

_NOT_KEY_SAFE = re.compile(r"[^a-z0-9-]+")


def artifact_key(project_key: str, name: str) -> str:
    """`ct-<project>-<name>`; Prefect keys allow lowercase letters, digits and dashes only."""
    return _NOT_KEY_SAFE.sub("-", f"ct-{project_key}-{name}".lower()).strip("-")


def correlation_prefix_for_run() -> str | None:
    """Requests of a flow run carry its id, so commercetools support can trace a run's calls."""
    run_id = flow_run.id
    return f"prefect-{run_id}" if run_id else None


def current_flow_run_id() -> str | None:
    """The running flow run's id as reports carry it (None outside a flow run)."""
    run_id = flow_run.id
    return str(run_id) if run_id else None
