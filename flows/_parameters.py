"""Flow parameters as the Prefect UI's "Run" form shows them: a title and a description each.

Prefect 3.9 builds a deployment's parameter schema from the signature and titles every field with
the parameter's name; only `json_schema_extra` of an `Annotated` field survives its merge, so the
title and description go there (tests/deployments checks the schema a deployment gets).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from blocks import CommercetoolsCredentials, HubDatabase, SqsDestination
from blocks._form import Shown
from ctsync.push import PUSH_ENTITIES, DraftSource
from ctsync.registry import ENTITIES


def _shown(title: str, description: str) -> Any:
    return Field(json_schema_extra={"title": title, "description": description})


def _optional(schema: dict[str, Any]) -> Any:
    """An optional parameter shown as a plain field of `schema` (left empty: None), not as an
    `x | None` toggle whose None side reads 'Property is type "None"'."""
    return WithJsonSchema(schema)


Credentials = Annotated[
    CommercetoolsCredentials | str,
    Shown(string="Block name"),
    _shown(
        "Credentials block",
        "Name of a saved commercetools Credentials block (Blocks in the Prefect UI), "
        "e.g. my-store.",
    ),
]
SourceCredentials = Annotated[
    CommercetoolsCredentials | str,
    Shown(string="Block name"),
    _shown(
        "Source credentials block",
        "The project copied from: name of a saved commercetools Credentials block, e.g. my-store.",
    ),
]
TargetCredentials = Annotated[
    CommercetoolsCredentials | str,
    Shown(string="Block name"),
    _shown(
        "Target credentials block",
        "The project written to (never the source): name of a saved commercetools Credentials "
        "block, e.g. my-target-store.",
    ),
]
Hub = Annotated[
    HubDatabase | str | None,
    Shown(string="Block name"),
    _shown(
        "Hub database block",
        "Name of a saved commercetools Hub Database block. Empty: the SQLite file data/hub.db "
        "in the working directory of the run.",
    ),
]
# The modes as text with an enum schema, not a Literal: the Run form offers the same choice, and
# a mistyped mode from Python reaches the run, which names the value and the choices.
SyncMode = Annotated[
    str,
    WithJsonSchema({"type": "string", "enum": ["delta", "full"]}),
    _shown(
        "Mode",
        "delta: what changed since the watermark (a full read when there is none yet). "
        "full: read everything again and mark records commercetools no longer has as deleted.",
    ),
]
Since = Annotated[
    datetime | str | None,
    _optional({"type": "string", "format": "date-time"}),
    _shown(
        "Delta since",
        "Start the delta at this moment instead of the watermark, "
        "e.g. 2026-01-31T00:00:00.000Z. Empty: from the watermark.",
    ),
]
Reset = Annotated[
    bool,
    _shown(
        "Reset the watermark",
        "Forget the watermark and any resume point first: the run is a full initialization.",
    ),
]
PageSize = Annotated[
    int,
    _shown(
        "Page size",
        "Most records per API call, 1 to 500 (commercetools' maximum); fewer when records are "
        "large (Page bytes).",
    ),
]
PageBytes = Annotated[
    int,
    _shown(
        "Page bytes",
        "The size a page stays near, in bytes (default 1048576, 1 MiB): each call asks for as "
        "many records as fit, judged by the page before, so large products do not fill memory.",
    ),
]
Partitions = Annotated[
    int | None,
    _optional({"type": "integer", "minimum": 1, "maximum": 64}),
    _shown(
        "Parallel partitions",
        "Id ranges a full read pages at once, 1 to 64. Empty: the block's Concurrent Connections.",
    ),
]
Workers = Annotated[
    str,
    _shown(
        "Workers",
        "Where a full read's partitions run: threads (the flow's process), processes (a Dask "
        "cluster of one worker process per CPU on this machine), processes:N, or a Dask "
        "scheduler's address such as tcp://10.0.0.5:8786 (needs a PostgreSQL hub).",
    ),
]
Settle = Annotated[
    float,
    _shown(
        "Settle delay (seconds)",
        "How far a delta stays behind commercetools' clock, so that writes still in flight "
        "are read by the next run rather than missed.",
    ),
]
Where = Annotated[
    str | None,
    _optional({"type": "string"}),
    _shown(
        "Extra predicate",
        'A commercetools where predicate added to every query, e.g. key = "vip". Empty: no filter.',
    ),
]
DryRun = Annotated[
    bool,
    _shown("Dry run", "Read and report only: write nothing to the hub, move no watermark."),
]
EntityName = Annotated[
    str,
    _shown("Entity", "The entity to pull, as the registry names it, e.g. customers or orders."),
]
EntityNames = Annotated[
    list[str] | None,
    # A multi-select of the registry's names in the Run form.
    _optional({"type": "array", "items": {"type": "string", "enum": list(ENTITIES)}}),
    _shown(
        "Entities",
        "Only these entities, e.g. customers, orders (their dependencies first). "
        "Empty: all of them.",
    ),
]
PushSource = Annotated[
    DraftSource,
    _optional({"type": "string"}),  # from Python also a Path or a list of drafts
    _shown(
        "Source file",
        "Path of a .jsonl/.ndjson or .csv file of drafts, as the worker sees it "
        "(e.g. /data/exports/customers.csv). Empty: the pending drafts of the hub's outbox.",
    ),
]
PushDryRun = Annotated[
    bool,
    _shown("Dry run", "Plan only: compute creates and update actions, write nothing anywhere."),
]
BatchSize = Annotated[
    int,
    _shown("Batch size", "Drafts read and written per batch, 1 to 500; batches run at once."),
]
Replace = Annotated[
    bool,
    _shown(
        "Replace whole records",
        "Each draft is the whole record: a field it leaves out (an absent CSV column) is unset. "
        "Off: a draft changes only the fields it names; null or an empty cell unsets.",
    ),
]
PushAllowDestructive = Annotated[
    bool,
    _shown(
        "Allow destructive changes",
        "Write even when many drafts would remove addresses, prices, variants or categories, "
        "or unset fields. Off: such a push stops before writing and says what it would do.",
    ),
]
MaxDestructiveShare = Annotated[
    float,
    _shown(
        "Destructive share allowed",
        "Share of the drafts (above 10 of them) that may remove or unset data before the push "
        "stops unwritten, from 0 to 1.",
    ),
]
CreateMissing = Annotated[
    bool,
    _shown(
        "Create missing",
        "Create what commercetools does not have yet; when off, such drafts count as skipped.",
    ),
]

# -- copy_project -------------------------------------------------------------------------------

COPYABLE = [name for name in ENTITIES if name in PUSH_ENTITIES]
"""The entities copy_project copies (those a push knows), in the registry's order."""

