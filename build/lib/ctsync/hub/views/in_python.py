"""`python_rows`: what each view must return, computed by walking the documents in Python,
independently of the SQL, so that the tests can check the SQL of both databases against it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ctsync.hub.views.catalog import (
    LOCALIZED_FIELDS,
    LOCALIZED_VALUES,
    PROJECT_LANGUAGE,
    view_columns,
    view_named,
)
from ctsync.hub.views.declarations import Column, Step, View
from ctsync.hub.views.value_rules import (
    INTEGER_MAX,
    LANGUAGE_PATTERN,
    LIST_SEPARATOR,
    MAX_FRACTION_DIGITS,
    TIMESTAMP_PATTERN,
)

_TIMESTAMP_RE = re.compile(TIMESTAMP_PATTERN)
_LANGUAGE_RE = re.compile(LANGUAGE_PATTERN)

_MISSING: Any = object()


def _at(node: Any, steps: Sequence[Step]) -> Any:
    for step in steps:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return _MISSING
            node = node[step]
        elif isinstance(node, dict) and step in node:
            node = node[step]
        else:
            return _MISSING
    return node


def _text(node: Any) -> str | None:
    return node if isinstance(node, str) else None


def _integer(node: Any, low: int = -INTEGER_MAX, high: int = INTEGER_MAX) -> int | None:
    if isinstance(node, int) and not isinstance(node, bool) and low <= node <= high:
        return node
    return None


def _decimal(node: Any) -> Decimal | None:
    if isinstance(node, bool) or not isinstance(node, int | float):
        return None
    return Decimal(node) if isinstance(node, int) else Decimal(repr(node))


def _timestamp(node: Any) -> str | None:
    return node if isinstance(node, str) and _TIMESTAMP_RE.fullmatch(node) else None


def _money(node: Any) -> list[Any]:
    cents = _integer(_at(node, ["centAmount"]))
    precise = _integer(_at(node, ["preciseAmount"]))
    digits = _integer(_at(node, ["fractionDigits"]), 0, MAX_FRACTION_DIGITS)
    units = precise if precise is not None else cents
    amount = None if units is None or digits is None else Decimal(units).scaleb(-digits)
    return [amount, _text(_at(node, ["currencyCode"])), cents]


def _python_column(
    column: Column,
    item: Any,
    outer_element: Any,
    document: Any,
    language: str | None,
    flags: dict[str, bool],
) -> list[Any]:
    node = _at(outer_element if column.of == "outer" else item, column.path)
    kind = column.kind
    if kind == "text":
        return [_text(node)]
    if kind == "integer":
        return [_integer(node)]
    if kind == "decimal":
        return [_decimal(node)]
    if kind == "boolean":
        return [node if isinstance(node, bool) else None]
    if kind == "timestamp":
        return [_timestamp(node)]
    if kind == "localized":
        return [None if language is None else _text(_at(node, [language]))]
    if kind == "money":
        return _money(node)
    if kind == "text_list":
        strings = [s for s in node if isinstance(s, str)] if isinstance(node, list) else []
        return [LIST_SEPARATOR.join(strings) if strings else None]
    if kind == "equals":
        mine = _text(node)
        return [mine is not None and mine == _text(_at(document, column.other))]
    if kind == "constant":
        return [flags[column.name]]
    raise AssertionError(f"{kind} is computed by its view")


@dataclass
class _Record:
    project_key: str
    entity: str
    id: str
    key: str | None
    version: int
    created_at: str
    last_modified_at: str
    document: Any


def _live_records(records: Sequence[dict[str, Any]]) -> list[_Record]:
    live = []
    for record in records:
        if record.get("deleted_at") is not None:
            continue
        document = record["document"]
        live.append(
            _Record(
                record["project_key"],
                record["entity"],
                record["id"],
                record.get("key"),
                record["version"],
                record["created_at"],
                record["last_modified_at"],
                json.loads(document) if isinstance(document, str | bytes) else document,
            )
        )
    return live


def _project_languages(live: list[_Record]) -> dict[str, str | None]:
    """project_key -> the first language of its project record (the one whose id is the key)."""
    languages: dict[str, str | None] = {}
    for record in live:
        if record.entity != "project" or record.id != record.project_key:
            continue
        first = _text(_at(record.document, ["languages", 0]))
        usable = first is not None and _LANGUAGE_RE.fullmatch(first)
        languages[record.project_key] = first if usable else None
    return languages


def _elements(node: Any, src_single: bool, first: int) -> Iterator[tuple[int, Any]]:
    if src_single:
        if isinstance(node, dict):
            yield first, node
    elif isinstance(node, list):
        for index, element in enumerate(node):
            if isinstance(element, dict):
                yield index + first, element


def _child_rows(view: View, record: _Record, language: str | None) -> Iterator[list[Any]]:
    document = record.document
    for src in view.sources:
        flags = dict(src.constants)
        for index, element in _elements(_at(document, src.path), src.single, src.first_position):
            items: list[tuple[int, Any]]
            if src.inner:
                items = list(_elements(_at(element, src.inner), False, 0))
            elif src.item:
                item = _at(element, src.item)
                items = [(index, item)] if isinstance(item, dict) else []
            else:
                items = [(index, element)]
            for position_, item in items:
                row: list[Any] = [record.project_key, record.id]
                for column in view.columns:
                    if column.kind == "position":
                        row.append(position_)
                    else:
                        row += _python_column(column, item, element, document, language, flags)
                yield row


def python_rows(view_name: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the view must return for these records (dicts with project_key, entity, id, key,
    version, created_at, last_modified_at, document as a dict or JSON text, and deleted_at),
    computed by walking the documents in Python, independently of the SQL.

    Values as `python_rows` gives them: decimals as exact `Decimal`, timestamps as the
    document's ISO text, booleans as `bool`; rows in no particular order.
    """
    live = _live_records(records)
    languages = _project_languages(live)
    names = [name for name, _ in view_columns(view_name)]
    rows: list[list[Any]] = []
    if view_name == PROJECT_LANGUAGE:
        rows = [[key, language] for key, language in languages.items()]
    elif view_name == LOCALIZED_VALUES:
        for record in live:
            for field_name, steps in LOCALIZED_FIELDS.get(record.entity, ()):
                values = _at(record.document, steps)
                if isinstance(values, dict):
                    rows += [
                        [record.project_key, record.entity, record.id, field_name, locale, value]
                        for locale, value in values.items()
                        if isinstance(value, str)
                    ]
    else:
        view = view_named(view_name)
        for record in live:
            if record.entity != view.entity:
                continue
            language = languages.get(record.project_key)
            if view.sources:
                rows += _child_rows(view, record, language)
                continue
            row: list[Any] = [
                record.project_key,
                record.id,
                record.key,
                record.version,
                _timestamp(record.created_at),
                _timestamp(record.last_modified_at),
            ]
            for column in view.columns:
                document = record.document
                row += _python_column(column, document, document, document, language, {})
            rows.append(row)
    return [dict(zip(names, row, strict=True)) for row in rows]
