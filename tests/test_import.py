"""`replydesk import`: dedupe, edits, bad lines kept apart, odd encodings, big lines,
and two processes writing at once."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import db_arg, write_jsonl
from replydesk import cli
from replydesk.domain.models import ReviewFilter
from replydesk.services.importing import import_file
from replydesk.store import Store


def row(i: int | str, **kw) -> dict:
    base = {
        "id": str(i),
        "author": f"user{i}",
        "rating": 2,
        "title": "",
        "body": f"body {i}",
        "lang": "en",
        "created_at": "2026-11-01T10:00:00Z",
        "url": "",
    }
    base.update(kw)
    return base


def test_jsonl_counts_new_updated_unchanged_failed(ws, tmp_path):
    f = write_jsonl(tmp_path / "a.jsonl", [row(1), row(2), row(3)])
    assert import_file(ws, f).summary() == "3 new, 0 updated, 0 unchanged, 0 failed"
    f = write_jsonl(
        tmp_path / "a.jsonl",
        [row(1), row(2, body="changed"), row(4), '{"id": "5", "rating": 9, "body": "x"}'],
    )
    report = import_file(ws, f)
    assert (report.new, report.updated, report.unchanged, report.failed) == (1, 1, 1, 1)
    assert str(report.errors[0]) == "line 4: rating 9 is outside 1-5 (whole stars)"
    review = ws.store.reviews.by_external("a", "2")
    assert review.edited and review.body == "changed"


def test_bad_lines_are_reported_by_number_and_the_rest_is_kept(tmp_path, capsys, db_at):
    f = write_jsonl(
        tmp_path / "reviews.jsonl",
        [
            row(1),
            "{not json",
            json.dumps([1, 2]),
            json.dumps({"author": "no id"}),
            json.dumps(row(5, created_at="yesterday")),
            json.dumps({"id": "6"}),
            row(7, rating="four"),
            row(8, body={"nested": True}),
            row(9),
        ],
    )
    db = db_at("x.db")
    assert cli.main(["--db", db_arg(db), "import", str(f), "--source", "shop"]) == 1
    out, err = capsys.readouterr()
    assert "2 new, 0 updated, 0 unchanged, 7 failed" in out
    for expected in (
        "line 2: not valid JSON",
        "line 3: expected a JSON object",
        "line 4: missing 'id'",
        "line 5: 'created_at': not an ISO 8601",
        "line 6: no body, title or rating",
        "line 7: rating 'four' is not a number",
        "line 8: 'body' must be text",
    ):
        assert expected in err
    with Store(db) as store:
        assert {r.external_id for r in store.reviews.list()} == {"1", "9"}
        assert {r.source for r in store.reviews.list()} == {"shop"}


def test_csv_with_bom_crlf_quotes_and_multiline(ws, tmp_path):
    text = (
        "\ufeffid,author,rating,title,body,lang,created_at,url\r\n"
        '1,Ana,1,Crash,"line one\r\nline ""two""",es,2026-11-01T10:00:00+01:00,\r\n'
        "2,Bo,3,,short,en,,https://x/2\r\n"
        "3,Cy,2,,too,many,fields,here,extra\r\n"
        "4,Di,2,,Привет,ru,1762000000,\r\n"
    )
    f = tmp_path / "r.csv"
    f.write_bytes(text.encode("utf-8"))
    report = import_file(ws, f, source="csv")
    assert (report.new, report.failed) == (3, 1)
    assert report.errors[0].line == 5 and "9 fields where the header has 8" in str(report.errors[0])
    one = ws.store.reviews.by_external("csv", "1")
    assert one.body == 'line one\nline "two"' and one.author == "Ana"
    assert one.created_at.isoformat() == "2026-11-01T09:00:00+00:00"
    assert ws.store.reviews.by_external("csv", "4").created_at.year == 2025


