"""Typed JSON reads written for SQLite and for PostgreSQL: each dialect turns a path into a
document, and a column's type, into the SQL that reads it as the rules say (NULL, never an
error, on a missing or mistyped value)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from ctsync.hub.views.catalog import LOCALIZED_FIELDS
from ctsync.hub.views.declarations import Step
from ctsync.hub.views.value_rules import (
    INTEGER_DIGITS,
    INTEGER_MAX,
    LANGUAGE_PATTERN,
    LIST_SEPARATOR,
    MAX_FRACTION_DIGITS,
    TIMESTAMP_PATTERN,
)


@dataclass(frozen=True)
class JsonRef:
    """A JSON value in SQL: a document expression and the path of steps into it."""

    doc: str
    steps: tuple[Step, ...] = ()

    def at(self, steps: Sequence[Step]) -> JsonRef:
        return JsonRef(self.doc, (*self.steps, *steps))


_PROJECT = "pl.document"
"""The project's document, joined as `pl` where a view needs its first language."""
PROJECT_JOIN = (
    "LEFT JOIN records AS pl ON pl.project_key = r.project_key AND pl.entity = 'project' "
    "AND pl.id = r.project_key AND pl.deleted_at IS NULL"
)


class Dialect(ABC):
    """One dialect's rendering of typed JSON reads; `language` appends the project's first
    language to a path (a localized field)."""

    @abstractmethod
    def json_type(self, ref: JsonRef, language: bool = False) -> str: ...

    @abstractmethod
    def raw(self, ref: JsonRef, language: bool = False) -> str: ...

    @abstractmethod
    def text(self, ref: JsonRef, language: bool = False) -> str: ...

    @abstractmethod
    def integer(self, ref: JsonRef, *, fraction_digits: bool = False) -> str: ...

    @abstractmethod
    def decimal(self, ref: JsonRef) -> str: ...

    @abstractmethod
    def boolean(self, ref: JsonRef) -> str: ...

    @abstractmethod
    def timestamp_of(self, text_sql: str) -> str: ...

    @abstractmethod
    def text_list(self, ref: JsonRef) -> str: ...

    @abstractmethod
    def amount(self, units: str, fraction_digits: str) -> str: ...

    @abstractmethod
    def flag(self, condition: str) -> str: ...

    @abstractmethod
    def const(self, value: bool) -> str: ...

    @abstractmethod
    def elements(self, alias: str, ref: JsonRef) -> tuple[str, str, str, JsonRef]:
        """(join, guard, 0-based position, element) over the objects of the array at `ref`."""

    @abstractmethod
    def language(self, document: str) -> str:
        """The first language of this project document, when it is a language tag."""

    @abstractmethod
    def localized_values(self) -> str: ...

    def timestamp(self, ref: JsonRef) -> str:
        return self.timestamp_of(self.raw(ref))

    def money(self, ref: JsonRef) -> list[str]:
        units = (
            f"COALESCE({self.integer(ref.at(['preciseAmount']))}, "
            f"{self.integer(ref.at(['centAmount']))})"
        )
        digits = self.integer(ref.at(["fractionDigits"]), fraction_digits=True)
        return [
            self.amount(units, digits),
            self.text(ref.at(["currencyCode"])),
            self.integer(ref.at(["centAmount"])),
        ]


