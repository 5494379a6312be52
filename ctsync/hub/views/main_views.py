"""The main view of each entity, as its registry row declares it: the columns after the common
head (`project_key`, `id`, `key`, `version`, `created_at`, `last_modified_at`), the fields
people filter on. A new entity's row brings its view; nothing here names an entity."""

from __future__ import annotations

from typing import Final

from ctsync.hub.views.declarations import Column, View, parse_path
from ctsync.registry import ENTITIES, Entity


def main_view(entity: Entity) -> View:
    """The entity's main view, named after it with "-" as "_"."""
    columns = tuple(
        Column(column.name, parse_path(column.path), column.type) for column in entity.view_columns
    )
    return View(entity.name.replace("-", "_"), entity.name, columns)


MAIN_VIEWS: Final = tuple(main_view(entity) for entity in ENTITIES.values())
"""One per entity, in the registry's order."""
