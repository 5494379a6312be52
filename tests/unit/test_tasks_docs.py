"""docs/tasks.md shows each public task's docstring example as it is."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path

import pytest

import flows.tasks

SECTION = (Path(__file__).resolve().parents[2] / "docs" / "tasks.md").read_text()


def example_of(name: str) -> str:
    doc = inspect.getdoc(getattr(flows.tasks, name).fn) or ""
    assert "\n\nExample:\n" in doc, f"{name} has no example"
    return textwrap.dedent(doc.split("\n\nExample:\n", 1)[1]).strip("\n")


@pytest.mark.parametrize("name", flows.tasks.__all__)
def test_each_tasks_example_is_in_the_docs_and_is_python(name: str) -> None:
    example = example_of(name)
    ast.parse(example)
    assert f"from flows.tasks import {name}" in example
    assert f"**`{name}`**" in SECTION
    assert f"```python\n{example}\n```" in SECTION, f"docs/tasks.md's example of {name} differs"


def test_the_docs_example_flow_and_trigger_are_what_ships() -> None:
    blocks = re.findall(r"```python\n(.*?)```", SECTION, re.S)
    assert len(blocks) == len(flows.tasks.__all__) + 1
    ast.parse(blocks[0])
    prefect_yaml = (Path(__file__).resolve().parents[2] / "prefect.yaml").read_text()
    shown = re.search(r"```yaml\n(.*?)```", SECTION, re.S)
    assert shown is not None
    for line in shown.group(1).splitlines():
        if line.strip().startswith(("concurrency_limit", "description")):
            continue  # written inline in the docs
        assert line.rstrip() in prefect_yaml, line
