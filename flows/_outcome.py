"""What every sync and push run leaves at its end: tables, a markdown summary and an event.

Each artifact is one call to the Prefect API (20-100 ms on a local server), so the artifacts of
a run are created at once, each in a worker thread that carries the run's context (an artifact
finds its flow run through context variables, which plain threads do not inherit).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Literal, TypeVar

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.events import emit_event

from flows._naming import artifact_key

T = TypeVar("T")

_ARTIFACT_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ct-artifacts")


def in_background(call: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
    """Run an artifact call in a worker thread, in the caller's Prefect run context."""
    context = contextvars.copy_context()
    return _ARTIFACT_THREADS.submit(context.run, call, *args, **kwargs)


def publish_outcome(
    *,
    kind: Literal["sync", "push"],
    project_key: str,
    entity: str,
    summary_key: str,
    lines: list[str],
    description: str,
    error: str | None,
    first_failures: list[str],
    failed: int,
    payload: dict[str, Any],
    tables: Sequence[dict[str, Any]] = (),
) -> None:
    """The summary artifact `ct-<project>-<summary_key>` (with the error and first failures),
    the `tables` (keyword arguments of `create_table_artifact`), all created at once, and the
    event `commercetools.<kind>.completed` or `.failed` on `commercetools.<project>.<entity>`.
    """
    lines = list(lines)
    if error:
        lines += ["", "### Error", "", f"```\n{error}\n```"]
    if first_failures:
        lines += ["", f"### First failures ({failed} in dead letters)", ""]
        lines += [f"- `{failure}`" for failure in first_failures]
    created = [in_background(create_table_artifact, **table) for table in tables]
    created.append(
        in_background(
            create_markdown_artifact,
            key=artifact_key(project_key, summary_key),
            markdown="\n".join(lines),
            description=description,
        )
    )
    emit_event(
        event=f"commercetools.{kind}.{'failed' if error else 'completed'}",
        resource={
            "prefect.resource.id": f"commercetools.{project_key}.{entity}",
            "prefect.resource.name": f"{project_key} {entity}",
        },
        payload=payload,
    )
    for future in created:
        future.result()  # an artifact the API refused fails the run, as it did one at a time
