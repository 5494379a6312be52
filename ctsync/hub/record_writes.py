"""How a page's records reach the `records` table: what each record does, and the driver SQL.

A page is decided from one read of its stored versions (`stored_versions`), then written with
`executemany` on rows of plain values in the driver's own SQL, without SQLAlchemy's per-row
parameter processing (bench/cpu_per_record.py). Every write keeps a stored record unless the
new version is higher.

Documents are encoded while the plan is made, under the write lock, one page at a time: pages
encoded outside it, in as many threads as partitions wait for the lock, would make a pull's
peak memory grow with the entity (bench measure 3).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy.engine import Connection

from ctsync.hub.database import dumps
from ctsync.hub.record import HubRecord, UpsertCounts
from ctsync.hub.schema import driver_markers, driver_time, now
from ctsync.hub.sequence import take_numbers

StoredVersions = dict[str, tuple[int, bool]]
"""Stored (version, is deleted) by record id."""

_SET_REPLACED = (
    "key = excluded.key, version = excluded.version, created_at = excluded.created_at, "
    "last_modified_at = excluded.last_modified_at, document = excluded.document, "
    "synced_at = excluded.synced_at, last_seen_run = excluded.last_seen_run, deleted_at = NULL, "
    "seq = excluded.seq, change = 'update'"
)


@dataclass
class PagePlan:
    """What writing one page does to each of its records, decided from the stored versions.

    Inserted and updated rows are complete but for their change number, which `numbered`
    adds once the page knows how many it takes (`sequence.take_numbers`)."""

    project_key: str
    entity: str
    inserts: list[tuple[Any, ...]] = field(default_factory=list)
    updates: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    undelete: list[str] = field(default_factory=list)
    """Unchanged records the hub marked deleted, seen again at the stored version."""

    @property
    def counts(self) -> UpsertCounts:
        return UpsertCounts(len(self.inserts), len(self.updates), len(self.unchanged))

    @property
    def changes(self) -> int:
        """How many change numbers the page takes: every insert, update and undeletion."""
        return len(self.inserts) + len(self.updates) + len(self.undelete)

    def numbered(
        self, first: int
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Insert, update and undelete rows, numbered from `first` in that order."""
        scope = (self.project_key, self.entity)
        # An insert's number is also its insertion's (`inserted_seq`); a conflict keeps the old.
        inserts = [(*row, first + n, first + n) for n, row in enumerate(self.inserts)]
        first += len(inserts)
        updates = [(*values, first + n, *where) for n, (values, where) in enumerate(self.updates)]
        first += len(updates)
        undelete = [(first + n, *scope, record_id) for n, record_id in enumerate(self.undelete)]
        return inserts, updates, undelete


def highest_versions(records: Sequence[HubRecord]) -> dict[str, HubRecord]:
    """The page by id, keeping the highest version of an id listed twice."""
    page = {record.id: record for record in records}
    if len(page) == len(records):
        return page  # the usual page: every id once
    page = {}
    for record in records:
        kept = page.get(record.id)
        if kept is None or record.version > kept.version:
            page[record.id] = record
    return page


def plan_page(
    project_key: str,
    entity: str,
    page: dict[str, HubRecord],
    stored: StoredVersions,
    run_id: str,
    synced_at: Any,
) -> PagePlan:
    """What each record of the page does; only inserted and updated documents are encoded
    (here, under the write lock: see the module's docstring)."""
    plan = PagePlan(project_key, entity)
    encode = orjson.dumps  # `dumps` inlined: one call fewer per record of every page
    for record in page.values():
        previous = stored.get(record.id)
        if previous is not None and record.version <= previous[0]:
            plan.unchanged.append(record.id)
            if previous[1] and record.version == previous[0]:
                plan.undelete.append(record.id)
            continue
        try:
            document = encode(record.document).decode()
        except TypeError:
            document = dumps(record.document)  # what orjson refuses goes to the stdlib encoder
        if previous is None:
            plan.inserts.append(
                (
                    project_key,
                    entity,
                    record.id,
                    record.key,
                    record.version,
                    record.created_at,
                    record.last_modified_at,
                    document,
                    synced_at,
                    run_id,
                )
            )
            continue
        values = (
            record.key,
            record.version,
            record.created_at,
            record.last_modified_at,
            document,
            synced_at,
            run_id,
        )
        plan.updates.append((values, (project_key, entity, record.id, record.version)))
    return plan


