"""What a user sees of a fixed set of runs, as one JSON file: two checkouts that behave alike
write equal files, so a refactoring is checked by a diff.

    .venv/bin/python -m bench.behaviour --output before.json

The scenarios run against fresh sandboxes and an ephemeral Prefect server through the public
entry points only (`flows`, `blocks`, `sandbox`), never the engine's modules, whose layout is
what a refactoring changes. Each scenario keeps the flow's return value or its error, and of
every flow run it started: the name, the final state, the artifacts, the log lines and the
`commercetools.*` events. What differs from one run to the next (ids minted during the run,
times, durations, rates, ports, the temporary directory) becomes a placeholder; nothing else
does. A run takes one to three minutes, as busy as the machine is.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Events reach the server's database within half a second, not five: the capture waits less.
os.environ.setdefault("PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL", "0.5")

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.testing.utilities import prefect_test_harness
from pydantic import BaseModel

from blocks import CommercetoolsCredentials, HubDatabase
from flows import (
    check_connection,
    copy_project,
    export_changes,
    push_categories,
    push_customers,
    sync_all,
    sync_entity,
)
from sandbox import DEFAULT_SEED, Sandbox

UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
TIME = re.compile(r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?")
RUN_STAMP = re.compile(r"\b\d{8}-\d{6}\b")  # flow-run names: customers-full-20260101-000000
PORT = re.compile(r"\b(127\.0\.0\.1|localhost):\d+")
HEX_NAME = re.compile(r"\b[0-9a-f]{32}\b")  # Prefect's result files: storage/<uuid hex>
SECONDS = re.compile(r"\b\d+\.\d+ s\b")  # "in 0.4 s", "throttled 0.0 s"
RATE = re.compile(r"\b[\d,]+(?:\.\d+)? records/s\b")
THROTTLED = re.compile(r", \d+\.\d+ s throttle wait\b")  # said only when a run waited
SHORT_TIME = re.compile(r"\b\d\d-\d\d \d\d:\d\d\b")  # "until (UTC)": "06-25 06:09"
ID_START = re.compile(r"\b[0-9a-f]{8}(?:-[0-9a-f]{1,4}){0,3}(?=\u2026)")  # "(id 5c357b73-b58e…"
EVENT_POLLS = 60


@dataclass
class World:
    """The state every scenario shares: the demo shop, an empty second project, one hub."""

    shop: Sandbox
    empty: Sandbox
    hub: HubDatabase
    tmp: Path
    stable: set[str] = field(default_factory=set)


def credentials(sandbox: Sandbox, secret: str | None = None) -> CommercetoolsCredentials:
    return CommercetoolsCredentials(
        api_url=sandbox.api_url,
        client_id=sandbox.client_id,
        client_secret=secret or sandbox.client_secret,
        scope=sandbox.scope,
    )


# -- scenarios: each calls flows and returns what the last call returned ------------------------


def change_the_shop(shop: Sandbox) -> None:
    """Two customers renamed, one deleted, one created; then the next server second."""
    with shop.client() as http:
        for key in ("customer-00001", "customer-00002"):
            customer = http.get(f"{shop.api_url}/customers/key={key}").json()
            body = {
                "version": customer["version"],
                "actions": [{"action": "setFirstName", "firstName": "Changed"}],
            }
            http.post(f"{shop.api_url}/customers/{customer['id']}", json=body).raise_for_status()
        gone = http.get(f"{shop.api_url}/customers/key=customer-00003").json()
        http.delete(
            f"{shop.api_url}/customers/{gone['id']}", params={"version": gone["version"]}
        ).raise_for_status()
        new = {"email": "behaviour-new@example.com", "key": "behaviour-new", "password": "x"}
        http.post(f"{shop.api_url}/customers", json=new).raise_for_status()
    time.sleep(1.1)  # the server clock (Date header) has whole seconds


CUSTOMER_DRAFTS = [
    {"key": "customer-00004", "email": "changed-00004@example.com", "firstName": "Pushed"},
    {"key": "behaviour-pushed", "email": "pushed@example.com", "firstName": "New"},
    {"key": "behaviour-broken", "firstName": "No email"},
]
CATEGORIES_CSV = (
    "key,name.en,name.de,slug.en,description.en,parent,orderHint\n"
    "behaviour-gowns,Gowns,Roben,behaviour-gowns,Long ones,women,0.9\n"
    "women,Women,Damen,women,All women again,,0.1\n"
)


def push_customer_file(world: World, dry_run: bool) -> Any:
    source = world.tmp / "customers.jsonl"
    source.write_text("".join(json.dumps(d) + "\n" for d in CUSTOMER_DRAFTS), encoding="utf-8")
    return push_customers(credentials(world.shop), str(source), dry_run=dry_run, hub=world.hub)


def push_category_file(world: World) -> Any:
    source = world.tmp / "categories.csv"
    source.write_text(CATEGORIES_CSV, encoding="utf-8")
    return push_categories(credentials(world.shop), str(source), hub=world.hub)


def export_to_file(world: World) -> Any:
    target = world.tmp / "export" / "changes.jsonl"
    report = export_changes(
        path=str(target), consumer="behaviour", hub=world.hub, project="sandbox"
    )
    return {"report": report, "file": exported_lines(target, world)}


def exported_lines(path: Path, world: World) -> dict[str, Any]:
    """The file's lines normalised, without their feed position (entities sync at once, so
    their changes interleave differently each run), counted by entity and change."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    counts: dict[str, int] = {}
    for line in lines:
        name = f"{line.get('entity')} {line.get('change')}"
        counts[name] = counts.get(name, 0) + 1
        line.pop("seq", None)
    shown = sorted(json.dumps(normalised(line, world.stable), sort_keys=True) for line in lines)
    return {"lines": len(lines), "by_entity_and_change": counts, "sorted_lines": shown}


