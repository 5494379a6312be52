"""The registry covers every collection commercetools and the sandbox serve, and docs/entities.md's
entity table says what the registry does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ctsync.registry import ENTITIES, dependency_levels, entity_of_type, get_entity
from deployments.catalog import SYNC_INTERVALS

ROOT = Path(__file__).resolve().parents[2]
SERVED_TYPES = ROOT / "sandbox" / "adapter" / "served-types.mjs"
# commercetools serves these only to an associate of a business unit
# (/as-associate/{id}/in-business-unit/key={key}/approval-rules), not at project level.
NOT_AT_PROJECT_LEVEL = {"approval-flow", "approval-rule"}


def _served() -> dict[str, str]:
    """The sandbox's served resource types: storage type id -> URL segment."""
    text = SERVED_TYPES.read_text()
    block = text[text.index("SERVED_TYPES = {") : text.index("};")]
    return dict(re.findall(r'"?([a-z-]+)"?: "([a-z-]+)",', block))


def test_every_collection_served_at_project_level_is_an_entity() -> None:
    served = _served()
    assert len(served) == 37  # what the mock 4.4.0 serves over HTTP
    pulled = {e.type_id: e.endpoint for e in ENTITIES.values() if not e.singleton}
    assert set(served) - NOT_AT_PROJECT_LEVEL == set(pulled)
    for type_id, endpoint in pulled.items():
        assert served[type_id] == endpoint, type_id
    assert len(ENTITIES) >= 35


def test_every_entity_names_its_scope_and_known_dependencies() -> None:
    for entity in ENTITIES.values():
        assert re.fullmatch(r"(view|manage)_[a-z_]+", entity.scope), entity.name
        assert set(entity.depends_on) <= set(ENTITIES), entity.name
        assert entity_of_type(entity.type_id) is entity
    levels = dependency_levels()
    assert sorted(name for level in levels for name in level) == sorted(ENTITIES)
    order = {name: n for n, level in enumerate(levels) for name in level}
    assert order["carts"] < order["quote-requests"] < order["staged-quotes"] < order["quotes"]
    assert order["orders"] < order["recurring-orders"]


def test_a_custom_object_is_known_by_container_and_key() -> None:
    objects = get_entity("custom-objects")
    document = {
        "id": "5c7a2b1e-0000-4000-8000-000000000001",
        "version": 2,
        "createdAt": "2026-01-02T03:04:05.678Z",
        "lastModifiedAt": "2026-01-02T03:04:05.678Z",
        "container": "checkout-config",
        "key": "payment-methods",
        "value": None,  # any JSON value, null included
    }
    record = objects.to_record(document)
    assert not isinstance(record, str)
    assert record.key == "checkout-config/payment-methods"
    assert record.document is document
    reason = objects.to_record({k: v for k, v in document.items() if k != "container"})
    assert reason == "container: Field required"


def test_records_of_a_page_are_what_to_record_makes_of_each_document() -> None:
    """The one-loop path of a pull's pages keeps the per-document rules: invalid documents come
    back with their reasons, a key that is not a string is no key, every entity agrees."""
    good = {
        "id": "c-1",
        "version": 3,
        "createdAt": "2026-01-02T03:04:05.678Z",
        "lastModifiedAt": "2026-01-02T03:04:06.000Z",
        "key": "k-1",
        "email": "a@example.com",
        "name": {"en": "n"},
        "container": "box",
        "value": 1,
    }
    documents = [
        good,
        {**good, "id": "c-2", "key": 7},  # a key that is not a string
        {**good, "id": "c-3", "key": None},
        {**good, "id": "c-4", "version": "3"},  # strict: a string is not a version
        {**good, "id": ""},
        {**good, "id": "c-5", "createdAt": "yesterday"},
        "not an object",
        {k: v for k, v in good.items() if k != "lastModifiedAt"},
    ]
    for entity in ENTITIES.values():
        if entity.singleton:
            continue
        records, invalid = entity.records_of(documents)
        expected = [entity.to_record(document) for document in documents]
        assert records == [r for r in expected if not isinstance(r, str)], entity.name
        assert [reason for _, reason in invalid] == [r for r in expected if isinstance(r, str)]
        assert [d for d, _ in invalid] == [
            d for d, r in zip(documents, expected, strict=True) if isinstance(r, str)
        ]
    customers = get_entity("customers")  # keyed by email
    records, invalid = customers.records_of(documents)
    assert [(r.id, r.key) for r in records] == [("c-1", "a@example.com"), ("c-3", "a@example.com")]
    assert records[0].document is good
    assert [reason.split(":")[0] for _, reason in invalid] == [
        "key",
        "version",
        "id",
        "createdAt",
        "document",
        "lastModifiedAt",
    ]
    objects = get_entity("custom-objects")  # keyed by container and key
    records, _ = objects.records_of([good, {**good, "id": "c-6", "container": 5}])
    assert [r.key for r in records] == ["box/k-1"]


def test_only_self_deleting_resources_carry_a_retention() -> None:
    kept = {e.name: e.retention for e in ENTITIES.values() if e.retention}
    assert kept == {
        "carts": "deleteDaysAfterLastModification",
        "shopping-lists": "deleteDaysAfterLastModification",
    }


def _docs_rows() -> dict[str, list[str]]:
    text = (ROOT / "docs" / "entities.md").read_text()
    table = text[text.index("| entity | endpoint |") :].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0].removesuffix(" ¹")] = cells
    return rows


@pytest.mark.parametrize("name", list(ENTITIES))
def test_the_docs_entity_table_says_what_the_registry_does(name: str) -> None:
    every = {300: "5 min", 900: "15 min", 3600: "hourly", 86_400: "daily"}
    entity = ENTITIES[name]
    row = _docs_rows()[name]
    keys = (entity.natural_key,) if isinstance(entity.natural_key, str) else entity.natural_key
    assert row[1] == ("`/{key}`" if entity.singleton else f"`/{entity.endpoint}`")
    assert row[2] == " + ".join(f"`{key}`" for key in keys)
    assert row[3] == every[SYNC_INTERVALS[name]]
    assert row[4] == f"`{entity.scope}`"


def test_the_docs_entity_table_has_a_row_per_entity_and_no_more() -> None:
    assert list(_docs_rows()) == list(ENTITIES)
