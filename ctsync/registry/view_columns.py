"""The columns of an entity's main view, as its registry row declares them.

The row says which document fields people filter on; `ctsync.hub.views` renders them after the
common head (`project_key`, `id`, `key`, `version`, `created_at`, `last_modified_at`) for SQLite,
PostgreSQL and `python_rows`, by the rules its docstring states for each type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["text", "integer", "boolean", "timestamp", "localized", "money", "text_list"]


@dataclass(frozen=True)
class ViewColumn:
    """One column of a main view: its name, the dotted path of the field it shows, its type."""

    name: str
    path: str
    type: ColumnType


def text(name: str, path: str) -> ViewColumn:
    return ViewColumn(name, path, "text")


def integer(name: str, path: str) -> ViewColumn:
    return ViewColumn(name, path, "integer")


def boolean(name: str, path: str) -> ViewColumn:
    return ViewColumn(name, path, "boolean")


def timestamp(name: str, path: str) -> ViewColumn:
    return ViewColumn(name, path, "timestamp")


def localized(name: str, path: str) -> ViewColumn:
    """The value in the project's first language."""
    return ViewColumn(name, path, "localized")


def money(name: str, path: str) -> ViewColumn:
    """Three columns: `<name>_amount`, `<name>_currency`, `<name>_cent_amount`."""
    return ViewColumn(name, path, "money")


def text_list(name: str, path: str) -> ViewColumn:
    """The strings of an array, joined."""
    return ViewColumn(name, path, "text_list")
