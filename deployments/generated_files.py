"""The files generated from the registry and the deployments' catalog: prefect.yaml and
docs/entities.md's entity table. Change the registry or the catalog, then write them again:

    python -m deployments.generated_files --write   # or: make generate
    python -m deployments.generated_files           # exit 1 naming each file that drifted
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from deployments import prefect_yaml
from deployments.entity_table import with_entity_table

ROOT = Path(__file__).resolve().parents[1]
WRITE_COMMAND = "python -m deployments.generated_files --write"

GENERATED: dict[str, Callable[[str], str]] = {
    "prefect.yaml": lambda _written: prefect_yaml.render(),
    "docs/entities.md": with_entity_table,
}
"""Each file (from the repository's root) with what it should hold, given what it holds."""


def expected(path: str) -> str:
    """What the file should hold now."""
    return GENERATED[path]((ROOT / path).read_text())


def drifted() -> list[str]:
    """The generated files whose text is not what the registry and the catalog make."""
    return [path for path in GENERATED if (ROOT / path).read_text() != expected(path)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deployments.generated_files")
    parser.add_argument("--write", action="store_true", help="write the files that drifted")
    args = parser.parse_args(argv)
    stale = drifted()
    if args.write:
        for path in stale:
            (ROOT / path).write_text(expected(path))
            print(f"wrote {path}")
        return 0
    for path in stale:
        print(f"{path} drifted from the registry and deployments/catalog.py: {WRITE_COMMAND}")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
