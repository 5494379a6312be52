"""The hub: a SQL mirror of commercetools resources that other systems read.

A pull sync writes each page of records together with its checkpoint in one transaction, so a
killed run resumes from its last committed page and nothing is lost or duplicated. A record is
only ever replaced by a higher version, so replays and out-of-order pages are harmless.

SQLAlchemy Core on SQLite (the default: one file, WAL mode) or PostgreSQL
(`postgresql+psycopg://user@host:5432/db`).
"""

from __future__ import annotations

import enum
import json
import os
import re
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    make_url,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

DEFAULT_URL: Final = "sqlite:///data/hub.db"
SQLITE_BUSY_TIMEOUT_SECONDS: Final = 30.0
_URL_EXAMPLES = "sqlite:///data/hub.db or postgresql+psycopg://user@host:5432/db"
_INLINE_PASSWORD = re.compile(r"(://[^:/@]*:).*@")


class HubUnavailable(Exception):
    """The hub database cannot be used: driver missing, server unreachable, path not writable."""


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset.UNSET
"""Leave a state field as it is (None would clear it)."""

Unset = Literal[_Unset.UNSET]


@dataclass(frozen=True, slots=True)
class HubRecord:
    """One commercetools resource as the hub stores it."""

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


@dataclass(frozen=True, slots=True)
class Watermark:
    """The newest (lastModifiedAt, id) a delta sync has fully committed."""

    last_modified_at: str
    id: str


@dataclass(frozen=True)
class SyncState:
    """Where a sync of one entity stands: its watermark and the in-progress run's resume point."""

    project_key: str
    entity: str
    direction: str
    watermark: Watermark | None
    cursor: dict[str, Any] | None
    updated_at: datetime | None


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


@dataclass(frozen=True)
class DeadLetter:
    """A record a run could not sync, kept with the reason so it can be fixed and replayed."""

    id: int
    project_key: str
    entity: str
    record_id: str | None
    run_id: str | None
    reason: str
    document: Any
    created_at: datetime


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


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as read back from the hub."""

    id: str
    key: str | None
    version: int
    created_at: str
    last_modified_at: str
    document: dict[str, Any]
    synced_at: datetime
    deleted_at: datetime | None


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite (naive text) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json() -> JSON:
    # none_as_null: a Python None is SQL NULL (no cursor), not the JSON text 'null'.
    return JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


metadata = MetaData()

records_table = Table(
    "records",
    metadata,
    Column("project_key", String, primary_key=True),
    Column("entity", String, primary_key=True),
    Column("id", String, primary_key=True),
    Column("key", String),
    Column("version", BigInteger, nullable=False),
    Column("created_at", String, nullable=False),
    Column("last_modified_at", String, nullable=False),
    Column("document", _json(), nullable=False),
    Column("synced_at", UTCDateTime, nullable=False),
    Column("deleted_at", UTCDateTime),
    Column("last_seen_run", String),
    Index("ix_records_modified", "project_key", "entity", "last_modified_at", "id"),
    Index("ix_records_key", "project_key", "entity", "key"),
)

sync_state_table = Table(
    "sync_state",
    metadata,
    Column("project_key", String, primary_key=True),
    Column("entity", String, primary_key=True),
    Column("direction", String, primary_key=True),
    Column("watermark_last_modified_at", String),
    Column("watermark_id", String),
    Column("cursor", _json()),
    Column("updated_at", UTCDateTime),
)

dead_letters_table = Table(
    "dead_letters",
    metadata,
    # BIGSERIAL on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("project_key", String, nullable=False),
    Column("entity", String, nullable=False),
    Column("record_id", String),
    Column("run_id", String),
    Column("reason", Text, nullable=False),
    Column("document", _json()),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_dead_letters_entity", "project_key", "entity", "run_id"),
)

runs_table = Table(
    "runs",
    metadata,
    Column("run_id", String, primary_key=True),
    Column("project_key", String, nullable=False),
    Column("entity", String, nullable=False),
    Column("direction", String, nullable=False),
    Column("mode", String, nullable=False),
    Column("status", String, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("counts", _json()),
    Column("error", Text),
    Column("flow_run_id", String),
)


outbox_table = Table(
    "outbox",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("project_key", String, nullable=False),
    Column("entity", String, nullable=False),
    Column("record_key", String),
    Column("draft", _json(), nullable=False),
    Column("enqueued_at", UTCDateTime, nullable=False),
    Column("processed_at", UTCDateTime),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Index("ix_outbox_pending", "project_key", "entity", "processed_at", "id"),
)


sync_locks_table = Table(
    "sync_locks",
    metadata,
    Column("project_key", String, primary_key=True),
    Column("entity", String, primary_key=True),
    Column("direction", String, primary_key=True),
    Column("holder", String, nullable=False),
    Column("host", String, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
)


def _now() -> datetime:
    return datetime.now(UTC)


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


def _lock_scope(project_key: str, entity: str, direction: str) -> tuple[Any, ...]:
    return (
        sync_locks_table.c.project_key == project_key,
        sync_locks_table.c.entity == entity,
        sync_locks_table.c.direction == direction,
    )


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# Compact and UTF-8 as commercetools sends it: rows ~8% smaller than json.dumps's defaults.
_stdlib_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _dumps(value: Any) -> str:
    """Documents as JSON text: orjson (a Prefect dependency) encodes a 500-customer page ~9x
    faster than the stdlib (bench/RESULTS.md); what it refuses rather than changes (integers
    beyond 64 bits, non-string keys of Python drafts) goes to the stdlib encoder."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return _stdlib_dumps(value)


