"""A consumer of the feed writes only into the file its first export started, with the settings
it started with, and reads one project: never a file that was there before, another consumer's
file, or two projects mixed."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from ctsync.export.files import ExportRefused, export_changes
from ctsync.hub import HubRecord, HubStore, ProjectRequired

DRAFTS = (
    "key,email,firstName,lastName,companyName,customerNumber,externalId,locale\n"
    + "".join(f"c-{n},person{n}@example.com,Zoë,Doe,ACME,{n},x-{n},de-DE\n" for n in range(1, 601))
).encode()
"""The README's push example: a CSV of 600 customer drafts in exports/customers.csv."""


def customer(number: int, version: int = 1, project: str = "sandbox") -> HubRecord:
    return HubRecord.from_document(
        {
            "id": f"{project}-{number:04d}",
            "version": version,
            "createdAt": "2026-01-02T03:04:05.678Z",
            "lastModifiedAt": f"2026-01-02T03:04:{version % 60:02d}.678Z",
            "email": f"person{number}@{project}.example.com",
        },
        key_field="email",
    )


def order(number: int, project: str) -> HubRecord:
    return HubRecord.from_document(
        {
            "id": f"{project}-o{number}",
            "version": 1,
            "createdAt": "2026-01-02T03:04:05.678Z",
            "lastModifiedAt": "2026-01-02T03:04:05.678Z",
            "orderNumber": f"{project}-{number}",
        },
        key_field="orderNumber",
    )


def seed(hub: HubStore, project: str, count: int, start: int = 0) -> None:
    page = [customer(n, project=project) for n in range(start, start + count)]
    hub.records.upsert_page(project, "customers", page, run_id=f"seed-{project}-{start}")


@pytest.fixture
def hub(tmp_path: Path) -> HubStore:
    store = HubStore.connect(f"sqlite:///{tmp_path}/hub.db")
    seed(store, "sandbox", 30)
    return store


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_a_file_that_was_there_before_is_refused_and_left_as_it_was(
    hub: HubStore, tmp_path: Path
) -> None:
    """The README's push and export examples shared exports/customers.csv: the export appended
    its rows, headerless, under the drafts' header."""
    drafts = tmp_path / "exports" / "customers.csv"
    drafts.parent.mkdir()
    drafts.write_bytes(DRAFTS)
    for file_format in ("csv", "jsonl"):
        with pytest.raises(ExportRefused) as refused:
            export_changes(
                hub, drafts, consumer="crm", entities=["customers"], file_format=file_format
            )
        message = str(refused.value)
        assert (
            f"{drafts} already exists and was not written by the export of consumer 'crm'"
            in message
        )
        assert "Give the export a new path, or move that file away." in message
        assert drafts.read_bytes() == DRAFTS  # byte for byte
        cursor = hub.feed.cursor("crm")
        assert (cursor.seq, cursor.updated_at, cursor.setup) == (0, None, None)

    # A new path works, and its CSV starts with its header.
    report = export_changes(
        hub,
        tmp_path / "exports" / "crm.csv",
        consumer="crm",
        entities=["customers"],
        file_format="csv",
    )
    assert report.exported == 30
    assert (tmp_path / "exports" / "crm.csv").read_text().startswith("seq,change,project_key,id,")


def test_another_consumers_file_is_refused_naming_that_consumer(
    hub: HubStore, tmp_path: Path
) -> None:
    target = tmp_path / "erp.jsonl"
    export_changes(hub, target, consumer="erp")
    before = target.read_bytes()
    for consumer, only in (("bi", "changes"), ("erp", "insertions")):
        with pytest.raises(ExportRefused) as refused:
            export_changes(hub, target, consumer=consumer, only=only)  # type: ignore[arg-type]
        message = str(refused.value)
        assert f"{target} is the file of consumer 'erp'" in message
        assert "run consumer 'erp'" in message
    assert target.read_bytes() == before
    assert hub.feed.cursor("bi").updated_at is None


