"""The registry covers every collection commercetools and the sandbox serve, a row states only what
differs from the defaults, the views follow the rows, and docs/entities.md's entity table says
what the registry does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ctsync.hub.documents import checked_record, records_of
from ctsync.hub.views.catalog import LOCALIZED_FIELDS, VIEWS
from ctsync.hub.views.main_views import main_view
from ctsync.push.registry import PUSH_ENTITIES
from ctsync.registry import (
    ENTITIES,
    Entity,
    Resource,
    dependency_levels,
    entity_of_type,
    get_entity,
)
from ctsync.registry.view_columns import integer, text
from deployments.catalog import SYNC_INTERVALS
from deployments.generated_files import WRITE_COMMAND, expected

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


def test_a_row_states_only_what_differs_from_the_defaults() -> None:
    plain = Entity("gift-cards", Resource)
    assert (plain.endpoint, plain.type_id, plain.scope) == (
        "gift-cards",
        "gift-card",
        "view_gift_cards",
    )
    assert Entity("tax-categories", Resource).type_id == "tax-category"
    assert (plain.natural_key, plain.depends_on, plain.singleton, plain.retention) == (
        "key",
        (),
        False,
        None,
    )
    said = Entity("inventory", Resource, type_id="inventory-entry", scope="view_products")
    assert (said.endpoint, said.type_id, said.scope) == (
        "inventory",
        "inventory-entry",
        "view_products",
    )
    project = get_entity("project")
    assert (project.endpoint, project.type_id) == ("", "project")


def test_the_hub_views_follow_the_rows() -> None:
    """A new entity's row brings its main view and its localized values; ctsync/hub names none."""
    row = Entity(
        "gift-cards",
        Resource,
        view_columns=(text("code", "code"), integer("balance", "balance.centAmount")),
        localized_fields=("name", ("short", "texts.short")),
    )
    view = main_view(row)
    assert (view.name, view.entity) == ("gift_cards", "gift-cards")
    assert [name for name, _ in view.outputs()][6:] == ["code", "balance"]
    assert [(c.path, c.kind) for c in view.columns] == [
        (("code",), "text"),
        (("balance", "centAmount"), "integer"),
    ]
    for entity in ENTITIES.values():
        name = entity.name.replace("-", "_")
        assert VIEWS[name] == main_view(entity)
        shown = [field for field, _ in LOCALIZED_FIELDS.get(entity.name, ())]
        assert shown == [f if isinstance(f, str) else f[0] for f in entity.localized_fields]


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
    record = checked_record(objects, document)
    assert not isinstance(record, str)
    assert record.key == "checkout-config/payment-methods"
    assert record.document is document
    reason = checked_record(objects, {k: v for k, v in document.items() if k != "container"})
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
        records, invalid = records_of(entity, documents)
        expected = [checked_record(entity, document) for document in documents]
        assert records == [r for r in expected if not isinstance(r, str)], entity.name
        assert [reason for _, reason in invalid] == [r for r in expected if isinstance(r, str)]
        assert [d for d, _ in invalid] == [
            d for d, r in zip(documents, expected, strict=True) if isinstance(r, str)
        ]
    customers = get_entity("customers")  # keyed by email
    records, invalid = records_of(customers, documents)
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
    records, _ = records_of(objects, [good, {**good, "id": "c-6", "container": 5}])
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


def test_the_docs_entity_table_is_what_the_registry_generates() -> None:
    assert (ROOT / "docs" / "entities.md").read_text() == expected("docs/entities.md"), (
        f"docs/entities.md's entity table drifted from the registry: {WRITE_COMMAND}"
    )


# Where the docs count the entities in prose (measurements in production.md and performance.md
# name the count of their own runs, and stay as measured).
_COUNTED = re.compile(
    r"\b(\d+) entities\b|\b(\d+) in all\b|per entity \((\d+)\)|sync_customers`, …\s+(\d+)\)"
)
_PUSHES_COUNTED = re.compile(r"push_customers`, …\s+(\d+)\)")


@pytest.mark.parametrize(
    "page", ["README.md", "docs/entities.md", "docs/hub.md", "docs/index.md", "docs/pull.md"]
)
def test_the_docs_count_the_entities_the_registry_has(page: str) -> None:
    counts = [int(next(g for g in m.groups() if g)) for m in _COUNTED.finditer(_read(page))]
    assert counts, f"{page} no longer counts the entities: drop it from this test"
    assert set(counts) == {len(ENTITIES)}, (
        f"{page} counts {counts}, the registry has {len(ENTITIES)}"
    )


def _read(page: str) -> str:
    return (ROOT / page).read_text()


def test_the_docs_count_the_pushes_the_push_registry_has() -> None:
    counts = [int(m.group(1)) for m in _PUSHES_COUNTED.finditer(_read("docs/index.md"))]
    assert counts == [len(PUSH_ENTITIES)], f"docs/index.md counts {counts} pushes"
