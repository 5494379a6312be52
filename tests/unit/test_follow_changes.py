"""Notifications and messages read as changes (ctsync.follow.changes), in the shapes commercetools
documents: Platform-format change notifications and messages, CloudEvents, Messages API pages."""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctsync.follow.changes import Change, NotAChange, latest, parse_body, parse_message

CUSTOMER_ID = "4f5e2c8a-1b7d-4e0c-9a3f-6d2b8c1e7f90"
MODIFIED = "2026-03-01T10:11:12.345Z"


def notification(kind: str, **fields: Any) -> dict[str, Any]:
    """A ResourceCreated/Updated/Deleted payload as commercetools delivers it (Platform)."""
    return {
        "notificationType": kind,
        "projectKey": "shop",
        "resource": {"typeId": "customer", "id": CUSTOMER_ID},
        "resourceUserProvidedIdentifiers": {"customerNumber": "C-1"},
        "version": 3,
        "modifiedAt": MODIFIED,
        **fields,
    }


def message(kind: str, type_id: str = "customer", **fields: Any) -> dict[str, Any]:
    """A message as the Messages API serves it (a subscription adds notificationType)."""
    return {
        "id": "b7c1d6e2-0000-4000-8000-000000000001",
        "version": 1,
        "sequenceNumber": 4,
        "resource": {"typeId": type_id, "id": CUSTOMER_ID},
        "resourceVersion": 7,
        "type": kind,
        "createdAt": MODIFIED,
        "lastModifiedAt": MODIFIED,
        **fields,
    }


def body(payload: dict[str, Any]) -> bytes:
    return orjson.dumps(payload)


# -- change notifications ------------------------------------------------------------------------


def test_resource_created_and_updated_are_changes_of_their_version() -> None:
    created = parse_body(body(notification("ResourceCreated", version=1)))
    updated = parse_body(body(notification("ResourceUpdated", version=5, oldVersion=4)))
    assert created == Change("customer", CUSTOMER_ID, 1, MODIFIED, project_key="shop")
    assert updated == Change("customer", CUSTOMER_ID, 5, MODIFIED, project_key="shop")
    assert created.entity is not None and created.entity.name == "customers"


def test_resource_deleted_is_a_deletion_and_erases_only_on_data_erasure() -> None:
    plain = parse_body(body(notification("ResourceDeleted")))
    erased = parse_body(body(notification("ResourceDeleted", dataErasure=True)))
    not_true = parse_body(body(notification("ResourceDeleted", dataErasure="true")))
    assert (plain.deleted, plain.data_erasure) == (True, False)
    assert (erased.deleted, erased.data_erasure) == (True, True)
    assert (not_true.deleted, not_true.data_erasure) == (True, False)
    # dataErasure means nothing on an update: only a deletion erases.
    update = parse_body(body(notification("ResourceUpdated", dataErasure=True)))
    assert (update.deleted, update.data_erasure) == (False, False)


def test_type_ids_map_to_the_hubs_entities_and_unknown_types_to_none() -> None:
    def entity_of(type_id: str) -> str | None:
        payload = notification("ResourceUpdated", resource={"typeId": type_id, "id": "x"})
        entity = parse_body(body(payload)).entity
        return entity.name if entity else None

    assert entity_of("inventory-entry") == "inventory"
    assert entity_of("key-value-document") == "custom-objects"
    assert entity_of("product") == "products"
    assert entity_of("order") == "orders"
    assert entity_of("import-operation") is None
    assert entity_of("project") is None  # the singleton is no resource a notification names


def test_a_malformed_modified_at_is_dropped_not_kept() -> None:
    """The applier computes lags from it after the hub committed; a bad one must not be kept."""
    for bad in ("yesterday", "2026-13-45T10:11:12.345Z", "2026-03-01T10:11:12", 1_700_000_000):
        change = parse_body(body(notification("ResourceUpdated", modifiedAt=bad)))
        assert change.modified_at is None, bad
        assert change.version == 3


# -- messages ------------------------------------------------------------------------------------


def test_messages_from_a_subscription_and_from_the_messages_api_are_the_same_change() -> None:
    served = message("CustomerCreated")
    delivered = parse_body(body({"notificationType": "Message", "projectKey": "shop", **served}))
    assert parse_message(served) == Change("customer", CUSTOMER_ID, 7, MODIFIED)
    assert parse_body(body(served)) == parse_message(served)  # no notificationType: a message
    assert delivered == Change("customer", CUSTOMER_ID, 7, MODIFIED, project_key="shop")


@pytest.mark.parametrize(
    ("kind", "type_id", "deleted"),
    [
        ("CustomerDeleted", "customer", True),
        ("ProductDeleted", "product", True),
        ("OrderDeleted", "order", True),
        ("InventoryEntryDeleted", "inventory-entry", True),
        ("ProductVariantDeleted", "product", False),
        ("ProductPriceRemoved", "product", False),
        ("CustomerAddressRemoved", "customer", False),
        ("OrderLineItemRemoved", "order", False),
        ("CustomerEmailChanged", "customer", False),
    ],
)
def test_only_messages_of_the_resource_itself_gone_are_deletions(
    kind: str, type_id: str, deleted: bool
) -> None:
    change = parse_message(message(kind, type_id))
    assert (change.type_id, change.deleted, change.version) == (type_id, deleted, 7)


