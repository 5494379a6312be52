"""The README stays short and everything it and the docs link to is in the repository."""

from __future__ import annotations

import re

import pytest

from tests.docs.snippets import ROOT, pages

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")


def links(page: str) -> list[str]:
    text = re.sub(r"^```.*?^```", "", (ROOT / page).read_text(), flags=re.M | re.S)
    return [a or b for a, b in LINK.findall(text)]


def test_the_readme_is_short() -> None:
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250


@pytest.mark.parametrize("page", pages())
def test_every_relative_link_of_a_page_opens_a_file_of_the_repository(page: str) -> None:
    for target in links(page):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address, or an anchor of the page itself
        path = ((ROOT / page).parent / target.split("#", 1)[0]).resolve()
        assert path.is_relative_to(ROOT), f"{page} links outside the repository: {target}"
        assert path.exists(), f"{page} links to {target}, which does not exist"


def test_the_docs_pages_are_all_in_the_site_and_link_nothing_outside_docs() -> None:
    config = (ROOT / "mkdocs.yml").read_text()
    for path in (ROOT / "docs").rglob("*.md"):
        name = str(path.relative_to(ROOT / "docs"))
        assert f": {name}" in config, f"docs/{name} is not in mkdocs.yml's nav"
        for target in links(f"docs/{name}"):
            if not re.match(r"[a-z]+:", target):
                resolved = (path.parent / target.split("#", 1)[0]).resolve()
                assert resolved.is_relative_to(ROOT / "docs"), f"docs/{name}: {target}"


def test_nothing_refers_to_the_design_notes_outside_the_repository() -> None:
    for path in [*ROOT.glob("*.md"), *(ROOT / "docs").rglob("*.md"), ROOT / "mkdocs.yml"]:
        assert "../shared" not in path.read_text(), path
