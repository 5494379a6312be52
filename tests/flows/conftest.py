"""Flows run against one Prefect test server per session (started once, ~10 s)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prefect.settings import PREFECT_SERVER_ANALYTICS_ENABLED, temporary_settings
from prefect.testing.utilities import prefect_test_harness

from sandbox import Sandbox


@pytest.fixture(scope="session", autouse=True)
def prefect_server() -> Iterator[None]:
    # Analytics off, or the harness's SQLite logs "database is locked" on this machine.
    with temporary_settings({PREFECT_SERVER_ANALYTICS_ENABLED: False}):
        with prefect_test_harness(server_startup_timeout=60):
            yield


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
