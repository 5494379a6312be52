"""Tags on flow runs, so the Prefect UI filters runs by commercetools project and by entity.

A deployment tags its runs with what it knows (`commercetools`, the entity); the project key is
only known once the credentials block is loaded, so the run adds it itself. Ad hoc runs from
Python get the same tags this way, and a run that fails before its plan (a bad block, hub or
parameter) carries them too: they are added before anything else can fail.
"""

from __future__ import annotations

from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.logging import get_run_logger

from blocks import CommercetoolsCredentials
from blocks.resolve import resolve_credentials

TAG = "commercetools"


def entity_tag(entity: str) -> str:
    return f"ct-entity:{entity}"


def project_tag(project_key: str) -> str:
    return f"ct-project:{project_key}"


def tag_flow_run(*tags: str) -> None:
    """Add `tags` to the running flow run (no-op outside one, never fails the run)."""
    context = FlowRunContext.get()
    run = context.flow_run if context is not None else None
    if run is None:
        return
    missing = [tag for tag in tags if tag not in run.tags]
    if not missing:
        return
    merged = [*run.tags, *missing]
    try:
        with get_client(sync_client=True) as client:
            client.update_flow_run(run.id, tags=merged).raise_for_status()
    except Exception as error:  # tags help finding runs; a sync must not fail over them
        get_run_logger().warning("Could not tag the flow run with %s: %s", missing, error)
        return
    run.tags = merged


def resolve_tagged(
    credentials: CommercetoolsCredentials | str, entity: str | None = None
) -> CommercetoolsCredentials:
    """The run's credentials block, the run tagged `commercetools`, `ct-entity:<entity>` (when
    given) and the block's `ct-project:<project>`; a block that cannot be loaded still leaves
    the first two on the run, then raises."""
    tags = [TAG, *([entity_tag(entity)] if entity else [])]
    try:
        block = resolve_credentials(credentials)
    except Exception:
        tag_flow_run(*tags)
        raise
    tag_flow_run(*tags, project_tag(block.project_key))
    return block
