"""Where each sync stands (watermark, resume cursor) and the record of every run."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

import orjson
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from ctsync.hub.database import Database
from ctsync.hub.projects import ProjectKeys
from ctsync.hub.schema import (
    dialect_insert,
    driver_markers,
    driver_time,
    now,
    runs_table,
    sync_state_table,
)


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset.UNSET
"""Leave a state field as it is (None would clear it)."""

Unset = Literal[_Unset.UNSET]


@dataclass(frozen=True, slots=True)
class Watermark:
    """The newest (lastModifiedAt, id) a delta sync has fully committed."""

    last_modified_at: str
    id: str

    def __str__(self) -> str:
        return f"{self.last_modified_at} (id {self.id})" if self.id else self.last_modified_at


@dataclass(frozen=True)
class SyncState:
    """Where a sync of one entity stands: its watermark and the in-progress run's resume point."""

    project_key: str
    entity: str
    direction: str
    watermark: Watermark | None
    cursor: dict[str, Any] | None
    updated_at: datetime | None


_STATE_KEY = ("project_key", "entity", "direction")


def state_values(
    cursor: dict[str, Any] | Unset | None, watermark: Watermark | Unset | None
) -> dict[str, Any]:
    """The columns to write for the fields given; UNSET ones are left out."""
    values: dict[str, Any] = {}
    if cursor is not UNSET:
        values["cursor"] = cursor
    if watermark is not UNSET:
        values["watermark_last_modified_at"] = watermark.last_modified_at if watermark else None
        values["watermark_id"] = watermark.id if watermark else None
    return values


def state_upsert(dialect_name: str, values: dict[str, Any]) -> Any:
    """INSERT the state row, or change only the fields in `values` (UNSET ones stay)."""
    insert = dialect_insert(dialect_name, sync_state_table).values(values)
    changed = {name: insert.excluded[name] for name in values if name not in _STATE_KEY}
    return insert.on_conflict_do_update(index_elements=list(_STATE_KEY), set_=changed)


def write_state(
    conn: Connection,
    dialect_name: str,
    project_key: str,
    entity: str,
    direction: str,
    values: dict[str, Any],
    updated_at: datetime,
) -> None:
    """Write `values` (see `state_values`) in the caller's transaction."""
    key = {"project_key": project_key, "entity": entity, "direction": direction}
    conn.execute(state_upsert(dialect_name, {**key, **values, "updated_at": updated_at}))


@dataclass(frozen=True, slots=True)
class PartitionCheckpoint:
    """A full run's progress in one id range, as one page leaves it.

    It is merged into the stored resume point inside the page's transaction (`merge_partition`),
    never written as a whole cursor: partitions written by different processes, or machines,
    then never overwrite each other's progress. `committed` sums what the range's pages did,
    so a run's counts survive a worker that died before it could return them.
    """

    run_token: str
    index: int
    after_id: str | None
    done: bool
    fetched: int
    failed: int


def merge_partition(
    conn: Connection,
    dialect_name: str,
    project_key: str,
    entity: str,
    direction: str,
    checkpoint: PartitionCheckpoint,
    counts: dict[str, int],
    updated_at: datetime,
) -> bool:
    """Set one partition of the stored full-run cursor, in the caller's transaction; False (and
    nothing written) when the stored cursor belongs to another run (reset meanwhile).

    Driver SQL, as the page's own writes: it runs once per page, on the page's hot path.
    """
    p, document = driver_markers(dialect_name)
    key = (project_key, entity, direction)
    where = f"WHERE project_key = {p} AND entity = {p} AND direction = {p}"
    # SQLite: the write transaction already holds the database's lock; PostgreSQL: the row's.
    lock = " FOR UPDATE" if dialect_name == "postgresql" else ""
    driver = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        driver.execute(f"SELECT cursor FROM sync_state {where}{lock}", key)
        row = driver.fetchone()
        stored = None if row is None else row[0]
        cursor = orjson.loads(stored) if isinstance(stored, str | bytes) else stored
        if not cursor or cursor.get("run_token") != checkpoint.run_token:
            return False
        entry = cursor["partitions"][checkpoint.index]
        entry["after_id"], entry["done"] = checkpoint.after_id, checkpoint.done
        committed = entry.setdefault("committed", {})
        for name, value in counts.items():
            committed[name] = committed.get(name, 0) + value
        stamp = driver_time(updated_at, dialect_name)
        driver.execute(
            f"UPDATE sync_state SET cursor = {document}, updated_at = {p} {where}",
            (orjson.dumps(cursor).decode(), stamp, *key),
        )
    finally:
        driver.close()
    return True


