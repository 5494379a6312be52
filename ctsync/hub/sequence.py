"""The change feed's numbers, taken inside the writing transaction, and how far a reader may
read them without ever skipping one that commits later.

SQLite has one writer at a time: numbers come from one counter row (`hub_counters`), updated in
the writing transaction, so they become visible in the order they were taken.

PostgreSQL writes pages in parallel (partitions), and a counter row would hold every writer
behind the one holding its lock until it commits, so partitions would write one at a time.
A number there is the transaction's own id shifted left by 24 bits, plus the row's
place in the transaction: no lock at all. A transaction can commit after one with a higher id,
so a reader reads only numbers below `(oldest transaction still running) << 24`
(`pg_snapshot_xmin` of its snapshot): every transaction below it has ended, so nothing can
still appear there. A number is then final once a reader can see it.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Final

RECORDS_SEQ: Final = "records.seq"
TRANSACTION_SHIFT: Final = 24
"""Bits for a row's place within its PostgreSQL transaction: 16 777 216 numbers each."""
PER_TRANSACTION: Final = 1 << TRANSACTION_SHIFT
# UPDATE .. RETURNING: SQLite 3.35 and later; else UPDATE, then SELECT.
_SQLITE_RETURNING: Final = sqlite3.sqlite_version_info >= (3, 35)
# The transaction's id (assigning one if it has none yet) and how many of its numbers are
# taken, kept in a setting local to the transaction.
_PG_TAKE: Final = (
    "SELECT (pg_current_xact_id()::text::bigint << 24) "
    "+ COALESCE(NULLIF(current_setting('ctsync.numbers_taken', true), '')::bigint, 0), "
    "set_config('ctsync.numbers_taken', (COALESCE(NULLIF(current_setting("
    "'ctsync.numbers_taken', true), '')::bigint, 0) + %s)::text, true)"
)
READABLE_BELOW_PG: Final = "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 24)"
"""SQL: on PostgreSQL, readers take only numbers below this (see the module's docstring)."""


def take_numbers(driver: Any, dialect_name: str, count: int) -> int:
    """Reserve `count` consecutive numbers of the records' sequence; returns the first.

    `driver` is a DB-API cursor of the writing transaction: a page's writes take their numbers
    in one statement of the driver, without SQLAlchemy's per-statement work.
    """
    if count <= 0:
        raise ValueError(f"count must be positive, got {count}")
    if dialect_name == "postgresql":
        return _take_postgresql(driver, count)
    last = _take(driver, count)
    if last is None:  # a hub whose counter row went missing: start after the records
        # WHERE true: SQLite's parser needs it to read the ON CONFLICT after a SELECT.
        driver.execute(
            "INSERT INTO hub_counters (name, value) SELECT "
            "?, COALESCE(MAX(seq), 0) FROM records WHERE true ON CONFLICT (name) DO NOTHING",
            (RECORDS_SEQ,),
        )
        last = _take(driver, count)
        assert last is not None
    return last - count + 1


def _take_postgresql(driver: Any, count: int) -> int:
    driver.execute(_PG_TAKE, (count,))
    first = int(driver.fetchone()[0])
    if (first % PER_TRANSACTION) + count > PER_TRANSACTION:
        raise ValueError(
            f"one transaction may number at most {PER_TRANSACTION} changes; this one asked for "
            f"{count} more: write them in smaller transactions"
        )
    return first


def _take(driver: Any, count: int) -> int | None:
    update = "UPDATE hub_counters SET value = value + ? WHERE name = ?"
    if _SQLITE_RETURNING:
        driver.execute(f"{update} RETURNING value", (count, RECORDS_SEQ))
        row = driver.fetchone()
        return None if row is None else int(row[0])
    driver.execute(update, (count, RECORDS_SEQ))
    if driver.rowcount == 0:
        return None
    driver.execute("SELECT value FROM hub_counters WHERE name = ?", (RECORDS_SEQ,))
    return int(driver.fetchone()[0])
