"""Which project a caller of the hub means: a key the hub holds, or a credentials block's name.

People name a project as they name it elsewhere, by its credentials block ("my-store") as often
as by its key ("sandbox"). A name the hub holds is that project; any other name is handed to
`lookup` (injected: `blocks/hub.py` loads the credentials block of that name, ctsync knows no
Prefect); a name neither knows is refused, never read as an empty project.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol

from sqlalchemy import select, text

from ctsync.hub.database import Database
from ctsync.hub.schema import (
    dead_letters_table,
    outbox_table,
    records_table,
    runs_table,
    sync_state_table,
)

ProjectLookup = Callable[[str], str | None]
"""A name to the project key of the credentials block of that name, or None when there is none."""


class ProjectKeys(Protocol):
    """What the hub's parts make of a caller's name for a project (`Projects`, or `EXACT`)."""

    def resolve(self, name: str) -> str:
        """The project key `name` means."""
        ...

    def only(self, name: str | None) -> str | None:
        """The project a reader of records reads; None reads every project."""
        ...


class _ExactKeys:
    """Project keys taken as given, unchecked; a reader naming none reads every project."""

    def resolve(self, name: str) -> str:
        return name

    def only(self, name: str | None) -> str | None:
        return name


EXACT: Final[ProjectKeys] = _ExactKeys()
"""Names taken as project keys: for the engine, whose project may not be in the hub yet."""

_HOLDING: Final = (records_table, sync_state_table, runs_table, outbox_table, dead_letters_table)
"""Where a project the hub knows leaves rows: a sync starts a run before its first page."""

# One index seek per project (a loose index scan): a hub of millions of records is not read.
_RECORD_PROJECTS: Final = text(
    "WITH RECURSIVE keys(k) AS ("
    "SELECT MIN(project_key) FROM records "
    "UNION ALL SELECT (SELECT MIN(project_key) FROM records WHERE project_key > keys.k) "
    "FROM keys WHERE keys.k IS NOT NULL) "
    "SELECT k FROM keys WHERE k IS NOT NULL"
)
_HOW_TO_NAME: Final = "a project key, or the name of the project's commercetools credentials block"


class UnknownProject(ValueError):
    """A name that is no project of the hub and no credentials block."""


class ProjectRequired(ValueError):
    """The hub holds several projects and a reader named none."""


class Projects:
    """The projects one hub holds, and what a caller's name for one means."""

    def __init__(self, database: Database, lookup: ProjectLookup | None = None) -> None:
        self._db = database
        self._lookup = lookup
        self._known: dict[str, str] = {}
        """Names resolved before: a project the hub holds stays in it (records are never
        removed), and a block keeps its project for the life of the process."""

    def resolve(self, name: str) -> str:
        """The project key `name` means: itself when the hub holds that project, else the
        project of the credentials block of that name; UnknownProject when neither."""
        key = self._known.get(name)
        if key is None:
            key = name if self._holds(name) else self._look_up(name)
            self._known[name] = key
        return key

    def only(self, name: str | None) -> str | None:
        """The project a reader of records reads: `name` resolved, or when None the hub's only
        project (None when the hub has no records); ProjectRequired when it has several."""
        if name is not None and name.strip():
            return self.resolve(name.strip())
        found = self.in_records()
        if len(found) > 1:
            raise ProjectRequired(
                f"The hub holds {len(found)} projects ({', '.join(found)}) and no project was "
                f"named, so this would mix their records. Name the one to read: {_HOW_TO_NAME}, "
                f"e.g. {found[0]!r}."
            )
        return found[0] if found else None

    def in_records(self) -> list[str]:
        """The project keys of the hub's records, in order."""
        with self._db.read() as conn:
            return [str(key) for key in conn.execute(_RECORD_PROJECTS).scalars()]

    def held(self) -> list[str]:
        """Every project key the hub has rows of (records, sync state, runs, outbox, dead
        letters), in order."""
        keys = set(self.in_records())
        with self._db.read() as conn:
            for table in _HOLDING[1:]:
                keys.update(conn.execute(select(table.c.project_key).distinct()).scalars())
        return sorted(keys)

    def _holds(self, name: str) -> bool:
        with self._db.read() as conn:
            return any(
                conn.execute(
                    select(table.c.project_key).where(table.c.project_key == name).limit(1)
                ).first()
                for table in _HOLDING
            )

    def _look_up(self, name: str) -> str:
        if self._lookup is None:
            where = (
                "this HubStore knows only project keys (HubDatabase(...).get_store() also "
                "takes credentials block names)"
            )
        else:
            try:
                key = self._lookup(name)
            except Exception as error:  # the lookup's own failure is part of the answer
                key, where = None, f"looking it up as a credentials block failed ({error})"
            else:
                where = "no commercetools credentials block has that name"
            if key is not None:
                return key
        held = self.held()
        raise UnknownProject(
            f"Project {name!r}: the hub holds no project of that key and {where}. The hub "
            f"holds {', '.join(map(repr, held)) if held else 'no project yet'}. Name "
            f"{_HOW_TO_NAME}; a project the hub does not hold yet has nothing to read (sync it "
            "first), and `store.exact` takes a key as given."
        )
