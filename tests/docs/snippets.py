"""The examples of the README and the docs pages: fenced ```python and ```sql blocks, in order.

A ```sql block titled "SQLite" or "PostgreSQL" (`title="…"` after the language, as the docs site
shows it) runs on that database only; an untitled one on both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(?P<lang>\w+)(?P<info>[^\n]*)\n(?P<code>.*?)^```\s*$", re.M | re.S)
DIALECTS = {"SQLite": ("sqlite",), "PostgreSQL": ("postgresql",), None: ("sqlite", "postgresql")}


@dataclass(frozen=True)
class Snippet:
    page: str
    line: int
    lang: str
    title: str | None
    code: str

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def dialects(self) -> tuple[str, ...]:
        return DIALECTS[self.title]


def pages() -> list[str]:
    """README.md, every page of docs/ and the sandbox's README, relative to the repository."""
    found = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), ROOT / "sandbox/README.md"]
    return [str(path.relative_to(ROOT)) for path in found]


def snippets(page: str, langs: tuple[str, ...] = ("python", "sql")) -> list[Snippet]:
    text = (ROOT / page).read_text()
    found = []
    for match in FENCE.finditer(text):
        if match["lang"] not in langs:
            continue
        title = re.search(r'title="([^"]*)"', match["info"])
        line = text.count("\n", 0, match.start()) + 2
        found.append(Snippet(page, line, match["lang"], title[1] if title else None, match["code"]))
    return found