def test_a_message_too_large_for_the_queue_keeps_its_type_in_payload_not_included() -> None:
    """commercetools drops the message's own fields, `type` among them, and names the type in
    `payloadNotIncluded.payloadType`: a deletion must still be one."""
    dropped = message("ProductDeleted", "product")
    del dropped["type"]
    dropped = {
        "notificationType": "Message",
        **dropped,
        "payloadNotIncluded": {"reason": "Payload too large", "payloadType": "ProductDeleted"},
    }
    change = parse_body(body(dropped))
    assert (change.type_id, change.deleted, change.version) == ("product", True, 7)
    dropped["payloadNotIncluded"]["payloadType"] = "ProductVariantDeleted"
    assert parse_body(body(dropped)).deleted is False


# -- CloudEvents ---------------------------------------------------------------------------------


def cloud_event(data: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": "a1b2c3",
        "type": "com.commercetools.customer.change.ResourceDeleted",
        "source": "/shop/customers",
        "subject": CUSTOMER_ID,
        "time": MODIFIED,
        "sequence": "1",
        "sequencetype": "Integer",
        "dataref": f"/shop/customers/{CUSTOMER_ID}",
        "data": data,
    }


def test_a_cloud_event_carries_the_platform_payload_in_data() -> None:
    deleted = parse_body(body(cloud_event(notification("ResourceDeleted", dataErasure=True))))
    assert deleted == Change(
        "customer", CUSTOMER_ID, 3, MODIFIED, deleted=True, data_erasure=True, project_key="shop"
    )
    payload = {"notificationType": "Message", **message("CustomerDeleted")}
    as_message = parse_body(body(cloud_event(payload)))
    assert (as_message.deleted, as_message.version) == (True, 7)


# -- bodies that are no change -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'"ResourceCreated"', "not a JSON object"),
        (body({"hello": "world"}), "no notificationType among the fields ['hello']"),
        (body({"notificationType": "ResourceArchived"}), "'ResourceArchived' is no change"),
        (body(cloud_event(None)), "a CloudEvent without a data object"),
        (body(cloud_event("text")), "a CloudEvent without a data object"),
        (body({"notificationType": "ResourceCreated", "version": 1}), "no resource reference"),
        (
            body({"notificationType": "ResourceUpdated", "resource": {"typeId": "customer"}}),
            "a resource reference without typeId and id",
        ),
        (
            body({"notificationType": "Message", "resource": {"typeId": "order", "id": ""}}),
            "a resource reference without typeId and id",
        ),
    ],
)
def test_bad_bodies_are_no_change_and_say_why(raw: bytes, reason: str) -> None:
    with pytest.raises(NotAChange) as raised:
        parse_body(raw)
    assert reason in str(raised.value)


# -- latest --------------------------------------------------------------------------------------


def test_latest_keeps_the_highest_version_per_resource() -> None:
    changes = [
        Change("customer", "a", 2, MODIFIED),
        Change("customer", "a", 5, MODIFIED),
        Change("customer", "a", 3, MODIFIED),
        Change("customer", "b", 1, MODIFIED),
        Change("order", "a", 9, MODIFIED),  # same id, another type: another resource
    ]
    kept = latest(changes)
    assert {key: change.version for key, change in kept.items()} == {
        ("customer", "a"): 5,
        ("customer", "b"): 1,
        ("order", "a"): 9,
    }


def test_a_deletion_wins_over_any_version_and_an_erasure_over_a_deletion() -> None:
    update = Change("customer", "a", 9, MODIFIED)
    deletion = Change("customer", "a", 4, MODIFIED, deleted=True)
    erasure = Change("customer", "a", 4, MODIFIED, deleted=True, data_erasure=True)
    for order in ([update, deletion], [deletion, update]):
        assert latest(order)[("customer", "a")] == deletion
    for order in ([deletion, erasure, update], [erasure, update, deletion]):
        assert latest(order)[("customer", "a")] == erasure


@st.composite
def changes_of_few_resources(draw: st.DrawFn) -> Change:
    """Changes as parsing makes them (only a deletion erases), on few resources and few
    values, so that lists hold ties: the same version with other times or projects."""
    deleted, erasure = draw(st.sampled_from([(False, False), (True, False), (True, True)]))
    return Change(
        type_id=draw(st.sampled_from(["customer", "order"])),
        id=draw(st.sampled_from(["a", "b", "c"])),
        version=draw(st.none() | st.integers(1, 6)),
        modified_at=draw(st.none() | st.sampled_from([MODIFIED, "2026-03-01T10:11:13.000Z"])),
        deleted=deleted,
        data_erasure=erasure,
        project_key=draw(st.none() | st.sampled_from(["shop", "other"])),
    )


@settings(max_examples=100, deadline=None)
@given(changes=st.lists(changes_of_few_resources(), max_size=12), seed=st.integers(0, 2**32 - 1))
def test_latest_is_the_same_for_any_duplication_and_order(changes: list[Change], seed: int) -> None:
    """Delivery is at least once and unordered: what `latest` keeps must depend neither on the
    order nor on copies, ties included."""
    rng = random.Random(seed)
    delivered = changes + [rng.choice(changes) for _ in range(len(changes) // 2)]
    rng.shuffle(delivered)
    kept = latest(changes)
    assert latest(delivered) == kept
    assert set(kept) == {(c.type_id, c.id) for c in changes}
    for key, change in kept.items():
        same = [c for c in changes if (c.type_id, c.id) == key]
        assert change in same
        deletions = [c for c in same if c.deleted]
        assert change.deleted == bool(deletions)
        assert change.data_erasure == any(c.data_erasure for c in deletions)
        if not deletions:
            versions = [c.version for c in same if c.version is not None]
            assert change.version == (max(versions) if versions else None)
