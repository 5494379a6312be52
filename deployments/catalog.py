"""Every deployment of prefect-commercetools, declared once.

`prefect.yaml` (for `prefect deploy --all` and a process worker) is generated from this table
(`python -m deployments.generated_files --write`, or `make generate`) and `deployments.serve`
(one process on a laptop) serves it; tests/deployments fails when prefect.yaml drifts.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from prefect import Flow

from ctsync.push import PUSH_ENTITIES
from ctsync.registry import ENTITIES
from flows._tags import TAG, entity_tag

WORK_POOL = "commercetools"
# The block name deployments pass as `credentials` unless a run's parameters say otherwise.
DEFAULT_CREDENTIALS = "my-store"
# The block copy-project writes into: another project (a new region, a test project).
DEFAULT_TARGET_CREDENTIALS = "my-target-store"
DEFAULT_DESTINATION = "changes-queue"
FOLLOW_SECONDS = 600
"""follow-changes: a run every 10 minutes that follows for 10 minutes."""
COLLISION_STRATEGY = "CANCEL_NEW"
# The most flow runs the work pool (`make deploy`) and `deployments.serve` start at once. The
# entity syncs come due together on the hour: started all at once, Prefect's SQLite server
# answers some of their calls 503 (database locked) for longer than clients retry and those
# runs crash before they start. The rest wait as Scheduled (Late) and start as slots free.
# docs/production.md ("Schedules that fire together") has the measurements.
RUNS_AT_ONCE = 8

EVERY_5_MINUTES = 300
EVERY_15_MINUTES = 900
HOURLY = 3600
DAILY = 86_400

# Delta pull interval per entity, in seconds: what shoppers and sales change all day is read
# often, reference data hourly, the project's configuration (integrations, B2B roles, groups)
# daily. A delta that finds nothing costs one or two API calls.
SYNC_INTERVALS: dict[str, int] = (
    {name: HOURLY for name in ENTITIES}
    | dict.fromkeys(("customers", "orders", "carts"), EVERY_5_MINUTES)
    | dict.fromkeys(
        (
            "products",
            "categories",
            "inventory",
            "quote-requests",
            "staged-quotes",
            "quotes",
            "recurring-orders",
        ),
        EVERY_15_MINUTES,
    )
    | dict.fromkeys(
        (
            "extensions",
            "subscriptions",
            "associate-roles",
            "attribute-groups",
            "discount-groups",
            "recurrence-policies",
        ),
        DAILY,
    )
)


@dataclass(frozen=True)
class DeploymentSpec:
    """One deployment, as prefect.yaml declares it and `deployments.serve` serves it."""

    name: str
    entrypoint: str  # module:attribute (a module path: `prefect deploy` imports it once for all)
    description: str
    interval: int | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = (TAG,)
    # One run at a time (a second one is cancelled): two runs would race on one watermark.
    one_at_a_time: bool = True
    collision_strategy: str = COLLISION_STRATEGY
    """What a run that arrives while one runs does: cancelled (a sync's next run catches up
    from the watermark), or queued (ENQUEUE: a triggered export must not drop its turn)."""
    triggers: tuple[dict[str, Any], ...] = ()
    """Event triggers, as prefect.yaml writes them (`DeploymentEventTrigger` fields)."""
    note: str = ""
    """What prefect.yaml says above it: what starts it, what a user sets for it."""

    def load_flow(self) -> Flow[..., Any]:
        """The flow object, imported as a module so it works from any working directory."""
        module_name, attribute = self.entrypoint.split(":")
        module = importlib.import_module(module_name)
        flow: Flow[..., Any] = getattr(module, attribute)
        return flow


NEW_ORDERS_TRIGGER: dict[str, Any] = {
    "type": "event",
    "name": "export-new-orders when a sync or follow-changes inserts orders",
    "enabled": True,
    # Any project's orders sync (scheduled, sync_all, by hand) that inserted at least one order:
    # Prefect matches labels, not payload values, so the sync event labels its counts.
    "match": {"prefect.resource.id": "commercetools.*.orders", "commercetools.inserted": "!0"},
    "expect": ["commercetools.sync.completed", "commercetools.changes.applied"],
}


def _every(seconds: int) -> str:
    if seconds < HOURLY:
        return f"every {seconds // 60} minutes"
    return "hourly" if seconds == HOURLY else "daily"


def _entity_deployment(entity: str) -> DeploymentSpec:
    interval = SYNC_INTERVALS[entity]
    return DeploymentSpec(
        name=entity,
        entrypoint=f"flows.sync:sync_{entity.replace('-', '_')}",
        description=(
            f"Delta pull of {entity} into the hub, {_every(interval)}; a full read the first time."
        ),
        interval=interval,
        parameters={"credentials": DEFAULT_CREDENTIALS},
        tags=(TAG, entity_tag(entity)),
    )


DEPLOYMENTS: tuple[DeploymentSpec, ...] = (
    DeploymentSpec(
        name="check-connection",
        entrypoint="flows.check:check_connection",
        description="Get a token, read the project, report what the API client sees and may do.",
        parameters={"credentials": DEFAULT_CREDENTIALS},
        one_at_a_time=False,
    ),
    DeploymentSpec(
        name="initialize",
        entrypoint="flows.sync:sync_all",
        description=(
            "Full pull of every entity into the hub in dependency order; run it before the "
            "schedules take over, or to rebuild the hub."
        ),
        parameters={"credentials": DEFAULT_CREDENTIALS, "mode": "full"},
    ),
    DeploymentSpec(
        name="initialize-on-processes",
        entrypoint="flows.sync:sync_all",
        description=(
            "initialize with the partitions of every full read on Dask worker processes, one per "
            "CPU of the worker's machine; for projects whose full pull outgrows one core. Set "
            "workers to a Dask scheduler's address (and use a PostgreSQL hub) for a cluster."
        ),
        parameters={"credentials": DEFAULT_CREDENTIALS, "mode": "full", "workers": "processes"},
        note=(
            "Any sync deployment takes `workers`: threads (default), processes, processes:N, or "
            "the address of a Dask scheduler (tcp://host:8786, with a PostgreSQL hub), as this "
            "one does."
        ),
    ),
    DeploymentSpec(
        name="copy-project",
        entrypoint="flows.copy:copy_project",
        description=(
            "Bring the target project in line with the source, by key, for every entity a push "
            "knows: a delta of what the source changed since the last copy (mode full compares "
            "everything); what only the target has is listed, or deleted with delete_missing."
        ),
        parameters={"source": DEFAULT_CREDENTIALS, "target": DEFAULT_TARGET_CREDENTIALS},
        note=(
            f"Started by hand: a second Credentials block, {DEFAULT_TARGET_CREDENTIALS}, names "
            "the project to write."
        ),
    ),
    DeploymentSpec(
        name="export-changes",
        entrypoint="flows.export:export_changes",
        description=(
            "Append the hub's changes since this consumer's last run (inserts, updates, "
            "deletions, in order) to a JSON Lines file, or one entity's view to CSV, for "
            "systems that take files."
        ),
        parameters={
            "path": "data/exports/changes.jsonl",
            "consumer": "erp",
            "project": DEFAULT_CREDENTIALS,
        },
        note="Started by hand or by an automation: the hub's change feed to a file for the ERP.",
    ),
    DeploymentSpec(
        name="export-new-orders",
        entrypoint="flows.export:export_new_orders",
        description=(
            "Append the orders inserted since this consumer's last run to a JSON Lines file for "
            "the ERP, each once; started by any orders sync that inserted orders (trigger)."
        ),
        parameters={
            "path": "data/exports/new-orders.jsonl",
            "consumer": "erp-new-orders",
            "project": DEFAULT_CREDENTIALS,
        },
        collision_strategy="ENQUEUE",
        triggers=(NEW_ORDERS_TRIGGER,),
        note=(
            "Started by its trigger: any orders sync that inserted orders (the event's label "
            'commercetools.inserted is not "0"). Runs that arrive while one runs wait their turn.'
        ),
    ),
    DeploymentSpec(
        name="ensure-subscription",
        entrypoint="flows.follow:ensure_subscription",
        description=(
            "Create or update the project's subscription: change notifications of every "
            "resource type the hub keeps, to the SQS queue of a destination block."
        ),
        parameters={"credentials": DEFAULT_CREDENTIALS, "destination": DEFAULT_DESTINATION},
        note=(
            f"Started by hand, once, with an SQS Destination block named {DEFAULT_DESTINATION} "
            "(docs/changes.md); again after the queue or the registry changed."
        ),
    ),
    DeploymentSpec(
        name="follow-changes",
        entrypoint="flows.follow:follow_changes",
        description=(
            "Apply the project's change notifications to the hub within seconds, until "
            "cancelled; a plain delta of every entity when the subscription stops or the queue "
            "stays silent."
        ),
        parameters={"credentials": DEFAULT_CREDENTIALS, "destination": DEFAULT_DESTINATION},
        # A second run waits for the one following, then takes over.
        collision_strategy="ENQUEUE",
        note=(
            "Started by hand after ensure-subscription; it follows until cancelled. For runs "
            f"that renew themselves, give it a schedule every {FOLLOW_SECONDS // 60} minutes "
            f"and run_for_seconds {FOLLOW_SECONDS}. Without a queue: source messages, "
            "destination empty."
        ),
    ),
    *(_entity_deployment(entity) for entity in ENTITIES),
    *(
        DeploymentSpec(
            name=f"push-{entity}",
            entrypoint=f"flows.push:push_{entity.replace('-', '_')}",
            description=(
                f"Bring commercetools {entity} in line with a file of drafts (JSON Lines or CSV) "
                "or the hub outbox; run it with a file path."
            ),
            parameters={"credentials": DEFAULT_CREDENTIALS},
            tags=(TAG, entity_tag(entity)),
            # Pushes of different files may run at once: each record is re-read before writing.
            one_at_a_time=False,
        )
        for entity in PUSH_ENTITIES
    ),
)


def get_deployment(name: str) -> DeploymentSpec:
    for spec in DEPLOYMENTS:
        if spec.name == name:
            return spec
    raise KeyError(f"no deployment {name!r}; known: {', '.join(s.name for s in DEPLOYMENTS)}")
