"""The run tables a person opens first fit the Prefect UI at 1440 px: every column shows (no
horizontal scrolling) and status and the counts are on the first page, for the widest tables
our reports can make (the longest entity names, six-digit counts, long errors and watermarks).

The tables are made by the reports themselves and saved as artifacts on a real `prefect server`,
then opened in headless Chromium (about 30 s; no flow runs, no sandbox).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import ArtifactCreate

from ctsync.copy.plan import CopyReport, CopyRow
from ctsync.registry import ENTITIES
from ctsync.run.push_report import PushReport
from ctsync.run.sync_all_report import SyncAllReport
from ctsync.run.sync_report import SyncReport
from ctsync.run.tables import TABLE_PAGE_ROWS
from flows._parameters import COPYABLE
from tests.browser.prefect_ui import PrefectServer, StackError, chromium, new_page
from tests.prefect_servers import talking_to

if TYPE_CHECKING:
    from playwright.sync_api import Page


pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

PULL_COUNTS = ["fetched", "inserted", "updated", "unchanged", "deleted", "failed"]
PUSH_COUNTS = ["read", "created", "updated", "unchanged", "skipped", "failed"]
ERROR = (
    "PermissionDenied: 403 Insufficient scope. One of the following scopes is missing: "
    "view_orders:my-store-production-europe (GET https://api.europe-west1.gcp.commercetools."
    "com/my-store-production-europe/orders?limit=500&withTotal=false&sort=id+asc)"
)
WATERMARK = (
    "moved from 2026-11-30T12:20:21.000Z (id 0c1e0000-0000-4000-8000-00000000abcd) to "
    "2026-11-30T12:22:21.000Z (id 0c1e0000-0000-4000-8000-00000000dcba)"
)


FAILED = {"ct-my-store-all": "recurrence-policies", "ct-my-store-staging-copy": "zones"}
"""The entity that failed in a table with a row per entity: its row comes first."""


def pull(entity: str, **values: Any) -> SyncReport:
    big = dict(fetched=123_456, inserted=23_456, updated=54_321, unchanged=45_679, deleted=1_234)
    base = dict(project_key="my-store", entity=entity, status="completed", mode="delta")
    return SyncReport(**{**base, "requested_mode": "delta", **big, **values})


def tables() -> dict[str, tuple[list[dict[str, Any]], list[str]]]:
    """Artifact key -> (its rows, what the first page must show)."""
    failed_pull = pull(
        "recurrence-policies",
        status="failed",
        error=ERROR,
        window="2026-11-30T12:20:21.000Z .. 2026-11-30T12:22:21.000Z",
        watermark=WATERMARK,
        mode_reason="from the watermark",
    )
    push = PushReport(
        project_key="my-store",
        entity="standalone-prices",
        status="completed",
        source="/data/exports/merchant-center/2026-11-30/standalone-prices-full-export.csv",
        read=123_456,
        created=23_456,
        updated=54_321,
        unchanged=45_679,
        destructive=12,
        destructive_actions={"removeAddress": 12, "setFirstName": 40, "addVariant": 3},
        actions={"changeValue": 54_321, "setValidFrom": 20_000, "setCustomField": 1_000},
    )
    everything = SyncAllReport(
        project_key="my-store",
        reports=[
            pull(name, status="failed" if name == FAILED["ct-my-store-all"] else "completed")
            for name in ENTITIES
        ],
    )
    copy = CopyReport(
        source_project="my-store",
        target_project="my-store-staging",
        mode="delta",
        rows=[
            CopyRow(
                entity=name,
                created=12_345,
                updated=12_345,
                unchanged=12_345,
                deleted=1_234,
                missing=1_234,
                skipped=123,
                failed=12 if name == FAILED["ct-my-store-staging-copy"] else 0,
                watermark="2026-11-30T12:20:21.000Z",
            )
            for name in COPYABLE
        ],
    )
    return {
        "ct-my-store-recurrence-policies": (failed_pull.metric_rows(), ["status", *PULL_COUNTS]),
        "ct-my-store-push-standalone-prices": (push.metric_rows(), ["status", *PUSH_COUNTS]),
        "ct-my-store-all": (everything.table_rows(), ["status", *PULL_COUNTS]),
        "ct-my-store-staging-copy": (
            copy.table_rows(),
            ["status", "created", "updated", "same", "deleted", "failed"],
        ),
    }


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    """Each table as the UI shows it at 1440 px: its width, its box's and its first page."""
    tmp = tmp_path_factory.mktemp("tables")
    made = tables()
    try:
        with chromium() as browser, PrefectServer(tmp / "prefect-home") as server:
            ids = {}
            with talking_to(server.api_url):
                with get_client(sync_client=True) as client:
                    for key, (rows, _) in made.items():
                        artifact = ArtifactCreate(key=key, type="table", data=rows)
                        ids[key] = client.create_artifact(artifact).id
            page = new_page(browser, width=1440)
            yield {key: _measure(page, server, ids[key], tmp / f"{key}.png") for key in made}
    except StackError as error:
        pytest.fail(str(error))


_MEASURE = """() => {
    const table = document.querySelector('table');
    const cells = (row) => [...row.querySelectorAll('th, td')].map(c => c.innerText.trim());
    return {
        width: table.scrollWidth,
        box: table.parentElement.clientWidth,
        headers: cells(table.querySelector('thead tr')),
        first_column: [...table.querySelectorAll('tbody tr')].map(r => cells(r)[0]),
    };
}"""


def _measure(page: Page, server: PrefectServer, artifact_id: Any, shot: Path) -> dict[str, Any]:
    """The first page as shown, and the widest of its pages (`widest`, the UI sizes the columns
    of the page it shows)."""
    from playwright.sync_api import expect

    page.goto(f"{server.ui_url}/artifacts/artifact/{artifact_id}")
    page.locator("table tbody tr").first.wait_for()
    page.wait_for_load_state("networkidle")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.screenshot(path=str(shot), full_page=True)  # kept in the test's tmp dir, to look at
    first = page.evaluate(_MEASURE)
    first["widest"] = first["width"]
    following = page.get_by_role("button", name=re.compile("next page", re.I)).first
    while following.is_enabled():
        top = page.locator("table tbody tr td").first.inner_text()
        following.click()
        expect(page.locator("table tbody tr td").first).not_to_have_text(top)
        first["widest"] = max(first["widest"], page.evaluate(_MEASURE)["width"])
    return first


@pytest.mark.parametrize("key", list(tables()))
def test_every_column_shows_at_1440_px(shown: dict[str, dict[str, Any]], key: str) -> None:
    table = shown[key]
    assert table["widest"] <= table["box"], f"{key}: {table['widest']} px in {table['box']} px"


@pytest.mark.parametrize("key", list(tables()))
def test_status_and_counts_are_on_the_first_page(
    shown: dict[str, dict[str, Any]], key: str
) -> None:
    table, (_, wanted) = shown[key], tables()[key]
    assert len(table["first_column"]) == TABLE_PAGE_ROWS
    if table["headers"] == ["metric", "value"]:
        assert set(wanted) <= set(table["first_column"]), table["first_column"]
    else:  # a row per entity: the columns say it, and failed entities come first
        assert set(wanted) <= set(table["headers"]), table["headers"]
        assert table["first_column"][0] == FAILED[key]