def mask_url(url: str | URL) -> str:
    """The URL as it may be shown: any password replaced by ***."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return _INLINE_PASSWORD.sub(r"\1***@", url)


def parse_url(url: str) -> URL:
    """Parse a hub URL, or raise ValueError naming it (masked) and the expected forms."""
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError):
        raise ValueError(
            f"Database URL {mask_url(url)!r} is not a database URL: use e.g. {_URL_EXAMPLES}"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(
            f"Database URL {mask_url(parsed)!r} is for {backend}: the hub runs on SQLite or "
            f"PostgreSQL, use e.g. {_URL_EXAMPLES}"
        )
    if parsed.drivername == "postgresql":
        # Bare postgresql:// means psycopg2 to SQLAlchemy; the hub is documented with psycopg 3.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def _prepare_sqlite_path(url: URL) -> None:
    """Create the SQLite file's directory and check it is writable (WAL writes files beside it)."""
    path = Path(url.database or "")
    directory = path.parent
    shown = mask_url(url)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise HubUnavailable(
            f"Hub database {shown!r}: cannot create directory {str(directory)!r} "
            f"({error.strerror or error}); use a path in a writable directory"
        ) from None
    if not os.access(directory, os.W_OK | os.X_OK) or (
        path.exists() and not os.access(path, os.R_OK | os.W_OK)
    ):
        raise HubUnavailable(
            f"Hub database {shown!r}: {str(path)!r} is not writable by this process; "
            "fix the permissions or use a path in a writable directory"
        )


def _configure_sqlite(engine: Engine) -> None:
    """WAL, NORMAL sync, waiting writers, and BEGIN IMMEDIATE for write transactions.

    sqlite3's legacy mode starts no transaction for SELECT, so a page's pre-read of stored
    versions would not be isolated, and a deferred transaction that later writes fails at once
    (busy_timeout does not apply) when another writer committed meanwhile. Taking the write lock
    up front makes concurrent writers queue behind the busy timeout instead.
    """
    if event.contains(engine, "connect", _on_sqlite_connect):
        return
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    engine.dispose()  # pooled connections predate the listeners


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (_on_sqlite_begin)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get("hub_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _dialect_insert(dialect_name: str, table: Table) -> Any:
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


_REPLACED = ("key", "version", "created_at", "last_modified_at", "document", "synced_at")


def _record_insert(dialect_name: str) -> Any:
    """INSERT a new record; should another writer have inserted it meanwhile, the higher wins."""
    insert = _dialect_insert(dialect_name, records_table)
    excluded = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[records_table.c.project_key, records_table.c.entity, records_table.c.id],
        set_={
            **{name: excluded[name] for name in _REPLACED},
            "last_seen_run": excluded.last_seen_run,
            "deleted_at": None,
        },
        where=records_table.c.version < excluded.version,
    )


