"""What a person reads about a run: why it is full or delta, the plan's log line, the summary and
the metric/value table, in words that match what ran."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
import respx

from ctsync.client.config import ConnectionSettings, ThrottleSettings
from ctsync.client.http import CommercetoolsClient
from ctsync.copy.plan import CopyReport, CopyRow
from ctsync.hub import HubStore, Watermark
from ctsync.pull import plan_pull
from ctsync.registry import get_entity
from ctsync.run.counts import PullCounts
from ctsync.run.options import PullOptions
from ctsync.run.push_report import PushReport
from ctsync.run.report import plural
from ctsync.run.sync_all_report import SyncAllReport
from ctsync.run.sync_report import SyncReport
from ctsync.run.tables import TABLE_PAGE_ROWS, TABLE_ROW_CHARS
from ctsync.timestamps import clock, short

from .conftest import API_URL, SECRET, TOKEN_URL, token_body

DATE = "Sun, 29 Nov 2026 12:00:00 GMT"


@pytest.fixture
def store(tmp_path) -> Iterator[HubStore]:
    hub = HubStore.connect(f"sqlite:///{tmp_path / 'hub.db'}")
    yield hub
    hub.close()


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=token_body()))
        page = {"limit": 1, "offset": 0, "count": 0, "total": 300, "results": []}
        router.get(f"{API_URL}/customers").mock(
            return_value=httpx.Response(200, json=page, headers={"Date": DATE})
        )
        router.get(API_URL).mock(
            return_value=httpx.Response(200, json={"key": "shop"}, headers={"Date": DATE})
        )
        yield router


def client(concurrency: int = 10) -> CommercetoolsClient:
    return CommercetoolsClient(
        ConnectionSettings(
            api_url=API_URL,
            client_id="client-id-1",
            client_secret=SECRET,
            scope="manage_project:shop",
            throttle=ThrottleSettings(limit=100, seconds=1, concurrency=concurrency),
        )
    )


async def plan(store: HubStore, entity: str = "customers", **options: Any):
    async with client() as ct:
        return await plan_pull(store, ct, get_entity(entity), PullOptions(**options))


async def test_a_first_delta_is_a_full_read_and_says_why(api, store) -> None:
    first = await plan(store)
    assert (first.mode, first.mode_reason) == ("full", "no watermark yet: initial full load")
    # 300 records are one page: one id range, and no excuse for the block's default of 10.
    assert len(first.ranges) == 1 and first.notes == []
    assert first.describe() == (
        "customers full (no watermark yet: initial full load); 300 records in 1 id range, "
        "server time 2026-11-29T12:00:00.000Z; watermark none"
    )


async def test_partitions_asked_for_are_named_when_fewer_are_used(api, store) -> None:
    planned = await plan(store, mode="full", partitions=8, page_size=100)
    assert planned.mode_reason == "asked for" and len(planned.ranges) == 3
    assert planned.notes == ["3 partitions for 300 records, one per page (asked for 8)"]


async def test_a_delta_names_its_window_and_settle(api, store) -> None:
    store.states.save("shop", "customers", watermark=Watermark("2026-11-01T00:00:00.000Z", "id-1"))
    planned = await plan(store, settle=60)
    assert (planned.mode, planned.mode_reason) == ("delta", "from the watermark")
    assert planned.describe() == (
        "customers delta (from the watermark); changes 2026-11-01T00:00:00.000Z .. "
        "2026-11-29T11:59:00.000Z (server time 2026-11-29T12:00:00.000Z less 60 s settle); "
        "watermark 2026-11-01T00:00:00.000Z (id id-1)"
    )


async def test_the_project_says_it_is_always_read_whole(api, store) -> None:
    planned = await plan(store, "project")
    assert planned.mode == "full"
    assert planned.mode_reason == "the project is one resource: read whole on every run"
    assert "read whole" in planned.describe()


def report(**values: Any) -> SyncReport:
    base = {
        "project_key": "shop",
        "entity": "customers",
        "status": "completed",
        "mode": "full",
        "requested_mode": "delta",
        "mode_reason": "no watermark yet: initial full load",
        "fetched": 1,
        "inserted": 1,
        "window": "all records (server time 2026-11-29T12:00:00.000Z)",
        "watermark": "moved from none to 2026-11-29T11:00:00.000Z",
    }
    return SyncReport(**{**base, **values})


def test_a_failed_summary_starts_with_its_error() -> None:
    failed = report(status="failed", error="ServiceUnavailable: 503 down", fetched=0, inserted=0)
    assert failed.summary().startswith("customers full failed: ServiceUnavailable: 503 down (")


def test_the_table_is_metric_value_rows_with_mode_window_and_watermark() -> None:
    rows = report().metric_rows()
    assert all(set(row) == {"metric", "value"} for row in rows)
    shown = {row["metric"]: row["value"] for row in rows}
    assert shown["mode"] == "full (no watermark yet: initial full load)"
    assert shown["window"].startswith("all records") and shown["watermark"].startswith("moved")
    assert (shown["fetched"], shown["inserted"], shown["status"]) == (1, 1, "completed")
    assert "error" not in shown


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "0 records"), (1, "1 record"), (2, "2 records")]
)
def test_counts_read_as_words(count: int, expected: str) -> None:
    assert plural(count, "record") == expected


@pytest.mark.parametrize(
    "moment",
    [
        "2026-01-31T01:00:00+01:00",
        "2026-01-31T00:00:00Z",
        datetime(2026, 1, 31, tzinfo=UTC),
    ],
)
def test_since_from_the_run_forms_date_picker_or_python_is_one_utc_spelling(moment) -> None:
    assert PullOptions(since=moment).since == "2026-01-31T00:00:00.000Z"


@pytest.mark.parametrize("moment", ["yesterday", "2026-01-31T00:00:00", datetime(2026, 1, 31)])
def test_since_without_a_time_zone_is_refused_naming_it(moment) -> None:
    with pytest.raises(ValueError, match=r"since is .*: give a moment with its time zone"):
        PullOptions(since=moment)


def test_sync_all_says_what_its_entities_read_and_puts_failures_and_changes_first() -> None:
    project = report(entity="project", mode="full", requested_mode="delta", fetched=1)
    quiet = report(entity="types", mode="delta", fetched=0, inserted=0)
    changed = report(entity="customers", mode="delta", fetched=2, inserted=0, updated=2)
    failed = report(entity="orders", mode="delta", status="failed", error="PermissionDenied: x")
    ok = SyncAllReport(project_key="shop", reports=[project, quiet, changed], duration_seconds=2)
    assert ok.mode == "delta"  # the project is read whole every time: it does not count
    assert ok.summary() == (
        "3 entities synced (delta): fetched 3, inserted 1, updated 2, unchanged 0, deleted 0, "
        "failed 0 in 2.0 s"
    )
    mixed = SyncAllReport(project_key="shop", reports=[project, report(), changed])
    assert mixed.mode == "mixed"
    broken = SyncAllReport(project_key="shop", reports=[project, quiet, changed, failed])
    assert broken.summary().startswith("1 of 4 entities failed: orders (PermissionDenied: x); ")
    assert [row["entity"] for row in broken.table_rows()] == [
        "orders",
        "project",
        "customers",
        "types",
    ]


def test_sync_all_counts_add_up_with_unchanged_in_summary_and_table() -> None:
    # fetched 1606 = inserted 1080 + unchanged 526: the summary and every row say so.
    first = report(entity="customers", fetched=1080, inserted=1080)
    again = report(entity="orders", mode="delta", fetched=526, inserted=0, unchanged=526)
    result = SyncAllReport(project_key="shop", reports=[first, again], duration_seconds=1)
    assert "fetched 1606, inserted 1080, updated 0, unchanged 526, deleted 0, failed 0" in (
        result.summary()
    )
    rows = {row["entity"]: row for row in result.table_rows()}
    assert rows["orders"] == {
        "entity": "orders",
        "status": "completed",
        "mode": "delta",
        "fetched": 526,
        "inserted": 0,
        "updated": 0,
        "unchanged": 526,
        "deleted": 0,
        "failed": 0,
    }
    for row in rows.values():
        assert row["fetched"] == row["inserted"] + row["updated"] + row["unchanged"]


COUNTS = ["fetched", "inserted", "updated", "unchanged", "deleted", "failed"]


@pytest.mark.parametrize(
    ("error", "first_page"),
    [
        (None, ["status", *COUNTS, "mode", "window", "watermark"]),
        ("ServiceUnavailable: 503 down", ["status", "error", *COUNTS, "mode", "window"]),
    ],
)
def test_status_and_every_count_are_on_the_sync_tables_first_page(
    error: str | None, first_page: list[str]
) -> None:
    pull = report(status="failed" if error else "completed", error=error)
    assert len(first_page) == TABLE_PAGE_ROWS
    assert [row["metric"] for row in pull.metric_rows()[:TABLE_PAGE_ROWS]] == first_page


def test_status_and_every_count_are_on_the_push_tables_first_page() -> None:
    push = PushReport(project_key="shop", entity="customers", source="a.csv", status="completed")
    counts = ["read", "created", "updated", "unchanged", "skipped", "failed"]
    first_page = [row["metric"] for row in push.metric_rows()[:TABLE_PAGE_ROWS]]
    assert first_page == ["status", *counts, "source", "dry run", "duration (s)"]


def test_the_copy_table_is_compact_and_shows_failed_and_changed_entities_first() -> None:
    rows = [
        CopyRow(entity="zones", unchanged=2, watermark="2026-11-29T10:41:07.123Z"),
        CopyRow(entity="states", created=1, watermark="2026-11-30T09:00:00.000Z"),
        CopyRow(entity="types"),
        CopyRow(entity="products", status="failed", error="guard: 40 drafts remove prices"),
        CopyRow(entity="customers", created=5, failed=1),
    ]
    table = CopyReport(source_project="a", target_project="b", mode="delta", rows=rows)
    shown = table.table_rows()
    assert [row["entity"] for row in shown] == ["products", "customers", "states", "zones", "types"]
    assert [row["status"] for row in shown] == ["failed", "failed", "ok", "ok", "ok"]
    assert shown[3] == {
        "entity": "zones",
        "status": "ok",
        "created": 0,
        "updated": 0,
        "same": 2,
        "deleted": 0,
        "missing": 0,
        "skipped": 0,
        "failed": 0,
        "until (UTC)": "11-29 10:41",
    }
    assert shown[4]["until (UTC)"] == "none"


async def test_a_delta_says_which_changes_it_left_to_the_next_run(api, store) -> None:
    store.states.save("shop", "customers", watermark=Watermark("2026-11-01T00:00:00.000Z", "id-1"))
    planned = await plan(store, settle=60)
    done = planned.report(PullCounts(), duration=1.0)
    assert done.unread_after == "2026-11-29T11:59:00.000Z"
    assert re.search(
        r": fetched 0, .* records/s; changes after (2026-11-29 )?11:59:00 UTC are read by the "
        r"next run$",
        done.summary(),
    ), done.summary()
    assert done.summary() in done.markdown()
    # No settle, nothing left out; a full read reads everything: neither says anything.
    assert (await plan(store, settle=0)).report(PullCounts(), duration=1.0).unread_after == ""
    full = (await plan(store, mode="full", settle=60)).report(PullCounts(), duration=1.0)
    assert full.unread_after == "" and "next run" not in full.summary()
    everything = SyncAllReport(project_key="shop", reports=[full, done, report()])
    assert everything.summary().endswith("are read by the next run")


def test_a_moment_in_a_sentence_is_its_utc_time_and_its_date_when_not_today() -> None:
    moment = "2026-11-29T10:41:07.500+01:00"
    assert clock(moment, today=date(2026, 11, 29)) == "09:41:07 UTC"
    assert clock(moment, today=date(2026, 11, 30)) == "2026-11-29 09:41:07 UTC"
    assert short("2026-11-29T23:59:59.999Z") == "11-29 23:59"


def test_a_long_value_is_cut_in_the_table_and_whole_in_the_summary() -> None:
    error = "PermissionDenied: 403 Insufficient scope. " + "view_orders:my-store " * 10
    watermark = "moved from none to 2026-11-30T12:20:21.000Z (its start less the 120 s settle)"
    failed = report(status="failed", error=error, watermark=watermark)
    shown = {row["metric"]: row["value"] for row in failed.metric_rows()}
    room = TABLE_ROW_CHARS - len("unchanged")  # the longest metric of the first page
    assert len(shown["error"]) == room and shown["error"].endswith("…")
    assert error[: room - 1] == shown["error"][:-1]
    assert error in failed.markdown() and error in failed.summary()
    assert shown["watermark"] == watermark  # on page 2, beside `throttled (s)`: it fits
