"""copy_project between two sandboxes, each a project with its own API client: a seeded source,
an empty target; the target ends equal to the source, compared by key with ids, versions,
timestamps and id references normalised to keys (each side's drafts)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client

from blocks import CommercetoolsCredentials, HubDatabase
from ctsync.copy.plan import identity_of, key_index
from ctsync.push import PUSH_ENTITIES, NotCopyable
from ctsync.run.report import RunFailed
from ctsync.timestamps import clock
from flows.copy import COPYABLE, copy_project
from flows.sync import sync_all
from sandbox import Sandbox
from sandbox.seed import DEFAULT_SEED_PATH
from tests.flows.test_sync import read_artifact

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def projects() -> Iterator[tuple[Sandbox, Sandbox]]:
    with (
        Sandbox(project_key="source-shop", client_id="source-client", seed=None) as source,
        Sandbox(project_key="target-shop", client_id="target-client", seed=None) as target,
    ):
        yield source, target


@pytest.fixture
def pair(projects: tuple[Sandbox, Sandbox]) -> tuple[Sandbox, Sandbox]:
    source, target = projects
    source.reset(json.loads(DEFAULT_SEED_PATH.read_text(encoding="utf-8")))
    target.reset()
    for sandbox in projects:
        sandbox.clear_faults()  # a test's injected errors never reach the next one
    return source, target


def credentials(sandbox: Sandbox) -> CommercetoolsCredentials:
    return CommercetoolsCredentials(
        api_url=sandbox.api_url,
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        scope=sandbox.scope,
    )


def normalised(
    hub: HubDatabase, project: str, names: list[str] = COPYABLE
) -> dict[str, dict[str, Any]]:
    """Each copyable entity's resources as drafts (keys for references), by identity."""
    store = hub.get_store()
    key_of = key_index(store, project)
    found: dict[str, dict[str, Any]] = {}
    for name in names:
        push = PUSH_ENTITIES[name]
        assert push.to_draft is not None
        for record in store.records.iterate(project, name):
            try:
                identity = identity_of(push, record.document, key_of)
            except NotCopyable:
                continue
            draft = push.model.model_validate(push.to_draft(record.document, key_of))
            found[f"{name} {identity}"] = draft.model_dump(mode="json")
    return found


def fresh_views(source: Sandbox, target: Sandbox, hub: HubDatabase) -> None:
    for sandbox in (source, target):
        sync_all(credentials(sandbox), hub=hub, entities=COPYABLE, settle=0)


def test_a_copy_makes_the_target_equal_and_a_second_sends_nothing(pair, tmp_path) -> None:
    source, target = pair
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    first = copy_project(credentials(source), credentials(target), hub=hub, mode="full", settle=0)
    assert first.total("failed") == 0 and first.total("created") > 1000
    fresh_views(source, target, hub)
    wanted = normalised(hub, source.project_key)
    assert normalised(hub, target.project_key) == wanted
    assert {key.split(" ")[0] for key in wanted} == set(COPYABLE)

    again = copy_project(credentials(source), credentials(target), hub=hub, mode="full", settle=0)
    assert again.total("created") == again.total("updated") == 0
    assert again.total("unchanged") == first.total("created")
    # Each entity's watermark is the latest source change it copied, and a reset forgets it.
    latest = max(
        r.last_modified_at for r in hub.get_store().records.iterate(source.project_key, "zones")
    )
    assert {row.entity: row.watermark for row in again.rows}["zones"] == latest
    quiet = copy_project(credentials(source), credentials(target), hub=hub, settle=0)
    assert quiet.total("unchanged") == 0 and quiet.total("created") == 0
    reset = copy_project(credentials(source), credentials(target), hub=hub, reset=True, settle=0)
    assert reset.total("unchanged") == first.total("created")


def test_a_copy_whose_answers_are_lost_lands_each_resource_once(pair, tmp_path) -> None:
    """Every 7th write to the target is committed and its answer lost (the connection drops):
    each is read back, so the target ends with one resource per source resource, no failure."""
    source, target = pair
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    path = rf"/^\/{target.project_key}\/(?!graphql)/"
    target.inject(after=True, drop=True, count=None, path=path, method="POST", every=7)
    first = copy_project(credentials(source), credentials(target), hub=hub, mode="full", settle=0)
    lost = sum(rule["served"] for rule in target.faults())
    target.clear_faults()
    assert first.total("failed") == 0, first.markdown()
    assert lost > 100 and sum(row.answers_lost for row in first.rows) == lost
    fresh_views(source, target, hub)
    store = hub.get_store()
    for name in COPYABLE:
        in_source = store.records.count(source.project_key, name)
        assert store.records.count(target.project_key, name) == in_source, name
    assert normalised(hub, target.project_key) == normalised(hub, source.project_key)
    again = copy_project(credentials(source), credentials(target), hub=hub, mode="full", settle=0)
    assert again.total("created") == again.total("updated") == again.total("failed") == 0


