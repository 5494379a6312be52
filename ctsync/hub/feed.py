"""The change feed: every insert, update and deletion mark of a record, by change number.

`records.seq` is numbered so that a number a reader can see is final: nothing committed later
takes a lower one (`sequence.py`). A consumer that remembers the last number it read and asks
for what comes after gets every change once, in order, whatever the records' timestamps.
The feed is compacted: a record changed twice between two reads is read once, at its latest
change (like a compacted log). Deletions are changes too: the record is kept with its last
document and `change = 'delete'`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import case, literal_column, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ctsync.hub.database import Database
from ctsync.hub.projects import ProjectKeys
from ctsync.hub.schema import feed_consumers_table, now, records_table
from ctsync.hub.sequence import READABLE_BELOW_PG

CHANGES_VIEW: Final = "hub_changes"
ChangeKind = Literal["insert", "update", "delete"]


@dataclass(frozen=True, slots=True)
class Change:
    """One record's latest change: insert and update carry the document commercetools sent;
    a deletion carries the last document the hub had."""

    seq: int
    project_key: str
    entity: str
    id: str
    key: str | None
    version: int
    change: ChangeKind
    last_modified_at: str
    changed_at: datetime
    document: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """The change as one JSON Lines object (what `export_changes` writes)."""
        return {
            "seq": self.seq,
            "change": self.change,
            "project_key": self.project_key,
            "entity": self.entity,
            "id": self.id,
            "key": self.key,
            "version": self.version,
            "last_modified_at": self.last_modified_at,
            "changed_at": self.changed_at.isoformat().replace("+00:00", "Z"),
            "document": self.document,
        }


@dataclass(frozen=True, slots=True)
class ConsumerSetup:
    """What a consumer was set up with by its first export (or its last start over)."""

    path: str
    """The file it writes, absolute and resolved."""
    format: str
    entities: tuple[str, ...] | None
    """None: every entity."""
    project_key: str | None
    """None: the hub held no project yet, and the first project it holds is taken."""
    columns: tuple[str, ...] | None = None
    """CSV: the header it wrote, kept when the typed view gains columns."""


@dataclass(frozen=True, slots=True)
class ConsumerCursor:
    """Where a consumer of the feed stands: the last change number it has taken."""

    consumer: str
    seq: int
    exported: int
    updated_at: datetime | None
    """None: the consumer never ran."""
    setup: ConsumerSetup | None = None
    """None: never set up, or set up before the hub recorded setups (0005)."""


class FileTaken(ValueError):
    """Another consumer's setup holds the file."""


_COLUMNS = (
    records_table.c.seq,
    records_table.c.project_key,
    records_table.c.entity,
    records_table.c.id,
    records_table.c.key,
    records_table.c.version,
    records_table.c.change,
    records_table.c.last_modified_at,
    records_table.c.synced_at,
    records_table.c.deleted_at,
    records_table.c.document,
)