def test_what_a_consumer_was_set_up_with_is_recorded(hub: HubStore, tmp_path: Path) -> None:
    relative = Path(tmp_path.name) / "crm.csv"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path.parent)
        export_changes(hub, relative, consumer="crm", entities=["customers"], file_format="csv")
    setup = hub.feed.cursor("crm").setup
    assert setup is not None
    assert setup.path == str((tmp_path / "crm.csv").resolve())  # absolute
    assert (setup.format, setup.entities, setup.project_key) == ("csv", ("customers",), "sandbox")
    header = (tmp_path / "crm.csv").read_text().splitlines()[0]
    assert setup.columns is not None and ",".join(setup.columns) == header
    export_changes(hub, tmp_path / "all.jsonl", consumer="bi")
    bi = hub.feed.cursor("bi").setup
    assert bi is not None and (bi.format, bi.entities, bi.columns) == ("jsonl", None, None)


@pytest.mark.parametrize(
    ("change", "was_now"),
    [
        ({"path": "other.jsonl"}, "file was {tmp}/erp.jsonl, now {tmp}/other.jsonl"),
        ({"file_format": "csv"}, "format was jsonl, now csv"),
        ({"entities": ["orders"]}, "entities was customers, now orders"),
        ({"project": "target"}, "project was sandbox, now target"),
    ],
)
def test_a_consumer_run_with_other_settings_is_refused_saying_what_differs(
    hub: HubStore, tmp_path: Path, change: dict[str, Any], was_now: str
) -> None:
    seed(hub, "target", 2)
    hub.records.upsert_page("sandbox", "orders", [order(1, "sandbox")], run_id="o")
    settings: dict[str, Any] = {
        "path": "erp.jsonl",
        "entities": ["customers"],
        "project": "sandbox",
        "file_format": "jsonl",
    }
    first = export_changes(hub, tmp_path / settings["path"], consumer="erp", **_rest(settings))
    assert first.exported == 30 and first.project == "sandbox"
    before = (tmp_path / "erp.jsonl").read_bytes()
    cursor = hub.feed.cursor("erp")
    if change.get("file_format") == "csv":
        settings["path"] = "erp.jsonl"  # same file, other format
    settings.update(change)
    with pytest.raises(ExportRefused) as refused:
        export_changes(hub, tmp_path / settings["path"], consumer="erp", **_rest(settings))
    message = str(refused.value)
    assert "Consumer 'erp' was set up with other settings than this run's" in message
    assert was_now.format(tmp=tmp_path) in message
    assert "Nothing was written" in message
    assert "give these settings another consumer name" in message
    assert "start 'erp' over with reset=True (Start over) into a new file" in message
    assert (tmp_path / "erp.jsonl").read_bytes() == before
    assert hub.feed.cursor("erp") == cursor
    assert not (tmp_path / "other.jsonl").exists()

    # reset=True into a new file records the new settings; the old ones are refused from then on.
    settings["path"] = "new-" + settings["path"]
    again = export_changes(
        hub, tmp_path / settings["path"], consumer="erp", reset=True, **_rest(settings)
    )
    assert again.exported == {"project": 2, "entities": 1}.get(next(iter(change)), 30)
    setup = hub.feed.cursor("erp").setup
    assert setup is not None and setup.path == str(tmp_path / settings["path"])
    assert export_changes(hub, tmp_path / settings["path"], consumer="erp", **_rest(settings))
    with pytest.raises(ExportRefused, match="was set up with other settings"):
        export_changes(
            hub,
            tmp_path / "erp.jsonl",
            consumer="erp",
            entities=["customers"],
            project="sandbox",
        )


def _rest(settings: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in settings.items() if name != "path"}


def test_a_moved_away_file_starts_again_with_its_header_from_the_cursor(
    hub: HubStore, tmp_path: Path
) -> None:
    target = tmp_path / "crm.csv"
    options: dict[str, Any] = {"consumer": "crm", "entities": ["customers"], "file_format": "csv"}
    first = export_changes(hub, target, **options)
    shutil.move(target, tmp_path / "crm-delivered.csv")
    hub.records.upsert_page("sandbox", "customers", [customer(3, 2), customer(99)], run_id="later")
    second = export_changes(hub, target, **options)
    assert second.restarted and second.after == first.through
    assert "the file was missing (moved away?), so a new one was started there" in second.summary()
    header = (tmp_path / "crm-delivered.csv").read_text().splitlines()[0]
    assert target.read_text().splitlines()[0] == header
    assert sorted((r["id"], r["change"]) for r in rows(target)) == [
        ("sandbox-0003", "update"),
        ("sandbox-0099", "insert"),
    ]
    third = export_changes(hub, target, **options)
    assert (third.exported, third.restarted) == (0, False)