def test_a_project_is_never_copied_into_itself(pair, tmp_path) -> None:
    source, _ = pair
    with pytest.raises(ValueError, match="cannot be copied into itself"):
        copy_project(credentials(source), credentials(source), hub=f"sqlite:///{tmp_path}/h.db")


async def test_a_dry_run_writes_nothing_and_its_plan_lists_the_actions(pair, tmp_path) -> None:
    source, target = pair
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    report = await asyncio.to_thread(
        copy_project,
        credentials(source),
        credentials(target),
        hub=hub,
        entities=["types", "zones"],
        dry_run=True,
        settle=0,
    )
    seed = json.loads(DEFAULT_SEED_PATH.read_text(encoding="utf-8"))
    assert report.dry_run and {r.entity: r.created for r in report.rows} == {
        "types": len(seed["type"]),
        "zones": len(seed["zone"]),
    }
    with target.client() as http:
        assert http.get("/types").json()["results"] == []
        assert http.get("/zones").json()["results"] == []
    assert report.flow_run_id
    plan = await read_artifact(f"ct-{target.project_key}-copy-plan", report.flow_run_id)
    rows = json.loads(plan.data)
    assert {(row["entity"], row["operation"]) for row in rows} == {
        ("types", "create"),
        ("zones", "create"),
    }
    assert len(rows) == len(seed["type"]) + len(seed["zone"])


def test_unknown_entities_are_refused_before_anything_runs(pair, tmp_path) -> None:
    source, target = pair
    with pytest.raises(ValueError, match="'orders' cannot be copied"):
        copy_project(credentials(source), credentials(target), entities=["orders"])


def test_a_failed_copy_raises_with_its_report(pair, tmp_path) -> None:
    source, target = pair
    target.inject(500, count=None, path=f"/{target.project_key}/zones", method="POST")
    with pytest.raises(RunFailed) as caught:
        copy_project(
            credentials(source),
            credentials(target),
            hub=HubDatabase(url=f"sqlite:///{tmp_path}/hub.db"),
            entities=["zones", "types"],
            settle=0,
        )
    rows = {row.entity: row for row in caught.value.report.rows}
    assert rows["zones"].failed > 0 and rows["types"].failed == 0


def _changed_in_source(source: Sandbox) -> None:
    """10 changes (names of 6 categories and 4 customer groups) and 3 standalone prices
    deleted, as a day in the source project would bring."""
    # After the last pull's start, and over a second before the next one's end (commercetools'
    # clock counts whole seconds).
    time.sleep(1.5)
    moment = datetime.now(UTC) - timedelta(milliseconds=1200)
    now = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    with source.client() as http:
        categories = http.get("/categories", params={"limit": 6, "sort": "id asc"}).json()
        groups = http.get("/customer-groups", params={"limit": 4, "sort": "id asc"}).json()
        prices = http.get("/standalone-prices", params={"limit": 3, "sort": "id asc"}).json()
        for price in prices["results"]:
            params = {"version": price["version"]}
            http.delete(f"/standalone-prices/{price['id']}", params=params).raise_for_status()
    for category in categories["results"]:
        category["name"] = {**category["name"], "en": category["name"]["en"] + " (new)"}
    for group in groups["results"]:
        group["name"] += " (new)"
    changed = [*categories["results"], *groups["results"]]
    assert len(changed) == 10
    for resource in changed:
        resource["version"] += 1
        resource["lastModifiedAt"] = now
    source.load({"category": categories["results"], "customer-group": groups["results"]})


def test_a_delta_copy_applies_exactly_the_changes_and_reports_deletions(pair, tmp_path) -> None:
    source, target = pair
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    names = ["customer-groups", "categories", "standalone-prices", "products", "types"]
    names += ["product-types", "tax-categories", "channels"]
    copy_project(credentials(source), credentials(target), hub=hub, entities=names, settle=0)
    _changed_in_source(source)
    delta = copy_project(
        credentials(source), credentials(target), hub=hub, entities=names, settle=0
    )
    rows = {row.entity: row for row in delta.rows}
    assert delta.total("updated") == 10 and delta.total("created") == 0
    assert rows["standalone-prices"].missing == 3 and delta.total("deleted") == 0
    applied = copy_project(
        credentials(source),
        credentials(target),
        hub=hub,
        entities=names,
        delete_missing=True,
        settle=0,
    )
    rows = {row.entity: row for row in applied.rows}
    assert applied.total("updated") == 0 and rows["standalone-prices"].deleted == 3
    fresh_views(source, target, hub)
    copied = normalised(hub, target.project_key, names)
    assert copied == normalised(hub, source.project_key, names)
    assert sum(key.startswith("standalone-prices ") for key in copied) == 17


