"""The hub: a SQL mirror of commercetools resources that other systems read.

One module per job: `schema` (the tables), `database` (URL, engine, errors opening it),
`upgrade` and `migrations` (the hub opened with its schema kept current in place), `record`
(one record, what pages did), `records` (pages written with their checkpoint, deletions,
records read back) and `record_writes` (a page's plan and driver SQL), `sequence` and `feed`
(the change feed and its consumers), `views` (typed views for other systems), `state`
(watermarks, resume cursors, runs), `locks` (one run per entity), `outbox` (drafts queued for
pushes), `dead_letters` and `projects` (what a caller's name for a project means);
`store.HubStore` is the one object callers hold, and its parts do the jobs.
"""

from ctsync.hub.database import DEFAULT_URL, Database, HubUnavailable, mask_url, parse_url
from ctsync.hub.dead_letters import DeadLetter, RejectedRecord
from ctsync.hub.feed import Change, ConsumerCursor, ConsumerSetup, FileTaken
from ctsync.hub.locks import LockHolder, SyncLocked
from ctsync.hub.outbox import OutboxItem
from ctsync.hub.projects import ProjectLookup, ProjectRequired, UnknownProject
from ctsync.hub.record import HubRecord, StoredRecord, UpsertCounts
from ctsync.hub.state import (
    UNSET,
    PartitionCheckpoint,
    SyncState,
    Unset,
    Watermark,
    committed_counts,
)
from ctsync.hub.store import HubStore
from ctsync.hub.upgrade import HubTooNew

__all__ = [
    "DEFAULT_URL",
    "UNSET",
    "Change",
    "ConsumerCursor",
    "ConsumerSetup",
    "Database",
    "DeadLetter",
    "FileTaken",
    "HubRecord",
    "HubStore",
    "HubTooNew",
    "HubUnavailable",
    "LockHolder",
    "OutboxItem",
    "PartitionCheckpoint",
    "ProjectLookup",
    "ProjectRequired",
    "RejectedRecord",
    "StoredRecord",
    "SyncLocked",
    "SyncState",
    "UnknownProject",
    "Unset",
    "UpsertCounts",
    "Watermark",
    "committed_counts",
    "mask_url",
    "parse_url",
]
