"""export_changes: the feed to JSON Lines or CSV with the consumer's cursor in the hub; a kill at
the worst moments loses nothing and writes nothing twice."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctsync.export.files import ExportLocked, export_changes
from ctsync.hub import HubRecord, HubStore

PROJECT = "shop"
ROOT = Path(__file__).parents[2]


def customer(number: int, version: int = 1, **extra: Any) -> HubRecord:
    return HubRecord.from_document(
        {
            "id": f"c-{number:05d}",
            "version": version,
            "createdAt": "2026-01-02T03:04:05.678Z",
            "lastModifiedAt": f"2026-01-02T03:04:{version % 60:02d}.678Z",
            "email": f"person{number}@example.com",
            "firstName": 'Zoë, "the"\nsecond',
            **extra,
        },
        key_field="email",
    )


def seed(hub: HubStore, count: int) -> None:
    for start in range(0, count, 500):
        page = [customer(n) for n in range(start, min(count, start + 500))]
        hub.records.upsert_page(PROJECT, "customers", page, run_id=f"seed-{start}")


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_changes_to_json_lines_then_only_what_came_after(tmp_path: Path) -> None:
    hub = HubStore.connect(f"sqlite:///{tmp_path}/hub.db")
    seed(hub, 30)
    hub.records.upsert_page(PROJECT, "orders", [customer(900)], run_id="o")
    target = tmp_path / "out" / "changes.jsonl"
    report = export_changes(hub, target, consumer="erp", entities=["customers"], batch_size=7)
    assert report.exported == 30 and report.by_change == {"insert": 30}
    written = lines(target)
    assert [w["seq"] for w in written] == sorted(w["seq"] for w in written)
    assert {w["id"] for w in written} == {f"c-{n:05d}" for n in range(30)}
    assert written[0]["document"]["firstName"] == 'Zoë, "the"\nsecond'
    assert hub.feed.cursor("erp").seq == written[-1]["seq"]

    hub.records.upsert_page(PROJECT, "customers", [customer(3, 2)], run_id="u")
    hub.records.mark_deleted(PROJECT, "customers", ["c-00004"])
    again = export_changes(hub, target, consumer="erp", entities=["customers"])
    assert again.exported == 2 and again.after == written[-1]["seq"]
    tail = lines(target)[30:]
    assert [(w["id"], w["change"], w["version"]) for w in tail] == [
        ("c-00003", "update", 2),
        ("c-00004", "delete", 1),
    ]
    assert export_changes(hub, target, consumer="erp", entities=["customers"]).exported == 0

    # Another consumer has a cursor of its own; reset starts over.
    other = export_changes(hub, tmp_path / "bi.jsonl", consumer="bi")
    assert other.exported == 31 and other.by_entity == {"customers": 30, "orders": 1}
    assert export_changes(hub, tmp_path / "bi2.jsonl", consumer="bi", reset=True).exported == 31
    with pytest.raises(ValueError, match="already holds its earlier export: give a new path"):
        export_changes(hub, tmp_path / "bi2.jsonl", consumer="bi", reset=True)
    assert len(lines(tmp_path / "bi2.jsonl")) == 31  # untouched


def test_one_consumer_name_for_both_feeds_keeps_two_cursors(tmp_path: Path) -> None:
    """New records and all changes under one name: neither export skips what the other took."""
    hub = HubStore.connect(f"sqlite:///{tmp_path}/hub.db")
    seed(hub, 5)
    new = export_changes(hub, tmp_path / "new.jsonl", consumer="erp", only="insertions")
    hub.records.upsert_page(PROJECT, "customers", [customer(1, 2)], run_id="u")  # changed, not new
    hub.records.upsert_page(PROJECT, "customers", [customer(7)], run_id="n")
    every = export_changes(hub, tmp_path / "all.jsonl", consumer="erp")
    assert new.exported == 5 and every.exported == 6  # 4 untouched inserts, 1 update, 1 new
    again = export_changes(hub, tmp_path / "new.jsonl", consumer="erp", only="insertions")
    assert [line["id"] for line in lines(tmp_path / "new.jsonl")[5:]] == ["c-00007"]
    assert again.exported == 1
    assert hub.feed.cursor("erp").seq == every.through
    assert hub.feed.cursor("erp:insertions").seq == again.through


def test_bad_parameters_name_the_field_and_the_fix(tmp_path: Path) -> None:
    hub = HubStore.connect(f"sqlite:///{tmp_path}/hub.db")
    with pytest.raises(ValueError, match="format 'csv' writes one entity's view"):
        export_changes(hub, tmp_path / "x.csv", consumer="erp", file_format="csv")
    with pytest.raises(ValueError, match=r"entities \['custmers'\] are not entities"):
        export_changes(hub, tmp_path / "x.jsonl", consumer="erp", entities=["custmers"])
    with pytest.raises(ValueError, match="format 'xml' is not one of jsonl, csv"):
        export_changes(hub, tmp_path / "x.xml", consumer="erp", file_format="xml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="consumer must name"):
        export_changes(hub, tmp_path / "x.jsonl", consumer=" ")


def test_one_export_per_consumer_at_a_time(tmp_path: Path) -> None:
    hub = HubStore.connect(f"sqlite:///{tmp_path}/hub.db")
    with hub.locks.held("*", "erp", "another-run", direction="export"):
        with pytest.raises(ExportLocked, match="consumer 'erp' is being exported by"):
            export_changes(hub, tmp_path / "x.jsonl", consumer="erp")
    assert not (tmp_path / "x.jsonl").exists()


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from ctsync.export.files import export_changes
    from ctsync.hub import HubStore
    from ctsync.hub.feed import Feed

    url, path, moment = sys.argv[1], sys.argv[2], sys.argv[3]
    calls = {"n": 0}
    if moment == "before-cursor":
        # The batch is in the file and fsynced; the process dies before its cursor moves.
        original = Feed.advance
        def advance(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 4:
                os.kill(os.getpid(), signal.SIGKILL)
            return original(self, *args, **kwargs)
        Feed.advance = advance
    else:
        # The process dies in the middle of writing a batch: half a line is left.
        import ctsync.export.files as export
        real = export._json_lines
        def half(batch):
            calls["n"] += 1
            data = real(batch)
            if calls["n"] == 3:
                fd = os.open(path, os.O_WRONLY | os.O_APPEND)
                os.write(fd, data[: len(data) // 2 + 3])
                os.fsync(fd)
                os.kill(os.getpid(), signal.SIGKILL)
            return data
        export._json_lines = half
    export_changes(HubStore.connect(url), path, consumer="erp", batch_size=100)
    """
)


