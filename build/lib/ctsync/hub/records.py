"""The mirrored records: one page written with its dead letters and checkpoint, read back.

A record is only ever replaced by a higher version, so replays and out-of-order pages are
harmless; a page's records, dead letters and checkpoint commit in one transaction, so a killed
run resumes from its last committed page and nothing is lost or duplicated.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from ctsync.hub.database import Database, dumps
from ctsync.hub.dead_letters import RejectedRecord, insert_dead_letters
from ctsync.hub.schema import driver_markers, driver_time, now, records_table
from ctsync.hub.sequence import take_numbers
from ctsync.hub.state import (
    UNSET,
    PartitionCheckpoint,
    Unset,
    Watermark,
    merge_partition,
    state_values,
    write_state,
)


@dataclass(slots=True)
class HubRecord:
    """One commercetools resource as the hub stores it.

    Not frozen: a frozen dataclass sets each field through `object.__setattr__`, four times the
    cost of building one, and a pull builds one per record (bench/cpu_per_record.py). Treat it
    as a value all the same: `dataclasses.replace` makes a changed copy."""

    id: str
    key: str | None
    version: int
    # Kept as the exact strings commercetools returns: they sort lexicographically and delta
    # cursors compare them for equality, so a reformatted timestamp would break resumption.
    created_at: str
    last_modified_at: str
    document: dict[str, Any]

    @classmethod
    def from_document(cls, document: dict[str, Any], *, key_field: str = "key") -> HubRecord:
        """Read id, version and timestamps; raise ValueError naming what is missing."""
        try:
            record_id = document["id"]
            version = document["version"]
            created_at = document["createdAt"]
            last_modified_at = document["lastModifiedAt"]
        except KeyError as missing:
            raise ValueError(f"document has no {missing.args[0]!r} field") from None
        except TypeError:
            raise ValueError(f"document is a {type(document).__name__}, not an object") from None
        if not isinstance(record_id, str) or not record_id:
            raise ValueError(f"document id {record_id!r} is not a non-empty string")
        if not isinstance(version, int) or isinstance(version, bool):
            raise ValueError(f"document {record_id} has version {version!r}, not an integer")
        if not isinstance(created_at, str) or not isinstance(last_modified_at, str):
            raise ValueError(f"document {record_id} has timestamps that are not strings")
        key = document.get(key_field)
        return cls(
            id=record_id,
            key=key if isinstance(key, str) else None,
            version=version,
            created_at=created_at,
            last_modified_at=last_modified_at,
            document=document,
        )


@dataclass(slots=True)
class StoredRecord(HubRecord):
    """A record as read back from the hub: when it was synced, and deleted if it was."""

    synced_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True)
class UpsertCounts:
    """What one or more pages did to the hub; add them up with `+` or `sum(..., UpsertCounts())`."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        if not isinstance(other, UpsertCounts):
            return NotImplemented
        return UpsertCounts(
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
        )

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


# StoredRecord's fields, in order.
_RECORD_COLUMNS = tuple(
    records_table.c[name]
    for name in (
        "id",
        "key",
        "version",
        "created_at",
        "last_modified_at",
        "document",
        "synced_at",
        "deleted_at",
    )
)

_SET_REPLACED = (
    "key = excluded.key, version = excluded.version, created_at = excluded.created_at, "
    "last_modified_at = excluded.last_modified_at, document = excluded.document, "
    "synced_at = excluded.synced_at, last_seen_run = excluded.last_seen_run, deleted_at = NULL, "
    "seq = excluded.seq, change = 'update'"
)


