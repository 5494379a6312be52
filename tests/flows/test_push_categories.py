"""Pushing categories into the sandbox: a CSV with localized columns, parents by key, bad rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.push import push_categories
from sandbox import Sandbox
from tests.flows.push_support import all_of, by_key, credentials_for, hub_in

pytestmark = pytest.mark.sandbox

HEADER = "key,name.en,name.de,slug.en,description.en,parent,orderHint\n"
FIRST = (
    HEADER
    + "women,Women,Damen,women,All women,,0.1\n"
    + "dresses,Dresses,Kleider,dresses,,women,0.2\n"
    + "shoes,Shoes,Schuhe,shoes,Shoes for all,,0.3\n"
)
CHANGED = (
    HEADER
    + "women,Women,Damen,women-new,All women,,0.1\n"
    + "dresses,Evening dresses,Abendkleider,dresses,Long ones,shoes,0.2\n"
    + "shoes,Shoes,Schuhe,shoes,,,0.3\n"
)


@pytest.fixture
def blank(private_sandbox: Sandbox) -> Iterator[Sandbox]:
    private_sandbox.reset()
    yield private_sandbox


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_create_update_with_exact_actions_then_nothing(blank, tmp_path) -> None:
    credentials, hub = credentials_for(blank), hub_in(tmp_path)
    source = write(tmp_path / "categories.csv", FIRST)
    first = push_categories(credentials, source, hub=hub, batch_size=1)
    assert (first.created, first.failed) == (3, 0)
    stored = by_key(blank, "categories")
    assert stored["dresses"]["parent"]["id"] == stored["women"]["id"]
    assert stored["women"]["name"] == {"en": "Women", "de": "Damen"}

    write(tmp_path / "categories.csv", CHANGED)
    second = push_categories(credentials, source, hub=hub)
    assert (second.created, second.updated, second.unchanged) == (0, 3, 0)
    assert second.actions == {
        "changeSlug": 1,
        "changeName": 1,
        "setDescription": 2,
        "changeParent": 1,
    }
    stored = by_key(blank, "categories")
    assert stored["women"]["slug"] == {"en": "women-new"}
    assert stored["dresses"]["name"] == {"en": "Evening dresses", "de": "Abendkleider"}
    assert stored["dresses"]["description"] == {"en": "Long ones"}
    assert stored["dresses"]["parent"]["id"] == stored["shoes"]["id"]
    assert not stored["shoes"].get("description")

    third = push_categories(credentials, source, hub=hub)
    assert (third.created, third.updated, third.unchanged) == (0, 0, 3)


def test_broken_rows_are_reported_with_line_and_field(blank, tmp_path) -> None:
    source = write(
        tmp_path / "categories.csv",
        HEADER
        + "good-1,Good,Gut,good-1,,,0.1\n"
        + "no-name,,,no-name,,,0.2\n"
        + "orphan,Orphan,Waise,orphan,,missing-parent,0.3\n"
        + "good-2,Good 2,Gut 2,good-2,,good-1,0.4\n",
    )
    report = push_categories(credentials_for(blank), source, hub=hub_in(tmp_path))
    assert (report.read, report.created, report.failed) == (4, 2, 2)
    assert sorted(by_key(blank, "categories")) == ["good-1", "good-2"]
    failures = " | ".join(report.first_failures)
    assert "line 3: name: Field required" in failures
    assert "line 4 (key orphan): category 'missing-parent' not found" in failures
    letters = hub_in(tmp_path).get_store().dead_letters.read(blank.project_key, "categories")
    assert len(letters) == 2


def test_dry_run_writes_nothing(blank, tmp_path) -> None:
    source = write(tmp_path / "categories.csv", FIRST)
    report = push_categories(credentials_for(blank), source, dry_run=True, hub=hub_in(tmp_path))
    assert (report.created, report.failed) == (3, 0)  # the child's parent is planned, not missing
    assert all_of(blank, "categories") == []
