"""docs/entities.md's entity table, as the registry and the deployments' schedules declare it.

The table stands between two marker comments of the page; `with_entity_table` replaces what is
between them and leaves the rest of the page as written.
"""

from __future__ import annotations

from ctsync.registry import ENTITIES, Entity
from deployments.catalog import DAILY, HOURLY, SYNC_INTERVALS

BEGIN = (
    "<!-- entity-table: generated from ctsync.registry and deployments.catalog by "
    "`python -m deployments.generated_files --write`; do not edit by hand -->"
)
END = "<!-- /entity-table -->"
RETAINED = " ¹"
"""Marks an entity commercetools deletes by itself (`retention`); the page's footnote says so."""


def entity_table() -> str:
    """The table: one row per entity, in the registry's order."""
    lines = [
        "| entity | endpoint | natural key | delta every | scope to read |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [_row(entity) for entity in ENTITIES.values()]
    return "\n".join(lines)


def with_entity_table(page: str) -> str:
    """The page with the current table between its markers; a ValueError when it has none."""
    try:
        head, rest = page.split(BEGIN + "\n", 1)
        _, tail = rest.split(END, 1)
    except ValueError:
        raise ValueError(f"the page has no {BEGIN!r} ... {END!r} markers") from None
    return f"{head}{BEGIN}\n{entity_table()}\n\n{END}{tail}"


def _row(entity: Entity) -> str:
    name = entity.name + (RETAINED if entity.retention else "")
    endpoint = "/{key}" if entity.singleton else f"/{entity.endpoint}"
    keys = (entity.natural_key,) if isinstance(entity.natural_key, str) else entity.natural_key
    natural_key = " + ".join(f"`{key}`" for key in keys)
    every = _every(SYNC_INTERVALS[entity.name])
    return f"| {name} | `{endpoint}` | {natural_key} | {every} | `{entity.scope}` |"


def _every(seconds: int) -> str:
    if seconds < HOURLY:
        return f"{seconds // 60} min"
    return {HOURLY: "hourly", DAILY: "daily"}.get(seconds, f"{seconds // HOURLY} h")
