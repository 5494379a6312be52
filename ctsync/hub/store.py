"""`HubStore`: the one object callers hold; each of its jobs lives in a module of its own."""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from ctsync.hub.database import DEFAULT_URL, Database, open_database
from ctsync.hub.dead_letters import DeadLetter, DeadLetters, RejectedRecord
from ctsync.hub.feed import Change, ConsumerCursor, ConsumerSetup, Feed
from ctsync.hub.locks import DEFAULT_STALE_AFTER, LockHolder, Locks
from ctsync.hub.outbox import Outbox, OutboxItem
from ctsync.hub.projects import ProjectLookup, Projects
from ctsync.hub.records import HubRecord, Records, StoredRecord, UpsertCounts
from ctsync.hub.state import (
    UNSET,
    PartitionCheckpoint,
    Runs,
    SyncState,
    SyncStates,
    Unset,
    Watermark,
)


class HubStore:
    """The hub's tables on one database; safe to share between threads.

    Records (`records.py`), sync state and runs (`state.py`), locks (`locks.py`), the outbox
    (`outbox.py`), dead letters (`dead_letters.py`) and the change feed (`feed.py`); the
    methods here only hand over.

    The methods people call with a project (`get_state`, `count_records`, `changes`, ...) take
    a project key the hub holds or a credentials block's name (`projects.py`: `project_lookup`
    finds the block) and refuse any other name; `exact` takes keys as given, for the engine.
    """

    def __init__(self, database: Database, *, project_lookup: ProjectLookup | None = None) -> None:
        self.database = database
        self.projects = Projects(database, project_lookup)
        self._exact = False
        self._records = Records(database)
        self._states = SyncStates(database)
        self._runs = Runs(database)
        self._locks = Locks(database)
        self._outbox = Outbox(database)
        self._dead_letters = DeadLetters(database)
        self._feed = Feed(database)

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
        view = copy.copy(self)
        view._exact = True
        return view

    def _key(self, name: str) -> str:
        return name if self._exact else self.projects.resolve(name)

    def _read_key(self, name: str | None) -> str | None:
        return name if self._exact else self.projects.only(name)

    # -- records -------------------------------------------------------------------------------

    def upsert_page(
        self,
        project_key: str,
        entity: str,
        records: Sequence[HubRecord],
        *,
        run_id: str,
        dead_letters: Sequence[RejectedRecord] = (),
        cursor: dict[str, Any] | Unset | None = UNSET,
        watermark: Watermark | Unset | None = UNSET,
        partition: PartitionCheckpoint | None = None,
        direction: str = "pull",
    ) -> UpsertCounts:
        """One page, its dead letters and its checkpoint in one transaction (`Records`)."""
        return self._records.upsert_page(
            project_key,
            entity,
            records,
            run_id=run_id,
            dead_letters=dead_letters,
            cursor=cursor,
            watermark=watermark,
            partition=partition,
            direction=direction,
        )

    def classify_page(
        self, project_key: str, entity: str, records: Sequence[HubRecord]
    ) -> UpsertCounts:
        """What `upsert_page` would count, writing nothing (a dry run)."""
        return self._records.classify_page(project_key, entity, records)

    def mark_unseen_deleted(self, project_key: str, entity: str, run_id: str) -> int:
        """After a complete full run: mark deleted what the run did not see; returns how many."""
        return self._records.mark_unseen_deleted(project_key, entity, run_id)

    def mark_deleted(self, project_key: str, entity: str, ids: Collection[str]) -> int:
        """Mark these records deleted (commercetools no longer has them); returns how many."""
        return self._records.mark_deleted(project_key, entity, ids)

    def count_records(
        self,
        project_key: str,
        entity: str,
        *,
        include_deleted: bool = False,
        lower: str | None = None,
        upper: str | None = None,
    ) -> int:
        """Records of the entity (live only by default), with `lower <= id < upper` if given."""
        return self._records.count(
            self._key(project_key),
            entity,
            include_deleted=include_deleted,
            lower=lower,
            upper=upper,
        )

    def live_ids(
        self,
        project_key: str,
        entity: str,
        *,
        lower: str | None = None,
        upper: str | None = None,
        among: Collection[str] | None = None,
    ) -> set[str]:
        """Ids of the live records with `lower <= id < upper`, or of those `among` these ids."""
        return self._records.live_ids(project_key, entity, lower=lower, upper=upper, among=among)

    def get_record(self, project_key: str, entity: str, record_id: str) -> StoredRecord | None:
        """The stored record, deleted or not, or None."""
        return self._records.get(self._key(project_key), entity, record_id)

    def iter_records(
        self,
        project_key: str,
        entity: str,
        *,
        include_deleted: bool = False,
        batch_size: int = 1000,
    ) -> Iterator[StoredRecord]:
        """Records in id order, streamed `batch_size` rows at a time (never all in memory)."""
        return self._records.iterate(
            self._key(project_key), entity, include_deleted=include_deleted, batch_size=batch_size
        )

    # -- dead letters --------------------------------------------------------------------------

    def add_dead_letters(
        self,
        project_key: str,
        entity: str,
        letters: Sequence[RejectedRecord],
        *,
        run_id: str | None = None,
    ) -> None:
        """Keep records a run could not sync, for a replay."""
        self._dead_letters.add(project_key, entity, letters, run_id=run_id)

    def dead_letters(
        self, project_key: str, entity: str | None = None, run_id: str | None = None
    ) -> list[DeadLetter]:
        """Dead letters of the project, optionally of one entity and/or one run, oldest first."""
        return self._dead_letters.read(self._key(project_key), entity, run_id)

    # -- sync state and runs -------------------------------------------------------------------

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
        self._states.save(
            project_key, entity, cursor=cursor, watermark=watermark, direction=direction
        )

    def get_state(self, project_key: str, entity: str, direction: str = "pull") -> SyncState | None:
        """Where the sync of one entity stands (watermark, resume cursor), or None."""
        return self._states.get(self._key(project_key), entity, direction)

    def reset_state(
        self, project_key: str, entity: str | None = None, direction: str = "pull"
    ) -> int:
        """Forget watermark and cursor of one entity (or all); the records stay."""
        return self._states.reset(self._key(project_key), entity, direction)

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
        self._runs.start(
            run_id, project_key, entity, direction=direction, mode=mode, flow_run_id=flow_run_id
        )

    def finish_run(
        self, run_id: str, *, status: str, counts: dict[str, Any], error: str | None = None
    ) -> None:
        """Record a run's outcome; raises KeyError for a run that was never started."""
        self._runs.finish(run_id, status=status, counts=counts, error=error)

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        return self._runs.get(run_id)

    # -- locks ---------------------------------------------------------------------------------

    def acquire_lock(
        self,
        project_key: str,
        entity: str,
        holder: str,
        *,
        direction: str = "pull",
        stale_after: float = DEFAULT_STALE_AFTER,
    ) -> LockHolder | None:
        """Take the entity for `holder`, or raise SyncLocked naming the live run that has it."""
        return self._locks.acquire(
            project_key, entity, holder, direction=direction, stale_after=stale_after
        )

    def heartbeat_lock(
        self, project_key: str, entity: str, holder: str, *, direction: str = "pull"
    ) -> bool:
        return self._locks.heartbeat(project_key, entity, holder, direction=direction)

    def release_lock(
        self, project_key: str, entity: str, holder: str, *, direction: str = "pull"
    ) -> None:
        self._locks.release(project_key, entity, holder, direction=direction)

    def get_lock(
        self, project_key: str, entity: str, *, direction: str = "pull"
    ) -> LockHolder | None:
        return self._locks.get(project_key, entity, direction=direction)

    def locked(
        self,
        project_key: str,
        entity: str,
        holder: str,
        *,
        direction: str = "pull",
        stale_after: float = DEFAULT_STALE_AFTER,
    ) -> AbstractContextManager[LockHolder | None]:
        """Hold the entity for a `with` block, beating; yields the stale holder it took over."""
        return self._locks.held(
            project_key, entity, holder, direction=direction, stale_after=stale_after
        )

    # -- outbox --------------------------------------------------------------------------------

    def enqueue(
        self, project_key: str, entity: str, drafts: Sequence[tuple[str | None, Any]]
    ) -> list[int]:
        """Queue (record key, draft) pairs for the next push of `entity`; their ids, in order."""
        return self._outbox.enqueue(self._key(project_key), entity, drafts)

    def pending(
        self, project_key: str, entity: str, *, limit: int | None = None
    ) -> list[OutboxItem]:
        """Unprocessed drafts of `entity` (failed ones included, to retry), oldest first."""
        return self._outbox.pending(self._key(project_key), entity, limit=limit)

    def outbox(self, project_key: str, entity: str | None = None) -> list[OutboxItem]:
        """Every outbox row of the project (or of one entity), processed or not, oldest first."""
        return self._outbox.items(self._key(project_key), entity)

    def mark_outbox(self, processed: Sequence[int], failed: Sequence[tuple[int, str]]) -> None:
        """Processed rows are done; failed rows keep their reason and stay pending."""
        self._outbox.mark(processed, failed)

    # -- change feed ---------------------------------------------------------------------------

    def changes(
        self,
        after: int = 0,
        *,
        entities: Collection[str] | None = None,
        project: str | None = None,
        limit: int = 1000,
    ) -> list[Change]:
        """Up to `limit` changes (inserts, updates, deletion marks) numbered above `after`,
        in order; pass the last one's `seq` as `after` for the next page (`feed.py`). Of one
        project: `project` (a key or a credentials block's name), or the hub's only one
        (ProjectRequired when it has several)."""
        key = self._read_key(project)
        return self._feed.changes(after, entities=entities, project_key=key, limit=limit)

    def insertions(
        self,
        after: int = 0,
        *,
        entities: Collection[str] | None = None,
        project: str | None = None,
        limit: int = 1000,
    ) -> list[Change]:
        """Live records inserted after change number `after`, by their insertion's number,
        however often they changed since (`feed.py`): what is new to a consumer. Of one
        project, as `changes`."""
        key = self._read_key(project)
        return self._feed.insertions(after, entities=entities, project_key=key, limit=limit)

    def last_change(self) -> int:
        """The highest change number in the hub (0 when it has none)."""
        return self._feed.last_seq()

    def consumer_cursor(self, consumer: str) -> ConsumerCursor:
        """Where a named consumer of the feed stands (at 0 when it never read)."""
        return self._feed.cursor(consumer)

    def advance_consumer(self, consumer: str, seq: int, exported: int) -> ConsumerCursor:
        """Move a consumer to `seq` (never back), counting `exported` more changes taken."""
        return self._feed.advance(consumer, seq, exported)

    def reset_consumer(self, consumer: str, seq: int = 0) -> None:
        """Set a consumer to `seq`: it takes again everything after it."""
        self._feed.reset(consumer, seq)

    def set_up_consumer(self, consumer: str, setup: ConsumerSetup) -> None:
        """Record what a consumer writes (its file, format, entities, project); FileTaken when
        another consumer's setup holds that file."""
        self._feed.set_up(consumer, setup)

    def consumer_of_file(self, path: str) -> str | None:
        """The consumer whose setup writes the file at `path` (absolute), if any."""
        return self._feed.consumer_of_file(path)
