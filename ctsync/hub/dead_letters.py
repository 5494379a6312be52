"""Records a run could not sync, kept with the reason so they can be fixed and replayed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ctsync.hub.database import Database
from ctsync.hub.projects import ProjectKeys
from ctsync.hub.schema import dead_letters_table, now


class RejectedRecord(NamedTuple):
    """A record refused on its way (invalid document, failed push): what becomes a dead letter."""

    record_id: str | None
    reason: str
    document: Any


@dataclass(frozen=True)
class DeadLetter:
    """A dead letter as the hub keeps it."""

    id: int
    project_key: str
    entity: str
    record_id: str | None
    run_id: str | None
    reason: str
    document: Any
    created_at: datetime


def insert_dead_letters(
    conn: Connection,
    project_key: str,
    entity: str,
    run_id: str | None,
    rejected: Sequence[RejectedRecord],
    created_at: datetime,
) -> None:
    """Keep `rejected` in the caller's transaction (a page commits them with its records)."""
    conn.execute(
        dead_letters_table.insert(),
        [
            {
                "project_key": project_key,
                "entity": entity,
                "record_id": record_id,
                "run_id": run_id,
                "reason": reason,
                "document": document,
                "created_at": created_at,
            }
            for record_id, reason, document in rejected
        ],
    )


class DeadLetters:
    """The `dead_letters` table of one hub; `read` takes a caller's name for the project."""

    def __init__(self, database: Database, keys: ProjectKeys) -> None:
        self._db = database
        self._keys = keys

    def add(
        self,
        project_key: str,
        entity: str,
        rejected: Sequence[RejectedRecord],
        *,
        run_id: str | None = None,
    ) -> None:
        """Keep records a run could not sync, for a replay."""
        if not rejected:
            return
        with self._db.begin() as conn:
            insert_dead_letters(conn, project_key, entity, run_id, rejected, now())

    def read(
        self, project_key: str, entity: str | None = None, run_id: str | None = None
    ) -> list[DeadLetter]:
        """Dead letters of the project, optionally of one entity and/or one run, oldest first."""
        project_key = self._keys.resolve(project_key)
        query = select(dead_letters_table).where(dead_letters_table.c.project_key == project_key)
        if entity is not None:
            query = query.where(dead_letters_table.c.entity == entity)
        if run_id is not None:
            query = query.where(dead_letters_table.c.run_id == run_id)
        with self._db.read() as conn:
            rows = conn.execute(query.order_by(dead_letters_table.c.id)).mappings().all()
        return [DeadLetter(**row) for row in rows]