def stored_versions(
    conn: Connection, dialect_name: str, project_key: str, entity: str, ids: list[str]
) -> StoredVersions:
    """Stored (version, is deleted) of those of `ids` the hub has, in driver SQL like the
    writes (no SQLAlchemy literal per id)."""
    if not ids:
        return {}
    columns = "SELECT id, version, deleted_at IS NOT NULL FROM records"
    driver = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if dialect_name == "postgresql":
            driver.execute(
                f"{columns} WHERE project_key = %s AND entity = %s AND id = ANY(%s)",
                (project_key, entity, ids),
            )
            rows = driver.fetchall()
        else:
            rows = []
            for chunk in chunks(ids):
                marks = ", ".join("?" * len(chunk))
                driver.execute(
                    f"{columns} WHERE project_key = ? AND entity = ? AND id IN ({marks})",
                    (project_key, entity, *chunk),
                )
                rows += driver.fetchall()
    finally:
        driver.close()
    return {row[0]: (row[1], bool(row[2])) for row in rows}


def chunks(ids: list[str], size: int = 500) -> Iterator[list[str]]:
    """Ids in groups small enough for one `IN (...)` (SQLite binds at most 32 766 values)."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


@dataclass(frozen=True)
class RecordWrites:
    """The driver SQL of one dialect's record writes, and the writes of a page or of deletion
    marks in the caller's transaction, each change with a number (`sequence.take_numbers`)."""

    dialect: str
    insert: str
    """A new record; should another writer have inserted it meanwhile, the higher version wins.
    Row: project_key, entity, id, key, version, created_at, last_modified_at, document,
    synced_at, last_seen_run, seq."""
    update: str
    """A known record replaced by a higher version (a plain UPDATE, not INSERT .. ON CONFLICT:
    bench/hub_upsert.py). Row: key, version, created_at, last_modified_at, document,
    synced_at, last_seen_run, seq, project_key, entity, id, version."""
    undelete: str
    """A record marked deleted seen again at its stored version. Row: seq, project_key,
    entity, id."""
    delete: str
    """A deletion mark. Row: deleted_at, seq, project_key, entity, id."""

    @classmethod
    def for_dialect(cls, dialect_name: str) -> RecordWrites:
        p, document = driver_markers(dialect_name)
        values = ", ".join([p] * 7 + [document, p, p, p, p])
        scope = f"WHERE project_key = {p} AND entity = {p} AND id = {p}"
        return cls(
            dialect=dialect_name,
            insert=(
                "INSERT INTO records (project_key, entity, id, key, version, created_at, "
                f"last_modified_at, document, synced_at, last_seen_run, seq, inserted_seq, "
                "change) "
                f"VALUES ({values}, 'insert') "
                f"ON CONFLICT (project_key, entity, id) DO UPDATE SET {_SET_REPLACED} "
                "WHERE records.version < excluded.version"
            ),
            update=(
                f"UPDATE records SET key = {p}, version = {p}, created_at = {p}, "
                f"last_modified_at = {p}, document = {document}, synced_at = {p}, "
                f"last_seen_run = {p}, deleted_at = NULL, seq = {p}, change = 'update' "
                f"{scope} AND version < {p}"
            ),
            undelete=f"UPDATE records SET deleted_at = NULL, seq = {p}, change = 'update' {scope}",
            delete=(
                f"UPDATE records SET deleted_at = {p}, seq = {p}, change = 'delete' "
                f"{scope} AND deleted_at IS NULL"
            ),
        )

    def write_page(self, conn: Connection, plan: PagePlan) -> None:
        """The plan's inserts, updates and undeletions (nothing when it changes nothing)."""
        if not plan.changes:
            return
        # Change numbers just before the writes (sequence.py): on SQLite the counter's row,
        # under the write lock this transaction holds anyway.
        driver = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            inserts, updates, undelete = plan.numbered(
                take_numbers(driver, self.dialect, plan.changes)
            )
            for statement, rows in (
                (self.insert, inserts),
                (self.update, updates),
                (self.undelete, undelete),
            ):
                if rows:
                    driver.executemany(statement, rows)
        finally:
            driver.close()

    def mark_deleted(self, conn: Connection, project_key: str, entity: str, ids: list[str]) -> int:
        """Mark these live records deleted, each with a change number of its own."""
        if not ids:
            return 0
        deleted_at = driver_time(now(), self.dialect)
        driver = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            first = take_numbers(driver, self.dialect, len(ids))
            rows = [
                (deleted_at, first + n, project_key, entity, record_id)
                for n, record_id in enumerate(ids)
            ]
            driver.executemany(self.delete, rows)
        finally:
            driver.close()
        return len(ids)
