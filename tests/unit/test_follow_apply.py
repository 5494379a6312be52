"""Changes applied to a SQLite hub (ctsync.follow.apply), commercetools mocked with respx: bodies
fetched with `id in (…)` queries, versions that never go back, deletions, data erasure."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import select

from ctsync.client.config import ConnectionSettings
from ctsync.client.http import CommercetoolsClient
from ctsync.client.query_in import predicate_chunks
from ctsync.follow.apply import ChangeApplier, EntityApplied
from ctsync.follow.changes import Change
from ctsync.hub import HubRecord, HubStore
from ctsync.hub.schema import records_table

from .conftest import API_URL, TOKEN_URL, token_body

PROJECT = "shop"
CREATED = "2026-03-01T10:00:00.000Z"


def customer(record_id: str, version: int) -> dict[str, Any]:
    return {
        "id": record_id,
        "version": version,
        "createdAt": CREATED,
        "lastModifiedAt": f"2026-03-01T10:00:{version:02d}.000Z",
        "email": f"{record_id[:8]}-v{version}@example.com",
        "firstName": "Ada",
    }


def order(record_id: str, version: int) -> dict[str, Any]:
    return {
        "id": record_id,
        "version": version,
        "createdAt": CREATED,
        "lastModifiedAt": f"2026-03-01T10:00:{version:02d}.000Z",
        "orderNumber": f"O-{record_id[:8]}",
        "totalPrice": {"currencyCode": "EUR", "centAmount": 100},
        "orderState": "Open",
    }


def ids(count: int) -> list[str]:
    """Real-shaped ids: commercetools' are UUIDs (their length decides how many fit a URL)."""
    return sorted(str(uuid.uuid4()) for _ in range(count))


def updated(type_id: str, record_id: str, version: int | None) -> Change:
    return Change(type_id, record_id, version, "2026-03-01T10:00:00.000Z")


def deleted(type_id: str, record_id: str, *, erase: bool = False) -> Change:
    return Change(type_id, record_id, 9, None, deleted=True, data_erasure=erase)


_IN = re.compile(r"^id in \((.*)\)$")


@dataclass
class FakeProject:
    """commercetools' query endpoints over documents held by endpoint and id: answers `id in`
    predicates (sorted by id) and records every predicate it was asked."""

    documents: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    asked: dict[str, list[list[str]]] = field(default_factory=dict)

    def put(self, endpoint: str, *docs: dict[str, Any]) -> None:
        for doc in docs:
            self.documents.setdefault(endpoint, {})[doc["id"]] = doc

    def remove(self, endpoint: str, record_id: str) -> None:
        del self.documents[endpoint][record_id]

    def answer(self, request: httpx.Request) -> httpx.Response:
        endpoint = request.url.path.rsplit("/", 1)[-1]
        (predicate,) = request.url.params.get_list("where")
        matched = _IN.match(predicate)
        assert matched, predicate
        wanted = re.findall(r'"([^"]+)"', matched.group(1))
        assert request.url.params["sort"] == "id asc"
        self.asked.setdefault(endpoint, []).append(wanted)
        held = self.documents.get(endpoint, {})
        results = [held[i] for i in sorted(wanted) if i in held]
        return httpx.Response(200, json={"limit": 500, "count": len(results), "results": results})

    def requests(self, endpoint: str) -> int:
        return len(self.asked.get(endpoint, []))

    def total_requests(self) -> int:
        return sum(len(asked) for asked in self.asked.values())


@pytest.fixture
def project() -> Iterator[FakeProject]:
    fake = FakeProject()
    with respx.mock(assert_all_called=False) as router:
        router.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=token_body()))
        router.get(url__regex=rf"^{re.escape(API_URL)}/[a-z-]+\?").mock(side_effect=fake.answer)
        yield fake


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubStore]:
    store = HubStore.connect(f"sqlite:///{tmp_path}/hub.db")
    yield store
    store.close()


@pytest.fixture
async def applier(
    project: FakeProject, hub: HubStore, settings: ConnectionSettings
) -> AsyncIterator[ChangeApplier]:
    async with CommercetoolsClient(settings) as client:
        yield ChangeApplier(client, hub, PROJECT)