def test_a_csv_keeps_the_header_it_started_with_when_the_view_gains_a_column(
    hub: HubStore, tmp_path: Path
) -> None:
    target = tmp_path / "crm.csv"
    options: dict[str, Any] = {"consumer": "crm", "entities": ["customers"], "file_format": "csv"}
    export_changes(hub, target, **options)
    header = target.read_text().splitlines()[0]
    with hub.database.begin() as conn:  # what an upgrade that adds a view column does
        definition = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = 'customers'")
        ).scalar_one()
        conn.execute(text("DROP VIEW customers"))
        select_part = definition.split(" AS ", 1)[1]
        conn.execute(
            text(f"CREATE VIEW customers AS SELECT v.*, 'gold' AS tier FROM ({select_part}) v")
        )
    hub.records.upsert_page("sandbox", "customers", [customer(5, 2)], run_id="later")
    export_changes(hub, target, **options)
    written = target.read_text().splitlines()
    assert written[0] == header and "tier" not in header
    widths = {len(row) for row in csv.reader(io.StringIO(target.read_text()))}
    assert widths == {len(header.split(","))}
    assert rows(target)[-1]["id"] == "sandbox-0005"
    # A new consumer of the upgraded view gets its columns.
    export_changes(hub, tmp_path / "new.csv", **{**options, "consumer": "crm2"})
    assert (tmp_path / "new.csv").read_text().splitlines()[0] == header + ",tier"


@pytest.mark.parametrize(
    ("file_format", "replacement", "why"),
    [
        ("jsonl", b"hello\n", "its first line is not a change of the feed"),
        ("jsonl", b'{"seq": 1}\n[1, 2]\n', "its last whole line is not a change of the feed"),
        ("jsonl", b"not json, no line break", "it holds no change of the feed"),
        ("csv", b"key,email\nc-1,a@example.com\n", "its first line is not the header"),
    ],
)
def test_its_own_file_replaced_by_something_else_is_refused_not_a_json_error(
    hub: HubStore, tmp_path: Path, file_format: str, replacement: bytes, why: str
) -> None:
    target = tmp_path / f"out.{file_format}"
    options: dict[str, Any] = {"consumer": "erp", "entities": ["customers"]}
    export_changes(hub, target, file_format=file_format, **options)  # type: ignore[arg-type]
    target.write_bytes(replacement)
    cursor = hub.feed.cursor("erp")
    with pytest.raises(ExportRefused) as refused:
        export_changes(hub, target, file_format=file_format, **options)  # type: ignore[arg-type]
    message = str(refused.value)
    assert f"{target} is consumer 'erp'" in message and why in message
    assert "Move that file away" in message and "reset=True into a new file" in message
    assert target.read_bytes() == replacement and hub.feed.cursor("erp") == cursor


def test_an_edited_line_read_back_after_a_kill_is_refused_not_a_json_error(
    hub: HubStore, tmp_path: Path
) -> None:
    target = tmp_path / "out.jsonl"
    export_changes(hub, target, consumer="erp")
    edited = target.read_bytes() + b"a note\n" + b'{"seq": 9999, "change": "insert"}\n'
    target.write_bytes(edited)
    with pytest.raises(ExportRefused, match="a line near its end is not a change of the feed"):
        export_changes(hub, target, consumer="erp")
    assert target.read_bytes() == edited


