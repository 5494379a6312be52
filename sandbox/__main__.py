"""`python -m sandbox`: run the local commercetools stand-in in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import threading
from pathlib import Path
from typing import Literal

from sandbox.errors import SandboxError
from sandbox.node import ensure_node_modules
from sandbox.process import Sandbox

BLOCK_NAME = "my-store"  # the credentials block that prefect.yaml's deployments use


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Run the local commercetools sandbox (commercetools-mock + adapter).",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("SANDBOX_PORT") or 8089),
        help="port on 127.0.0.1 (default: $SANDBOX_PORT or 8089; 0 picks a free one)",
    )
    seed = parser.add_mutually_exclusive_group()
    seed.add_argument("--seed", type=Path, help="seed JSON file (default: sandbox/data/seed.json)")
    seed.add_argument("--no-seed", action="store_true", help="start with an empty project")
    parser.add_argument("--project-key", default="sandbox")
    parser.add_argument(
        "--block",
        default=BLOCK_NAME,
        help=(
            f"name of the credentials block the printed command saves (default: {BLOCK_NAME}; "
            "a second sandbox for copy_project: my-target-store)"
        ),
    )
    parser.add_argument("--verbose", action="store_true", help="adapter log lines on stderr")
    parser.add_argument(
        "--npm-ci",
        action="store_true",
        help="only run `npm ci` in sandbox/ with the node the sandbox runs on, then exit",
    )
    return parser.parse_args(argv)


def _python() -> str:
    """This interpreter as a shell word: relative to the current directory when under it."""
    relative = os.path.relpath(sys.executable)
    return shlex.quote(sys.executable if relative.startswith("..") else relative)


def save_block_command(sb: Sandbox, name: str = BLOCK_NAME) -> str:
    """A shell command that saves a commercetools-credentials block `name` for this sandbox."""
    q = json.dumps  # a Python string literal in double quotes, inside the shell's single ones
    code = (
        "from blocks import CommercetoolsCredentials; "
        f"CommercetoolsCredentials(api_url={q(sb.api_url)}, client_id={q(sb.client_id)}, "
        f"client_secret={q(sb.client_secret)}, scope={q(sb.scope)})"
        f".save({q(name)}, overwrite=True)"
    )
    return f"{_python()} -c {shlex.quote(code)}"


def main(argv: list[str] | None = None) -> int:
    """Start, print how to connect, block until SIGINT/SIGTERM, stop."""
    args = _parse(argv)
    if args.npm_ci:
        return _npm_ci()
    seed: Path | Literal["default"] | None = None if args.no_seed else (args.seed or "default")
    sb = Sandbox(port=args.port, project_key=args.project_key, seed=seed, verbose=args.verbose)
    try:
        sb.start()
    except SandboxError as exc:
        print(f"sandbox failed to start: {exc}", file=sys.stderr)
        return 1
    print(_how_to_connect(sb, args.block), flush=True)
    return _serve(sb)


def _npm_ci() -> int:
    try:
        ensure_node_modules(force=True)
    except SandboxError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 1
    return 0


def _how_to_connect(sb: Sandbox, block: str) -> str:
    seeded = ", ".join(f"{k}={v}" for k, v in sorted(sb.seeded.items())) or "nothing"
    return f"""commercetools sandbox running (seeded {seeded} in {sb.seed_ms:.0f} ms)

  API URL        {sb.api_url}
  Auth URL       {sb.auth_url}
  Client ID      {sb.client_id}
  Client secret  {sb.client_secret}
  Scope          {sb.scope}
  Control API    {sb.url}/_sandbox/(faults|stats|load|reset|revoke-tokens|info)

Use it from Python:

  import httpx
  form = {{"grant_type": "client_credentials", "scope": "{sb.scope}"}}
  tok = httpx.post("{sb.token_url}", data=form, auth=("{sb.client_id}", "{sb.client_secret}"))
  headers = {{"Authorization": f"Bearer {{tok.json()['access_token']}}"}}
  print(httpx.get("{sb.api_url}/customers", headers=headers).json()["total"])

Save it as the commercetools-credentials block `{block}` (this replaces a block of that
name; --block NAME prints another name):

  {save_block_command(sb, block)}

Ctrl-C to stop."""


def _serve(sb: Sandbox) -> int:
    """Block until SIGINT/SIGTERM (then 0) or until the server exits on its own (then 1)."""
    stop = threading.Event()
    # Explicit handlers: a shell that starts us in the background leaves SIGINT ignored.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            if not sb.running:
                print("sandbox process exited", file=sys.stderr)
                return 1
    finally:
        sb.stop()
    print("sandbox stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
