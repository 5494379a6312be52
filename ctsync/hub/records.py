"""The mirrored records: pages written with their dead letters and checkpoint, deletions
marked, records read back.

A record is only ever replaced by a higher version, so replays and out-of-order pages are
harmless; a page's records, dead letters and checkpoint commit in one transaction, so a killed
run resumes from its last committed page and nothing is lost or duplicated.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Connection

from ctsync.hub.database import Database
from ctsync.hub.dead_letters import RejectedRecord, insert_dead_letters
from ctsync.hub.projects import ProjectKeys
from ctsync.hub.record import HubRecord, StoredRecord, UpsertCounts
from ctsync.hub.record_writes import (
    RecordWrites,
    StoredVersions,
    chunks,
    highest_versions,
    plan_page,
    stored_versions,
)
from ctsync.hub.schema import dead_letters_table, driver_time, now, records_table
from ctsync.hub.state import (
    UNSET,
    PartitionCheckpoint,
    Unset,
    Watermark,
    merge_partition,
    state_values,
    write_state,
)

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

FOLLOWER_RUN_PREFIX = "follow-"
"""The run ids of `follow_changes`' writes."""

MARKS_PER_TRANSACTION = 100_000
"""Deletion marks written per transaction."""


class Records:
    """The `records` table of one hub.

    The readers (`count`, `get`, `iterate`) take a caller's name for the project (`keys`); the
    engine's writes and `live_ids` take project keys as given.
    """

    def __init__(self, database: Database, keys: ProjectKeys) -> None:
        self._db = database
        self._keys = keys
        self._writes = RecordWrites.for_dialect(database.dialect)

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
        page = highest_versions(records)
        synced_at = now()
        dialect = self._db.dialect
        stored_at = driver_time(synced_at, dialect)
        with self._db.begin() as conn:
            # One query for the stored versions decides what each record is. Under SQLite's
            # write lock it is exact; on PostgreSQL a concurrent writer of the same ids can only
            # skew the counts, never the data (both writes are guarded by the version).
            stored = stored_versions(conn, dialect, project_key, entity, list(page))
            plan = plan_page(project_key, entity, page, stored, run_id, stored_at)
            self._writes.write_page(conn, plan)
            self._set(conn, project_key, entity, plan.unchanged, last_seen_run=run_id)
            if dead_letters:
                insert_dead_letters(conn, project_key, entity, run_id, dead_letters, synced_at)
            where = (project_key, entity, direction)
            _checkpoint(conn, dialect, where, cursor, watermark, partition, plan.counts, synced_at)
        return plan.counts

    def classify_page(
        self, project_key: str, entity: str, records: Sequence[HubRecord]
    ) -> UpsertCounts:
        """What `upsert_page` would count for these records, writing nothing (a dry run)."""
        page = highest_versions(records)
        with self._db.read() as conn:
            stored = stored_versions(conn, self._db.dialect, project_key, entity, list(page))
        inserted = updated = 0
        for record in page.values():
            previous = stored.get(record.id)
            if previous is None:
                inserted += 1
            elif record.version > previous[0]:
                updated += 1
        return UpsertCounts(inserted, updated, len(page) - inserted - updated)

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
        """After a complete full run: mark deleted what the run did not see; returns how many.

        Records `follow_changes` wrote (run ids `follow-…`) are no full run's to judge: one may
        have come in after the run paged past its id. A deletion among them is the follower's
        to see, or the next plain delta's (its deletion search counts, whoever wrote)."""
        unseen = select(records_table.c.id).where(
            *_scope(project_key, entity),
            records_table.c.deleted_at.is_(None),
            (records_table.c.last_seen_run != run_id) | records_table.c.last_seen_run.is_(None),
            ~func.coalesce(records_table.c.last_seen_run, "").startswith(FOLLOWER_RUN_PREFIX),
        )
        with self._db.read() as conn:
            ids = sorted(conn.execute(unseen).scalars())
        return self._mark_live(project_key, entity, ids)

    def mark_deleted(self, project_key: str, entity: str, ids: Collection[str]) -> int:
        """Mark these records deleted (commercetools no longer has them); returns how many were
        live until now."""
        live = self.live_ids(project_key, entity, among=ids)
        return self._mark_live(project_key, entity, sorted(live))

    def versions(self, project_key: str, entity: str, ids: Collection[str]) -> StoredVersions:
        """Stored (version, is deleted) of those of `ids` the hub has (project key as given)."""
        with self._db.read() as conn:
            return stored_versions(conn, self._db.dialect, project_key, entity, list(ids))

    def erase(self, project_key: str, entity: str, ids: Collection[str]) -> int:
        """A data-erasure deletion: the records are marked deleted and their content (document
        and key) goes; id, version and dates stay. Returns how many records the hub had."""
        self.mark_deleted(project_key, entity, ids)
        erase = (
            update(records_table)
            .where(*_scope(project_key, entity), records_table.c.id == bindparam("erased_id"))
            .values(document=bindparam("erased"), key=None)
        )
        # A dead letter of the record holds its content too (a push's or a pull's refusal).
        forget = (
            update(dead_letters_table)
            .where(
                dead_letters_table.c.project_key == project_key,
                dead_letters_table.c.entity == entity,
                dead_letters_table.c.record_id == bindparam("erased_id"),
            )
            .values(document=None)
        )
        erased = 0
        for batch in chunks(sorted(ids), MARKS_PER_TRANSACTION):
            rows = [{"erased_id": record_id, "erased": {"id": record_id}} for record_id in batch]
            with self._db.begin() as conn:
                erased += conn.execute(erase, rows).rowcount
                conn.execute(forget, [{"erased_id": record_id} for record_id in batch])
        return erased

    def _mark_live(self, project_key: str, entity: str, ids: list[str]) -> int:
        """Mark these live records deleted, in transactions of at most MARKS_PER_TRANSACTION
        (a PostgreSQL transaction numbers at most `sequence.PER_TRANSACTION` changes)."""
        marked = 0
        for batch in chunks(ids, MARKS_PER_TRANSACTION):
            with self._db.begin() as conn:
                marked += self._writes.mark_deleted(conn, project_key, entity, batch)
        return marked

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
            .where(*_scope(self._keys.resolve(project_key), entity), *_id_range(lower, upper))
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
            for chunk in chunks(sorted(among)):
                found.update(conn.execute(query.where(records_table.c.id.in_(chunk))).scalars())
            return found

    def get(self, project_key: str, entity: str, record_id: str) -> StoredRecord | None:
        """The stored record, deleted or not, or None."""
        query = select(*_RECORD_COLUMNS).where(
            *_scope(self._keys.resolve(project_key), entity), records_table.c.id == record_id
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
            .where(*_scope(self._keys.resolve(project_key), entity))
            .order_by(records_table.c.id)
        )
        if not include_deleted:
            query = query.where(records_table.c.deleted_at.is_(None))
        return self._stream(query, batch_size)

    def _stream(self, query: Any, batch_size: int) -> Iterator[StoredRecord]:
        with self._db.read() as conn:
            result = conn.execution_options(yield_per=batch_size).execute(query)
            for row in result:
                yield StoredRecord(*row)