def committed_counts(cursor: dict[str, Any] | None) -> dict[str, int]:
    """What the committed pages of a stored full-run cursor did, summed over its partitions."""
    total: dict[str, int] = {}
    for entry in (cursor or {}).get("partitions", []):
        for name, value in entry.get("committed", {}).items():
            total[name] = total.get(name, 0) + value
    return total


class SyncStates:
    """The `sync_state` table: one row per (project, entity, direction). `get` and `reset` take
    a caller's name for the project; `save`, the engine's, takes its key as given."""

    def __init__(self, database: Database, keys: ProjectKeys) -> None:
        self._db = database
        self._keys = keys

    def save(
        self,
        project_key: str,
        entity: str,
        *,
        cursor: dict[str, Any] | Unset | None = UNSET,
        watermark: Watermark | Unset | None = UNSET,
        direction: str = "pull",
    ) -> None:
        """Set the cursor and/or watermark; a field left UNSET keeps its value."""
        values = state_values(cursor, watermark)
        if not values:
            return
        with self._db.begin() as conn:
            write_state(conn, self._db.dialect, project_key, entity, direction, values, now())

    def get(self, project_key: str, entity: str, direction: str = "pull") -> SyncState | None:
        """Where the sync of one entity stands (watermark, resume cursor), or None."""
        project_key = self._keys.resolve(project_key)
        query = select(sync_state_table).where(
            sync_state_table.c.project_key == project_key,
            sync_state_table.c.entity == entity,
            sync_state_table.c.direction == direction,
        )
        with self._db.read() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        watermark = None
        if row["watermark_last_modified_at"] is not None and row["watermark_id"] is not None:
            watermark = Watermark(row["watermark_last_modified_at"], row["watermark_id"])
        return SyncState(
            project_key=project_key,
            entity=entity,
            direction=direction,
            watermark=watermark,
            cursor=row["cursor"],
            updated_at=row["updated_at"],
        )

    def reset(self, project_key: str, entity: str | None = None, direction: str = "pull") -> int:
        """Forget watermark and cursor of one entity, or of every entity of the project.

        The records stay: the next run is a full sync that finds them unchanged. Returns how
        many states were forgotten.
        """
        project_key = self._keys.resolve(project_key)
        statement = delete(sync_state_table).where(
            sync_state_table.c.project_key == project_key, sync_state_table.c.direction == direction
        )
        if entity is not None:
            statement = statement.where(sync_state_table.c.entity == entity)
        with self._db.begin() as conn:
            return conn.execute(statement).rowcount


class Runs:
    """The `runs` table: each run's mode, outcome and counts, for people and tools to audit."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def start(
        self,
        run_id: str,
        project_key: str,
        entity: str,
        *,
        direction: str,
        mode: str,
        flow_run_id: str | None = None,
    ) -> None:
        """Record a run as running; starting a known run id again (a retry) resets its outcome."""
        insert = self._db.insert(runs_table).values(
            run_id=run_id,
            project_key=project_key,
            entity=entity,
            direction=direction,
            mode=mode,
            status="running",
            started_at=now(),
            flow_run_id=flow_run_id,
        )
        statement = insert.on_conflict_do_update(
            index_elements=[runs_table.c.run_id],
            set_={
                "status": "running",
                "mode": mode,
                "finished_at": None,
                "counts": None,
                "error": None,
                "flow_run_id": insert.excluded.flow_run_id,
            },
        )
        with self._db.begin() as conn:
            conn.execute(statement)

    def finish(
        self, run_id: str, *, status: str, counts: dict[str, Any], error: str | None = None
    ) -> None:
        """Record a run's outcome; raises KeyError for a run that was never started."""
        statement = (
            update(runs_table)
            .where(runs_table.c.run_id == run_id)
            .values(status=status, counts=counts, error=error, finished_at=now())
        )
        with self._db.begin() as conn:
            if conn.execute(statement).rowcount == 0:
                raise KeyError(f"no run {run_id!r} in the hub: call start_run first")

    def get(self, run_id: str) -> dict[str, Any] | None:
        """The run's row as a dict (timestamps are aware UTC datetimes), or None."""
        with self._db.read() as conn:
            row = (
                conn.execute(select(runs_table).where(runs_table.c.run_id == run_id))
                .mappings()
                .first()
            )
        return dict(row) if row is not None else None
