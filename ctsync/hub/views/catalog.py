"""Every view by name, in creation order: the project's language, the main and child views, and
the localized values; with the columns each one shows."""

from __future__ import annotations

from typing import Final

from ctsync.hub.views.child_views import CHILD_VIEWS
from ctsync.hub.views.declarations import SqlType, Step, View, parse_path
from ctsync.hub.views.main_views import MAIN_VIEWS
from ctsync.registry import ENTITIES

LOCALIZED_FIELDS: Final[dict[str, tuple[tuple[str, tuple[Step, ...]], ...]]] = {
    entity.name: tuple(
        (field, parse_path(field)) if isinstance(field, str) else (field[0], parse_path(field[1]))
        for field in entity.localized_fields
    )
    for entity in ENTITIES.values()
    if entity.localized_fields
}
"""The localized fields of each entity in `localized_values`, as its registry row declares
them: (field as shown, path)."""

PROJECT_LANGUAGE: Final = "project_language"
LOCALIZED_VALUES: Final = "localized_values"
_LOCALIZED_OUTPUTS: list[tuple[str, SqlType]] = [
    ("project_key", "text"),
    ("entity", "text"),
    ("id", "text"),
    ("field", "text"),
    ("locale", "text"),
    ("value", "text"),
]

VIEWS: Final[dict[str, View]] = {view.name: view for view in [*MAIN_VIEWS, *CHILD_VIEWS]}


def view_names() -> list[str]:
    """Every view, in creation order."""
    return [PROJECT_LANGUAGE, *VIEWS, LOCALIZED_VALUES]


def view_columns(view_name: str) -> list[tuple[str, SqlType]]:
    """The view's columns in order, with their types (text, integer, decimal, boolean,
    timestamp)."""
    if view_name == PROJECT_LANGUAGE:
        return [("project_key", "text"), ("language", "text")]
    if view_name == LOCALIZED_VALUES:
        return list(_LOCALIZED_OUTPUTS)
    return view_named(view_name).outputs()


def view_named(view_name: str) -> View:
    """The declared view of this name (the project's language and the localized values have no
    declaration)."""
    try:
        return VIEWS[view_name]
    except KeyError:
        raise ValueError(f"unknown view {view_name!r}: use one of {view_names()}") from None