def test_a_product_whose_type_has_no_key_is_skipped_with_the_reason(pair, tmp_path) -> None:
    source, target = pair
    seed = json.loads(DEFAULT_SEED_PATH.read_text(encoding="utf-8"))
    keyless_type = {**seed["product-type"][0], "id": "0c1e0000-0000-4000-8000-00000000abcd"}
    keyless_type.pop("key")
    product = {**seed["product"][0], "id": "0c1e0000-0000-4000-8000-00000000abce"}
    product.update(
        key="orphan-product", productType={"typeId": "product-type", "id": keyless_type["id"]}
    )
    source.load({"product-type": [keyless_type], "product": [product]})
    names = ["product-types", "products", "categories", "tax-categories", "types", "channels"]
    names += ["customer-groups"]
    report = copy_project(
        credentials(source),
        credentials(target),
        hub=HubDatabase(url=f"sqlite:///{tmp_path}/hub.db"),
        entities=names,
        settle=0,
    )
    rows = {row.entity: row for row in report.rows}
    assert rows["products"].skipped == 1 and rows["product-types"].skipped == 1
    assert any(keyless_type["id"] in reason for reason in rows["products"].skip_reasons)
    assert report.total("failed") == 0


async def test_a_dry_run_right_after_a_push_says_the_settle_left_the_push_to_the_next_run(
    pair, tmp_path
) -> None:
    source, target = pair
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    first = await asyncio.to_thread(
        copy_project,
        credentials(source),
        credentials(target),
        hub=hub,
        entities=["zones"],
        settle=0,
    )
    assert first.total("created") > 0 and first.unread_after == ""
    assert "next run" not in first.summary()
    with source.client() as http:
        zone = http.get("/zones").json()["results"][0]
        actions = [{"action": "setDescription", "description": "pushed just now"}]
        update = {"version": zone["version"], "actions": actions}
        http.post(f"/zones/{zone['id']}", json=update).raise_for_status()
    # The pulls stay 120 s behind commercetools' clock: the change is not read, and it says so.
    report = await asyncio.to_thread(
        copy_project,
        credentials(source),
        credentials(target),
        hub=hub,
        entities=["zones"],
        dry_run=True,
    )
    assert report.total("updated") == 0 and report.unread_after
    said = f"; changes after {clock(report.unread_after)} are read by the next run"
    assert report.summary().endswith(said)
    assert report.flow_run_id
    async with get_client() as client:
        run = await client.read_flow_run(UUID(report.flow_run_id))
    assert run.state.message == report.summary()
    # The change is the next run's: a run after the settle (here none) copies it, once the
    # server's clock (the Date header, whole seconds) has passed the second it was made in.
    await asyncio.sleep(1.1)
    later = await asyncio.to_thread(
        copy_project,
        credentials(source),
        credentials(target),
        hub=hub,
        entities=["zones"],
        settle=0,
    )
    assert later.total("updated") == 1


def test_a_dry_run_into_an_empty_project_plans_what_the_references_need(
    pair: tuple[Sandbox, Sandbox], tmp_path
) -> None:
    # Categories name their custom type and their parents by key: a dry run creates neither,
    # so it must remember what it planned to create for the entities before.
    source, target = pair
    hub = HubDatabase(url=f"sqlite:///{tmp_path}/hub.db")
    entities = ["types", "categories", "product-types", "tax-categories", "channels", "products"]
    entities += ["customer-groups"]
    report = copy_project(
        credentials(source), credentials(target), hub=hub, entities=entities, dry_run=True
    )
    rows = {row.entity: row for row in report.rows}
    seeded = json.loads(DEFAULT_SEED_PATH.read_text(encoding="utf-8"))
    assert rows["categories"].created == len(seeded["category"]) and rows["categories"].failed == 0
    assert rows["products"].created == len(seeded["product"]) and rows["products"].failed == 0
    assert not report.failed and all(row.failed == 0 for row in report.rows)
    assert target.info()["counts"] == {}  # a dry run writes nothing