@pytest.mark.parametrize("moment", ["before-cursor", "mid-line"])
def test_a_killed_export_resumes_from_its_cursor_every_change_once(
    tmp_path: Path, moment: str
) -> None:
    url = f"sqlite:///{tmp_path}/hub.db"
    hub = HubStore.connect(url)
    seed(hub, 1000)
    target = tmp_path / "changes.jsonl"
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, url, str(target), moment], cwd=ROOT, capture_output=True
    )
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    partial = target.read_bytes()
    if moment == "mid-line":
        assert not partial.endswith(b"\n")  # the kill left half a line
    cursor_at_kill = hub.feed.cursor("erp").seq
    assert 0 < cursor_at_kill < hub.feed.last_seq()

    report = export_changes(hub, target, consumer="erp", batch_size=100)
    seqs = [w["seq"] for w in lines(target)]
    assert seqs == [c.seq for c in hub.feed.changes(0, limit=5000)], "every change once, in order"
    assert len(seqs) == 1000
    assert hub.feed.cursor("erp").seq == seqs[-1]
    if moment == "before-cursor":
        assert report.recovered == 100 and report.cut == 0
    else:
        assert report.recovered == 50 and report.cut > 0  # the half batch's whole lines stay


def test_one_entity_to_csv_with_its_view_columns(tmp_path: Path) -> None:
    hub = HubStore.connect(f"sqlite:///{tmp_path}/hub.db")
    seed(hub, 5)
    hub.records.mark_deleted(PROJECT, "customers", ["c-00001"])
    target = tmp_path / "customers.csv"
    report = export_changes(hub, target, consumer="crm", entities=["customers"], file_format="csv")
    assert report.exported == 5
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert list(rows[0])[:4] == ["seq", "change", "project_key", "id"]
    assert {"email", "first_name", "version"} <= set(rows[0])
    by_id = {row["id"]: row for row in rows}
    assert by_id["c-00002"]["email"] == "person2@example.com"
    assert by_id["c-00002"]["first_name"] == 'Zoë, "the"\\nsecond'  # one line per change
    assert by_id["c-00001"]["change"] == "delete" and by_id["c-00001"]["email"] == ""
    assert len(target.read_text().splitlines()) == 6  # the header and one line per change
    hub.records.upsert_page(PROJECT, "customers", [customer(2, 2)], run_id="u")
    export_changes(hub, target, consumer="crm", entities=["customers"], file_format="csv")
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [(r["id"], r["change"], r["version"]) for r in rows[5:]] == [("c-00002", "update", "2")]


@given(
    total=st.integers(0, 60),
    data=st.data(),
    partial=st.binary(max_size=40).filter(lambda b: b"\n" not in b),
    chunk=st.integers(1, 300),
    file_format=st.sampled_from(["jsonl", "csv"]),
)
@settings(max_examples=150, deadline=None)
def test_recovery_reads_the_file_from_its_end_as_far_as_the_cursor(
    total: int, data: st.DataObject, partial: bytes, chunk: int, file_format: str
) -> None:
    """Whatever the chunk size: the lines after the cursor, the half line cut, the last seq."""
    import tempfile

    from ctsync.export import files as export

    cursor = data.draw(st.integers(0, total))
    if file_format == "jsonl":
        lines = [orjson.dumps({"seq": n, "document": {"x": "y" * n}}) for n in range(1, total + 1)]
    else:
        lines = [b"seq,change,id"] + [f"{n},insert,id-{n}".encode() for n in range(1, total + 1)]
    content = b"".join(line + b"\n" for line in lines)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "changes"
        target.write_bytes(content + partial)
        original = export._TAIL_CHUNK
        export._TAIL_CHUNK = chunk
        try:
            found = export._recover(target, file_format, cursor)
        finally:
            export._TAIL_CHUNK = original
        assert found == (total - cursor, len(partial), total)
        assert target.read_bytes() == content