def rows(hub: HubStore) -> list[dict[str, Any]]:
    """Every column of every record row, in key order."""
    query = select(records_table).order_by(
        records_table.c.entity, records_table.c.project_key, records_table.c.id
    )
    with hub.database.read() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def seed(hub: HubStore, entity: str, *docs: dict[str, Any], run_id: str = "pull-1") -> None:
    records = [HubRecord.from_document(doc) for doc in docs]
    hub.exact.records.upsert_page(PROJECT, entity, records, run_id=run_id)


# -- batched fetches -----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 60, 100, 180])
async def test_each_id_is_fetched_once_in_as_few_id_in_queries_as_fit_a_url(
    applier: ChangeApplier, project: FakeProject, hub: HubStore, count: int
) -> None:
    customers, orders = ids(count), ids(3)
    project.put("customers", *(customer(i, 2) for i in customers))
    project.put("orders", *(order(i, 1) for i in orders))
    changes = [updated("customer", i, 2) for i in customers]
    changes += [updated("order", i, 1) for i in orders]
    changes += [updated("customer", i, 1) for i in customers[: count // 2]]  # older duplicates
    batch = await applier.apply(changes)
    # Every query is one `id in (…)` predicate as `query_in` cuts them; no id asked twice.
    assert project.requests("customers") == len(predicate_chunks("id", customers))
    assert sorted(i for asked in project.asked["customers"] for i in asked) == customers
    assert project.asked["orders"] == [orders]
    assert batch.requests == project.total_requests()
    assert batch.entities["customers"] == EntityApplied(
        changes=len(changes) - 3, fetched=count, inserted=count
    )
    assert batch.entities["orders"] == EntityApplied(changes=3, fetched=3, inserted=3)
    stored = {r.id: r.version for r in hub.records.iterate(PROJECT, "customers")}
    assert stored == dict.fromkeys(customers, 2)


async def test_sixty_ids_of_one_entity_take_one_query(
    applier: ChangeApplier, project: FakeProject
) -> None:
    """However many changes a batch carries for an entity, ids that fit one predicate take one
    request (not one per change)."""
    customers = ids(60)
    project.put("customers", *(customer(i, 1) for i in customers))
    batch = await applier.apply([updated("customer", i, 1) for i in customers] * 3)
    assert (project.requests("customers"), batch.requests) == (1, 1)


async def test_no_request_when_the_hub_holds_the_notified_version_or_newer(
    applier: ChangeApplier, project: FakeProject, hub: HubStore
) -> None:
    a, b, c = ids(3)
    seed(hub, "customers", customer(a, 4), customer(b, 4), customer(c, 4))
    before = rows(hub)
    batch = await applier.apply(
        [updated("customer", a, 4), updated("customer", b, 3), updated("customer", c, 1)]
    )
    assert project.total_requests() == 0
    assert batch.requests == 0
    assert batch.entities["customers"] == EntityApplied(changes=3, unchanged=3)
    assert rows(hub) == before


async def test_a_change_without_a_version_is_always_fetched(
    applier: ChangeApplier, project: FakeProject, hub: HubStore
) -> None:
    (a,) = ids(1)
    seed(hub, "customers", customer(a, 4))
    project.put("customers", customer(a, 5))
    batch = await applier.apply([updated("customer", a, None)])
    assert project.asked["customers"] == [[a]]
    assert batch.entities["customers"].updated == 1
    stored = hub.records.get(PROJECT, "customers", a)
    assert stored is not None and stored.version == 5


async def test_an_older_version_never_replaces_a_newer_stored_one(
    applier: ChangeApplier, project: FakeProject, hub: HubStore
) -> None:
    a, b = ids(2)
    seed(hub, "customers", customer(a, 5), customer(b, 5))
    # A notification of v6 whose fetch answers an older body (a lagging read): the hub keeps v5.
    project.put("customers", customer(a, 3), customer(b, 7))
    batch = await applier.apply([updated("customer", a, 6), updated("customer", b, 6)])
    assert project.asked["customers"] == [[a, b]]
    assert batch.entities["customers"] == EntityApplied(
        changes=2, fetched=2, updated=1, unchanged=1
    )
    stored = {
        r.id: (r.version, r.document["email"]) for r in hub.records.iterate(PROJECT, "customers")
    }
    assert stored == {a: (5, customer(a, 5)["email"]), b: (7, customer(b, 7)["email"])}


# -- deletions -----------------------------------------------------------------------------------


async def test_a_record_the_fetch_no_longer_finds_is_marked_deleted(
    applier: ChangeApplier, project: FakeProject, hub: HubStore
) -> None:
    a, b, never = ids(3)
    seed(hub, "customers", customer(a, 1), customer(b, 1))
    project.put("customers", customer(b, 2))  # `a` was deleted after its update was notified
    batch = await applier.apply(
        [updated("customer", a, 2), updated("customer", b, 2), updated("customer", never, 1)]
    )
    assert batch.entities["customers"] == EntityApplied(changes=3, fetched=1, updated=1, deleted=1)
    gone = hub.records.get(PROJECT, "customers", a)
    assert gone is not None and gone.deleted_at is not None and gone.version == 1
    assert hub.records.live_ids(PROJECT, "customers") == {b}
    assert hub.records.get(PROJECT, "customers", never) is None


async def test_a_deletion_is_marked_without_a_request_and_wins_over_an_update(
    applier: ChangeApplier, project: FakeProject, hub: HubStore
) -> None:
    a, b = ids(2)
    seed(hub, "customers", customer(a, 1), customer(b, 1))
    project.put("customers", customer(a, 2))  # a stale read must not bring it back
    batch = await applier.apply(
        [updated("customer", a, 2), deleted("customer", a), deleted("customer", b)]
    )
    assert project.total_requests() == 0
    assert batch.entities["customers"] == EntityApplied(changes=3, deleted=2)
    assert hub.records.live_ids(PROJECT, "customers") == set()
    stored = hub.records.get(PROJECT, "customers", a)
    assert stored is not None and stored.document == customer(a, 1)


async def test_data_erasure_removes_content_and_key_and_keeps_id_version_and_dates(
    applier: ChangeApplier, project: FakeProject, hub: HubStore
) -> None:
    a, b, unknown = ids(3)
    seed(hub, "customers", customer(a, 3), customer(b, 3))
    kept_before = hub.records.get(PROJECT, "customers", b)
    batch = await applier.apply(
        [deleted("customer", a, erase=True), deleted("customer", unknown, erase=True)]
    )
    assert project.total_requests() == 0
    assert batch.entities["customers"] == EntityApplied(changes=2, deleted=1, erased=1)
    erased = hub.records.get(PROJECT, "customers", a)
    assert erased is not None
    assert erased.document == {"id": a}
    assert erased.key is None
    assert (erased.id, erased.version) == (a, 3)
    assert (erased.created_at, erased.last_modified_at) == (
        CREATED,
        customer(a, 3)["lastModifiedAt"],
    )
    assert erased.deleted_at is not None
    assert hub.records.get(PROJECT, "customers", b) == kept_before
    assert hub.records.get(PROJECT, "customers", unknown) is None
    (row,) = [row for row in rows(hub) if row["id"] == a]
    assert "Ada" not in str(row) and customer(a, 3)["email"] not in str(row)


async def test_erasing_a_record_already_marked_deleted_counts_no_new_deletion(
    applier: ChangeApplier, hub: HubStore
) -> None:
    (a,) = ids(1)
    seed(hub, "customers", customer(a, 3))
    first = await applier.apply([deleted("customer", a)])
    second = await applier.apply([deleted("customer", a, erase=True)])
    assert (first.entities["customers"].deleted, second.entities["customers"].deleted) == (1, 0)
    assert second.entities["customers"].erased == 1
    erased = hub.records.get(PROJECT, "customers", a)
    assert erased is not None and erased.document == {"id": a} and erased.key is None


# -- idempotence, dead letters, types the hub does not keep --------------------------------------


async def test_applying_the_same_batch_twice_or_reordered_leaves_the_hub_identical(
    applier: ChangeApplier, project: FakeProject, hub: HubStore, settings: ConnectionSettings
) -> None:
    new, changed, same, vanished, gone, erased = ids(6)
    seed(
        hub,
        "customers",
        *(customer(i, 2) for i in (changed, same, vanished, gone, erased)),
    )
    project.put("customers", customer(new, 1), customer(changed, 3), customer(same, 2))
    project.put("orders", order(new, 4))
    batch = [
        updated("customer", new, 1),
        updated("customer", changed, 3),
        updated("customer", same, 2),
        updated("customer", vanished, 3),
        deleted("customer", gone),
        deleted("customer", erased, erase=True),
        updated("order", new, 4),
        updated("customer", changed, 2),
    ]
    await applier.apply(batch)
    once = rows(hub)
    assert len(once) == 7
    second = await applier.apply(batch)
    assert rows(hub) == once
    assert second.total("inserted") + second.total("updated") + second.total("deleted") == 0
    # Another consumer (another run token) applying it duplicated and in reverse changes nothing.
    async with CommercetoolsClient(settings) as client:
        await ChangeApplier(client, hub, PROJECT).apply(list(reversed(batch)) + batch[:3])
    assert rows(hub) == once


async def test_invalid_documents_go_to_dead_letters_and_are_neither_written_nor_deleted(
    applier: ChangeApplier, project: FakeProject, hub: HubStore
) -> None:
    good, bad = ids(2)
    seed(hub, "customers", customer(bad, 1))
    broken = {**customer(bad, 2), "email": ""}
    project.put("customers", customer(good, 1), broken)
    batch = await applier.apply([updated("customer", good, 1), updated("customer", bad, 2)])
    assert batch.entities["customers"] == EntityApplied(changes=2, fetched=2, inserted=1, failed=1)
    letters = hub.dead_letters.read(PROJECT, "customers")
    assert [(d.record_id, d.run_id, d.document) for d in letters] == [
        (bad, applier.run_token, broken)
    ]
    assert "email" in letters[0].reason
    stored = hub.records.get(PROJECT, "customers", bad)
    assert stored is not None and stored.version == 1 and stored.deleted_at is None


async def test_changes_of_types_the_hub_does_not_keep_are_counted_and_not_fetched(
    applier: ChangeApplier, project: FakeProject
) -> None:
    batch = await applier.apply(
        [updated("import-operation", "x", 1), updated("import-operation", "y", 1)]
    )
    assert (batch.ignored, batch.entities, batch.changes) == ({"import-operation": 2}, {}, 2)
    assert project.total_requests() == 0


async def test_lags_are_measured_from_each_changes_commit_in_commercetools(
    applier: ChangeApplier, project: FakeProject
) -> None:
    (a,) = ids(1)
    project.put("customers", customer(a, 1))
    an_hour_ago = datetime.now(UTC).timestamp() - 3600
    modified = datetime.fromtimestamp(an_hour_ago, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    batch = await applier.apply(
        [Change("customer", a, 1, modified), Change("customer", a, 1, None)]
    )
    assert len(batch.lags) == 1
    assert batch.max_lag is not None and 3599 <= batch.max_lag <= 3700


# -- a full sync's finish next to the follower ---------------------------------------------------


async def test_a_full_runs_marking_leaves_the_followers_records_alone(
    applier: ChangeApplier, project: FakeProject, hub: HubStore
) -> None:
    seen, stale, followed = ids(3)
    seed(hub, "customers", customer(stale, 1), run_id="pull-0")
    seed(hub, "customers", customer(seen, 1), run_id="full-1")  # the full run's page
    project.put("customers", customer(followed, 1))
    await applier.apply([updated("customer", followed, 1)])  # the follower, meanwhile
    # The full run never saw `followed` (it came in after the run paged past its id): only
    # `stale` is the run's to mark.
    assert hub.exact.records.mark_unseen_deleted(PROJECT, "customers", "full-1") == 1
    assert hub.records.live_ids(PROJECT, "customers") == {seen, followed}
