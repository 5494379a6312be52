"""The push engine: bring commercetools in line with drafts, one batch at a time.

`resources` holds one module per pushed resource (its draft, to_draft, update actions and
`PUSH` row), `registry` finds them; `source` reads and validates drafts (files, lists, the hub
outbox) and records a push's outcome in the hub; `lookup` finds what a batch refers to and
matches; `batch` creates and updates. Shared by the resources: `draft_types`, `diff`,
`references`, `custom_fields`, `money`, `validity`, `matching`, `copied` and `keys`. No Prefect
here.
"""

from ctsync.push.batch import MAX_CONFLICT_RETRIES, batches, hierarchy_levels, push_batch
from ctsync.push.entity import PushEntity
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