def _checkpoint(
    conn: Connection,
    dialect: str,
    where: tuple[str, str, str],
    cursor: dict[str, Any] | Unset | None,
    watermark: Watermark | Unset | None,
    partition: PartitionCheckpoint | None,
    counts: UpsertCounts,
    synced_at: datetime,
) -> None:
    """A page's checkpoint, in the page's transaction: the state fields given (`cursor`,
    `watermark`) for the (project, entity, direction) `where`, and the `partition` merged with
    what the page did."""
    project_key, entity, direction = where
    state = state_values(cursor, watermark)
    if state:
        write_state(conn, dialect, project_key, entity, direction, state, synced_at)
    if partition is not None:
        committed = {
            "fetched": partition.fetched,
            "failed": partition.failed,
            "inserted": counts.inserted,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "pages": 1,
        }
        merge_partition(
            conn, dialect, project_key, entity, direction, partition, committed, synced_at
        )


def _scope(project_key: str, entity: str) -> tuple[Any, Any]:
    return records_table.c.project_key == project_key, records_table.c.entity == entity


def _id_range(lower: str | None, upper: str | None) -> list[Any]:
    bounds = []
    if lower is not None:
        bounds.append(records_table.c.id >= lower)
    if upper is not None:
        bounds.append(records_table.c.id < upper)
    return bounds