class Feed:
    """The change feed of one hub, and its consumers' cursors.

    A reader reads one project: `project`, a key or a credentials block's name, or when None the
    hub's only one (ProjectRequired when it holds several); through `HubStore.exact`, a key as
    given, and every project when None.
    """

    def __init__(self, database: Database, keys: ProjectKeys) -> None:
        self._db = database
        self._keys = keys

    def changes(
        self,
        after: int = 0,
        *,
        entities: Collection[str] | None = None,
        project: str | None = None,
        limit: int = 1000,
    ) -> list[Change]:
        """Up to `limit` changes (inserts, updates, deletion marks) numbered above `after`,
        lowest first; pass the last one's `seq` as `after` for the next page."""
        key = self._keys.only(project)
        rows = self._page(records_table.c.seq, after, entities, key, limit)
        return [_change(row) for row in rows]

    def insertions(
        self,
        after: int = 0,
        *,
        entities: Collection[str] | None = None,
        project: str | None = None,
        limit: int = 1000,
    ) -> list[Change]:
        """Up to `limit` live records inserted into the hub after change number `after`, by
        the number of their insertion (lowest first), whatever changed them since: what is new
        to a consumer, which `changes` would show as an update once the record changed again.
        Each comes as an insert with its insertion's number and its current document."""
        rows = self._page(
            records_table.c.inserted_seq,
            after,
            entities,
            self._keys.only(project),
            limit,
            records_table.c.deleted_at.is_(None),
        )
        return [
            dataclasses.replace(_change(row), seq=int(row.number), change="insert") for row in rows
        ]

    def _page(
        self,
        number: Any,
        after: int,
        entities: Collection[str] | None,
        project_key: str | None,
        limit: int,
        *conditions: Any,
    ) -> list[Any]:
        """Up to `limit` rows whose `number` (a change number column) is above `after` and
        final, lowest first, of those entities and project; each row also has it as `number`."""
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        if after < 0:
            raise ValueError(f"after must be a change number (0 or more), got {after}")
        query = (
            select(*_COLUMNS, number.label("number"))
            .where(number > after, *self._readable(number), *conditions)
            .order_by(number)
            .limit(limit)
        )
        if entities is not None:
            query = query.where(records_table.c.entity.in_(sorted(entities)))
        if project_key is not None:
            query = query.where(records_table.c.project_key == project_key)
        with self._db.read() as conn:
            return list(conn.execute(query).all())

    def last_seq(self) -> int:
        """The highest change number in the hub (0 when it has none)."""
        with self._db.read() as conn:
            found = conn.execute(
                select(records_table.c.seq)
                .where(records_table.c.seq.is_not(None), *self._readable())
                .order_by(records_table.c.seq.desc())
                .limit(1)
            ).scalar()
        return int(found or 0)

    def _readable(self, number: Any = records_table.c.seq) -> list[Any]:
        """On PostgreSQL, only numbers no running transaction can still add below
        (`sequence.py`); on SQLite every committed number is final."""
        if self._db.dialect != "postgresql":
            return []
        return [number < literal_column(READABLE_BELOW_PG)]

    def cursor(self, consumer: str) -> ConsumerCursor:
        """Where `consumer` stands (at 0 when it never read)."""
        with self._db.read() as conn:
            row = conn.execute(
                select(feed_consumers_table).where(feed_consumers_table.c.consumer == consumer)
            ).first()
        if row is None:
            return ConsumerCursor(consumer, 0, 0, None)
        return _cursor(row)

    def consumer_of_file(self, path: str) -> str | None:
        """The consumer whose setup writes the file at `path` (absolute), if any."""
        table = feed_consumers_table
        with self._db.read() as conn:
            return conn.execute(select(table.c.consumer).where(table.c.path == path)).scalar()

    def set_up(self, consumer: str, setup: ConsumerSetup) -> None:
        """Record `consumer`'s setup (a new consumer starts at 0); FileTaken when another
        consumer's setup holds the file."""
        table = feed_consumers_table
        values = {
            "path": setup.path,
            "format": setup.format,
            "entities": list(setup.entities) if setup.entities is not None else None,
            "project_key": setup.project_key,
            "columns": list(setup.columns) if setup.columns is not None else None,
        }
        statement = self._db.insert(table).values(
            consumer=consumer, seq=0, exported=0, updated_at=now(), **values
        )
        statement = statement.on_conflict_do_update(index_elements=[table.c.consumer], set_=values)
        try:
            with self._db.begin() as conn:
                conn.execute(statement)
        except IntegrityError:
            raise FileTaken(
                f"{setup.path} is the file of consumer {self.consumer_of_file(setup.path)!r}"
            ) from None

    def advance(self, consumer: str, seq: int, exported: int) -> ConsumerCursor:
        """Move `consumer` to `seq` (never back) and count `exported` more changes taken."""
        with self._db.begin() as conn:
            return self._advance(conn, consumer, seq, exported)

    def _advance(self, conn: Connection, consumer: str, seq: int, exported: int) -> ConsumerCursor:
        table = feed_consumers_table
        stamp = now()
        statement = self._db.insert(table).values(
            consumer=consumer, seq=seq, exported=exported, updated_at=stamp
        )
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.consumer],
            set_={
                "seq": _greater(table.c.seq, excluded.seq),
                "exported": table.c.exported + excluded.exported,
                "updated_at": excluded.updated_at,
            },
        )
        conn.execute(statement)
        return _cursor(conn.execute(select(table).where(table.c.consumer == consumer)).one())

    def reset(self, consumer: str, seq: int = 0) -> None:
        """Set `consumer` back (or forward) to `seq`: it reads again what comes after. Its
        setup stays."""
        table = feed_consumers_table
        statement = self._db.insert(table).values(
            consumer=consumer, seq=seq, exported=0, updated_at=now()
        )
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.consumer],
            set_={"seq": excluded.seq, "exported": 0, "updated_at": excluded.updated_at},
        )
        with self._db.begin() as conn:
            conn.execute(statement)


def _cursor(row: Any) -> ConsumerCursor:
    setup = None
    if row.format is not None:
        setup = ConsumerSetup(
            path=row.path,
            format=row.format,
            entities=tuple(row.entities) if row.entities is not None else None,
            project_key=row.project_key,
            columns=tuple(row.columns) if row.columns is not None else None,
        )
    return ConsumerCursor(row.consumer, int(row.seq), int(row.exported), row.updated_at, setup)


def _greater(stored: Any, new: Any) -> Any:
    return case((new > stored, new), else_=stored)


def _change(row: Any) -> Change:
    kind = row.change or ("delete" if row.deleted_at is not None else "insert")
    return Change(
        seq=int(row.seq),
        project_key=row.project_key,
        entity=row.entity,
        id=row.id,
        key=row.key,
        version=int(row.version),
        change=kind,
        last_modified_at=row.last_modified_at,
        changed_at=row.deleted_at if kind == "delete" else row.synced_at,
        document=row.document,
    )


def changes_view_statement(dialect_name: str) -> str:
    """`hub_changes`: the feed in SQL; on PostgreSQL only the numbers that are final."""
    final = f" AND seq < {READABLE_BELOW_PG}" if dialect_name == "postgresql" else ""
    return (
        f"CREATE VIEW {CHANGES_VIEW} AS SELECT seq, change, project_key, entity, id, key, "
        "version, last_modified_at, "
        "CASE WHEN change = 'delete' THEN deleted_at ELSE synced_at END AS changed_at, "
        f"document FROM records WHERE seq IS NOT NULL{final}"
    )


def replace_changes_view(conn: Connection) -> None:
    conn.exec_driver_sql(f"DROP VIEW IF EXISTS {CHANGES_VIEW}")
    conn.exec_driver_sql(changes_view_statement(conn.dialect.name))