CopyEntityNames = Annotated[
    list[str] | None,
    _optional({"type": "array", "items": {"type": "string", "enum": COPYABLE}}),
    _shown(
        "Entities",
        "Only these entities, e.g. categories, products (each pushed after those it refers "
        "to). Empty: every entity a push knows.",
    ),
]
CopyMode = Annotated[
    str,
    WithJsonSchema({"type": "string", "enum": ["delta", "full"]}),
    _shown(
        "Mode",
        "delta: copy what the source changed since the last copy to this target (everything "
        "the first time). full: compare every record of the source with the target.",
    ),
]
CopyDryRun = Annotated[
    bool,
    _shown(
        "Dry run",
        "Plan only: a table of the creates and update actions; nothing is written to the target.",
    ),
]
DeleteMissing = Annotated[
    bool,
    _shown(
        "Delete missing",
        "Delete target resources the source no longer has. Off: they are only listed.",
    ),
]
CopyAllowDestructive = Annotated[
    bool,
    _shown("Allow destructive", "Write even when many records would lose data or be deleted."),
]
ResetCopy = Annotated[
    bool,
    _shown(
        "Reset",
        "Forget the copy watermarks of these entities into this target: the run compares "
        "everything, and later deltas start from it.",
    ),
]
ExportPath = Annotated[
    str,
    _shown(
        "File",
        "Where the changes are appended, e.g. /data/exports/changes.jsonl; relative paths are "
        "read from the run's working directory.",
    ),
]
NewOrdersPath = Annotated[
    str,
    _shown(
        "File",
        "Where new orders are appended, one JSON object per line, e.g. "
        "/data/erp/new-orders.jsonl; relative paths are read from the run's working directory.",
    ),
]
ExportConsumer = Annotated[
    str,
    _shown(
        "Consumer",
        "Who reads the feed, e.g. erp: the hub keeps this consumer's cursor, and the next run "
        "writes what changed after it.",
    ),
]
Project = Annotated[
    str | None,
    _optional({"type": "string"}),
    _shown(
        "Project",
        "A project key, or the name of a commercetools credentials block whose project to "
        "read, e.g. my-store. Empty: the hub's only project.",
    ),
]
ExportEntities = Annotated[
    list[str] | None,
    _optional({"type": "array", "items": {"type": "string", "enum": list(ENTITIES)}}),
    _shown(
        "Entities",
        "Only changes of these entities, e.g. orders. Empty: every entity (format jsonl).",
    ),
]
ExportFormat = Annotated[
    Literal["jsonl", "csv"],
    _shown(
        "Format",
        "jsonl: one change per line with the whole document. csv: one entity's typed view "
        "(give exactly one entity), with seq and change first.",
    ),
]
ResetConsumer = Annotated[
    bool,
    _shown(
        "Start over",
        "Forget the consumer's cursor and write everything the hub holds again, into a new file "
        "(a file the consumer already wrote is refused).",
    ),
]

