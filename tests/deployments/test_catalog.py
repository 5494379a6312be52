"""prefect.yaml is what the catalog generates, and it, `deployments.serve` and the catalog
declare the same deployments (no server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.utilities.callables import parameter_schema

from ctsync.registry import ENTITIES
from deployments.catalog import (
    DEFAULT_CREDENTIALS,
    DEPLOYMENTS,
    WORK_POOL,
    DeploymentSpec,
    get_deployment,
)
from deployments.generated_files import WRITE_COMMAND, expected
from deployments.serve import build

PREFECT_YAML = Path(__file__).resolve().parents[2] / "prefect.yaml"


def _declared() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load(PREFECT_YAML.read_text())
    return {d["name"]: d for d in config["deployments"]}


def test_prefect_yaml_is_what_the_registry_and_the_catalog_generate() -> None:
    assert PREFECT_YAML.read_text() == expected("prefect.yaml"), (
        f"prefect.yaml drifted from the registry and deployments/catalog.py: {WRITE_COMMAND}"
    )


def test_prefect_yaml_declares_exactly_the_catalog() -> None:
    declared = _declared()
    assert list(declared) == [spec.name for spec in DEPLOYMENTS]
    for spec in DEPLOYMENTS:
        deployment = declared[spec.name]
        expected = {
            "entrypoint": spec.entrypoint,
            "description": spec.description,
            "parameters": spec.parameters,
            "tags": list(spec.tags),
            "schedules": [{"interval": spec.interval}] if spec.interval else None,
            "enforce_parameter_schema": True,
            "work_pool": {"name": WORK_POOL, "work_queue_name": "default"},
            "concurrency_limit": (
                {"limit": 1, "collision_strategy": spec.collision_strategy}
                if spec.one_at_a_time
                else None
            ),
            "triggers": list(spec.triggers) or None,
        }
        actual = {key: deployment.get(key) for key in expected}
        assert actual == expected, spec.name


def test_schedules_are_what_a_merchant_would_pick() -> None:
    minutes = {s.name: s.interval // 60 for s in DEPLOYMENTS if s.interval}
    assert set(minutes) == set(ENTITIES)
    tiers: dict[int, set[str]] = {}
    for name, every in minutes.items():
        tiers.setdefault(every, set()).add(name)
    # What shoppers change all day, often; quotes and the catalog every 15 minutes.
    assert tiers[5] == {"customers", "orders", "carts"}
    assert tiers[15] == {
        "products",
        "categories",
        "inventory",
        "quote-requests",
        "staged-quotes",
        "quotes",
        "recurring-orders",
    }
    # Integrations and B2B configuration change with a release, not with the day's trade.
    assert {"extensions", "subscriptions", "associate-roles"} <= tiers[24 * 60]
    assert set(tiers) == {5, 15, 60, 24 * 60}
    assert "daily" in get_deployment("extensions").description
    assert get_deployment("initialize").interval is None
    assert get_deployment("initialize").parameters["mode"] == "full"
    assert get_deployment("check-connection").interval is None


@pytest.mark.parametrize("spec", DEPLOYMENTS, ids=lambda s: s.name)
def test_every_parameter_has_a_title_and_a_description(spec: DeploymentSpec) -> None:
    schema = parameter_schema(spec.load_flow()).model_dump_for_openapi()
    for name, field in schema["properties"].items():
        assert field["title"] != name and field["title"][0].isupper(), (name, field)
        assert len(field.get("description", "")) > 20, (name, field)
    assert set(spec.parameters) <= set(schema["properties"])


def test_serve_builds_the_same_deployments() -> None:
    served = {d.name: d for d in build(credentials="shop", hub="hub")}
    assert list(served) == [spec.name for spec in DEPLOYMENTS]
    for spec in DEPLOYMENTS:
        deployment = served[spec.name]
        intervals = [s.schedule.interval.total_seconds() for s in deployment.schedules or []]  # type: ignore[union-attr]
        assert intervals == ([spec.interval] if spec.interval else [])
        assert deployment.tags == list(spec.tags)
        assert deployment.enforce_parameter_schema
        takes = parameter_schema(spec.load_flow()).model_dump_for_openapi()["properties"]
        assert deployment.parameters.get("credentials") == (
            "shop" if "credentials" in takes else None
        )
        assert deployment.parameters.get("hub") == ("hub" if "hub" in takes else None)
        assert set(deployment.parameters) <= set(takes), spec.name
        if spec.one_at_a_time:
            assert deployment.concurrency_limit == 1
            assert deployment.concurrency_options is not None
            assert deployment.concurrency_options.collision_strategy == spec.collision_strategy
        else:
            assert deployment.concurrency_limit is None
        assert [
            t.model_dump(mode="json", include={"type", "name", "enabled", "match", "expect"})
            for t in deployment.triggers
        ] == list(spec.triggers)
    assert served["customers"].parameters == {"credentials": "shop", "hub": "hub"}
    assert served["check-connection"].parameters == {"credentials": "shop"}
    assert served["export-new-orders"].parameters == {
        "path": "data/exports/new-orders.jsonl",
        "consumer": "erp-new-orders",
        "project": "shop",  # the exports read the project of the credentials block served
        "hub": "hub",
    }
    assert served["customers"].entrypoint == "flows.sync.sync_customers"
    assert build()[0].parameters == {"credentials": DEFAULT_CREDENTIALS}
