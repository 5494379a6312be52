"""The hub's tables, defined once for SQLite and PostgreSQL (SQLAlchemy Core)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects import postgresql, sqlite


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


def _serial() -> Column[int]:
    # BIGSERIAL on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
    return Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )


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
    # The change feed: every insert, update and deletion mark takes the next number of
    # `hub_counters` ('records.seq'), in commit order on both databases (`ctsync/hub/feed.py`).
    Column("seq", BigInteger),
    Column("change", String),
    # The number of the record's insertion, kept through later changes: what is new since a
    # number, whatever happened to it after (`Feed.insertions`).
    Column("inserted_seq", BigInteger),
    Index("ix_records_modified", "project_key", "entity", "last_modified_at", "id"),
    Index("ix_records_key", "project_key", "entity", "key"),
    Index("ix_records_seq", "seq", unique=True),
    Index("ix_records_inserted_seq", "entity", "inserted_seq"),
)

hub_counters_table = Table(
    "hub_counters",
    metadata,
    Column("name", String, primary_key=True),
    Column("value", BigInteger, nullable=False),
)

feed_consumers_table = Table(
    "feed_consumers",
    metadata,
    Column("consumer", String, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("exported", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # What the consumer was set up with (`feed.ConsumerSetup`); NULL until its first export.
    Column("path", Text),
    Column("format", String),
    Column("entities", _json()),
    Column("project_key", String),
    Column("columns", _json()),
    Index("ix_feed_consumers_path", "path", unique=True),
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
    _serial(),
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
    _serial(),
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


def now() -> datetime:
    return datetime.now(UTC)


def dialect_insert(dialect_name: str, table: Table) -> Any:
    """INSERT with the dialect's ON CONFLICT clauses (both SQLite and PostgreSQL have them)."""
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def driver_markers(dialect_name: str) -> tuple[str, str]:
    """The driver's own parameter marker, and the marker of a JSON value, for SQL the hub runs
    without SQLAlchemy (a page's writes and its checkpoint, on every record's hot path)."""
    if dialect_name == "postgresql":
        return "%s", "CAST(%s AS JSONB)"
    return "?", "?"


def driver_time(value: datetime, dialect_name: str) -> Any:
    """A time as a UTCDateTime column holds it, for the driver: naive UTC text on SQLite."""
    if dialect_name == "postgresql":
        return value
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