# follow_changes and ensure_subscription
Destination = Annotated[
    SqsDestination | str | None,
    Shown(string="Block name"),
    _shown(
        "Queue destination block",
        "Name of a saved commercetools SQS Destination block: the queue commercetools sends "
        "change notifications to. Empty with source messages.",
    ),
]
RequiredDestination = Annotated[
    SqsDestination | str,
    Shown(string="Block name"),
    _shown(
        "Queue destination block",
        "Name of a saved commercetools SQS Destination block: the queue the subscription sends to.",
    ),
]
FollowSource = Annotated[
    str,
    WithJsonSchema({"type": "string", "enum": ["queue", "messages"]}),
    _shown(
        "Source",
        "queue: the change notifications of the project's subscription (ensure-subscription "
        "sets it up). messages: poll the Messages API (no queue; deletions of most types still "
        "come from the scheduled syncs).",
    ),
]
RunForSeconds = Annotated[
    float | None,
    _optional({"type": "number", "minimum": 1}),
    _shown(
        "Run for (seconds)",
        "Stop after this long, e.g. 600 for a deployment that starts a fresh run every 10 "
        "minutes. Empty: follow until cancelled.",
    ),
]
BatchSeconds = Annotated[
    float,
    _shown(
        "Batch window (seconds)",
        "How long a batch collects notifications after its first: longer fetches more changes "
        "per request, shorter applies them sooner. 0.2 to 10.",
    ),
]
PollSeconds = Annotated[
    float,
    _shown("Poll interval (seconds)", "source messages: how often the Messages API is read."),
]
SilenceSeconds = Annotated[
    float,
    _shown(
        "Silence before a safety delta (seconds)",
        "A queue silent this long gets a plain delta of every entity, which finds what no "
        "notification carried.",
    ),
]
CheckSeconds = Annotated[
    float,
    _shown(
        "Health check interval (seconds)",
        "How often the subscription's status is read and the run's artifact refreshed.",
    ),
]
SubscriptionKey = Annotated[
    str, _shown("Subscription key", "The key of the project's subscription this run manages.")
]
SendSecret = Annotated[
    bool,
    _shown(
        "Send the secret again",
        "Update the subscription's destination even when only its secret changed (a rotated "
        "access key).",
    ),
]
