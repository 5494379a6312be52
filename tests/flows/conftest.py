"""Flows run against one Prefect test server per session (`prefect_server`, tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox import Sandbox


@pytest.fixture(scope="session", autouse=True)
def _flows_on_the_test_server(prefect_server: None) -> None:
    """Every flow test runs against the session's Prefect test server."""


@pytest.fixture(scope="module")
def private_sandbox() -> Iterator[Sandbox]:
    """An empty sandbox of the test module's own, which its tests may change at will (each loads
    or resets what it needs); one per module, so modules never see each other's data."""
    with Sandbox(seed=None) as sandbox:
        yield sandbox


@pytest.fixture
def blank(private_sandbox: Sandbox) -> Iterator[Sandbox]:
    """The module's sandbox emptied, with no fault rules (a module may define its own)."""
    private_sandbox.reset()
    private_sandbox.clear_faults()
    yield private_sandbox
    private_sandbox.clear_faults()
