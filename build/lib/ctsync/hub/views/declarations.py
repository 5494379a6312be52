"""How a view is declared, as data: `Column`, `Source` and `View`, and the constructors the
catalogue of views is written with. Declaring once lets each dialect and `python_rows` render
the same view without repeating it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "text",
    "integer",
    "decimal",
    "boolean",
    "timestamp",
    "localized",
    "money",
    "text_list",
    "equals",
    "position",
    "constant",
]
SqlType = Literal["text", "integer", "decimal", "boolean", "timestamp"]
Step = str | int

_KEY = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def parse_path(dotted: str) -> tuple[Step, ...]:
    """The steps of a dotted path ("lineItems.0.id"): digits index an array, others name a key."""
    steps: list[Step] = []
    for part in dotted.split(".") if dotted else []:
        if part.isdigit():
            steps.append(int(part))
        elif _KEY.fullmatch(part):
            steps.append(part)
        else:  # keys go into SQL unquoted: letters and digits only
            raise ValueError(f"path step {part!r} of {dotted!r} is not a plain field name")
    return tuple(steps)


@dataclass(frozen=True)
class Column:
    """One field of a view: where it is (relative to the row's item) and how it is typed.

    `money` expands to `<name>_amount`, `<name>_currency` and `<name>_cent_amount` (or `amount`,
    `currency`, `cent_amount` when the name is empty). `equals` is TRUE when the text at `path`
    equals the text at `other` in the whole document (a customer's default address).
    """

    name: str
    path: tuple[Step, ...]
    kind: Kind
    of: Literal["item", "outer"] = "item"
    """`outer`: relative to the outer element of a nested source (a variant, for its prices)."""
    other: tuple[Step, ...] = ()

    def outputs(self) -> list[tuple[str, SqlType]]:
        """The view's columns this declaration makes, with their types."""
        if self.kind == "money":
            prefix = f"{self.name}_" if self.name else ""
            return [
                (f"{prefix}amount", "decimal"),
                (f"{prefix}currency", "text"),
                (f"{prefix}cent_amount", "integer"),
            ]
        kinds: dict[Kind, SqlType] = {
            "localized": "text",
            "text_list": "text",
            "equals": "boolean",
            "position": "integer",
            "constant": "boolean",
        }
        return [(self.name, kinds.get(self.kind, self.kind))]  # type: ignore[list-item]


def text(name: str, path: str) -> Column:
    return Column(name, parse_path(path), "text")


def integer(name: str, path: str) -> Column:
    return Column(name, parse_path(path), "integer")


def decimal(name: str, path: str) -> Column:
    return Column(name, parse_path(path), "decimal")


def boolean(name: str, path: str) -> Column:
    return Column(name, parse_path(path), "boolean")


def timestamp(name: str, path: str) -> Column:
    return Column(name, parse_path(path), "timestamp")


def localized(name: str, path: str) -> Column:
    return Column(name, parse_path(path), "localized")


def money(name: str, path: str) -> Column:
    return Column(name, parse_path(path), "money")


def text_list(name: str, path: str) -> Column:
    return Column(name, parse_path(path), "text_list")


def equals(name: str, path: str, document_path: str) -> Column:
    return Column(name, parse_path(path), "equals", other=parse_path(document_path))


def position() -> Column:
    return Column("position", (), "position")


def constant(name: str) -> Column:
    """A boolean set by each `Source` (`staged`, `is_master`)."""
    return Column(name, (), "constant")


def outer(column: Column) -> Column:
    return Column(column.name, column.path, column.kind, "outer", column.other)


@dataclass(frozen=True)
class Source:
    """Where the rows of a child view come from, in the document.

    The outer elements are the objects of the array at `path` (or the one object there, when
    `single`); `inner` makes a row of each object of that array inside each outer element, and
    `item` instead takes one object inside each outer element as the row's item.
    """

    path: tuple[Step, ...]
    single: bool = False
    inner: tuple[Step, ...] = ()
    item: tuple[Step, ...] = ()
    first_position: int = 0
    """Added to the index (an array after a single object: product variants after the master)."""
    constants: tuple[tuple[str, bool], ...] = ()


def source(
    path: str,
    *,
    single: bool = False,
    inner: str = "",
    item: str = "",
    first_position: int = 0,
    **constants: bool,
) -> Source:
    return Source(
        parse_path(path),
        single,
        parse_path(inner),
        parse_path(item),
        first_position,
        tuple(constants.items()),
    )


@dataclass(frozen=True)
class View:
    """A main view (no sources: one row per live record) or a child view (rows from sources)."""

    name: str
    entity: str
    columns: tuple[Column, ...]
    parent_id: str | None = None
    """The child view's column holding its record's id (`order_id`)."""
    sources: tuple[Source, ...] = ()

    def outputs(self) -> list[tuple[str, SqlType]]:
        """The view's columns in order, with their types."""
        if self.parent_id is None:
            head: list[tuple[str, SqlType]] = [
                ("project_key", "text"),
                ("id", "text"),
                ("key", "text"),
                ("version", "integer"),
                ("created_at", "timestamp"),
                ("last_modified_at", "timestamp"),
            ]
        else:
            head = [("project_key", "text"), (self.parent_id, "text")]
        return head + [output for column in self.columns for output in column.outputs()]

    @property
    def needs_language(self) -> bool:
        return any(column.kind == "localized" for column in self.columns)
