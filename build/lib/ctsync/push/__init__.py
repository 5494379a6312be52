"""The push engine: bring commercetools in line with drafts, one batch at a time.

`source` reads and validates drafts (files, lists, the hub outbox) and records a push's outcome
in the hub; `entities` says how each entity's drafts are matched and diffed; `lookup` finds what
a batch refers to and matches; `batch` creates and updates. No Prefect here.
"""

from ctsync.push.batch import MAX_CONFLICT_RETRIES, batches, hierarchy_levels, push_batch
from ctsync.push.entities import PushEntity
from ctsync.push.keys import KeyOf, NotCopyable
from ctsync.push.lookup import ReferenceCache, predicate_chunks, query_in
from ctsync.push.registry import PUSH_ENTITIES, get_push_entity
from ctsync.push.source import (
    Drafts,
    DraftSource,
    deduplicate,
    describe_source,
    read_drafts,
    record_outcome,
)

__all__ = [
    "MAX_CONFLICT_RETRIES",
    "PUSH_ENTITIES",
    "DraftSource",
    "Drafts",
    "KeyOf",
    "NotCopyable",
    "PushEntity",
    "ReferenceCache",
    "batches",
    "deduplicate",
    "describe_source",
    "get_push_entity",
    "hierarchy_levels",
    "predicate_chunks",
    "push_batch",
    "query_in",
    "read_drafts",
    "record_outcome",
]
