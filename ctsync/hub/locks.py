"""One run per (project, entity, direction): two runs must never page over one watermark.

A lock names its holder, host and process and carries a heartbeat. A lock whose process is gone
from this host is taken over at once; one on another host once its heartbeat is older than
`stale_after`.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from ctsync.hub.database import Database
from ctsync.hub.schema import now, sync_locks_table

DEFAULT_STALE_AFTER = 600.0


@dataclass(frozen=True)
class LockHolder:
    """Who runs a sync of one entity right now, and since when."""

    holder: str
    host: str
    pid: int
    acquired_at: datetime
    heartbeat_at: datetime

    def describe(self) -> str:
        return (
            f"run {self.holder} (pid {self.pid} on {self.host}, since "
            f"{self.acquired_at:%Y-%m-%d %H:%M:%S} UTC, last heartbeat "
            f"{self.heartbeat_at:%H:%M:%S} UTC)"
        )


class SyncLocked(Exception):
    """Another live run holds the entity: two runs must never page over one watermark."""

    def __init__(self, project_key: str, entity: str, holder: LockHolder, stale_after: float):
        super().__init__(
            f"{entity} of project {project_key} is being synced by {holder.describe()}; this run "
            f"did not start. Wait for that run to finish; if it died, its lock is taken over once "
            f"its process is gone (same host) or after {stale_after:g} s without a heartbeat."
        )
        self.holder = holder


def _scope(project_key: str, entity: str, direction: str) -> tuple[Any, ...]:
    return (
        sync_locks_table.c.project_key == project_key,
        sync_locks_table.c.entity == entity,
        sync_locks_table.c.direction == direction,
    )


def _holder(row: Any) -> LockHolder:
    return LockHolder(row.holder, row.host, row.pid, row.acquired_at, row.heartbeat_at)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Locks:
    """The `sync_locks` table of one hub."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def acquire(
        self,
        project_key: str,
        entity: str,
        holder: str,
        *,
        direction: str = "pull",
        stale_after: float = DEFAULT_STALE_AFTER,
    ) -> LockHolder | None:
        """Take the entity for `holder`, or raise SyncLocked naming the live run that has it.

        A lock whose holder stopped beating for `stale_after` seconds, or whose process is gone
        from this host, is stale: it is taken over, and its former holder is returned.
        """
        moment = now()
        host, pid = socket.gethostname(), os.getpid()
        scope = _scope(project_key, entity, direction)
        mine = {
            "holder": holder,
            "host": host,
            "pid": pid,
            "acquired_at": moment,
            "heartbeat_at": moment,
        }
        with self._db.begin() as conn:
            inserted = conn.execute(
                self._db.insert(sync_locks_table)
                .values(project_key=project_key, entity=entity, direction=direction, **mine)
                .on_conflict_do_nothing()
            )
            if inserted.rowcount == 1:
                return None
            current = _holder(
                conn.execute(select(sync_locks_table).where(*scope).with_for_update()).one()
            )
            if current.holder == holder:
                conn.execute(update(sync_locks_table).where(*scope).values(heartbeat_at=moment))
                return None
            silent = (moment - current.heartbeat_at).total_seconds() > stale_after
            dead = current.host == host and current.pid != pid and not _process_alive(current.pid)
            if not (silent or dead):
                raise SyncLocked(project_key, entity, current, stale_after)
            conn.execute(update(sync_locks_table).where(*scope).values(**mine))
            return current

    def heartbeat(
        self, project_key: str, entity: str, holder: str, *, direction: str = "pull"
    ) -> bool:
        """Tell other runs this holder is alive; False when the lock is no longer its own."""
        with self._db.begin() as conn:
            result = conn.execute(
                update(sync_locks_table)
                .where(
                    *_scope(project_key, entity, direction),
                    sync_locks_table.c.holder == holder,
                )
                .values(heartbeat_at=now())
            )
            return result.rowcount == 1

    def release(
        self, project_key: str, entity: str, holder: str, *, direction: str = "pull"
    ) -> None:
        """Give the entity up, if `holder` has it."""
        with self._db.begin() as conn:
            conn.execute(
                delete(sync_locks_table).where(
                    *_scope(project_key, entity, direction),
                    sync_locks_table.c.holder == holder,
                )
            )

    def get(self, project_key: str, entity: str, *, direction: str = "pull") -> LockHolder | None:
        """Who holds the entity, or None."""
        with self._db.read() as conn:
            row = conn.execute(
                select(sync_locks_table).where(*_scope(project_key, entity, direction))
            ).first()
        return _holder(row) if row is not None else None

    @contextmanager
    def held(
        self,
        project_key: str,
        entity: str,
        holder: str,
        *,
        direction: str = "pull",
        stale_after: float = DEFAULT_STALE_AFTER,
    ) -> Iterator[LockHolder | None]:
        """Hold the entity for the block's duration, beating every `stale_after / 4` seconds.

        Yields the stale holder it took over, if any, so the caller can say so.
        """
        taken_over = self.acquire(
            project_key, entity, holder, direction=direction, stale_after=stale_after
        )
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(stale_after / 4):
                self.heartbeat(project_key, entity, holder, direction=direction)

        beater = threading.Thread(target=beat, name=f"hub-lock-{entity}", daemon=True)
        beater.start()
        try:
            yield taken_over
        finally:
            stop.set()
            beater.join(5)
            self.release(project_key, entity, holder, direction=direction)
