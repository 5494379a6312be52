"""The engine's page path of a full pull, without the network: pages written by `PullRun.write`
as one partition of a full run, with its checkpoint. Measures 10 (`cpu_per_record`) and 13
(`feed_cost`, which also runs it with the code of an earlier commit) time it."""

from __future__ import annotations

from ctsync.client.pages import parse_page
from ctsync.hub import HubStore
from ctsync.pull import PullPlan, PullRun
from ctsync.pull.paging import FullCursor, IdRange
from ctsync.registry import get_entity
from ctsync.run.options import PullOptions

PROJECT = "bench"


def full_run(store: HubStore) -> PullRun:
    """A full run of customers with one partition, its resume cursor stored."""
    entity = get_entity("customers")
    plan = PullPlan(
        project_key=PROJECT,
        entity=entity,
        options=PullOptions(mode="full"),
        mode="full",
        run_token="run",
        started_at="2026-11-30T00:00:00.000Z",
        ranges=[FullCursor(IdRange())],
        done=[False],
    )
    store.states.save(PROJECT, entity.name, cursor=plan.cursor_document())
    return PullRun(store, plan)


def write_pages(run: PullRun, bodies: list[bytes]) -> None:
    """Parse each response body as the client does and write it with its checkpoint."""
    for n, body in enumerate(bodies):
        page = parse_page(body)
        cursor = FullCursor(IdRange(), page.results[-1]["id"])
        run.write(page.results, partition=0, cursor=cursor, finished=n == len(bodies) - 1)
