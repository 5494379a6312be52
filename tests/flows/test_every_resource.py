"""Every entity of the registry, against the sandbox's seed: after a full run and after a delta
that follows changes, creations and deletions in each, the hub equals commercetools field for
field; carts commercetools deletes are marked by the next plain delta."""

from __future__ import annotations

import copy
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ctsync.registry import ENTITIES, Entity
from ctsync.run.report import RunFailed
from flows.sync import sync_all, sync_carts
from sandbox import Sandbox
from sandbox.seed import DEFAULT_SEED_PATH
from tests.flows.test_sync import credentials_for, hub_documents, hub_in, source

pytestmark = pytest.mark.sandbox

PULLED = [entity for entity in ENTITIES.values() if not entity.singleton]


def _seed() -> dict[str, Any]:
    seed: dict[str, Any] = json.loads(DEFAULT_SEED_PATH.read_text(encoding="utf-8"))
    return seed


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _key_fields(entity: Entity) -> tuple[str, ...]:
    key = entity.natural_key
    return (key,) if isinstance(key, str) else key


def _renamed(entity: Entity, document: dict[str, Any], suffix: str) -> None:
    """Give a document another natural key (each field, so a copy never collides)."""
    for field in _key_fields(entity):
        value = document.get(field)
        if isinstance(value, str):
            document[field] = f"{suffix}.{value}" if field == "email" else f"{value}-{suffix}"


def _changed(seed: dict[str, Any], at: str) -> dict[str, dict[str, int]]:
    """In every entity of `seed`: the first resource changed (a new version and natural key),
    a copy of it created, the last one deleted. Returns what each should count."""
    expected = {}
    for entity in PULLED:
        resources = seed[entity.type_id]
        assert len(resources) >= 2, f"the seed has fewer than 2 {entity.name}"
        first = resources[0]
        created = copy.deepcopy(first)
        first["version"] += 1
        first["lastModifiedAt"] = at
        _renamed(entity, first, "renamed")
        created.update(id=str(uuid.uuid4()), version=1, createdAt=at, lastModifiedAt=at)
        _renamed(entity, created, "copy")
        resources.pop()
        resources.append(created)
        expected[entity.name] = {"inserted": 1, "updated": 1, "deleted": 1}
    return expected


def test_every_entity_equals_the_source_after_a_full_run_and_a_delta_with_changes(
    blank: Sandbox, tmp_path
) -> None:
    seed = _seed()
    blank.reset(seed)
    credentials, hub = credentials_for(blank), hub_in(tmp_path)
    full = sync_all(credentials, hub=hub, mode="full", settle=0)
    assert {r.entity for r in full.reports} == set(ENTITIES)
    for entity in PULLED:
        assert hub_documents(hub, blank.project_key, entity.name) == source(
            blank, entity.endpoint
        ), entity.name

    # Changed after every entity's watermark (its full read's start) and over a second before
    # the delta's end (commercetools' clock, the Date header, counts whole seconds).
    time.sleep(1.5)
    expected = _changed(seed, _stamp(datetime.now(UTC) - timedelta(milliseconds=1200)))
    blank.reset(seed)
    delta = sync_all(credentials, hub=hub, settle=0)
    reports = {r.entity: r for r in delta.reports}
    for entity in PULLED:
        report = reports[entity.name]
        assert report.mode == "delta" and report.status == "completed", entity.name
        counted = {"inserted": report.inserted, "updated": report.updated}
        counted["deleted"] = report.deleted
        assert counted == expected[entity.name], (report.summary(), report.note)
        live = hub_documents(hub, blank.project_key, entity.name)
        assert live == source(blank, entity.endpoint), entity.name
    changed_object = seed["key-value-document"][0]
    stored = hub.get_store().records.get(blank.project_key, "custom-objects", changed_object["id"])
    assert stored is not None
    assert stored.key == f"{changed_object['container']}/{changed_object['key']}"
    assert stored.key.endswith("-renamed/" + changed_object["key"])


