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

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path[:1]:
    # tests/ lands on sys.path first (rootdir conftest), where tests/sandbox/ would otherwise
    # shadow the top-level `sandbox` package as a namespace package.
    sys.path.insert(0, _ROOT)

from sandbox import Sandbox  # noqa: E402
from tests.postgres import fresh_database, postgres_bin, running_postgres  # noqa: E402


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