def string_literal(value: str) -> str:
    """The value as a SQL string literal (quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


_SQLITE_TIMESTAMP_GLOB = (
    "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*"
)


class _Sqlite(Dialect):
    def _path(self, ref: JsonRef, language: bool) -> str:
        path = "$" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in ref.steps)
        if language:
            return f"{string_literal(path + '.' + chr(34))} || {self.language(_PROJECT)} || '\"'"
        return string_literal(path)

    def json_type(self, ref: JsonRef, language: bool = False) -> str:
        return f"json_type({ref.doc}, {self._path(ref, language)})"

    def raw(self, ref: JsonRef, language: bool = False) -> str:
        return f"json_extract({ref.doc}, {self._path(ref, language)})"

    def text(self, ref: JsonRef, language: bool = False) -> str:
        return (
            f"CASE {self.json_type(ref, language)} WHEN 'text' THEN {self.raw(ref, language)} END"
        )

    def integer(self, ref: JsonRef, *, fraction_digits: bool = False) -> str:
        low, high = (0, MAX_FRACTION_DIGITS) if fraction_digits else (-INTEGER_MAX, INTEGER_MAX)
        value = self.raw(ref)
        return (
            f"CASE WHEN {self.json_type(ref)} = 'integer' AND {value} BETWEEN {low} AND {high} "
            f"THEN {value} END"
        )

    def decimal(self, ref: JsonRef) -> str:
        return (
            f"CASE WHEN {self.json_type(ref)} IN ('integer', 'real') "
            f"THEN CAST({self.raw(ref)} AS REAL) END"
        )

    def boolean(self, ref: JsonRef) -> str:
        return f"CASE {self.json_type(ref)} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END"

    def timestamp_of(self, text_sql: str) -> str:
        # A JSON string comes out as its text; numbers, objects and arrays never match.
        return f"CASE WHEN {text_sql} GLOB '{_SQLITE_TIMESTAMP_GLOB}' THEN {text_sql} END"

    def text_list(self, ref: JsonRef) -> str:
        path = self._path(ref, False)
        return (
            f"(SELECT group_concat(l.value, '{LIST_SEPARATOR}') FROM (SELECT l.value AS value "
            f"FROM json_each({ref.doc}, {path}) AS l WHERE json_type({ref.doc}, {path}) = 'array' "
            "AND l.type = 'text' ORDER BY l.key) AS l)"
        )

    def amount(self, units: str, fraction_digits: str) -> str:
        return f"CAST({units} AS REAL) / CAST('1e' || {fraction_digits} AS REAL)"

    def flag(self, condition: str) -> str:
        return f"CASE WHEN {condition} THEN 1 ELSE 0 END"

    def const(self, value: bool) -> str:
        return "1" if value else "0"

    def elements(self, alias: str, ref: JsonRef) -> tuple[str, str, str, JsonRef]:
        path = self._path(ref, False)
        join = f"JOIN json_each({ref.doc}, {path}) AS {alias}"
        guard = f"json_type({ref.doc}, {path}) = 'array' AND {alias}.type = 'object'"
        return join, guard, f"{alias}.key", JsonRef(f"{alias}.value")

    def language(self, document: str) -> str:
        first = self.text(JsonRef(document, ("languages", 0)))
        return f"CASE WHEN {first} <> '' AND NOT ({first} GLOB '*[^A-Za-z0-9_-]*') THEN {first} END"

    def localized_values(self) -> str:
        fields = " UNION ALL ".join(
            f"SELECT {string_literal(entity)} AS entity, {string_literal(name)} AS field, "
            f"{self._path(JsonRef('', steps), False)} AS path"
            for entity, entries in LOCALIZED_FIELDS.items()
            for name, steps in entries
        )
        # CROSS JOIN keeps records the outer loop: one pass over the table, not one per field.
        return (
            "SELECT r.project_key AS project_key, r.entity AS entity, r.id AS id, "
            "f.field AS field, l.key AS locale, l.value AS value "
            f"FROM records AS r CROSS JOIN ({fields}) AS f "
            "JOIN json_each(r.document, f.path) AS l "
            "WHERE f.entity = r.entity AND r.deleted_at IS NULL "
            "AND json_type(r.document, f.path) = 'object' AND l.type = 'text'"
        )


def _array_or_null(value: str) -> str:
    """`value` when it is a JSON array, else NULL: what an index or an element walk may use."""
    return f"CASE WHEN jsonb_typeof({value}) = 'array' THEN {value} END"


def _chain(expression: str, operands: list[str], arrow: str) -> str:
    """`expression -> a -> 0 ...`; an index applies to arrays only. PostgreSQL reads a scalar
    as an array of itself: `'"de"'::jsonb -> 0` is `"de"`, where SQLite and `python_rows`
    give NULL (a project whose `languages` is a string)."""
    for operand in operands:
        if operand.lstrip("-").isdigit():
            expression = f"({_array_or_null(expression)})"
        expression = f"{expression} {arrow} {operand}"
    return expression


class _Postgres(Dialect):
    def _operands(self, ref: JsonRef, language: bool) -> list[str]:
        operands = [str(s) if isinstance(s, int) else string_literal(s) for s in ref.steps]
        return [*operands, self.language(_PROJECT)] if language else operands

    def _json(self, ref: JsonRef, language: bool = False) -> str:
        return _chain(ref.doc, self._operands(ref, language), "->")

    def raw(self, ref: JsonRef, language: bool = False) -> str:
        operands = self._operands(ref, language)
        if not operands:
            return f"({ref.doc} #>> '{{}}')"
        return f"({_chain(_chain(ref.doc, operands[:-1], '->'), operands[-1:], '->>')})"

    def json_type(self, ref: JsonRef, language: bool = False) -> str:
        return f"jsonb_typeof({self._json(ref, language)})"

    def text(self, ref: JsonRef, language: bool = False) -> str:
        return (
            f"CASE WHEN {self.json_type(ref, language)} = 'string' "
            f"THEN {self.raw(ref, language)} END"
        )

    def integer(self, ref: JsonRef, *, fraction_digits: bool = False) -> str:
        # The pattern keeps the cast from failing: a string never gets here (jsonb_typeof),
        # 1.5 or a 19-digit number does not match. CASE evaluates the cast only after it.
        pattern = "^([0-9]|1[0-9]|20)$" if fraction_digits else f"^-?[0-9]{{1,{INTEGER_DIGITS}}}$"
        raw = self.raw(ref)
        return (
            f"CASE WHEN {self.json_type(ref)} = 'number' AND {raw} ~ '{pattern}' "
            f"THEN CAST({raw} AS BIGINT) END"
        )

    def decimal(self, ref: JsonRef) -> str:
        return (
            f"CASE WHEN {self.json_type(ref)} = 'number' "
            f"THEN CAST({self._json(ref)} AS NUMERIC) END"
        )

    def boolean(self, ref: JsonRef) -> str:
        return (
            f"CASE WHEN {self.json_type(ref)} = 'boolean' "
            f"THEN CAST({self._json(ref)} AS BOOLEAN) END"
        )

    def timestamp_of(self, text_sql: str) -> str:
        # Only text PostgreSQL reads as a timestamp gets cast: a bad value is NULL, not an error.
        return (
            f"CASE WHEN {text_sql} ~ '^{TIMESTAMP_PATTERN}$' "
            f"THEN CAST({text_sql} AS TIMESTAMPTZ) END"
        )

    def text_list(self, ref: JsonRef) -> str:
        value = self._json(ref)
        return (
            f"(SELECT string_agg(l.value #>> '{{}}', '{LIST_SEPARATOR}' ORDER BY l.ordinality) "
            f"FROM jsonb_array_elements({_array_or_null(value)}) "
            "WITH ORDINALITY AS l(value, ordinality) WHERE jsonb_typeof(l.value) = 'string')"
        )

    def amount(self, units: str, fraction_digits: str) -> str:
        # Exact by construction: numeric times the exact 1e-n (a division picks its own scale).
        return f"CAST({units} AS NUMERIC) * CAST('1e-' || {fraction_digits} AS NUMERIC)"

    def flag(self, condition: str) -> str:
        return f"CASE WHEN {condition} THEN TRUE ELSE FALSE END"

    def const(self, value: bool) -> str:
        return "TRUE" if value else "FALSE"

    def elements(self, alias: str, ref: JsonRef) -> tuple[str, str, str, JsonRef]:
        value = self._json(ref)
        join = (
            f"CROSS JOIN LATERAL jsonb_array_elements({_array_or_null(value)}) "
            f"WITH ORDINALITY AS {alias}(value, ordinality)"
        )
        guard = f"jsonb_typeof({alias}.value) = 'object'"
        return join, guard, f"({alias}.ordinality - 1)", JsonRef(f"{alias}.value")

    def language(self, document: str) -> str:
        first = self.text(JsonRef(document, ("languages", 0)))
        return f"CASE WHEN {first} ~ '^{LANGUAGE_PATTERN}$' THEN {first} END"

    def localized_values(self) -> str:
        fields = ", ".join(
            f"({string_literal(entity)}, {string_literal(name)}, "
            f"CAST({string_literal('{' + ','.join(str(s) for s in steps) + '}')} AS TEXT[]))"
            for entity, entries in LOCALIZED_FIELDS.items()
            for name, steps in entries
        )
        value = "r.document #> f.path"
        return (
            "SELECT r.project_key AS project_key, r.entity AS entity, r.id AS id, "
            "f.field AS field, l.key AS locale, l.value #>> '{}' AS value "
            f"FROM records AS r JOIN (VALUES {fields}) AS f(entity, field, path) "
            "ON f.entity = r.entity "
            f"CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof({value}) = 'object' "
            f"THEN {value} END) AS l "
            "WHERE r.deleted_at IS NULL AND jsonb_typeof(l.value) = 'string'"
        )


_DIALECTS: dict[str, Dialect] = {"sqlite": _Sqlite(), "postgresql": _Postgres()}


def dialect_for(dialect_name: str) -> Dialect:
    try:
        return _DIALECTS[dialect_name]
    except KeyError:
        raise ValueError(f"the views run on sqlite or postgresql, not {dialect_name!r}") from None
