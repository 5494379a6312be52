"""Shared fixtures: the local commercetools sandbox, started once per test session.

`sandbox_server` is session-scoped (one node process, default seed, free port). Tests take
`sandbox`, which hands out the same server with fault rules cleared and stats reset before the
test and faults cleared after it, so one test's injected 503s never leak into the next.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    PREFECT_SERVER_ANALYTICS_ENABLED,
    temporary_settings,
)
from prefect.testing.utilities import prefect_test_harness

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path[:1]:
    # tests/ lands on sys.path first (rootdir conftest), where tests/sandbox/ would otherwise
    # shadow the top-level `sandbox` package as a namespace package.
    sys.path.insert(0, _ROOT)

from deployments.ephemeral import send_queued  # noqa: E402
from sandbox import Sandbox  # noqa: E402
from tests.postgres import fresh_database, postgres_bin, running_postgres  # noqa: E402
from tests.prefect_servers import DRAIN_SECONDS, server_answers, stray_events_worker  # noqa: E402
from tests.schedule import heaviest_modules_first  # noqa: E402

# Tiers: `make check` runs what needs neither the sandbox nor a Prefect server. A test that takes
# either through a fixture is marked here, so no test has to remember it.
_NEEDS_PREFECT = {"prefect_server"}
_NEEDS_SANDBOX = {"sandbox_server", "private_sandbox", "projects"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & _NEEDS_PREFECT:
            item.add_marker(pytest.mark.prefect)
        if fixtures & _NEEDS_SANDBOX:
            item.add_marker(pytest.mark.sandbox)
    heaviest_modules_first(items)  # tests/schedule.py: what keeps make test's workers busy


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One Prefect test server for the session (started once, ~10 s), for the tests that run
    flows or save blocks. Analytics off, or the harness's SQLite logs "database is locked" on
    this machine; flow-run heartbeats off: Prefect 3.9 joins its heartbeat thread, which sleeps
    in whole seconds, at the end of every flow run (up to a second each, hundreds of runs)."""
    settings = {PREFECT_SERVER_ANALYTICS_ENABLED: False, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    with temporary_settings(settings):
        with prefect_test_harness(server_startup_timeout=60):
            yield


@pytest.fixture(autouse=True)
def _events_stay_on_the_current_server() -> Iterator[None]:
    """After every test, Prefect's events worker sends to the current server, or to none: one
    bound elsewhere is drained, so the next tests' events reach theirs (tests.prefect_servers
    says why). One bound to a server that no longer answers fails the test that left it: its
    events were lost, and `talking_to` is the way to reach another server."""
    yield
    stray = stray_events_worker()
    if stray is None:
        return
    answering = server_answers(stray)
    send_queued(DRAIN_SECONDS if answering else 5)
    if not answering:
        pytest.fail(
            f"this test left Prefect's events worker sending to {stray}, a server that no "
            f"longer answers (the current one is {PREFECT_API_URL.value()}): reach other "
            "servers with tests.prefect_servers.talking_to",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[Sandbox]:
    """One seeded sandbox for the whole session; `npm ci` first if node_modules is missing."""
    server = Sandbox(port=0)
    server.start(timeout=120)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sandbox(sandbox_server: Sandbox) -> Iterator[Sandbox]:
    """The session sandbox with no fault rules and fresh stats."""
    sandbox_server.clear_faults()
    sandbox_server.reset_stats()
    yield sandbox_server
    sandbox_server.clear_faults()


# -- PostgreSQL: a throwaway server for the hub tests ------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server on 127.0.0.1 with its own data directory, for this session only.

    `.ci/run` installs the server; on a machine without it these tests skip locally and fail
    in CI, so the PostgreSQL hub is never silently untested there.
    """
    if postgres_bin() is None:
        message = "PostgreSQL server binaries not found: apt-get install postgresql"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with running_postgres() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's PostgreSQL server."""
    return fresh_database(postgres_server)


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The hub's URL, once on SQLite and once on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/hub.db"
    url: str = request.getfixturevalue("postgres_url")
    return url
