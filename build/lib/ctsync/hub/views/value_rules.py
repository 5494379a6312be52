"""The value rules the SQL of both databases and `python_rows` share, kept in one place so
that the three cannot drift apart: which integers, fraction digits, timestamps and languages a
view accepts, and how a text list is joined."""

from __future__ import annotations

from typing import Final

INTEGER_DIGITS: Final = 18
"""Integers of more digits are NULL: a bigint holds them on both databases, and SQLite reads
larger JSON integers as floating point."""
INTEGER_MAX: Final = 10**INTEGER_DIGITS - 1
MAX_FRACTION_DIGITS: Final = 20
LIST_SEPARATOR: Final = ", "

_DATE = (
    "([1-9][0-9]{3}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)"
    "|(0[13578]|1[02])-31)"
    "|([1-9][0-9](0[48]|[2468][048]|[13579][26])|([2468][048]|[13579][26])00)-02-29)"
)
TIMESTAMP_PATTERN: Final = (
    _DATE
    + "T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]+)?(Z|[+-](0[0-9]|1[0-5]):[0-5][0-9])"
)
"""A timestamp PostgreSQL reads without error: a real calendar date (years 1000-9999), a time,
a zone (Z or an offset up to 15:59). Written without `\\`, `%` or `:word`, so that the SQL runs
unchanged through any driver and through SQLAlchemy's `text()` (an Alembic `op.execute`)."""
LANGUAGE_PATTERN: Final = "[A-Za-z0-9_-]+"
"""A language the views use: a language tag, which a JSON path may quote on every database (a
backslash or a control character is escaped in SQLite's JSON text and would never match)."""