def test_csv_without_id_column_is_one_clear_error(ws, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("name,text\nx,y\n")
    report = import_file(ws, f)
    assert report.failed == 1 and "no 'id' column" in str(report.errors[0])


def test_ten_megabyte_line(ws, tmp_path):
    big = "word " * (2 * 1024 * 1024)
    f = write_jsonl(tmp_path / "big.jsonl", [row(1, body=big), row(2)])
    report = import_file(ws, f)
    assert report.new == 2
    assert len(ws.store.reviews.by_external("big", "1").body) == len(big.strip())


def test_invalid_utf8_line_is_skipped(ws, tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_bytes(json.dumps(row(1)).encode() + b"\n" + b'{"id": "2", "body": "\xff\xfe"}\n')
    report = import_file(ws, f)
    assert report.new == 1 and "not valid UTF-8" in str(report.errors[0])


def test_missing_file_and_unknown_format_exit_2(tmp_path, capsys, db_at):
    db = db_arg(db_at("x.db"))
    assert cli.main(["--db", db, "import", str(tmp_path / "no.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
    f = tmp_path / "notes.txt"
    f.write_text("hello world\n")
    assert cli.main(["--db", db, "import", str(f)]) == 2
    assert "cannot tell the format" in capsys.readouterr().err


def test_returning_author_is_one_author(ws, tmp_path):
    f = write_jsonl(tmp_path / "a.jsonl", [row(1, author="Kim"), row(2, author="Kim")])
    import_file(ws, f)
    a, b = ws.store.reviews.list(ReviewFilter(sort="oldest"))
    assert a.author_id == b.author_id
    assert [r.external_id for r in ws.store.reviews.by_author(a.author_id, exclude=b.id)] == ["1"]


def test_two_processes_importing_at_once_lose_nothing(tmp_path, db_at):
    db = db_at("team.db")
    files = []
    for p in range(2):
        rows = [row(f"{p}-{i}") for i in range(3000)] + [row("shared", body="same")]
        files.append(write_jsonl(tmp_path / f"p{p}.jsonl", rows))
    code = (
        "import sys; from replydesk.cli import main; "
        "sys.exit(main(['--db', sys.argv[1], 'import', sys.argv[2], '--source', 'x']))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, db_arg(db), str(f)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    with Store(db) as store:
        assert store.reviews.count() == 6001


def test_a_review_without_a_language_gets_one_and_text_is_the_body(ws, tmp_path):
    """Files from other tools name the body "text"; the language, when the file gives
    none, is detected at import so the draft is written in the reviewer's language."""
    from replydesk.services.importing import import_file

    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "r1", "text": "Приложение вылетает при открытии карты, ужасно", "rating": 1},
            {"id": "r2", "content": "La app se cierra cuando abro el mapa, es horrible"},
            {"id": "r3", "body": "Meh.", "rating": 2},  # too short to tell: no guess
            {"id": "r4", "body": "Crashes on start", "lang": "de"},  # the file's word wins
        ],
    )
    report = import_file(ws, path, source="file")
    assert (report.new, report.failed) == (4, 0)
    got = {r.external_id: (r.language, r.body[:8]) for r in ws.store.reviews.list()}
    assert got == {
        "r1": ("ru", "Приложен"),
        "r2": ("es", "La app s"),
        "r3": ("", "Meh."),
        "r4": ("de", "Crashes "),
    }


def _process_rows() -> list:
    rows: list = [row(i, lang="") if i % 3 else row(i) for i in range(12)]
    rows[4] = row(4, lang="", body="Приложение вылетает при открытии карты, ужасно")
    rows.insert(5, "{not json")
    rows.append(row(2, body="edited later in the same file"))  # a later batch edits it
    rows.append(json.dumps({"id": "x", "rating": 9}))
    return rows


def test_a_big_file_is_read_in_a_process_of_its_own_and_lands_the_same(
    tmp_path, monkeypatch, db_at
):
    """Parsing, checking and hashing move to a reading process for big files; what lands,
    and every bad line's number and reason, is the same as reading in this process."""
    from replydesk.config import Config
    from replydesk.services import importing
    from replydesk.services.workspace import Workspace

    f = write_jsonl(tmp_path / "r.jsonl", _process_rows())
    results = []
    for apart in (False, True):
        monkeypatch.setattr(importing, "PROCESS_FROM_BYTES", 0 if apart else 10**12)
        monkeypatch.setattr(importing, "BATCH", 4)  # several batches, an edit in a later one
        seen: list[int] = []
        ws = Workspace.open(Config(), db=db_at(f"{apart}.db"), user="ann")
        try:
            report = import_file(
                ws, f, progress=lambda r, seen=seen: seen.append(r.new + r.updated)
            )
            stored = sorted(
                (r.external_id, r.body, r.language, r.edited, r.version)
                for r in ws.store.reviews.list()
            )
        finally:
            ws.close()
        results.append((report.summary(), [str(e) for e in report.errors], stored))
        assert len(seen) >= 3 and seen == sorted(seen)  # progress after each batch
    assert results[0] == results[1]
    summary, errors, stored = results[1]
    assert summary == "12 new, 1 updated, 0 unchanged, 2 failed"
    assert errors[0].startswith("line 6: not valid JSON") and errors[1].startswith("line 15")
    assert ("4", "Приложение вылетает при открытии карты, ужасно", "ru", False, 1) in stored
    assert ("2", "edited later in the same file", "en", True, 2) in stored


def test_the_reading_process_dying_is_one_clear_error_and_keeps_what_landed(
    tmp_path, monkeypatch, ws
):
    import pytest

    from replydesk.domain.errors import StoreError
    from replydesk.services import apart, importing

    monkeypatch.setattr(importing, "PROCESS_FROM_BYTES", 0)
    monkeypatch.setattr(importing, "BATCH", 5)
    f = write_jsonl(tmp_path / "r.jsonl", [row(i) for i in range(5000)])

    def kill_the_reader(report) -> None:
        for worker in list(apart.RUNNING):
            worker.process.kill()
            worker.process.wait()

    with pytest.raises(StoreError, match=r"stopped unexpectedly .* run the import again"):
        import_file(ws, f, progress=kill_the_reader)
    assert 5 <= ws.store.reviews.count() < 5000  # the first batches stayed
    report = import_file(ws, f)  # and running it again finishes the job
    assert ws.store.reviews.count() == 5000 and report.new == 5000 - report.unchanged


def test_the_content_hash_stays_what_older_stores_hold():
    """A changed hash would make every stored review look edited on the next import."""
    from replydesk.domain.models import NewReview
    from replydesk.store.reviews import content_hash

    def review(title, body, rating):
        return NewReview(source="s", external_id="1", title=title, body=body, rating=rating)

    assert content_hash(review("", "x", None)) == "c4da790602750ef438799863eaee28bf"
    assert content_hash(review("Τίτλος", "body\ud800 ✓", 3)) == "8152a5af994d9b6ecb8caf4fd88a8635"


def test_a_script_without_a_main_guard_can_import_a_big_file(tmp_path):
    """The reading process never re-runs the caller's script (multiprocessing's spawn
    would, and a script without ``if __name__ == "__main__"`` would then fail)."""
    f = write_jsonl(tmp_path / "r.jsonl", [row(i) for i in range(50)])
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from replydesk.config import Config\n"
        "from replydesk.services import importing\n"
        "from replydesk.services.workspace import Workspace\n"
        "importing.PROCESS_FROM_BYTES = 0\n"
        f"ws = Workspace.open(Config(), db={str(tmp_path / 'x.db')!r}, user='ann')\n"
        f"print(importing.import_file(ws, {str(f)!r}).summary())\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "50 new, 0 updated, 0 unchanged, 0 failed"


def _big_items(n: int):
    """A worker for the test below: items far bigger than a pipe holds."""
    for i in range(n):
        yield str(i) * (8 * 1024 * 1024)


def test_a_worker_dying_half_way_through_an_item_is_one_clear_error():
    """The reader spends most of its time blocked half-way through sending a batch;
    dying there is the usual way, and must still be the one line, not a bare OSError."""
    import pytest

    from replydesk.domain.errors import StoreError
    from replydesk.services.apart import Apart

    with Apart(_big_items, 3, what="testing") as worker:
        items = iter(worker)
        assert len(next(items)) == 8 * 1024 * 1024
        worker.process.kill()
        with pytest.raises(StoreError, match=r"the process testing stopped unexpectedly"):
            list(items)


def test_ids_beyond_64_bits_stay_exact_and_apart(ws, tmp_path, monkeypatch):
    """orjson reads such a number as a float: two 30-digit ids would become one review."""
    big = 123456789012345678901234567890
    f = tmp_path / "big-ids.jsonl"
    f.write_text(
        "\n".join(
            json.dumps(row(n, body=f"body {n}")).replace(f'"{n}"', str(n)) for n in (big, big + 1)
        )
        + "\n"
    )
    report = import_file(ws, f)
    assert (report.new, report.updated) == (2, 0)
    assert {r.external_id for r in ws.store.reviews.list()} == {str(big), str(big + 1)}


def test_a_module_in_the_current_folder_never_runs_in_the_reader(ws, tmp_path, monkeypatch):
    """The reading process starts with this process's path (``python -P``): a csv.py
    where the user stands is not the standard library's csv."""
    from replydesk.services import importing

    (tmp_path / "csv.py").write_text("raise SystemExit('a stranger csv.py ran')\n")
    (tmp_path / "json.py").write_text("raise SystemExit('a stranger json.py ran')\n")
    f = write_jsonl(tmp_path / "r.jsonl", [row(i) for i in range(30)])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(importing, "PROCESS_FROM_BYTES", 0)
    assert import_file(ws, f).summary() == "30 new, 0 updated, 0 unchanged, 0 failed"


def test_long_reviews_make_smaller_batches(ws, tmp_path, monkeypatch):
    """A batch ends at BATCH reviews or BATCH_TEXT characters, whichever comes first, so
    a file of long reviews never holds hundreds of MB in one batch."""
    from replydesk.services import importing

    monkeypatch.setattr(importing, "BATCH_TEXT", 50_000)
    f = write_jsonl(tmp_path / "long.jsonl", [row(i, body="word " * 5000) for i in range(12)])
    stored: list[int] = []
    import_file(ws, f, progress=lambda r: stored.append(r.new))
    assert stored[-1] == 12 and len(stored) >= 6  # about two 25,000-character reviews a batch