# A guarded UPDATE replaces a known record faster than INSERT .. ON CONFLICT (bench/hub_upsert.py,
# update pass); the version guard still refuses to go backwards should another writer have
# got there first.
_RECORD_UPDATE = (
    update(records_table)
    .where(
        records_table.c.project_key == bindparam("w_project_key"),
        records_table.c.entity == bindparam("w_entity"),
        records_table.c.id == bindparam("w_id"),
        records_table.c.version < bindparam("w_version"),
    )
    .values(
        {
            **{name: bindparam(name) for name in _REPLACED},
            "last_seen_run": bindparam("last_seen_run"),
            "deleted_at": None,
        }
    )
)


_STATE_KEY = ("project_key", "entity", "direction")


def _state_upsert(dialect_name: str, values: dict[str, Any]) -> Any:
    """INSERT the state row, or change only the fields in `values` (UNSET ones stay)."""
    insert = _dialect_insert(dialect_name, sync_state_table).values(values)
    changed = {name: insert.excluded[name] for name in values if name not in _STATE_KEY}
    return insert.on_conflict_do_update(index_elements=list(_STATE_KEY), set_=changed)


_RECORD_COLUMNS = (
    records_table.c.id,
    records_table.c.key,
    records_table.c.version,
    records_table.c.created_at,
    records_table.c.last_modified_at,
    records_table.c.document,
    records_table.c.synced_at,
    records_table.c.deleted_at,
)


