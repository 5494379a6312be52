"""Where the hub lives: its URL, the engine on it, and what goes wrong opening it.

SQLite (the default: one file, WAL mode) or PostgreSQL (`postgresql+psycopg://user@host:5432/db`).
Every message shows the URL with its password masked.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import orjson
from sqlalchemy import Engine, Table, create_engine, event, make_url
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from ctsync.hub.schema import dialect_insert

DEFAULT_URL: Final = "sqlite:///data/hub.db"
SQLITE_BUSY_TIMEOUT_SECONDS: Final = 30.0
_URL_EXAMPLES = "sqlite:///data/hub.db or postgresql+psycopg://user@host:5432/db"
_INLINE_PASSWORD = re.compile(r"(://[^:/@]*:).*@")


class HubUnavailable(Exception):
    """The hub database cannot be used: driver missing, server unreachable, path not writable."""


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


# Compact and UTF-8 as commercetools sends it, whichever encoder writes it.
_stdlib_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def dumps(value: Any) -> str:
    """Documents as JSON text, by orjson on the page path (bench/hub_upsert.py); what it
    refuses rather than changes (integers beyond 64 bits, non-string keys of Python drafts) goes
    to the stdlib encoder."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return _stdlib_dumps(value)


class Database:
    """One engine on the hub, with the write transaction each dialect needs; thread-safe."""

    def __init__(self, engine: Engine) -> None:
        name = engine.dialect.name
        if name not in ("sqlite", "postgresql"):
            raise ValueError(f"the hub runs on SQLite or PostgreSQL, not {name}")
        if name == "sqlite":
            _configure_sqlite(engine)
        self.engine = engine
        self.dialect = name
        self._writer = engine.execution_options(hub_write=True)
        # SQLite has one writer at a time. Writers queue for it here, woken the moment it is
        # free: threads of this process on a lock, processes on this machine (Dask workers) on
        # an flock of a file beside the database. SQLite's own busy handler polls in sleeps, so
        # a writer would wait on past the moment the lock is free.
        self._sqlite_writers = threading.Lock() if name == "sqlite" else None
        self._write_lock_file: int | None = None
        database = engine.url.database
        if name == "sqlite" and not _is_memory(engine.url) and database:
            self._write_lock_file = os.open(f"{database}.write-lock", os.O_RDWR | os.O_CREAT, 0o644)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction (on SQLite it takes the write lock up front: BEGIN IMMEDIATE)."""
        if self._sqlite_writers is None:
            with self._writer.begin() as conn:
                yield conn
            return
        with self._sqlite_writers, _flocked(self._write_lock_file), self._writer.begin() as conn:
            yield conn

    def read(self) -> Connection:
        """A connection for reads (use it as a context manager)."""
        return self.engine.connect()

    def insert(self, table: Table) -> Any:
        return dialect_insert(self.dialect, table)

    @property
    def url(self) -> str:
        """The database URL with its password masked."""
        return mask_url(self.engine.url)

    def close(self) -> None:
        self.engine.dispose()
        if self._write_lock_file is not None:
            os.close(self._write_lock_file)
            self._write_lock_file = None


@contextmanager
def _flocked(descriptor: int | None) -> Iterator[None]:
    """Hold an exclusive flock on `descriptor` (nothing when None)."""
    if descriptor is None:
        yield
        return
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)


def connect_database(url: str, *, password: str | None = None, echo: bool = False) -> Database:
    """The hub at `url`, its schema untouched (`upgrade.open_database` also keeps it current);
    `password` replaces the URL's."""
    parsed = _absolute_file(parse_url(url))
    if password is not None and parsed.get_backend_name() != "sqlite":
        parsed = parsed.set(password=password)  # SQLite has no passwords: ignored there
    return Database(_create_engine(parsed, echo))


def _create_engine(url: URL, echo: bool) -> Engine:
    shown = mask_url(url)
    # hide_parameters: documents hold customers' personal data, which must not reach logs or
    # error messages (SQLAlchemy quotes a failed statement's parameters in both).
    options: dict[str, Any] = {"echo": echo, "json_serializer": dumps, "hide_parameters": True}
    if url.get_backend_name() == "sqlite":
        options["connect_args"] = {
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
        }
        if _is_memory(url):
            # One shared connection, or every pooled connection would see its own database.
            options["poolclass"] = StaticPool
        else:
            _prepare_sqlite_path(url)
    else:
        options["pool_pre_ping"] = True
    try:
        return create_engine(url, **options)
    except ImportError as error:
        raise HubUnavailable(
            f"Hub database {shown!r} needs the {error.name or 'database'} driver, which is "
            "not installed: pip install psycopg[binary]"
        ) from None
    except NoSuchModuleError:
        raise ValueError(
            f"Database URL {shown!r} names an unknown driver {url.drivername!r}: "
            f"use e.g. {_URL_EXAMPLES}"
        ) from None
    except ArgumentError as error:
        reason = str(error).splitlines()[0]
        raise ValueError(
            f"Database URL {shown!r} is not usable ({reason}): use e.g. {_URL_EXAMPLES}"
        ) from None


def unavailable(url: URL, error: DBAPIError, password: str | None) -> HubUnavailable:
    """Why the first connection failed, in words that say what to fix; never the password."""
    shown = mask_url(url)
    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(type(error))
    if password:
        reason = reason.replace(password, "***")
    if "permission denied" in reason.lower() or "readonly" in reason.lower():
        who = url.username or "the connecting user"
        return HubUnavailable(
            f"Hub database {shown!r} may not be written by {who}: {reason}. The hub creates and "
            "writes its own tables: on PostgreSQL, GRANT CREATE, USAGE ON SCHEMA public TO "
            f"{who} (or let the database owner connect); on SQLite, make the file and its "
            "directory writable. Nothing was written."
        )
    return HubUnavailable(
        f"Hub database {shown!r} cannot be reached or opened: {reason}. Check the URL, that the "
        "server runs and accepts this user, or that the SQLite path is writable"
    )


def same_database(url: str) -> str:
    """The URL with a relative SQLite path made absolute from the current directory: the key
    under which a process shares one store per database (a relative path would otherwise
    follow the directory a later connection is opened in)."""
    return _absolute_file(parse_url(url)).render_as_string(hide_password=False)


def _absolute_file(url: URL) -> URL:
    if url.get_backend_name() != "sqlite" or _is_memory(url) or url.database is None:
        return url
    return url.set(database=os.path.abspath(url.database))


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
