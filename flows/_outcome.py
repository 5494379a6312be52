"""What every sync and push run leaves at its end: a markdown summary and an outcome event."""

from __future__ import annotations

from typing import Any, Literal

from prefect.artifacts import create_markdown_artifact
from prefect.events import emit_event

from flows._naming import artifact_key


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
) -> None:
    """The summary artifact `ct-<project>-<summary_key>` (with the error and first failures) and
    the event `commercetools.<kind>.completed` or `.failed` on `commercetools.<project>.<entity>`.
    """
    lines = list(lines)
    if error:
        lines += ["", "### Error", "", f"```\n{error}\n```"]
    if first_failures:
        lines += ["", f"### First failures ({failed} in dead letters)", ""]
        lines += [f"- `{failure}`" for failure in first_failures]
    create_markdown_artifact(
        key=artifact_key(project_key, summary_key),
        markdown="\n".join(lines),
        description=description,
    )
    emit_event(
        event=f"commercetools.{kind}.{'failed' if error else 'completed'}",
        resource={
            "prefect.resource.id": f"commercetools.{project_key}.{entity}",
            "prefect.resource.name": f"{project_key} {entity}",
        },
        payload=payload,
    )