@dataclass(frozen=True)
class _RecordWrites:
    """A page's INSERT and UPDATE as the driver's own SQL, run with `executemany` on rows of
    plain values: SQLAlchemy's per-row parameter processing cost more CPU than the database's
    work (bench/cpu_per_record.py). Both keep a stored record unless the new version is higher.
    """

    insert: str
    """A new record; should another writer have inserted it meanwhile, the higher version wins.
    Row: project_key, entity, id, key, version, created_at, last_modified_at, document,
    synced_at, last_seen_run, seq."""
    update: str
    """A known record replaced by a higher version (faster than INSERT .. ON CONFLICT:
    bench/hub_upsert.py). Row: key, version, created_at, last_modified_at, document,
    synced_at, last_seen_run, seq, project_key, entity, id, version."""
    undelete: str
    """A record marked deleted seen again at its stored version. Row: seq, project_key,
    entity, id."""
    delete: str
    """A deletion mark. Row: deleted_at, seq, project_key, entity, id."""

    @classmethod
    def for_dialect(cls, dialect_name: str) -> _RecordWrites:
        p, document = driver_markers(dialect_name)
        values = ", ".join([p] * 7 + [document, p, p, p, p])
        scope = f"WHERE project_key = {p} AND entity = {p} AND id = {p}"
        return cls(
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


@dataclass
class _PagePlan:
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


def _highest_versions(records: Sequence[HubRecord]) -> dict[str, HubRecord]:
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


def _plan_page(
    project_key: str,
    entity: str,
    page: dict[str, HubRecord],
    stored: dict[str, tuple[int, bool]],
    run_id: str,
    synced_at: Any,
) -> _PagePlan:
    """What each record of the page does; only inserted and updated documents are encoded.

    Encoding happens here, under the write lock, one page at a time: encoded outside it, the
    pages of ten partitions waiting for the lock were encoded at once in as many threads, and
    glibc's per-thread arenas made a pull's peak RSS grow with the entity (bench measure 3).
    """
    plan = _PagePlan(project_key, entity)
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


MARKS_PER_TRANSACTION = 100_000
"""Deletion marks written per transaction."""


class Records:
    """The `records` table of one hub."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._writes = _RecordWrites.for_dialect(database.dialect)

    def upsert_page(
        self,
        project_key: str,
        entity: str,
        records: Sequence[HubRecord],
        *,
        run_id: str,
        dead_letters: Sequence[RejectedRecord] = (),
        cursor: dict[str, Any] | Unset | None = UNSET,
        watermark: Watermark | Unset | None = UNSET,
        partition: PartitionCheckpoint | None = None,
        direction: str = "pull",
    ) -> UpsertCounts:
        """Write one page, its dead letters and (when given) its checkpoint in one transaction.

        The checkpoint is a whole `cursor`, a `watermark`, or one `partition` of a full run's
        stored cursor (merged, so that partitions in other processes keep theirs).

        A record replaces the stored one only when its version is higher. Every record of the
        page is marked seen by `run_id`; one re-seen at the stored version or higher is no
        longer deleted. Within a page, the highest version of an id wins.
        """
        page = _highest_versions(records)
        synced_at = now()
        dialect = self._db.dialect
        stored_at = driver_time(synced_at, dialect)
        with self._db.begin() as conn:
            # One query for the stored versions decides what each record is. Under SQLite's
            # write lock it is exact; on PostgreSQL a concurrent writer of the same ids can only
            # skew the counts, never the data (both writes are guarded by the version).
            stored = self._stored_versions(conn, project_key, entity, list(page))
            plan = _plan_page(project_key, entity, page, stored, run_id, stored_at)
            if plan.changes:
                # Change numbers just before the writes (sequence.py): on SQLite the
                # counter's row, under the write lock this transaction holds anyway.
                driver = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                try:
                    inserts, updates, undelete = plan.numbered(
                        take_numbers(driver, dialect, plan.changes)
                    )
                    for statement, rows in (
                        (self._writes.insert, inserts),
                        (self._writes.update, updates),
                        (self._writes.undelete, undelete),
                    ):
                        if rows:
                            driver.executemany(statement, rows)
                finally:
                    driver.close()
            self._set(conn, project_key, entity, plan.unchanged, last_seen_run=run_id)
            if dead_letters:
                insert_dead_letters(conn, project_key, entity, run_id, dead_letters, synced_at)
            state = state_values(cursor, watermark)
            if state:
                write_state(
                    conn, self._db.dialect, project_key, entity, direction, state, synced_at
                )
            if partition is not None:
                counts = plan.counts
                committed = {
                    "fetched": partition.fetched,
                    "failed": partition.failed,
                    "inserted": counts.inserted,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                    "pages": 1,
                }
                merge_partition(
                    conn,
                    self._db.dialect,
                    project_key,
                    entity,
                    direction,
                    partition,
                    committed,
                    synced_at,
                )
        return plan.counts

    def classify_page(
        self, project_key: str, entity: str, records: Sequence[HubRecord]
    ) -> UpsertCounts:
        """What `upsert_page` would count for these records, writing nothing (a dry run)."""
        page = _highest_versions(records)
        with self._db.read() as conn:
            stored = self._stored_versions(conn, project_key, entity, list(page))
        inserted = updated = 0
        for record in page.values():
            previous = stored.get(record.id)
            if previous is None:
                inserted += 1
            elif record.version > previous[0]:
                updated += 1
        return UpsertCounts(inserted, updated, len(page) - inserted - updated)

    def _stored_versions(
        self, conn: Connection, project_key: str, entity: str, ids: list[str]
    ) -> dict[str, tuple[int, bool]]:
        """Stored (version, is deleted) of those of `ids` the hub has (driver SQL, like the
        writes: a page's 500 ids as SQLAlchemy literals cost more than the query)."""
        if not ids:
            return {}
        columns = "SELECT id, version, deleted_at IS NOT NULL FROM records"
        driver = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            if self._db.dialect == "postgresql":
                driver.execute(
                    f"{columns} WHERE project_key = %s AND entity = %s AND id = ANY(%s)",
                    (project_key, entity, ids),
                )
                rows = driver.fetchall()
            else:
                rows = []
                for chunk in _chunks(ids):
                    marks = ", ".join("?" * len(chunk))
                    driver.execute(
                        f"{columns} WHERE project_key = ? AND entity = ? AND id IN ({marks})",
                        (project_key, entity, *chunk),
                    )
                    rows += driver.fetchall()
        finally:
            driver.close()
        return {row[0]: (row[1], bool(row[2])) for row in rows}

    @staticmethod
    def _set(
        conn: Connection, project_key: str, entity: str, ids: list[str], **values: Any
    ) -> None:
        if ids:
            conn.execute(
                update(records_table)
                .where(*_scope(project_key, entity), records_table.c.id.in_(ids))
                .values(**values)
            )

    def mark_unseen_deleted(self, project_key: str, entity: str, run_id: str) -> int:
        """After a complete full run: mark deleted what the run did not see; returns how many."""
        unseen = select(records_table.c.id).where(
            *_scope(project_key, entity),
            records_table.c.deleted_at.is_(None),
            (records_table.c.last_seen_run != run_id) | records_table.c.last_seen_run.is_(None),
        )
        with self._db.read() as conn:
            ids = sorted(conn.execute(unseen).scalars())
        return self._mark_live(project_key, entity, ids)

    def mark_deleted(self, project_key: str, entity: str, ids: Collection[str]) -> int:
        """Mark these records deleted (commercetools no longer has them); returns how many were
        live until now."""
        live = self.live_ids(project_key, entity, among=ids)
        return self._mark_live(project_key, entity, sorted(live))

    def _mark_live(self, project_key: str, entity: str, ids: list[str]) -> int:
        """Mark these live records deleted, in transactions of at most MARKS_PER_TRANSACTION
        (a PostgreSQL transaction numbers at most `sequence.PER_TRANSACTION` changes)."""
        marked = 0
        for batch in _chunks(ids, MARKS_PER_TRANSACTION):
            with self._db.begin() as conn:
                marked += self._mark(conn, project_key, entity, batch)
        return marked

    def _mark(self, conn: Connection, project_key: str, entity: str, ids: list[str]) -> int:
        """Mark these live records deleted, each with a change number of its own."""
        if not ids:
            return 0
        deleted_at = driver_time(now(), self._db.dialect)
        driver = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            first = take_numbers(driver, self._db.dialect, len(ids))
            rows = [
                (deleted_at, first + n, project_key, entity, record_id)
                for n, record_id in enumerate(ids)
            ]
            driver.executemany(self._writes.delete, rows)
        finally:
            driver.close()
        return len(ids)

    def count(
        self,
        project_key: str,
        entity: str,
        *,
        include_deleted: bool = False,
        lower: str | None = None,
        upper: str | None = None,
    ) -> int:
        """Records of the entity, live only unless `include_deleted`, with `lower <= id < upper`
        when bounds are given."""
        query = (
            select(func.count())
            .select_from(records_table)
            .where(*_scope(project_key, entity), *_id_range(lower, upper))
        )
        if not include_deleted:
            query = query.where(records_table.c.deleted_at.is_(None))
        with self._db.read() as conn:
            return conn.execute(query).scalar_one()

    def live_ids(
        self,
        project_key: str,
        entity: str,
        *,
        lower: str | None = None,
        upper: str | None = None,
        among: Collection[str] | None = None,
    ) -> set[str]:
        """Ids of the live records with `lower <= id < upper`, or of those `among` these ids."""
        query = select(records_table.c.id).where(
            *_scope(project_key, entity),
            *_id_range(lower, upper),
            records_table.c.deleted_at.is_(None),
        )
        with self._db.read() as conn:
            if among is None:
                return set(conn.execute(query).scalars())
            found: set[str] = set()
            for chunk in _chunks(sorted(among)):
                found.update(conn.execute(query.where(records_table.c.id.in_(chunk))).scalars())
            return found

    def get(self, project_key: str, entity: str, record_id: str) -> StoredRecord | None:
        """The stored record, deleted or not, or None."""
        query = select(*_RECORD_COLUMNS).where(
            *_scope(project_key, entity), records_table.c.id == record_id
        )
        with self._db.read() as conn:
            row = conn.execute(query).first()
        return StoredRecord(*row) if row is not None else None

    def iterate(
        self,
        project_key: str,
        entity: str,
        *,
        include_deleted: bool = False,
        batch_size: int = 1000,
    ) -> Iterator[StoredRecord]:
        """Records in id order, streamed `batch_size` rows at a time (never all in memory)."""
        query = (
            select(*_RECORD_COLUMNS)
            .where(*_scope(project_key, entity))
            .order_by(records_table.c.id)
        )
        if not include_deleted:
            query = query.where(records_table.c.deleted_at.is_(None))
        with self._db.read() as conn:
            result = conn.execution_options(yield_per=batch_size).execute(query)
            for row in result:
                yield StoredRecord(*row)


def _scope(project_key: str, entity: str) -> tuple[Any, Any]:
    return records_table.c.project_key == project_key, records_table.c.entity == entity


def _id_range(lower: str | None, upper: str | None) -> list[Any]:
    bounds = []
    if lower is not None:
        bounds.append(records_table.c.id >= lower)
    if upper is not None:
        bounds.append(records_table.c.id < upper)
    return bounds


def _chunks(ids: list[str], size: int = 500) -> Iterator[list[str]]:
    """Ids in groups small enough for one `IN (...)` (SQLite binds at most 32 766 values)."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