SCENARIOS: list[tuple[str, Callable[[World], Any]]] = [
    ("check_connection", lambda w: check_connection(credentials(w.shop))),
    ("check_connection, wrong secret", lambda w: check_connection(credentials(w.shop, "wrong"))),
    ("sync_all full, demo seed", lambda w: sync_all(credentials(w.shop), hub=w.hub, mode="full")),
    ("shop changed: 2 renamed, 1 deleted, 1 created", lambda w: change_the_shop(w.shop)),
    ("sync_all delta", lambda w: sync_all(credentials(w.shop), hub=w.hub, settle=0)),
    (
        "sync_entity customers, page_size=0",
        lambda w: sync_entity("customers", credentials(w.shop), hub=w.hub, page_size=0),
    ),
    (
        "sync_entity customers, wrong secret",
        lambda w: sync_entity("customers", credentials(w.shop, "wrong"), hub=w.hub, settle=0),
    ),
    ("push_customers, one broken row, dry run", lambda w: push_customer_file(w, dry_run=True)),
    ("push_customers, one broken row", lambda w: push_customer_file(w, dry_run=False)),
    ("push_categories from CSV", push_category_file),
    ("export_changes to a file", export_to_file),
    (
        "copy_project into an empty project",
        lambda w: copy_project(credentials(w.shop), credentials(w.empty), hub=w.hub, settle=0),
    ),
]


# -- capture ------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A return value or report as JSON data."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value if value is None or isinstance(value, str | int | float | bool) else repr(value)


def outcome(scenario: Callable[[World], Any], world: World) -> dict[str, Any]:
    try:
        return {"returned": plain(scenario(world))}
    except Exception as error:  # a failing run is part of what the user sees
        report = getattr(error, "report", None)
        return {"raised": type(error).__name__, "message": str(error), "report": plain(report)}


def flow_run_ids(client: SyncPrefectClient) -> list[str]:
    return [str(run.id) for run in client.read_flow_runs(limit=200)]


def send_queued() -> None:
    """What this process's log and event workers hold, sent to the server now."""
    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=60)


def read_logs(client: SyncPrefectClient, run_id: str) -> list[dict[str, str]]:
    logs, offset = [], 0
    only_this = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id]))
    while page := client.read_logs(log_filter=only_this, limit=200, offset=offset):
        logs += [{"level": logging.getLevelName(log.level), "message": log.message} for log in page]
        offset += len(page)
    return logs


def read_artifacts(client: SyncPrefectClient, run_id: str) -> list[dict[str, Any]]:
    only_this = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
    return [
        {"key": a.key, "type": a.type, "description": a.description, "data": table_rows(a.data)}
        for a in client.read_artifacts(artifact_filter=only_this)
    ]


def table_rows(data: Any) -> Any:
    """A table artifact's JSON text as rows, so its timing cells can be told apart."""
    try:
        return json.loads(data) if isinstance(data, str) and data[:1] == "[" else data
    except ValueError:
        return data


def read_events(client: SyncPrefectClient, since: str, run_id: str | None) -> list[Any]:
    """commercetools.* events (of one flow run, or all of them)."""
    query: dict[str, Any] = {"event": {"prefix": ["commercetools."]}, "occurred": {"since": since}}
    if run_id:
        query["related"] = {"id": [f"prefect.flow-run.{run_id}"]}
    page = client._client.post("/events/filter", json={"filter": query, "limit": 50}).json()
    events = page["events"]
    while page.get("next_page"):
        page = client._client.get(page["next_page"]).json()
        events += page["events"]
    return [
        {"name": e["event"], "resource": e["resource"], "payload": e["payload"]} for e in events
    ]


