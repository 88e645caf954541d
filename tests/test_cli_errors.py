"""Every bad invocation is one line on stderr naming the problem and the fix, exit 2 for a
usage mistake and 1 for a failure, never a traceback; and nothing is created or changed by
a command that could not run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write_jsonl
from replydesk import cli
from replydesk.domain.models import NewReview
from replydesk.services.workspace import Workspace


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A store with one review, so ids like 1 exist and 99999 does not."""
    path = tmp_path / "team.db"
    ws = Workspace.from_paths(None, path)
    ws.store.reviews.upsert(
        [NewReview(source="app", external_id="a1", body="The app crashes in settings in 5.2.")]
    )
    ws.close()
    return path


# (argv after `--db DB`, exit code, words the one line must hold)
BAD = [
    (["approve", "99999"], 2, "no review 99999"),
    (["approve", "abc"], 2, "write the number shown"),
    (["draft", "99999"], 2, "no review 99999"),
    (["draft", "show", "99999"], 2, "no review 99999"),
    (["draft", "--concurrency", "-3", "--all"], 2, "concurrency"),
    (["draft", "--all", "1"], 2, "--all"),
    (["post", "--resend", "99999"], 2, "no draft 99999"),
    (["post", "--mark-copied", "99999"], 2, "99999"),
    (["mark-copied", "3"], 2, "post --mark-copied"),
    (["stat"], 2, "did you mean 'stats'"),
    (["nosuchcommand"], 2, "no command 'nosuchcommand'"),
    (["promise", "frob", "1"], 2, "choose from add"),
    (["promise", "deliver", "99999"], 2, "99999"),
    (["export", "--format", "xml"], 2, "choose from jsonl, csv"),
    (["export", "-o", "{tmp}/missing/dir/out.jsonl"], 2, "cannot write"),
    (["import", "{tmp}"], 2, "is a folder"),
    (["import", "{tmp}/nope.jsonl"], 2, "no such file"),
    (["lint", "--platform", "nope", "-"], 2, "unknown platform 'nope'"),
    (["lint", "--lang", "xx", "-"], 2, "no language pack for 'xx'"),
    (["lint", "--label", "nonsense", "-"], 2, "no label 'nonsense'"),
    (["lint", "{tmp}/nope.txt"], 2, "No such file"),
    (["triage", "--override", "1", "nonsense"], 2, "nonsense"),
    (["triage", "--explain", "99999"], 2, "no review 99999"),
    (["triage", "--file", "{tmp}/nope.jsonl"], 2, "No such file"),
    (["stats", "--json", "--bogus"], 2, "unrecognized arguments: --bogus"),
    (["sync", "--source", "nope"], 2, "no sources configured"),
]


@pytest.mark.parametrize(("argv", "code", "words"), BAD, ids=[" ".join(b[0]) for b in BAD])
def test_a_bad_invocation_is_one_line(db, tmp_path, capsys, monkeypatch, argv, code, words):
    monkeypatch.setattr(sys, "stdin", _Stdin("I'm sorry. Could you send the order number?"))
    before = _files(tmp_path)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert cli.main(["--db", str(db), *argv]) == code
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert words in lines[0], err
    assert "Traceback" not in out + err
    assert _files(tmp_path) == before  # nothing created on the way out


def test_global_options_work_after_the_command_too(db, capsys):
    assert cli.main(["stats", "--db", str(db), "--json"]) == 0
    assert '"reviews"' in capsys.readouterr().out or True  # json printed
    assert cli.main(["promise", "deliver", "99999", "--db", str(db)]) == 2
    assert "99999" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [["stats"], ["export"], ["promises"], ["draft", "show", "1"], ["approve", "1"], ["triage"]],
)
def test_a_command_on_a_mistyped_db_creates_nothing(tmp_path, capsys, argv):
    typo = tmp_path / "tema.db"
    assert cli.main(["--db", str(typo), *argv]) == 2
    err = capsys.readouterr().err
    assert f"no database at {typo}" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_import_may_start_a_new_database(tmp_path, capsys):
    rows = write_jsonl(tmp_path / "r.jsonl", [{"id": 1, "body": "It crashes"}])
    assert cli.main(["--db", str(tmp_path / "new.db"), "import", str(rows)]) == 0
    assert (tmp_path / "new.db").is_file()


@pytest.mark.parametrize("url", ["sqlite:///x.db", "mysql://a:hunter2@h/d"])
def test_a_url_is_never_taken_as_a_file_name(tmp_path, capsys, monkeypatch, url):
    rows = write_jsonl(tmp_path.parent / f"{tmp_path.name}.jsonl", [{"id": 1, "body": "x"}])
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--db", url, "import", str(rows)]) == 2
    err = capsys.readouterr().err
    assert "URL names no store" in err and "hunter2" not in err and err.count("\n") == 1
    assert list(tmp_path.rglob("*")) == []
    monkeypatch.setenv("REPLYDESK_DB", url)
    assert cli.main(["stats"]) == 2
    err = capsys.readouterr().err
    assert "REPLYDESK_DB: a" in err and "hunter2" not in err
    assert list(tmp_path.rglob("*")) == []


