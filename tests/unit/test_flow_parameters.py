"""The Run form of each flow shows its own parameters' titles and descriptions."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from flows import _parameters as param
from flows.copy import copy_project
from flows.push import PUSH_FLOWS, push_entity
from flows.sync import ENTITY_FLOWS, sync_entity


def _assigned_names(path: Path) -> Counter[str]:
    tree = ast.parse(path.read_text())
    names: Counter[str] = Counter()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _shown(annotation: Any) -> dict[str, Any]:
    """The title and description an annotation of flows/_parameters.py gives its field."""
    for extra in annotation.__metadata__:
        schema = getattr(extra, "json_schema_extra", None)
        if isinstance(schema, dict) and "description" in schema:
            return schema
    raise AssertionError(f"{annotation} has no description")


def test_every_parameter_annotation_is_defined_once() -> None:
    names = _assigned_names(Path(param.__file__))
    assert names, "no module-level names found"
    assert {name: n for name, n in names.items() if n > 1} == {}


def test_push_and_copy_run_forms_describe_their_own_allow_destructive() -> None:
    push, copy = _shown(param.PushAllowDestructive), _shown(param.CopyAllowDestructive)
    assert push["description"] != copy["description"]
    assert "push stops before writing" in push["description"]
    for name, flow in PUSH_FLOWS.items():
        field = flow.parameters.model_dump()["properties"]["allow_destructive"]
        assert (field["title"], field["description"]) == (push["title"], push["description"]), name
    field = copy_project.parameters.model_dump()["properties"]["allow_destructive"]
    assert (field["title"], field["description"]) == (copy["title"], copy["description"])


def test_each_entity_flow_is_its_general_flow_with_the_entity_bound() -> None:
    for general, flows_of in ((sync_entity, ENTITY_FLOWS), (push_entity, PUSH_FLOWS)):
        schema = general.parameters.model_dump()
        del schema["properties"]["entity"]
        schema["required"].remove("entity")
        for properties in schema["properties"].values():
            properties.pop("position")
        for name, flow in flows_of.items():
            shown = flow.parameters.model_dump()
            for properties in shown["properties"].values():
                properties.pop("position")
            assert shown == schema, name
            assert flow.name.endswith(name)


def test_push_entity_refuses_an_entity_without_push_with_the_ones_that_have_one() -> None:
    with pytest.raises(ValueError, match=r"no push for entity 'orders': pushes exist for .*zones"):
        push_entity.fn("orders", credentials="unused")
