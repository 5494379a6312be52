"""Reading drafts from JSON Lines or CSV files, each row validated and numbered by its line.

A broken row becomes a `DraftError` (line, field, reason) and never stops the rows after it.

CSV conventions: one column per field; a dotted header nests (`name.en`, `custom.type`,
`custom.fields.size`); a numeric segment is a list position (`addresses.0.key`,
`addresses.0.country`); an empty cell is an absent field. References are given by key in a
plain column (`customerGroup`, `parent`, `supplyChannel`, `categories.0`). Custom field and
product attribute cells (`custom.fields.size`, `masterVariant.attributes.color`) are read as JSON
when they parse (`42`, `true`, `["a","b"]`, `"\"42\""` for the text 42), as text otherwise.

Products: one row per product; `masterVariant.sku`, `masterVariant.prices.0.value.currencyCode`,
`masterVariant.prices.0.value.centAmount`, `masterVariant.prices.0.country`, then
`variants.0.sku`, `variants.0.prices.0.value.centAmount`, `variants.0.attributes.size`... and
`publish` (`true`/`false`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class DraftRow(Generic[M]):
    """A valid draft and where it came from."""

    line: int
    draft: M


@dataclass(frozen=True)
class DraftError:
    """A row that cannot be pushed: where it is, which field, and why."""

    line: int
    field: str
    reason: str
    raw: Any

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


def validate_rows(
    model: type[M], rows: Iterable[tuple[int, Any]]
) -> tuple[list[DraftRow[M]], list[DraftError]]:
    """Validate numbered raw rows; every problem of a bad row is kept, the first one named."""
    drafts: list[DraftRow[M]] = []
    errors: list[DraftError] = []
    for line, raw in rows:
        if isinstance(raw, DraftError):
            errors.append(raw)
            continue
        try:
            drafts.append(DraftRow(line, model.model_validate(raw)))
        except ValidationError as error:
            problems = [_required_when_null(d) for d in error.errors()]
            first = problems[0]
            field = ".".join(str(part) for part in first["loc"]) or "row"
            reason = "; ".join(
                (".".join(str(p) for p in d["loc"]) + ": " if d is not first else "")
                + d["msg"].removeprefix("Value error, ")
                for d in problems[:3]
            )
            errors.append(DraftError(line, field, reason, raw))
    return drafts, errors


def _required_when_null(detail: Any) -> Any:
    """A null (an empty cell) where a value is required reads as the field being required."""
    if detail.get("input", ...) is None and detail["type"] != "missing":
        return {**detail, "msg": "Field required"}
    return detail


def numbered(drafts: Sequence[Any]) -> Iterator[tuple[int, Any]]:
    """Drafts given from Python, numbered from 1 like lines; a model keeps the fields it was
    given, nulls included (a null unsets, an absent field is left as it is)."""
    for index, draft in enumerate(drafts, start=1):
        yield index, draft.model_dump(exclude_unset=True) if isinstance(draft, BaseModel) else draft


# No commercetools field comes near 1 MiB, nor a document near 16 MiB (its hard limit): a cell or
# line that large is a broken export, refused before anything is pushed.
MAX_CELL_BYTES = 1024 * 1024
MAX_LINE_BYTES = 16 * 1024 * 1024
csv.field_size_limit(MAX_CELL_BYTES)


class DraftFileError(ValueError):
    """The file as a whole cannot be trusted (encoding, truncation, columns): nothing is pushed."""


def _text(path: Path) -> str:
    """The file's text; bytes that are not UTF-8 refuse the file, naming the line."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DraftFileError(
            f"source {str(path)!r}: line {line} is not UTF-8 (byte 0x{data[error.start]:02x} at "
            f"offset {error.start}); export or save the file as UTF-8 and push again. Nothing was "
            "pushed."
        ) from None


def read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """One JSON object per line; blank lines are skipped, a bad line is a `DraftError`.

    A last line that is cut off (no newline, not JSON) means the file is truncated: the whole file
    is refused rather than pushing a part of an export.
    """
    lines = _text(path).splitlines(keepends=True)
    for number, text in enumerate(lines, start=1):
        if len(text.encode()) > MAX_LINE_BYTES:
            raise DraftFileError(
                f"source {str(path)!r}: line {number} is {len(text.encode()) / 1e6:.1f} MB; "
                "a commercetools document is at most 16 MB: the export is broken. Nothing was "
                "pushed."
            )
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except ValueError as error:
            if number == len(lines) and not text.endswith("\n"):
                raise DraftFileError(
                    f"source {str(path)!r} ends in the middle of line {number} ({error}): the "
                    "file looks truncated; export it again. Nothing was pushed."
                ) from None
            yield number, DraftError(number, "row", f"not JSON ({error})", text.strip())
            continue
        if not isinstance(value, dict):
            yield number, DraftError(number, "row", "not a JSON object", value)
            continue
        yield number, value


