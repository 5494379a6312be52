"""`HubStore`: the one object callers hold; each of its jobs is a part they reach directly."""

from __future__ import annotations

import copy

from ctsync.hub.database import DEFAULT_URL, Database
from ctsync.hub.dead_letters import DeadLetters
from ctsync.hub.feed import Feed
from ctsync.hub.locks import Locks
from ctsync.hub.outbox import Outbox
from ctsync.hub.projects import EXACT, ProjectKeys, ProjectLookup, Projects
from ctsync.hub.records import Records
from ctsync.hub.state import Runs, SyncStates
from ctsync.hub.upgrade import open_database


class HubStore:
    """The hub's tables on one database; safe to share between threads.

    Its parts: `records` (pages written with their checkpoint, deletions, records read back),
    `states` (watermarks and resume cursors), `runs`, `locks` (one run per entity), `outbox`
    (drafts queued for pushes), `dead_letters`, `feed` (the change feed and its consumers) and
    `projects`.

    The parts' methods people call with a project (`states.get`, `records.count`,
    `feed.changes`, ...) take a project key the hub holds or a credentials block's name
    (`projects.py`: `project_lookup` finds the block) and refuse any other name; the same
    parts of `exact` take keys as given, for the engine.
    """

    records: Records
    states: SyncStates
    runs: Runs
    locks: Locks
    outbox: Outbox
    dead_letters: DeadLetters
    feed: Feed

    def __init__(self, database: Database, *, project_lookup: ProjectLookup | None = None) -> None:
        self.database = database
        self.projects = Projects(database, project_lookup)
        self._make_parts(self.projects)
        self._exact = copy.copy(self)
        self._exact._make_parts(EXACT)
        self._exact._exact = self._exact

    def _make_parts(self, keys: ProjectKeys) -> None:
        """The parts, each reading a caller's name for a project through `keys`."""
        database = self.database
        self.records = Records(database, keys)
        self.states = SyncStates(database, keys)
        self.runs = Runs(database)
        self.locks = Locks(database)
        self.outbox = Outbox(database, keys)
        self.dead_letters = DeadLetters(database, keys)
        self.feed = Feed(database, keys)

    @classmethod
    def connect(
        cls,
        url: str = DEFAULT_URL,
        *,
        password: str | None = None,
        echo: bool = False,
        project_lookup: ProjectLookup | None = None,
    ) -> HubStore:
        """Open the hub at `url` (see `open_database`); `password` replaces the URL's password."""
        return cls(open_database(url, password=password, echo=echo), project_lookup=project_lookup)

    def __repr__(self) -> str:
        return f"HubStore(url={self.url!r})"

    @property
    def url(self) -> str:
        """The database URL with its password masked."""
        return self.database.url

    def close(self) -> None:
        """Close the pooled connections."""
        self.database.close()

    @property
    def exact(self) -> HubStore:
        """This hub taking project keys exactly as given, unchecked, and reading the records
        of every project when none is named: for a sync, whose project may not be in the hub
        yet (a first run), and for code that already holds a resolved key."""
        return self._exact
