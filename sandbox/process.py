"""One sandbox server: `node sandbox/server.mjs` on 127.0.0.1, started, awaited and stopped.

The process exits when its stdin closes, and every sandbox still running when Python exits is
stopped, so neither a crash nor a forgotten `stop()` leaves an orphan.
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import queue
import subprocess
import threading
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import httpx

from sandbox.control import ControlApi
from sandbox.errors import SandboxError
from sandbox.node import ensure_node_modules, node_tools
from sandbox.paths import DEFAULT_SEED, SANDBOX_DIR, SERVER_SCRIPT

_LIVE: weakref.WeakSet[Sandbox] = weakref.WeakSet()


def _stop_all() -> None:
    for sb in list(_LIVE):
        sb.stop()


atexit.register(_stop_all)


class Sandbox(ControlApi):
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
        proc, lines = self._spawn(node)
        ready = self._ready_event(proc, lines, timeout)
        if ready is None:
            proc.wait(timeout=5)
            code = proc.returncode
            self.stop()
            said = self._said()
            if said:
                raise SandboxError(said)
            raise SandboxError(f"sandbox exited with code {code} before it was ready{self._tail()}")
        self.port = int(ready["port"])
        self.seeded = dict(ready.get("seeded") or {})
        self.seed_ms = float(ready.get("seedMs") or 0)
        self._control = httpx.Client(base_url=f"{self.url}/_sandbox", timeout=120)
        return self

    def _spawn(self, node: str) -> tuple[subprocess.Popen[str], queue.Queue[str | None]]:
        """Start the server; its stdout lines arrive on the queue (None at its end), its stderr
        in the tail."""
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
        return proc, lines

    def _ready_event(
        self, proc: subprocess.Popen[str], lines: queue.Queue[str | None], timeout: float
    ) -> dict[str, Any] | None:
        """The server's ready line, or None when it exited first; stops it after `timeout`."""
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
                    return None
                continue
            if line is None:
                return None
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("event") == "ready":
                return event

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
