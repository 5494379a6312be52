"""The systemd units that ops/systemd ships: systemd accepts them, they run what the production
docs say, and they keep a worker or server running."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ops.units import ROOT, STATE_DIR, VENV, read_unit, relocated

DOCS = ROOT / "docs" / "production.md"
UNITS = ("prefect-worker.service", "prefect-server.service")


@pytest.mark.parametrize("name", UNITS)
def test_systemd_verifies_the_unit_without_a_warning(name: str, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        message = "systemd-analyze not found (Debian's systemd package)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # systemd checks that ExecStart's program exists: this test's virtualenv stands in for the
    # one the docs install in /opt.
    unit = tmp_path / name
    unit.write_text(relocated((ROOT / "ops" / "systemd" / name).read_text(), sys.prefix, tmp_path))
    done = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    # Unknown keys and bad values are warnings ("..., ignoring"), not errors: none either.
    assert done.stderr.strip() == "", done.stderr


def test_the_worker_unit_runs_the_documented_worker_of_the_pool() -> None:
    unit = read_unit("prefect-worker.service")
    exec_start = unit.value("Service", "ExecStart")
    assert unit.exec_start() == [
        f"{VENV}/bin/prefect",
        "worker",
        "start",
        "--pool",
        "commercetools",
    ]
    assert f"ExecStart={exec_start}" in DOCS.read_text()
    assert unit.value("Service", "WorkingDirectory") == STATE_DIR
    environment = unit.environment()
    # Runs link data/ of their clone here: the hub stays in one place, outside every clone.
    assert environment["COMMERCETOOLS_DATA_DIR"] == f"{STATE_DIR}/data"
    assert environment["PREFECT_HOME"].startswith(STATE_DIR)
    assert unit.values("Service", "EnvironmentFile") == ["/etc/prefect-commercetools/worker.env"]
    assert unit.value("Service", "Restart") == "always"
    assert unit.value("Install", "WantedBy") == "multi-user.target"
    assert "network-online.target" in unit.value("Unit", "Wants")


def test_the_server_unit_runs_the_documented_server() -> None:
    unit = read_unit("prefect-server.service")
    exec_start = unit.value("Service", "ExecStart")
    assert unit.exec_start()[:3] == [f"{VENV}/bin/prefect", "server", "start"]
    assert f"ExecStart={exec_start}" in DOCS.read_text()
    assert unit.values("Service", "EnvironmentFile") == ["/etc/prefect-commercetools/server.env"]
    assert "postgresql.service" in unit.value("Unit", "After")
    assert unit.value("Service", "Restart") == "always"


@pytest.mark.parametrize(
    ("example", "needed"),
    [
        ("worker.env.example", {"PREFECT_API_URL", "PREFECT_UI_URL", "PREFECT_CLIENT_MAX_RETRIES"}),
        (
            "server.env.example",
            {"PREFECT_API_DATABASE_CONNECTION_URL", "PREFECT_UI_URL", "PREFECT_UI_API_URL"},
        ),
    ],
)
def test_the_environment_files_name_what_the_units_need(example: str, needed: set[str]) -> None:
    lines = (ROOT / "ops" / "systemd" / example).read_text().splitlines()
    settings = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert set(settings) == needed
    # Links open the current UI; the server's database is PostgreSQL through asyncpg.
    assert settings["PREFECT_UI_URL"].endswith("/v2")
    if "PREFECT_API_DATABASE_CONNECTION_URL" in settings:
        assert settings["PREFECT_API_DATABASE_CONNECTION_URL"].startswith("postgresql+asyncpg://")


def test_the_worker_environment_retries_a_busy_server_as_prefect_toml_does() -> None:
    """The unit's working directory is not the checkout, so prefect.toml does not reach it: its
    environment file carries the same client retries."""
    import tomllib

    shipped = tomllib.loads((ROOT / "prefect.toml").read_text())["client"]["max_retries"]
    example = (ROOT / "ops" / "systemd" / "worker.env.example").read_text().splitlines()
    assert f"PREFECT_CLIENT_MAX_RETRIES={shipped}" in example