def read_csv(path: Path, known: Collection[str] | None = None) -> Iterator[tuple[int, Any]]:
    """Rows of a CSV with a header line, nested by their dotted column names.

    `known` are the draft's top-level fields: a header naming anything else refuses the file
    (a misspelt column would otherwise be ignored on every row, or fail every row).
    """
    text = _text(path)
    # A short row on a last line without a line end is an export cut off mid-write.
    unterminated_line = None if text.endswith(("\n", "\r")) else text.count("\n") + 1
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return
        columns = [name.strip() for name in header]
        if known is not None:
            unknown = sorted({c for c in columns if c and c.split(".")[0] not in known})
            if unknown:
                raise DraftFileError(
                    f"source {str(path)!r}: unknown columns {', '.join(unknown)}; the drafts "
                    f"know {', '.join(sorted(known))} (dotted for nested fields, e.g. name.en). "
                    "Rename or remove them. Nothing was pushed."
                )
        row_start = reader.line_num + 1
        for cells in reader:
            line, row_start = row_start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(columns):
                yield (
                    line,
                    DraftError(line, "row", f"{len(cells)} cells, {len(columns)} columns", cells),
                )
                continue
            if len(cells) < len(columns) and line == unterminated_line:
                raise DraftFileError(
                    f"source {str(path)!r}: the last line ({line}) has {len(cells)} of "
                    f"{len(columns)} cells and no line end: the file looks truncated; export it "
                    "again. Nothing was pushed."
                )
            yield line, unflatten(zip(columns, cells, strict=False))
    except csv.Error as error:
        line, reason = _csv_problem(text, reader.line_num, error)
        raise DraftFileError(
            f"source {str(path)!r}: line {line}: {reason}. Nothing was pushed."
        ) from None


def _csv_problem(text: str, line: int, error: csv.Error) -> tuple[int, str]:
    """Where a CSV error is, in the words a person fixes it by: a quote that never closes is
    found where it opened, not at the end of the file that the reader reached looking for it."""
    if "field larger than field limit" in str(error):
        return line, f"a cell is larger than {MAX_CELL_BYTES // 1024} KiB: the export is broken"
    opened = _unclosed_quote(text)
    if opened is not None:
        return opened, (
            "a quoted value opened here is never closed (a missing closing quote, or a file cut "
            'off inside the value; a quote inside a value is written twice: "")'
        )
    return line, f"not valid CSV ({error})"


def _unclosed_quote(text: str) -> int | None:
    """The line of the first quoted value whose closing quote is missing: the file ends inside
    it, or a later quote closes it and text follows that quote (`"Ann,x` ... `"b"`). None: every
    quoted value closes. Lines are counted as the csv reader counts them (\n, \r\n or \r)."""
    line, opened, state = 1, 0, "start"  # a cell's start, a plain cell, quoted, a quote in it
    previous = ""
    for char in text:
        if char == "\r" or (char == "\n" and previous != "\r"):
            line += 1
        previous = char
        if state == "quoted":
            state = "quote" if char == '"' else "quoted"
        elif state == "quote":
            if char not in '",\r\n':
                return opened  # text after what closed it: that quote opened another value
            state = "quoted" if char == '"' else "start"  # "" is a quote inside the value
        elif state == "start" and char == '"':
            state, opened = "quoted", line
        else:
            state = "start" if char in ",\r\n" else "plain"
    return opened if state == "quoted" else None


def unflatten(cells: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """`{"name.en": "Shoes", "addresses.0.key": "home"}` -> nested dicts and lists.

    An empty cell is a null (the field is unset); a column the file does not have is absent (the
    field is left as it is). A list slot whose cells are all empty is no item, so a row whose
    address cells are all empty names no address; an object whose cells are all empty is null.
    """
    document: dict[str, Any] = {}
    for column, cell in cells:
        parts = column.split(".")
        typed = parts[:2] == ["custom", "fields"] or "attributes" in parts[:-1]
        value: Any = None if not cell.strip() else _custom_value(cell) if typed else cell
        node: Any = document
        for part, following in pairwise(parts):
            node = _child(node, part, [] if following.isdigit() else {})
        _assign(node, parts[-1], value)
    return _compact(document, None, top=True)


# Maps of named values: a null in them unsets that one value, so they never fold to null.
_VALUE_MAPS = frozenset({"fields", "attributes"})


def _compact(node: Any, name: str | None, top: bool = False) -> Any:
    """Fold empty cells: list slots with nothing in them go, objects with nothing are null."""
    if isinstance(node, dict):
        folded = {key: _compact(value, key) for key, value in node.items()}
        if top or name in _VALUE_MAPS or not _empty(folded):
            return folded
        return None
    if isinstance(node, list):
        items = (_compact(value, None) for value in node)
        return [item for item in items if not _empty(item)]
    return node


def _empty(node: Any) -> bool:
    """True when no cell under `node` has a value."""
    if isinstance(node, dict):
        return all(_empty(value) for value in node.values())
    if isinstance(node, list):
        return all(_empty(value) for value in node)
    return node is None


def _child(node: Any, part: str, empty: Any) -> Any:
    if isinstance(node, list):
        index = int(part)
        while len(node) <= index:
            node.append(None)
        if node[index] is None:
            node[index] = empty
        return node[index]
    return node.setdefault(part, empty)


def _assign(node: Any, part: str, value: Any) -> None:
    if isinstance(node, list):
        _child(node, part, None)
        node[int(part)] = value
    else:
        node[part] = value


def _custom_value(cell: str) -> Any:
    try:
        return json.loads(cell)
    except ValueError:
        return cell


def read_file(path: str | Path, known: Collection[str] | None = None) -> Iterator[tuple[int, Any]]:
    """Numbered raw rows of a `.jsonl`/`.ndjson` or `.csv` file (`known`: see `read_csv`)."""
    path = Path(path)
    if not path.is_file():
        raise DraftFileError(
            f"source {str(path)!r}: no such file (paths are read where the run runs)"
        )
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(path)
    if suffix == ".csv":
        return read_csv(path, known)
    raise ValueError(f"source {str(path)!r}: use a .jsonl, .ndjson or .csv file")