def test_carts_commercetools_deletes_are_marked_by_the_next_plain_delta(
    blank: Sandbox, tmp_path
) -> None:
    blank.reset(_seed())
    credentials, hub = credentials_for(blank), hub_in(tmp_path)
    first = sync_all(credentials, hub=hub, entities=["carts", "custom-objects"], settle=0)
    assert {r.entity for r in first.reports} == {"carts", "custom-objects"}
    carts = source(blank, "carts")
    gone = sorted(carts)[:3]
    with blank.client() as http:
        for cart_id in gone:
            version = carts[cart_id]["version"]
            http.delete(f"/carts/{cart_id}", params={"version": version}).raise_for_status()
    report = sync_carts(credentials, hub=hub, settle=0)
    assert report.mode == "delta" and report.deleted == 3 and report.fetched == 0
    assert "commercetools deletes carts by itself" in (report.note or "")
    assert hub_documents(hub, blank.project_key, "carts") == source(blank, "carts")
    store = hub.get_store()
    marked = {
        r.id
        for r in store.records.iterate(blank.project_key, "carts", include_deleted=True)
        if r.deleted_at is not None
    }
    assert marked == set(gone)
    # Nothing else was read: the subset run touched only the entities it named.
    assert store.records.count(blank.project_key, "customers") == 0


def test_a_missing_scope_fails_only_that_new_entity_and_names_it(
    sandbox: Sandbox, tmp_path
) -> None:
    scope = f"view_key_value_documents:{sandbox.project_key}"
    sandbox.inject(
        403,
        count=None,
        path=f"/{sandbox.project_key}/custom-objects",
        body={
            "statusCode": 403,
            "message": f"Insufficient scope. One of the following scopes is missing: {scope}",
            "errors": [{"code": "insufficient_scope", "message": "Insufficient scope."}],
        },
    )
    names = ["custom-objects", "carts", "business-units", "extensions"]
    with pytest.raises(RunFailed) as caught:
        sync_all(credentials_for(sandbox), hub=hub_in(tmp_path), entities=names, settle=0)
    assert "custom-objects" in str(caught.value) and scope in str(caught.value)
    reports = {r.entity: r for r in caught.value.report.reports}
    assert reports["custom-objects"].status == "failed"
    assert all(reports[n].status == "completed" and reports[n].fetched > 0 for n in names[1:])


def test_resources_made_through_the_api_validate_and_land(blank: Sandbox, tmp_path) -> None:
    """What the API answers for drafts (not the seed's shapes) passes every new model."""
    drafts = {
        "custom-objects": {"container": "erp-mapping", "key": "tax.DE", "value": {"code": 19}},
        "discount-groups": {"key": "spring", "sortOrder": "0.3"},
        "recurrence-policies": {
            "key": "monthly",
            "schedule": {"type": "standard", "intervalUnit": "Months", "value": 1},
        },
        "attribute-groups": {"key": "sizes", "name": {"en": "Sizes"}, "attributes": []},
        "associate-roles": {"key": "buyer", "name": "Buyer", "permissions": ["ViewMyCarts"]},
        "product-selections": {"key": "summer", "name": {"en": "Summer"}},
        "carts": {"currency": "EUR", "country": "DE", "anonymousId": "visitor-1"},
        "extensions": {
            "key": "validate",
            "destination": {"type": "HTTP", "url": "https://example.com/hook"},
            "triggers": [{"resourceTypeId": "cart", "actions": ["Create"]}],
        },
    }
    with blank.client() as http:
        for endpoint, draft in drafts.items():
            http.post(f"/{endpoint}", json=draft).raise_for_status()
    result = sync_all(credentials_for(blank), hub=hub_in(tmp_path), entities=list(drafts))
    for report in result.reports:
        assert (report.inserted, report.failed) == (1, 0), report.summary()
    store = hub_in(tmp_path).get_store()
    stored = list(store.records.iterate(blank.project_key, "custom-objects"))
    assert [r.key for r in stored] == ["erp-mapping/tax.DE"]
