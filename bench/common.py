"""What every measure shares: figures over repeated runs, CPU accounting per process, the machine.

CPU is read from /proc for this process, the sandbox (node) and the Prefect test server, because
all three share the same cores: a figure is only explained once we know who spent the time.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

from blocks import CommercetoolsCredentials
from sandbox import SANDBOX_DIR, Sandbox

ROOT = Path(__file__).resolve().parents[1]
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Figure:
    """One quantity measured over several runs: reported as median (min..max)."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    def show(self, digits: int = 0) -> str:
        if not self.values:
            return "n/a"
        lo, hi = min(self.values), max(self.values)
        return f"{self.median:,.{digits}f} ({lo:,.{digits}f}..{hi:,.{digits}f})"


class Figures(dict[str, Figure]):
    """Figures by name, created on first use."""

    def __missing__(self, key: str) -> Figure:
        self[key] = Figure()
        return self[key]


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads), 0 when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def machine_busy() -> float:
    """CPU seconds every core of this machine spent on anything but idling and waiting for I/O
    (/proc/stat): what all processes of a run took, whoever started them (Dask workers, the
    database, the sandbox, the Prefect server)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is already in user)
    return (sum(fields[:8]) - fields[3] - fields[4]) / _TICK


def child_pids() -> list[int]:
    """Direct children of this process (the sandbox and the Prefect test server)."""
    me = str(os.getpid())
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        if text[text.rindex(")") + 2 :].split()[1] == me:
            found.append(int(entry.name))
    return found


@dataclass
class CpuMeter:
    """CPU seconds spent by this process, the sandbox and the Prefect server between two reads."""

    sandbox_pid: int

    def read(self) -> dict[str, float]:
        others = [pid for pid in child_pids() if pid != self.sandbox_pid]
        return {
            "python": time.process_time(),
            "sandbox": proc_cpu(self.sandbox_pid),
            "prefect_server": sum(proc_cpu(pid) for pid in others),
        }

    @contextmanager
    def measure(self) -> Iterator[dict[str, float]]:
        """Yields a dict filled, on exit, with the CPU seconds each party spent inside."""
        spent: dict[str, float] = {}
        before = self.read()
        try:
            yield spent
        finally:
            after = self.read()
            spent.update({k: after[k] - before[k] for k in before})


def sandbox_pid(sandbox: Sandbox) -> int:
    """The node process's pid: its CPU is the sandbox's cost."""
    proc = sandbox._proc  # the Sandbox class keeps it private; benchmarks need the pid
    assert proc is not None
    return proc.pid


def credentials(
    sandbox: Sandbox, *, limit: int | None = None, concurrency: int | None = None
) -> CommercetoolsCredentials:
    """A block on the sandbox with the default throttle unless told otherwise."""
    extra: dict[str, Any] = {}
    if limit is not None:
        extra["api_throttle_limit"] = limit
    if concurrency is not None:
        extra["concurrent_connections"] = concurrency
    return CommercetoolsCredentials(
        api_url=sandbox.api_url,
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        scope=sandbox.scope,
        **extra,
    )


def prefect_heartbeats(on: bool) -> AbstractContextManager[Any]:
    """Prefect's flow-run heartbeats as they are (`on`) or off for the block. Prefect 3.9's sync
    engine joins its heartbeat thread at a run's end, which sleeps in whole seconds: measured
    both ways so that Prefect's wait and ours are told apart."""
    if on:
        return nullcontext()
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _command(*args: str) -> str:
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return "n/a"
    return out.stdout.strip() or "n/a"


def machine() -> dict[str, str]:
    """What a reader needs to compare these figures with theirs."""
    import httpx
    import prefect
    import pydantic
    import sqlalchemy

    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "n/a",
    )
    mock = (SANDBOX_DIR / "node_modules/@labdigital/commercetools-mock/package.json").read_text()
    mock_version = mock.split('"version":', 1)[1].split('"')[1]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _command("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"),
        "cpus (nproc)": f"{len(os.sched_getaffinity(0))} ({cpu})",
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "os": platform.platform(),
        "load average at start": load,
        "python": platform.python_version(),
        "prefect": prefect.__version__,
        "httpx": httpx.__version__,
        "pydantic": pydantic.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "node": _command("node", "--version"),
        "commercetools-mock": mock_version,
    }


Rendered = tuple[list[list[str]], list[str]]
"""A RESULTS.md section: its rows of the goals table, then its own lines."""


def held(ok: bool) -> str:
    """A goal's verdict in RESULTS.md."""
    return "**held**" if ok else "**not held**"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A markdown table and the blank line after it."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows] + [""]