def test_a_consumer_from_before_setups_adopts_only_a_file_that_holds_its_export(
    hub: HubStore, tmp_path: Path
) -> None:
    # Exported before 0005: a cursor and a file, no recorded setup.
    export_changes(hub, tmp_path / "erp.jsonl", consumer="erp")
    export_changes(
        hub, tmp_path / "crm.csv", consumer="crm", entities=["customers"], file_format="csv"
    )
    (tmp_path / "bi.csv").write_bytes(DRAFTS)
    with hub.database.begin() as conn:
        conn.execute(text("UPDATE feed_consumers SET path = NULL, format = NULL, columns = NULL"))
    hub.feed.advance("bi", 10, 10)
    seed(hub, "sandbox", 2, start=100)

    erp = export_changes(hub, tmp_path / "erp.jsonl", consumer="erp")
    crm = export_changes(
        hub, tmp_path / "crm.csv", consumer="crm", entities=["customers"], file_format="csv"
    )
    assert erp.exported == crm.exported == 2
    assert [line["id"] for line in lines(tmp_path / "erp.jsonl")][-2:] == [
        "sandbox-0100",
        "sandbox-0101",
    ]
    assert len(rows(tmp_path / "crm.csv")) == 32
    setup = hub.feed.cursor("erp").setup
    assert setup is not None and setup.path == str(tmp_path / "erp.jsonl")

    with pytest.raises(ExportRefused) as refused:
        export_changes(
            hub, tmp_path / "bi.csv", consumer="bi", entities=["customers"], file_format="csv"
        )
    assert "was not written by the export of consumer 'bi'" in str(refused.value)
    assert "its first line is not the header this export writes" in str(refused.value)
    assert (tmp_path / "bi.csv").read_bytes() == DRAFTS and hub.feed.cursor("bi").setup is None


def test_a_hub_of_two_projects_is_exported_one_project_at_a_time(
    hub: HubStore, tmp_path: Path
) -> None:
    """copy_project pulls source and target into one hub: the crm export got both."""
    seed(hub, "target", 20)
    hub.records.upsert_page(
        "sandbox", "orders", [order(n, "sandbox") for n in range(3)], run_id="o1"
    )
    hub.records.upsert_page("target", "orders", [order(n, "target") for n in range(4)], run_id="o2")
    for only in ("changes", "insertions"):
        target = tmp_path / f"mixed-{only}.jsonl"
        with pytest.raises(ProjectRequired) as refused:
            export_changes(hub, target, consumer=f"mixed-{only}", only=only)  # type: ignore[arg-type]
        assert "2 projects (sandbox, target)" in str(refused.value)
        assert not target.exists()
        assert hub.feed.cursor(f"mixed-{only}").updated_at is None

    jsonl = export_changes(hub, tmp_path / "crm.jsonl", consumer="crm", project="sandbox")
    assert jsonl.exported == 33 and jsonl.project == "sandbox"
    assert {line["project_key"] for line in lines(tmp_path / "crm.jsonl")} == {"sandbox"}
    as_csv = export_changes(
        hub,
        tmp_path / "crm.csv",
        consumer="crm-csv",
        entities=["customers"],
        project="target",
        file_format="csv",
    )
    assert as_csv.exported == 20 and {r["project_key"] for r in rows(tmp_path / "crm.csv")} == {
        "target"
    }
    new_orders = export_changes(
        hub,
        tmp_path / "orders.jsonl",
        consumer="erp",
        entities=["orders"],
        project="target",
        only="insertions",
    )
    assert sorted(line["id"] for line in lines(tmp_path / "orders.jsonl")) == [
        f"target-o{n}" for n in range(4)
    ]
    assert new_orders.summary().startswith("4 changes of project target to")


def test_an_empty_hub_exports_nothing_then_the_project_it_first_holds(tmp_path: Path) -> None:
    hub = HubStore.connect(f"sqlite:///{tmp_path}/hub.db")
    target = tmp_path / "crm.csv"
    options: dict[str, Any] = {"consumer": "crm", "entities": ["customers"], "file_format": "csv"}
    empty = export_changes(hub, target, **options)
    assert (empty.exported, empty.project) == (0, None)
    assert "of no project (the hub is empty)" in empty.summary()
    assert target.read_text().startswith("seq,change,project_key,id,")
    seed(hub, "sandbox", 3)
    first = export_changes(hub, target, **options)
    assert (first.exported, first.project) == (3, "sandbox")
    setup = hub.feed.cursor("crm").setup
    assert setup is not None and setup.project_key == "sandbox"
    seed(hub, "target", 1)
    with pytest.raises(ProjectRequired):
        export_changes(hub, target, **options)
    assert export_changes(hub, target, project="sandbox", **options).exported == 0