def _state_values(
    cursor: dict[str, Any] | Unset | None, watermark: Watermark | Unset | None
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if cursor is not UNSET:
        values["cursor"] = cursor
    if watermark is not UNSET:
        values["watermark_last_modified_at"] = watermark.last_modified_at if watermark else None
        values["watermark_id"] = watermark.id if watermark else None
    return values


def _stored(row: Any) -> StoredRecord:
    return StoredRecord(*row)


def _highest_versions(records: Sequence[HubRecord]) -> dict[str, HubRecord]:
    """The page by id, keeping the highest version of an id listed twice."""
    page: dict[str, HubRecord] = {}
    for record in records:
        kept = page.get(record.id)
        if kept is None or record.version > kept.version:
            page[record.id] = record
    return page


class HubStore:
    """The hub's tables on one SQLAlchemy engine; safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        """Use `engine` (see `connect`) and create the hub's tables if they are missing."""
        name = engine.dialect.name
        if name not in ("sqlite", "postgresql"):
            raise ValueError(f"the hub runs on SQLite or PostgreSQL, not {name}")
        if name == "sqlite":
            _configure_sqlite(engine)
        self._engine = engine
        self._dialect = name
        self._writer = engine.execution_options(hub_write=True)
        self._insert_records = _record_insert(name)
        # Under the write lock on SQLite, so two processes opening a new hub do not race.
        metadata.create_all(self._writer, checkfirst=True)

    @classmethod
    def connect(
        cls, url: str = DEFAULT_URL, *, password: str | None = None, echo: bool = False
    ) -> HubStore:
        """Open the hub at `url`; `password` (a secret) replaces the URL's password.

        SQLite has no passwords: one given for a SQLite URL is ignored.

        Raises ValueError for a URL that is malformed or names another database, and
        HubUnavailable when the driver is missing, the server cannot be reached or the SQLite
        file cannot be created. Messages show the URL with its password masked.
        """
        parsed = parse_url(url)
        if password is not None and parsed.get_backend_name() != "sqlite":
            parsed = parsed.set(password=password)
        shown = mask_url(parsed)
        # hide_parameters: documents hold customers' personal data, which must not reach logs
        # or error messages (SQLAlchemy quotes a failed statement's parameters in both).
        options: dict[str, Any] = {"echo": echo, "json_serializer": _dumps, "hide_parameters": True}
        if parsed.get_backend_name() == "sqlite":
            options["connect_args"] = {
                "check_same_thread": False,
                "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            }
            if _is_memory(parsed):
                # One shared connection, or every pooled connection would see its own database.
                options["poolclass"] = StaticPool
            else:
                _prepare_sqlite_path(parsed)
        else:
            options["pool_pre_ping"] = True
        try:
            engine = create_engine(parsed, **options)
        except ImportError as error:
            raise HubUnavailable(
                f"Hub database {shown!r} needs the {error.name or 'database'} driver, which is "
                "not installed: pip install psycopg[binary]"
            ) from None
        except NoSuchModuleError:
            raise ValueError(
                f"Database URL {shown!r} names an unknown driver {parsed.drivername!r}: "
                f"use e.g. {_URL_EXAMPLES}"
            ) from None
        except ArgumentError as error:
            reason = str(error).splitlines()[0]
            raise ValueError(
                f"Database URL {shown!r} is not usable ({reason}): use e.g. {_URL_EXAMPLES}"
            ) from None
        try:
            return cls(engine)
        except DBAPIError as error:
            engine.dispose()
            reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error)
            if password:
                reason = str(reason).replace(password, "***")
            if "permission denied" in str(reason).lower() or "readonly" in str(reason).lower():
                who = parsed.username or "the connecting user"
                raise HubUnavailable(
                    f"Hub database {shown!r} may not be written by {who}: {reason}. The hub "
                    "creates and writes its own tables: on PostgreSQL, GRANT CREATE, USAGE ON "
                    f"SCHEMA public TO {who} (or let the database owner connect); on SQLite, make "
                    "the file and its directory writable. Nothing was written."
                ) from None
            raise HubUnavailable(
                f"Hub database {shown!r} cannot be reached or opened: {reason}. Check the URL, "
                "that the server runs and accepts this user, or that the SQLite path is writable"
            ) from None

    def __repr__(self) -> str:
        return f"HubStore(url={mask_url(self._engine.url)!r})"

    @property
    def url(self) -> str:
        """The database URL with its password masked."""
        return mask_url(self._engine.url)

    def close(self) -> None:
        """Close the pooled connections."""
        self._engine.dispose()

    # -- records -----------------------------------------------------------------------------

    def upsert_page(
        self,
        project_key: str,
        entity: str,
        records: Sequence[HubRecord],
        *,
        run_id: str,
        dead_letters: Sequence[tuple[str | None, str, Any]] = (),
        cursor: dict[str, Any] | Unset | None = UNSET,
        watermark: Watermark | Unset | None = UNSET,
        direction: str = "pull",
    ) -> UpsertCounts:
        """Write one page, its dead letters and (when given) its checkpoint in one transaction.

        A record replaces the stored one only when its version is higher. Every record of the
        page is marked seen by `run_id`; one re-seen at the stored version or higher is no
        longer deleted. Within a page, the highest version of an id wins.
        """
        page = _highest_versions(records)
        now = _now()
        with self._writer.begin() as conn:
            # One query for the stored versions decides what each record is. Under SQLite's
            # write lock it is exact; on PostgreSQL a concurrent writer of the same ids can only
            # skew the counts, never the data (both writes are guarded by the version).
            stored = self._stored_versions(conn, project_key, entity, list(page))
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            unchanged: list[str] = []
            undelete: list[str] = []
            for record in page.values():
                previous = stored.get(record.id)
                if previous is not None and record.version <= previous[0]:
                    unchanged.append(record.id)
                    if previous[1] and record.version == previous[0]:
                        undelete.append(record.id)
                    continue
                row = {
                    "key": record.key,
                    "version": record.version,
                    "created_at": record.created_at,
                    "last_modified_at": record.last_modified_at,
                    "document": record.document,
                    "synced_at": now,
                    "last_seen_run": run_id,
                }
                if previous is None:
                    row.update(project_key=project_key, entity=entity, id=record.id)
                    inserts.append(row)
                else:
                    row.update(
                        w_project_key=project_key,
                        w_entity=entity,
                        w_id=record.id,
                        w_version=record.version,
                    )
                    updates.append(row)
            if inserts:
                conn.execute(self._insert_records, inserts)
            if updates:
                conn.execute(_RECORD_UPDATE, updates)
            if unchanged:
                conn.execute(
                    update(records_table)
                    .where(
                        records_table.c.project_key == project_key,
                        records_table.c.entity == entity,
                        records_table.c.id.in_(unchanged),
                    )
                    .values(last_seen_run=run_id)
                )
            if undelete:
                conn.execute(
                    update(records_table)
                    .where(
                        records_table.c.project_key == project_key,
                        records_table.c.entity == entity,
                        records_table.c.id.in_(undelete),
                    )
                    .values(deleted_at=None)
                )
            if dead_letters:
                self._insert_dead_letters(conn, project_key, entity, run_id, dead_letters, now)
            state = _state_values(cursor, watermark)
            if state:
                self._write_state(conn, project_key, entity, direction, state, now)
        return UpsertCounts(len(inserts), len(updates), len(unchanged))

    def classify_page(
        self, project_key: str, entity: str, records: Sequence[HubRecord]
    ) -> UpsertCounts:
        """What `upsert_page` would count for these records, writing nothing (a dry run)."""
        page = _highest_versions(records)
        with self._engine.connect() as conn:
            stored = self._stored_versions(conn, project_key, entity, list(page))
        inserted = updated = 0
        for record in page.values():
            previous = stored.get(record.id)
            if previous is None:
                inserted += 1
            elif record.version > previous[0]:
                updated += 1
        return UpsertCounts(inserted, updated, len(page) - inserted - updated)

    @staticmethod
    def _stored_versions(
        conn: Connection, project_key: str, entity: str, ids: list[str]
    ) -> dict[str, tuple[int, bool]]:
        """Stored (version, is deleted) of those of `ids` the hub has."""
        if not ids:
            return {}
        rows = conn.execute(
            select(records_table.c.id, records_table.c.version, records_table.c.deleted_at).where(
                records_table.c.project_key == project_key,
                records_table.c.entity == entity,
                records_table.c.id.in_(ids),
            )
        )
        return {row[0]: (row[1], row[2] is not None) for row in rows}

    def mark_unseen_deleted(self, project_key: str, entity: str, run_id: str) -> int:
        """After a complete full run: mark deleted what the run did not see; returns how many."""
        with self._writer.begin() as conn:
            result = conn.execute(
                update(records_table)
                .where(
                    records_table.c.project_key == project_key,
                    records_table.c.entity == entity,
                    records_table.c.deleted_at.is_(None),
                    (records_table.c.last_seen_run != run_id)
                    | records_table.c.last_seen_run.is_(None),
                )
                .values(deleted_at=_now())
            )
            return result.rowcount

    def count_records(self, project_key: str, entity: str, *, include_deleted: bool = False) -> int:
        query = (
            select(func.count()).select_from(records_table).where(*self._scope(project_key, entity))
        )
        if not include_deleted:
            query = query.where(records_table.c.deleted_at.is_(None))
        with self._engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def get_record(self, project_key: str, entity: str, record_id: str) -> StoredRecord | None:
        """The stored record, deleted or not, or None."""
        query = select(*_RECORD_COLUMNS).where(
            *self._scope(project_key, entity), records_table.c.id == record_id
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return _stored(row) if row is not None else None

    def iter_records(
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
            .where(*self._scope(project_key, entity))
            .order_by(records_table.c.id)
        )
        if not include_deleted:
            query = query.where(records_table.c.deleted_at.is_(None))
        with self._engine.connect() as conn:
            result = conn.execution_options(yield_per=batch_size).execute(query)
            for row in result:
                yield _stored(row)

    @staticmethod
    def _scope(project_key: str, entity: str) -> tuple[Any, Any]:
        return records_table.c.project_key == project_key, records_table.c.entity == entity

    # -- dead letters ------------------------------------------------------------------------

    @staticmethod
    def _insert_dead_letters(
        conn: Connection,
        project_key: str,
        entity: str,
        run_id: str | None,
        letters: Sequence[tuple[str | None, str, Any]],
        now: datetime,
    ) -> None:
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
                    "created_at": now,
                }
                for record_id, reason, document in letters
            ],
        )

    def add_dead_letters(
        self,
        project_key: str,
        entity: str,
        letters: Sequence[tuple[str | None, str, Any]],
        *,
        run_id: str | None = None,
    ) -> None:
        """Keep records a run could not sync, (record id, reason, document), for a replay."""
        if not letters:
            return
        with self._writer.begin() as conn:
            self._insert_dead_letters(conn, project_key, entity, run_id, letters, _now())

    def dead_letters(
        self, project_key: str, entity: str | None = None, run_id: str | None = None
    ) -> list[DeadLetter]:
        """Dead letters of the project, optionally of one entity and/or one run, oldest first."""
        query = select(dead_letters_table).where(dead_letters_table.c.project_key == project_key)
        if entity is not None:
            query = query.where(dead_letters_table.c.entity == entity)
        if run_id is not None:
            query = query.where(dead_letters_table.c.run_id == run_id)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(dead_letters_table.c.id)).mappings().all()
        return [DeadLetter(**row) for row in rows]

    # -- sync state --------------------------------------------------------------------------

    def _write_state(
        self,
        conn: Connection,
        project_key: str,
        entity: str,
        direction: str,
        values: dict[str, Any],
        now: datetime,
    ) -> None:
        key = {"project_key": project_key, "entity": entity, "direction": direction}
        conn.execute(_state_upsert(self._dialect, {**key, **values, "updated_at": now}))

    def save_state(
        self,
        project_key: str,
        entity: str,
        *,
        cursor: dict[str, Any] | Unset | None = UNSET,
        watermark: Watermark | Unset | None = UNSET,
        direction: str = "pull",
    ) -> None:
        """Set the cursor and/or watermark; a field left UNSET keeps its value."""
        values = _state_values(cursor, watermark)
        if not values:
            return
        with self._writer.begin() as conn:
            self._write_state(conn, project_key, entity, direction, values, _now())

    def get_state(self, project_key: str, entity: str, direction: str = "pull") -> SyncState | None:
        query = select(sync_state_table).where(
            sync_state_table.c.project_key == project_key,
            sync_state_table.c.entity == entity,
            sync_state_table.c.direction == direction,
        )
        with self._engine.connect() as conn:
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

    def reset_state(
        self, project_key: str, entity: str | None = None, direction: str = "pull"
    ) -> int:
        """Forget watermark and cursor of one entity, or of every entity of the project.

        The records stay: the next run is a full sync that finds them unchanged. Returns how
        many states were forgotten.
        """
        statement = delete(sync_state_table).where(
            sync_state_table.c.project_key == project_key, sync_state_table.c.direction == direction
        )
        if entity is not None:
            statement = statement.where(sync_state_table.c.entity == entity)
        with self._writer.begin() as conn:
            return conn.execute(statement).rowcount

    # -- runs --------------------------------------------------------------------------------

    def start_run(
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
        insert = _dialect_insert(self._dialect, runs_table).values(
            run_id=run_id,
            project_key=project_key,
            entity=entity,
            direction=direction,
            mode=mode,
            status="running",
            started_at=_now(),
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
        with self._writer.begin() as conn:
            conn.execute(statement)

    def finish_run(
        self, run_id: str, *, status: str, counts: dict[str, Any], error: str | None = None
    ) -> None:
        """Record a run's outcome; raises KeyError for a run that was never started."""
        statement = (
            update(runs_table)
            .where(runs_table.c.run_id == run_id)
            .values(status=status, counts=counts, error=error, finished_at=_now())
        )
        with self._writer.begin() as conn:
            if conn.execute(statement).rowcount == 0:
                raise KeyError(f"no run {run_id!r} in the hub: call start_run first")

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        """The run's row as a dict (timestamps are aware UTC datetimes), or None."""
        with self._engine.connect() as conn:
            row = (
                conn.execute(select(runs_table).where(runs_table.c.run_id == run_id))
                .mappings()
                .first()
            )
        return dict(row) if row is not None else None

    # -- outbox ------------------------------------------------------------------------------

    # -- locks: one run per (project, entity, direction) ------------------------------------

    def acquire_lock(
        self,
        project_key: str,
        entity: str,
        holder: str,
        *,
        direction: str = "pull",
        stale_after: float = 600.0,
    ) -> LockHolder | None:
        """Take the entity for `holder`, or raise SyncLocked naming the live run that has it.

        A lock whose holder stopped beating for `stale_after` seconds, or whose process is gone
        from this host, is stale: it is taken over, and its former holder is returned.
        """
        now = _now()
        host, pid = socket.gethostname(), os.getpid()
        scope = _lock_scope(project_key, entity, direction)
        mine = {"holder": holder, "host": host, "pid": pid, "acquired_at": now, "heartbeat_at": now}
        with self._writer.begin() as conn:
            inserted = conn.execute(
                _dialect_insert(self._dialect, sync_locks_table)
                .values(project_key=project_key, entity=entity, direction=direction, **mine)
                .on_conflict_do_nothing()
            )
            if inserted.rowcount == 1:
                return None
            row = conn.execute(select(sync_locks_table).where(*scope).with_for_update()).one()
            current = LockHolder(row.holder, row.host, row.pid, row.acquired_at, row.heartbeat_at)
            if current.holder == holder:
                conn.execute(update(sync_locks_table).where(*scope).values(heartbeat_at=now))
                return None
            silent = (now - current.heartbeat_at).total_seconds() > stale_after
            dead = current.host == host and current.pid != pid and not _process_alive(current.pid)
            if not (silent or dead):
                raise SyncLocked(project_key, entity, current, stale_after)
            conn.execute(update(sync_locks_table).where(*scope).values(**mine))
            return current

    def heartbeat_lock(
        self, project_key: str, entity: str, holder: str, *, direction: str = "pull"
    ) -> bool:
        """Tell other runs this holder is alive; False when the lock is no longer its own."""
        with self._writer.begin() as conn:
            result = conn.execute(
                update(sync_locks_table)
                .where(
                    *_lock_scope(project_key, entity, direction),
                    sync_locks_table.c.holder == holder,
                )
                .values(heartbeat_at=_now())
            )
            return result.rowcount == 1

    def release_lock(
        self, project_key: str, entity: str, holder: str, *, direction: str = "pull"
    ) -> None:
        with self._writer.begin() as conn:
            conn.execute(
                delete(sync_locks_table).where(
                    *_lock_scope(project_key, entity, direction),
                    sync_locks_table.c.holder == holder,
                )
            )

    def get_lock(
        self, project_key: str, entity: str, *, direction: str = "pull"
    ) -> LockHolder | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(sync_locks_table).where(*_lock_scope(project_key, entity, direction))
            ).first()
        if row is None:
            return None
        return LockHolder(row.holder, row.host, row.pid, row.acquired_at, row.heartbeat_at)

    @contextmanager
    def locked(
        self,
        project_key: str,
        entity: str,
        holder: str,
        *,
        direction: str = "pull",
        stale_after: float = 600.0,
    ) -> Iterator[LockHolder | None]:
        """Hold the entity for the block's duration, beating every `stale_after / 4` seconds.

        Yields the stale holder it took over, if any, so the caller can say so.
        """
        taken_over = self.acquire_lock(
            project_key, entity, holder, direction=direction, stale_after=stale_after
        )
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(stale_after / 4):
                self.heartbeat_lock(project_key, entity, holder, direction=direction)

        beater = threading.Thread(target=beat, name=f"hub-lock-{entity}", daemon=True)
        beater.start()
        try:
            yield taken_over
        finally:
            stop.set()
            beater.join(5)
            self.release_lock(project_key, entity, holder, direction=direction)

    def enqueue(
        self, project_key: str, entity: str, drafts: Sequence[tuple[str | None, Any]]
    ) -> list[int]:
        """Queue (record key, draft) pairs for the next push of `entity`; their ids, in order."""
        now = _now()
        ids: list[int] = []
        with self._writer.begin() as conn:
            for record_key, draft in drafts:
                result = conn.execute(
                    outbox_table.insert().values(
                        project_key=project_key,
                        entity=entity,
                        record_key=record_key,
                        draft=draft,
                        enqueued_at=now,
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
                outbox_table.c.project_key == project_key,
                outbox_table.c.entity == entity,
                outbox_table.c.processed_at.is_(None),
            )
            .order_by(outbox_table.c.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [OutboxItem(**row) for row in rows]

    def outbox(self, project_key: str, entity: str | None = None) -> list[OutboxItem]:
        """Every outbox row of the project (or of one entity), processed or not, oldest first."""
        query = select(outbox_table).where(outbox_table.c.project_key == project_key)
        if entity is not None:
            query = query.where(outbox_table.c.entity == entity)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(outbox_table.c.id)).mappings().all()
        return [OutboxItem(**row) for row in rows]

    def mark_outbox(self, processed: Sequence[int], failed: Sequence[tuple[int, str]]) -> None:
        """Record a push's outcome in one transaction: processed rows are done, failed rows
        keep their reason and stay pending, so the next push retries them."""
        now = _now()
        with self._writer.begin() as conn:
            if processed:
                conn.execute(
                    update(outbox_table)
                    .where(outbox_table.c.id.in_(list(processed)))
                    .values(
                        processed_at=now,
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