def wait_for_events(client: SyncPrefectClient, since: str) -> None:
    """Until the server's count of commercetools events stays the same for two seconds."""
    counts: list[int] = []
    for _ in range(EVENT_POLLS):
        counts.append(len(read_events(client, since, None)))
        if len(counts) >= 5 and len(set(counts[-5:])) == 1:
            return
        time.sleep(0.5)


def flow_run(client: SyncPrefectClient, run_id: str) -> dict[str, Any]:
    run = client.read_flow_run(run_id)
    state = run.state
    return {
        "flow": client.read_flow(run.flow_id).name,
        "name": run.name,
        "state": state.name if state else None,
        "message": state.message if state else None,
        "artifacts": read_artifacts(client, run_id),
        "logs": read_logs(client, run_id),
        "events": read_events(client, STARTED, run_id),
    }


# -- normalisation ------------------------------------------------------------------------------

VARYING_KEYS = re.compile(
    r"^(duration_seconds|throttle_wait_seconds|throttle_waits|records_per_second"
    r"|duration \(s\)|throttled \(s\)|records/s|seconds)$"
)


def normal_text(text: str, stable: set[str]) -> str:
    text = UUID.sub(lambda m: m[0] if m[0] in stable else "<uuid>", text)
    text = ID_START.sub(lambda m: m[0] if m[0] in stable else "<uuid>", text)
    text = TIME.sub(lambda m: m[0] if m[0] in stable else "<time>", text)
    text = SHORT_TIME.sub(lambda m: m[0] if m[0] in stable else "<time>", text)
    text = THROTTLED.sub("", text)
    text = RUN_STAMP.sub("<stamp>", text)
    text = RATE.sub("<n> records/s", SECONDS.sub("<n> s", HEX_NAME.sub("<hex>", text)))
    return PORT.sub(r"\1:<port>", text).replace(str(TMP), "<tmp>")


def normalised(value: Any, stable: set[str]) -> Any:
    """`value` with what varies run to run replaced; keys that name a time or rate blanked."""
    if isinstance(value, dict):
        if set(value) == {"metric", "value"} and VARYING_KEYS.search(str(value["metric"])):
            return {"metric": value["metric"], "value": "<varies>"}
        return {
            k: "<varies>" if VARYING_KEYS.search(k) and v is not None else normalised(v, stable)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [normalised(v, stable) for v in value]
    if isinstance(value, str):
        return normal_text(value, stable)
    return value


def ordered(run: dict[str, Any]) -> dict[str, Any]:
    """Lists whose order follows thread timing sorted by their content."""
    for name in ("artifacts", "logs", "events"):
        run[name] = sorted(run[name], key=lambda item: json.dumps(item, sort_keys=True))
    return run


# -- main ---------------------------------------------------------------------------------------

STARTED = datetime.now(UTC).isoformat()
TMP = Path(tempfile.gettempdir()) / f"behaviour-{os.getpid()}"


@contextmanager
def world() -> Iterator[World]:
    with ExitStack() as stack:
        shop = stack.enter_context(Sandbox(port=0))
        empty = stack.enter_context(
            Sandbox(project_key="target-shop", client_id="target-client", seed=None)
        )
        stack.enter_context(temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}))
        stack.enter_context(prefect_test_harness(server_startup_timeout=120))
        TMP.mkdir(parents=True)
        stack.callback(shutil.rmtree, TMP, ignore_errors=True)
        hub = HubDatabase(url=f"sqlite:///{TMP}/hub.db")
        yield World(shop=shop, empty=empty, hub=hub, tmp=TMP, stable=seed_values())


def seed_values() -> set[str]:
    """The demo seed's ids and times, as written and as shown shortened: the same every run."""
    seed = DEFAULT_SEED.read_text(encoding="utf-8")
    ids, times = set(UUID.findall(seed)), set(TIME.findall(seed))
    starts = {i[:n] for i in ids for n in range(8, 36)}
    return ids | starts | times | {f"{t[5:10]} {t[11:16]}" for t in times}


def run_scenarios(w: World) -> list[dict[str, Any]]:
    results = []
    with get_client(sync_client=True) as client:
        seen = set(flow_run_ids(client))
        started: list[tuple[dict[str, Any], list[str]]] = []
        for name, scenario in SCENARIOS:
            result = {"scenario": name, **outcome(scenario, w)}
            runs = [run_id for run_id in flow_run_ids(client) if run_id not in seen]
            seen.update(runs)
            started.append((result, runs))
        send_queued()
        wait_for_events(client, STARTED)
        for result, runs in started:
            captured = [ordered(normalised(flow_run(client, r), w.stable)) for r in runs]
            result["flow_runs"] = sorted(captured, key=lambda r: (r["flow"], r["name"]))
            results.append(normalised(result, w.stable))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    with world() as w:
        results = run_scenarios(w)
    args.output.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
