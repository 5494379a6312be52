"""The systemd units of ops/systemd, read as systemd reads them: sections of `Key=value` lines,
where a key may repeat (Environment=). Shared by their test and the e2e test's worker."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SYSTEMD = ROOT / "ops" / "systemd"
# Where the units expect the project's virtualenv and the state; tests map them onto their own.
VENV = "/opt/prefect-commercetools/.venv"
STATE_DIR = "/var/lib/prefect-commercetools"


@dataclass(frozen=True)
class Unit:
    path: Path
    sections: dict[str, list[tuple[str, str]]]

    def values(self, section: str, key: str) -> list[str]:
        return [value for k, value in self.sections.get(section, []) if k == key]

    def value(self, section: str, key: str) -> str:
        (value,) = self.values(section, key)
        return value

    def environment(self) -> dict[str, str]:
        """The Environment= assignments of [Service] (each line one or more quoted words)."""
        assignments = [
            word for line in self.values("Service", "Environment") for word in shlex.split(line)
        ]
        return dict(assignment.split("=", 1) for assignment in assignments)

    def exec_start(self) -> list[str]:
        return shlex.split(self.value("Service", "ExecStart"))

    def relocated(self, venv: str | Path, state_dir: str | Path) -> Unit:
        """The same unit with its virtualenv and state directory in other places."""
        sections = {
            name: [(key, relocated(value, venv, state_dir)) for key, value in lines]
            for name, lines in self.sections.items()
        }
        return Unit(self.path, sections)


def read_unit(name: str) -> Unit:
    path = SYSTEMD / name
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        if current is None or "=" not in line:
            raise ValueError(f"{path}:{number}: not a section or Key=value line: {raw!r}")
        key, value = line.split("=", 1)
        current.append((key.strip(), value.strip()))
    return Unit(path, sections)


def relocated(text: str, venv: str | Path, state_dir: str | Path) -> str:
    """The unit's text with its virtualenv and state directory replaced by others."""
    return text.replace(VENV, str(venv)).replace(STATE_DIR, str(state_dir))