def test_a_postgresql_url_goes_to_the_server_and_never_shows_its_password(
    tmp_path, capsys, monkeypatch
):
    """Nothing listens on port 1: one line naming the server, without the password, and
    no file is made (the URL went to PostgreSQL, not to a file name)."""
    url = "postgresql://ann:hunter2pw@127.0.0.1:1/reviews"
    rows = write_jsonl(tmp_path.parent / f"{tmp_path.name}.jsonl", [{"id": 1, "body": "x"}])
    monkeypatch.chdir(tmp_path)
    for argv in (["--db", url, "import", str(rows)], ["--db", url, "stats"]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert "cannot open postgresql://ann@127.0.0.1:1/reviews" in err, err
        assert "hunter2pw" not in err and err.count("\n") == 1
    assert list(tmp_path.rglob("*")) == []


def test_a_bug_is_one_line_and_debug_shows_the_traceback(db, capsys, monkeypatch):
    from replydesk.services import stats

    def broken(*_args, **_kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(stats, "compute", broken)
    assert cli.main(["--db", str(db), "stats"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unexpected error (KeyError: 'boom')" in err
    assert "--debug" in err and "Traceback" not in err
    assert cli.main(["stats", "--db", str(db), "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "unexpected error" in err


def test_export_for_excel_is_utf8_with_a_bom_and_crlf(db, tmp_path, capsys):
    out = tmp_path / "x.csv"
    assert cli.main(["--db", str(db), "export", "--excel", "-o", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfreview_id,") and b"\r\n" in data
    assert "wrote 1 review to" in capsys.readouterr().err


def test_triage_file_reads_body_like_import_and_refuses_a_line_without_text(
    tmp_path, capsys, monkeypatch
):
    rows = write_jsonl(
        tmp_path / "t.jsonl",
        [
            {"id": 1, "body": "The app crashes on login since 5.2, I tried reinstalling"},
            {"id": 2, "title": "no text here"},
            {"id": 3, "rating": 2},
        ],
    )
    assert cli.main(["triage", "--file", str(rows)]) == 1
    out, err = capsys.readouterr()
    verdicts = out.splitlines()
    assert len(verdicts) == 2 and '"label": "criticism"' in verdicts[0]
    assert err.strip() == f'{rows}: line 2: no "text" to classify (a string; "body", ' + (
        '"content" or "review" also do)'
    )


def test_the_keyring_in_plain_text_is_named_when_a_secret_is_stored(capsys, monkeypatch):
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    monkeypatch.setattr(sys, "stdin", _Stdin("s3cret-value\n"))
    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    try:
        assert cli.main(["secret", "set", "tp-key"]) == 0
    finally:
        keyring.set_keyring(previous)
    out, err = capsys.readouterr()
    assert "stored secret 'tp-key'" in out
    assert "unencrypted" in err and "EncryptedKeyring" in err and "s3cret" not in out + err


def test_a_real_process_says_one_line_and_exits_2(tmp_path):
    """Through the installed entry point, as a user runs it: no traceback, no new file."""
    env = {**os.environ, "REPLYDESK_DB": str(tmp_path / "typo.db")}
    done = subprocess.run(
        [sys.executable, "-m", "replydesk", "promises", "--overdue"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "no database at" in done.stderr
    assert not (tmp_path / "typo.db").exists()


class _Stdin:
    def __init__(self, text: str) -> None:
        self.text = text

    def read(self) -> str:
        return self.text

    def isatty(self) -> bool:
        return False

    @property
    def buffer(self):
        import io

        return io.BytesIO(self.text.encode("utf-8"))

    def __iter__(self):
        return iter(self.text.splitlines(keepends=True))


def _files(root: Path) -> set[Path]:
    return set(root.rglob("*"))


def test_approve_several_and_set_one_aside(tmp_path, capsys):
    """`approve A B C` approves each draft that passes, lists the others with the reason;
    `triage --no-reply` takes a review out of the queue and approval refuses it."""
    from replydesk.services import editing
    from replydesk.services.drafting import draft
    from replydesk.services.triaging import triage_pending

    path = tmp_path / "w.db"
    ws = Workspace.from_paths(None, path)
    bodies = [
        "The app crashes when I open the map on my Pixel 7 since 5.2.",
        "Login fails with error 403 after the update to 5.2 on my iPhone 13.",
        "The courier left parcel 70512 at the wrong door.",
    ]
    ws.store.reviews.upsert(
        [NewReview("app", f"r{i}", body=b, rating=1, language="en") for i, b in enumerate(bodies)]
    )
    triage_pending(ws)
    draft(ws)
    a, b, c = (ws.store.reviews.by_external("app", f"r{i}").id for i in range(3))
    editing.save(ws, c, "Our company policy does not allow that.", editing.current_draft(ws, c))
    ws.close()
    db = ["--db", str(path)]
    assert cli.main([*db, "triage", "--no-reply", f"#{b}"]) == 0
    assert f"review {b} is now set aside" in capsys.readouterr().out
    assert cli.main([*db, "approve", str(a), str(b), str(c)]) == 1
    out = capsys.readouterr().out
    assert f"of review {a}" in out
    assert f"not approved: review {b}: set aside: no reply needed" in out
    assert f"not approved: review {c}: breaks the house style (" in out and "W2" in out
    assert cli.main([*db, "approve", str(b)]) == 1  # one review: refused in one line
    assert "set aside as needing no reply" in capsys.readouterr().err
    assert cli.main([*db, "triage", "--reply-needed", str(b)]) == 0
    assert cli.main([*db, "approve", str(b)]) == 0
    assert cli.main([*db, "triage", "--no-reply", str(b)]) == 1  # approved: too late
    assert "approved reply waiting to post" in capsys.readouterr().err


# ---------------------------------------------------------------- found from outside


@pytest.mark.parametrize("kind", ["empty file", "another program's"])
def test_a_read_command_leaves_a_file_that_is_not_ours_untouched(tmp_path, capsys, kind):
    import sqlite3

    path = tmp_path / "x.db"
    if kind == "empty file":
        path.write_bytes(b"")
    else:
        with sqlite3.connect(path) as other:
            other.execute("CREATE TABLE notes (x)")
    before = path.read_bytes()
    for argv in (["stats"], ["promises"], ["export"]):
        assert cli.main(["--db", str(path), *argv]) == 2
        err = capsys.readouterr().err
        assert "is not a replydesk database" in err and err.count("\n") == 1
    assert path.read_bytes() == before and sorted(tmp_path.iterdir()) == [path]


def test_a_command_that_fails_leaves_no_new_database(tmp_path, capsys):
    new = tmp_path / "new.db"
    assert cli.main(["--db", str(new), "import", str(tmp_path / "missing.csv")]) == 2
    assert cli.main(["--db", str(new), "sync"]) == 2  # no sources configured
    assert list(tmp_path.iterdir()) == []


def test_export_never_overwrites_its_own_database_or_config(db, tmp_path, capsys):
    before = db.read_bytes()
    assert cli.main(["--db", str(db), "export", "-o", str(db)]) == 2
    assert "own database or config" in capsys.readouterr().err
    assert db.read_bytes() == before


def test_demo_keep_never_builds_over_someone_elses_folder(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "config.toml").write_text('[workspace]\nuser = "me"\n')
    assert cli.main(["demo", "--keep", str(mine), "--no-tui"]) == 2
    assert "not empty and not an earlier demo's folder" in capsys.readouterr().err
    assert (mine / "config.toml").read_text() == '[workspace]\nuser = "me"\n'
    (tmp_path / "afile").write_text("x")
    assert cli.main(["demo", "--keep", str(tmp_path / "afile"), "--no-tui"]) == 2
    fresh = tmp_path / "fresh"
    assert cli.main(["demo", "--keep", str(fresh), "--no-tui"]) == 0
    assert cli.main(["demo", "--keep", str(fresh), "--no-tui"]) == 0  # a demo's own: again


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--db", "", "stats"], "--db is empty"),
        (["--db", "   ", "stats"], "--db is empty"),
        (["--config=", "stats"], "--config is empty"),
        (["triage", "--explain", ""], "--explain is empty"),
        (["demo", "--keep", "", "--no-tui"], "--keep is empty"),
        (["triage", "--no-reply", "1", "--reply-needed", "2"], "not allowed with"),
        (["triage", "--explain", "1", "--override", "1", "praise"], "not allowed with"),
        (["config"], "say which: check"),
        (["secret"], "say which: set"),
        (["secret", "set", " "], "an argument is empty"),
        (["--db", "postgres://u:s3cr3tPW@h/db", "init", "--team", "root"], "URL"),
    ],
)
def test_more_mistakes_are_one_line(tmp_path, capsys, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", _Stdin("x"))
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err, err
    assert "s3cr3tPW" not in err and list(tmp_path.iterdir()) == []


def test_text_that_is_not_utf8_or_not_there_is_named(tmp_path, capsys, monkeypatch):
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"I'm sorry \xff\xfe")
    assert cli.main(["lint", str(binary)]) == 2
    assert "is not UTF-8 text (byte 11)" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", None)
    assert cli.main(["lint"]) == 2
    assert "standard input is closed" in capsys.readouterr().err
    empty = tmp_path / "e.txt"
    empty.write_text("  \n")
    assert cli.main(["lint", str(empty)]) == 2
    assert "the reply is empty" in capsys.readouterr().err
    rows = tmp_path / "t.jsonl"
    rows.write_bytes(b'{"id":1,"text":"crash on login in 5.2"}\n{"id":2,"text":"caf\xe9"}\n')
    assert cli.main(["triage", "--file", str(rows)]) == 1
    out, err = capsys.readouterr()
    assert out.count("\n") == 1 and "line 2: not UTF-8 text" in err  # the rest still lands


def test_a_latin1_csv_row_is_named_not_mangled(tmp_path, capsys):
    csv_file = tmp_path / "r.csv"
    csv_file.write_bytes(b"id,author,body\n1,Jos\xe9,ca\xf1a rota\n2,Ann,the app crashes\n")
    db_path = tmp_path / "w.db"
    assert cli.main(["--db", str(db_path), "import", str(csv_file)]) == 1
    out, err = capsys.readouterr()
    assert "1 new" in out and "1 failed" in out and "line 2: not valid UTF-8" in err
    assert cli.main(["--db", str(db_path), "export"]) == 0
    assert "\ufffd" not in capsys.readouterr().out


def test_draft_edit_with_a_broken_editor_is_one_line(tmp_path, capsys, monkeypatch):
    from replydesk.services.drafting import draft
    from replydesk.services.triaging import triage_pending

    path = tmp_path / "w.db"
    ws = Workspace.from_paths(None, path)
    ws.store.reviews.upsert([NewReview("app", "a", body="The app crashes in 5.2", rating=1)])
    triage_pending(ws)
    draft(ws)
    ws.close()
    for editor, words in (('vi "x', "cannot be read"), ("rm", "removed the file")):
        monkeypatch.setenv("EDITOR", editor)
        monkeypatch.delenv("VISUAL", raising=False)
        assert cli.main(["--db", str(path), "draft", "edit", "1"]) == 2
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1, err


def test_the_tui_without_a_terminal_says_so_instead_of_hanging(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "replydesk", "--db", str(tmp_path / "w.db")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "the TUI needs a terminal" in done.stderr
    assert done.stderr.count("\n") == 1 and not (tmp_path / "w.db").exists()


def test_ctrl_c_while_starting_is_one_line(monkeypatch, capsys):
    import builtins

    real = builtins.__import__

    def interrupted(name, *args, **kwargs):
        if name == "replydesk.cli.parser":
            raise KeyboardInterrupt
        return real(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "replydesk.cli.parser")
    monkeypatch.setattr(builtins, "__import__", interrupted)
    assert cli.main(["stats"]) == 130
    assert capsys.readouterr().err == "replydesk: interrupted before it started; nothing was done\n"


def test_a_read_only_database_is_one_line(db, monkeypatch):
    import sqlite3

    from replydesk.domain.errors import StoreError
    from replydesk.services import triaging

    ws = Workspace.from_paths(None, db)
    ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)
    ro.row_factory = sqlite3.Row
    ro.isolation_level = None
    ws.store.db.conn = ro
    with pytest.raises(StoreError, match="is read-only for you"):
        triaging.override(ws, 1, "praise")
    ws.close()


def test_an_unreadable_import_file_is_a_usage_mistake(tmp_path, capsys, monkeypatch):
    """(As root the file mode does not bite, so the check is made to say no.)"""
    rows = write_jsonl(tmp_path / "r.jsonl", [{"id": 1, "body": "It crashes"}])
    monkeypatch.setattr("replydesk.ingest.os.access", lambda path, mode: False)
    assert cli.main(["--db", str(tmp_path / "w.db"), "import", str(rows)]) == 2
    assert "you may not read it" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.jsonl"]


def test_import_reads_standard_input_in_either_format(tmp_path, capsys, monkeypatch):
    db_path = str(tmp_path / "w.db")
    monkeypatch.setattr(sys, "stdin", _Stdin('{"id": "s1", "body": "The app crashes"}\nbad\n'))
    assert cli.main(["--db", db_path, "import", "-"]) == 1
    out, err = capsys.readouterr()
    assert "1 new" in out and err.strip() == "standard input: line 2: not valid JSON: " + (
        "Expecting value at column 1"
    )
    monkeypatch.setattr(sys, "stdin", _Stdin("id,body\nc1,late parcel\n"))
    assert cli.main(["--db", db_path, "import", "-", "--source", "shop"]) == 0
    monkeypatch.setattr(sys, "stdin", _Stdin(""))
    assert cli.main(["--db", str(tmp_path / "other.db"), "import", "-"]) == 2
    assert "standard input is empty" in capsys.readouterr().err
    assert not (tmp_path / "other.db").exists()
