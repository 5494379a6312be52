"""Processes the tests start (a Prefect server, workers, serve, `python -m sandbox`): a free port,
a foreground server read until it is ready, and a stop that leaves nothing of them behind,
whatever process group their children went to."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def copy_checkout(destination: Path) -> Path:
    """The checkout as it stands (tracked and untracked-not-ignored files, as .ci/run copies them
    for the demo) copied under `destination`: what a build or a commit of it would take, without
    writing into the checkout itself."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
    return destination


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc (flow runs leave their parent's process group)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _signal(pids: Sequence[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop_tree(proc: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """SIGTERM to `proc`'s process group and everything below it; SIGKILL what is left."""
    tree = [proc.pid, *descendants(proc.pid)]
    _signal_group(proc.pid, signal.SIGTERM)
    _signal(tree, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        tree += descendants(proc.pid)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(alive(pid) for pid in tree):
        time.sleep(0.2)
    _signal_group(proc.pid, signal.SIGKILL)
    _signal([pid for pid in tree if alive(pid)], signal.SIGKILL)
    proc.wait(timeout=10)


@contextlib.contextmanager
def serving(
    args: Sequence[str], env: dict[str, str], cwd: Path | None = None, ready: str = "Ctrl-C"
) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """Start `args` and read its output up to the line starting with `ready` (a foreground
    server telling how to stop it); yields the process and those lines, kills it if still up."""
    proc = subprocess.Popen(
        list(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith(ready):
                break
        yield proc, lines
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
