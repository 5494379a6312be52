"""A draft file that cannot be trusted as a whole is refused before anything is pushed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctsync.push.draft_files import DraftError, DraftFileError, read_file

KNOWN = {"key", "email", "firstName", "lastName", "addresses"}


def rows(path: Path) -> list[object]:
    return list(read_file(path, KNOWN))


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(b"key,email\nk1,a@example.com\nk2,M\xfcller@example.com\n")
    with pytest.raises(
        DraftFileError, match=r"line 3 is not UTF-8 \(byte 0xfc.*save the file as UTF-8"
    ):
        rows(path)


def test_truncated_jsonl_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "customers.jsonl"
    path.write_text('{"key": "k1", "email": "a@example.com"}\n{"key": "k2", "ema')
    with pytest.raises(DraftFileError, match=r"ends in the middle of line 2.*truncated"):
        rows(path)


def test_bad_line_inside_jsonl_is_only_that_row(tmp_path: Path) -> None:
    path = tmp_path / "customers.jsonl"
    path.write_text('{"key": "k1"}\n{broken\n{"key": "k3"}\n')
    found = rows(path)
    assert isinstance(found[1][1], DraftError) and found[1][0] == 2
    assert found[2] == (3, {"key": "k3"})


def test_truncated_csv_inside_a_quoted_cell_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text('key,email,firstName\nk1,a@example.com,"Ann\nk2,b@exam')
    with pytest.raises(DraftFileError, match="line 2: a quoted value opened here is never closed"):
        rows(path)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_quote_that_never_closes_is_named_at_the_line_it_opened(
    tmp_path: Path, newline: str
) -> None:
    lines = [
        "key,email,firstName",
        'k1,a@example.com,"Ann ""the first"", of line 2"',
        'k2,b@example.com,"Bob,\nwho spans two lines"',  # lines 3 and 4, closed
        'k3,c@example.com,"Cid',  # line 5: never closed
        *(f"k{i},x{i}@example.com,X{i}" for i in range(4, 40)),
    ]
    path = tmp_path / "customers.csv"
    path.write_bytes(("\n".join(lines) + "\n").replace("\n", newline).encode())
    with pytest.raises(DraftFileError) as caught:
        rows(path)
    assert ": line 5: a quoted value opened here is never closed" in str(caught.value)
    assert "Nothing was pushed" in str(caught.value)


def test_a_quote_closed_only_by_a_later_value_is_named_where_it_opened(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text('key,firstName\nk1,"Ann\nk2,Bob\nk3,"Cid"\n')
    with pytest.raises(DraftFileError, match="line 2: a quoted value opened here is never closed"):
        rows(path)


def test_truncated_csv_short_last_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("key,email,firstName\nk1,a@example.com,Ann\nk2,b@exa")
    with pytest.raises(DraftFileError, match=r"last line \(3\) has 2 of 3 cells.*truncated"):
        rows(path)


def test_unknown_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("key,emial,addresses.0.key,fristName\nk1,a@example.com,home,Ann\n")
    with pytest.raises(DraftFileError, match="unknown columns emial, fristName"):
        rows(path)


def test_twenty_megabyte_cell_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("key,email,firstName\nk1,a@example.com," + "x" * 20_000_000 + "\n")
    with pytest.raises(DraftFileError, match="line 2: a cell is larger than 1024 KiB"):
        rows(path)


def test_twenty_megabyte_jsonl_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "customers.jsonl"
    path.write_text('{"key": "k1", "firstName": "' + "x" * 20_000_000 + '"}\n')
    with pytest.raises(DraftFileError, match=r"line 1 is 20\.0 MB"):
        rows(path)


def test_missing_file_and_wrong_suffix(tmp_path: Path) -> None:
    with pytest.raises(DraftFileError, match="no such file"):
        rows(tmp_path / "nope.csv")
    other = tmp_path / "customers.xlsx"
    other.write_text("x")
    with pytest.raises(ValueError, match=r"use a \.jsonl, \.ndjson or \.csv file"):
        rows(other)
