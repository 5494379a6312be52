"""Drafts other systems queue in the hub for the next push, and what the pushes made of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update

from ctsync.hub.database import Database
from ctsync.hub.projects import ProjectKeys
from ctsync.hub.schema import now, outbox_table


@dataclass(frozen=True)
class OutboxItem:
    """A draft another system queued for a push; pending until a push processed it."""

    id: int
    project_key: str
    entity: str
    record_key: str | None
    draft: Any
    enqueued_at: datetime
    processed_at: datetime | None
    attempts: int
    last_error: str | None


class Outbox:
    """The `outbox` table of one hub; its queues take a caller's name for the project."""

    def __init__(self, database: Database, keys: ProjectKeys) -> None:
        self._db = database
        self._keys = keys

    def enqueue(
        self, project_key: str, entity: str, drafts: Sequence[tuple[str | None, Any]]
    ) -> list[int]:
        """Queue (record key, draft) pairs for the next push of `entity`; their ids, in order."""
        project_key = self._keys.resolve(project_key)
        enqueued_at = now()
        ids: list[int] = []
        with self._db.begin() as conn:
            for record_key, draft in drafts:
                result = conn.execute(
                    outbox_table.insert().values(
                        project_key=project_key,
                        entity=entity,
                        record_key=record_key,
                        draft=draft,
                        enqueued_at=enqueued_at,
                        attempts=0,
                    )
                )
                ids.append(int(result.inserted_primary_key[0]))
        return ids

    def pending(
        self, project_key: str, entity: str, *, limit: int | None = None
    ) -> list[OutboxItem]:
        """Unprocessed drafts of `entity` (failed ones included, to retry), oldest first."""
        query = (
            select(outbox_table)
            .where(
                outbox_table.c.project_key == self._keys.resolve(project_key),
                outbox_table.c.entity == entity,
                outbox_table.c.processed_at.is_(None),
            )
            .order_by(outbox_table.c.id)
            .limit(limit)
        )
        with self._db.read() as conn:
            rows = conn.execute(query).mappings().all()
        return [OutboxItem(**row) for row in rows]

    def items(self, project_key: str, entity: str | None = None) -> list[OutboxItem]:
        """Every outbox row of the project (or of one entity), processed or not, oldest first."""
        project_key = self._keys.resolve(project_key)
        query = select(outbox_table).where(outbox_table.c.project_key == project_key)
        if entity is not None:
            query = query.where(outbox_table.c.entity == entity)
        with self._db.read() as conn:
            rows = conn.execute(query.order_by(outbox_table.c.id)).mappings().all()
        return [OutboxItem(**row) for row in rows]

    def mark(self, processed: Sequence[int], failed: Sequence[tuple[int, str]]) -> None:
        """Record a push's outcome in one transaction: processed rows are done, failed rows
        keep their reason and stay pending, so the next push retries them."""
        with self._db.begin() as conn:
            if processed:
                conn.execute(
                    update(outbox_table)
                    .where(outbox_table.c.id.in_(list(processed)))
                    .values(
                        processed_at=now(),
                        attempts=outbox_table.c.attempts + 1,
                        last_error=None,
                    )
                )
            if failed:
                conn.execute(
                    update(outbox_table)
                    .where(outbox_table.c.id == bindparam("row_id"))
                    .values(
                        attempts=outbox_table.c.attempts + 1,
                        last_error=bindparam("reason"),
                    ),
                    [{"row_id": row_id, "reason": reason} for row_id, reason in failed],
                )
