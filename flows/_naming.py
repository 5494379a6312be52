"""Names the observability contract fixes: artifact keys and correlation id prefixes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prefect.client.orchestration import get_client
from prefect.runtime import flow_run

if TYPE_CHECKING:
    from ctsync.registry import Entity

_NOT_KEY_SAFE = re.compile(r"[^a-z0-9-]+")


def timestamped(*parts: str) -> str:
    """A flow run's name: its parts, then the UTC time it was named (`customers-full-20261130-
    101500`), so that runs of one flow sort by time in the UI."""
    return "-".join([*parts, f"{datetime.now(UTC):%Y%m%d-%H%M%S}"])


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


def run_name_mode(entity: Entity, mode: str) -> str:
    """The mode a run's name shows before its plan: a singleton is always read whole."""
    return "full" if entity.singleton else mode


def rename_flow_run(entity: str, mode: str) -> None:
    """Name the running flow run after what its plan reads (a first delta is a full read):
    `<entity>-<mode>-<the time its name was given>`."""
    run_id, name = flow_run.id, flow_run.name
    if not run_id or not name or not name.startswith(f"{entity}-"):
        return  # outside a run, or a name someone chose
    if name.startswith(f"{entity}-{mode}-"):
        return  # named right from the start
    stamp = name.rsplit("-", 2)[-2:]
    with get_client(sync_client=True) as client:
        client.update_flow_run(run_id, name="-".join([entity, mode, *stamp]))


def rename_flow_run_prefix(named: str, wanted: str) -> None:
    """Rename the running flow run `<named>-<time>` to `<wanted>-<time>`: what a run reads may
    be known only once it started (the project a hub resolves, say). A chosen name stays."""
    run_id, name = flow_run.id, flow_run.name
    if not run_id or not name or named == wanted or not name.startswith(f"{named}-"):
        return
    with get_client(sync_client=True) as client:
        client.update_flow_run(run_id, name=f"{wanted}-{name[len(named) + 1 :]}")
