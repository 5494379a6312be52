"""The hub opened with its schema kept current by Alembic migrations (`ctsync/hub/migrations`).

Every open of the hub (`open_database`) checks its revision; a hub behind the code is upgraded
in place, under the hub's write lock (SQLite) or an advisory lock (PostgreSQL), so that two
processes opening an old hub at once upgrade it once. A hub made before migrations existed
(tables, no `alembic_version`) is first stamped with the revision that describes it. A hub
ahead of the code is refused: this code would write rows a newer schema does not expect.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ctsync.hub.database import Database, HubUnavailable, connect_database, unavailable
from ctsync.hub.views.statements import missing_view_statements

if TYPE_CHECKING:  # imported when used: opening a current hub needs no Alembic
    from alembic.config import Config
    from alembic.script import ScriptDirectory

HEAD: Final = "0005"
"""The newest revision this code knows (a test keeps it equal to the migrations' head)."""
BEFORE_MIGRATIONS: Final = "0001"
"""The revision of a hub made by `create_all` before migrations existed."""
_MIGRATIONS = Path(__file__).parent / "migrations"
_PG_UPGRADE_LOCK: Final = 0x6374_6875_6230  # pg_advisory_xact_lock key: "cthub0"


class HubTooNew(HubUnavailable):
    """The hub was upgraded by a newer prefect-commercetools than the one running."""


def open_database(url: str, *, password: str | None = None, echo: bool = False) -> Database:
    """Open the hub at `url`, creating or upgrading its schema in place; `password` replaces
    the URL's.

    Raises ValueError for a URL that is malformed or names another database, and HubUnavailable
    when the driver is missing, the server cannot be reached, the hub may not be written, or it
    was upgraded by a newer version (`HubTooNew`).
    """
    database = connect_database(url, password=password, echo=echo)
    try:
        upgrade(database)
    except DBAPIError as error:
        database.close()
        raise unavailable(database.engine.url, error, password) from None
    except BaseException:
        database.close()
        raise
    return database


def revision(database: Database) -> str | None:
    """The hub's schema revision: None for an empty database, BEFORE_MIGRATIONS for a hub made
    before migrations existed."""
    with database.read() as conn:
        return _revision(conn)


def _revision(conn: Connection) -> str | None:
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables:
        found = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        if found is not None:
            return str(found)
    return BEFORE_MIGRATIONS if "records" in tables else None


def known_revisions() -> list[str]:
    """Every revision of the migrations, oldest first."""
    return [script.revision for script in reversed(list(_scripts().walk_revisions()))]


def upgrade(database: Database) -> list[str]:
    """Bring the hub to HEAD in place; returns the revisions applied (none when current).

    Raises HubTooNew for a hub at a revision this code does not know.
    """
    if _quick_revision(database) == HEAD:
        _create_missing_views(database)
        return []
    with database.begin() as conn:
        _lock(database, conn)
        current = _revision(conn)  # again, under the lock: another process may have upgraded
        if current == HEAD:
            return []
        known = known_revisions()
        if current is not None and current not in known:
            raise HubTooNew(
                f"Hub database {database.url!r} has schema revision {current!r}, newer than this "
                f"prefect-commercetools knows (it knows up to {HEAD!r}): a newer version "
                "upgraded it. Upgrade prefect-commercetools wherever flows use this hub "
                "(pip install -U prefect-commercetools), or point this one at another hub. "
                "Nothing was written."
            )
        applied = known[known.index(current) + 1 :] if current else known
        _run_alembic(conn, current)
        return applied


def _lock(database: Database, conn: Connection) -> None:
    """One upgrader at a time: SQLite's write transaction is the lock, PostgreSQL takes an
    advisory lock held until the transaction ends."""
    if database.dialect == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_UPGRADE_LOCK})")


def _create_missing_views(database: Database) -> None:
    """A registry entity added since the hub's last migration gets its views on open; views the
    hub has are never dropped, so an older version sharing the hub leaves them in place."""
    with database.read() as conn:
        if not missing_view_statements(conn):
            return
    with database.begin() as conn:
        _lock(database, conn)
        for statement in missing_view_statements(conn):  # again, under the lock
            conn.exec_driver_sql(statement)


def _quick_revision(database: Database) -> str | None:
    """The stored revision by one query, without Alembic; None when it cannot tell."""
    try:
        with database.read() as conn:
            found = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except DBAPIError:
        return None
    return None if found is None else str(found)


def _run_alembic(conn: Connection, current: str | None) -> None:
    from alembic import command

    config = _config(conn)
    if current == BEFORE_MIGRATIONS and not inspect(conn).has_table("alembic_version"):
        command.stamp(config, BEFORE_MIGRATIONS)
    command.upgrade(config, "head")


def _config(conn: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    if conn is not None:
        config.attributes["connection"] = conn
    return config


def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())
