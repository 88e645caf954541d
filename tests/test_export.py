"""`replydesk export`: everything per review; a JSONL export imports back unchanged."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import closed_after_test, db_arg
from replydesk import cli
from replydesk.domain.location import Location
from replydesk.services.exporting import CSV_COLUMNS, write
from replydesk.services.importing import import_file
from replydesk.services.workspace import Workspace
from replydesk.store import Store


def demo_copy(demo_ws: Workspace, where: Location) -> Workspace:
    """The demo (built as an SQLite file) copied to ``where``, on either engine, and open
    with the demo's settings."""
    from replydesk.services import moving

    assert all(c.ok for c in moving.copy(demo_ws.store.path, where, lambda *_: None))
    return closed_after_test(
        Workspace.open(demo_ws.config, db=where, user=demo_ws.user, demo=True, http=demo_ws.http)
    )


@pytest.fixture
def demo_there(demo_ws, db_at):
    """The demo on each engine."""
    ws = demo_copy(demo_ws, db_at("demo.db"))
    yield ws
    ws.close()


def test_jsonl_round_trip(demo_there, tmp_path, db_at):
    out = tmp_path / "export.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        assert write(demo_there, fh) == 86
    db = db_at("again.db")
    assert cli.main(["--db", db_arg(db), "import", str(out)]) == 0
    with Store(db) as again:
        assert again.reviews.count() == 86
        for original in demo_there.store.reviews.list():
            copy = again.reviews.by_external(original.source, original.external_id)
            assert (
                copy.author,
                copy.rating,
                copy.title,
                copy.body,
                copy.language,
                copy.created_at,
                copy.product_version,
            ) == (
                original.author,
                original.rating,
                original.title,
                original.body,
                original.language,
                original.created_at,
                original.product_version,
            )
    # importing the same export into the original store changes nothing
    report = import_file(demo_there, out)
    assert (report.new, report.updated, report.unchanged) == (0, 0, 86)


def test_jsonl_records_carry_replies_promises_and_overdue(demo_there):
    buf = io.StringIO()
    write(demo_there, buf)
    records = {(r["source"], r["id"]): r for r in map(json.loads, buf.getvalue().splitlines())}
    graham = records[("trustpilot", "tp-2901")]
    assert graham["status"] == "replied"
    assert graham["replies"][0]["state"] == "posted" and graham["replies"][0]["by"] == "ben"
    (promise,) = graham["promises"]
    assert promise["kind"] == "refund" and promise["status"] == "open" and promise["overdue"]
    marta = records[("app-store", "as-0901")]
    assert marta["promises"][0]["status"] == "delivered"
    assert not marta["promises"][0]["overdue"]
    assert set(records[("app-store", "as-1001")]) >= {
        "review_id",
        "triage",
        "drafts",
        "replies",
        "promises",
        "edited",
        "revision",
    }


def test_csv_export_has_documented_columns(demo_there, tmp_path, capsys):
    out = tmp_path / "e.csv"
    where = db_arg(demo_there.store.path)
    code = cli.main(["--db", where, "export", "--format", "csv", "-o", str(out)])
    assert code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 86 and list(rows[0]) == CSV_COLUMNS
    tp = next(r for r in rows if r["id"] == "tp-2902")
    assert tp["promises_open"] == "1" and tp["promises_delivered"] == "1"
    readme = (__import__("pathlib").Path(__file__).parents[1] / "README.md").read_text()
    for column in CSV_COLUMNS:
        assert f"`{column}`" in readme, f"README does not document {column}"


def test_a_big_export_made_by_two_processes_is_the_same_file(demo_there, monkeypatch):
    """Above APART_FROM reviews, two processes make the export's pieces in turn; the
    file is byte for byte the one a single process writes, in every format."""
    from replydesk.services import apart, exporting

    monkeypatch.setattr(exporting, "SPAN", 7)  # 86 reviews: 13 pieces, taken in turn
    outputs = {}
    for together in (False, True):
        monkeypatch.setattr(exporting, "APART_FROM", 0 if together else 10**9)
        started = []
        monkeypatch.setattr(apart.Apart, "__iter__", _counting(apart.Apart.__iter__, started))
        for fmt, excel in (("jsonl", False), ("csv", False), ("csv", True)):
            buf = io.StringIO()
            assert write(demo_there, buf, fmt, excel=excel) == 86
            outputs[(together, fmt, excel)] = buf.getvalue()
        assert len(started) == (6 if together else 0)  # two workers per export
    for fmt, excel in (("jsonl", False), ("csv", False), ("csv", True)):
        assert outputs[(True, fmt, excel)] == outputs[(False, fmt, excel)]
    lines = [json.loads(line) for line in outputs[(True, "jsonl", False)].splitlines()]
    assert [r["review_id"] for r in lines] == sorted(r["review_id"] for r in lines)
    assert any(r["promises"] for r in lines) and any(r["drafts"] for r in lines)


def _counting(method, started):
    def counted(self):
        started.append(self)
        return method(self)

    return counted


def test_an_export_process_dying_is_one_clear_error(demo_there, monkeypatch):
    from replydesk.domain.errors import StoreError
    from replydesk.services import apart, exporting

    monkeypatch.setattr(exporting, "SPAN", 7)
    monkeypatch.setattr(exporting, "APART_FROM", 0)

    class Dying(io.StringIO):
        def write(self, text):
            for worker in list(apart.RUNNING):
                worker.process.kill()
            return super().write(text)

    with pytest.raises(StoreError, match="the process exporting stopped unexpectedly"):
        write(demo_there, Dying())
    assert not apart.RUNNING  # both closed
