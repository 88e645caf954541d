"""Files and identity on a shared box: private files by default whatever the umask, team
mode through a unix group, and the OS login in the audit log next to the display name."""

from __future__ import annotations

import grp
import os
import pwd
import sqlite3
import stat
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import write_jsonl
from replydesk import cli
from replydesk.config import Config, WorkspaceConfig, load, os_login
from replydesk.domain.errors import StoreError
from replydesk.services.workspace import Workspace
from replydesk.store import Store
from replydesk.store.schema import MIGRATIONS
from replydesk.store.sqlite import _statements


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def db_files(db: Path) -> list[Path]:
    return [db, Path(f"{db}-wal"), Path(f"{db}-shm")]


def my_group() -> str:
    return grp.getgrgid(os.getgid()).gr_name


def real_login() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


# ---------------------------------------------------------------- private by default


@pytest.mark.parametrize("mask", [0o077, 0o022, 0o000])
def test_a_new_database_and_its_wal_and_shm_are_0600_and_the_umask_stays(tmp_path, mask):
    db = tmp_path / "data" / "x.db"
    with umask(mask):
        with Store(db) as store:
            store.events.add("tester", "test.write")  # the -wal and -shm exist now
            files = db_files(db)
            assert all(f.exists() for f in files)
            assert {f.name: oct(mode(f)) for f in files} == {f.name: "0o600" for f in files}
        assert current_umask() == mask  # never changed, not even for a moment we can see
        with Store(db) as again:  # reopening changes nothing
            again.events.recent()
            assert mode(db) == 0o600


@pytest.mark.parametrize("mask", [0o077, 0o022])
def test_init_writes_the_config_0600(tmp_path, mask, capsys):
    target = tmp_path / "conf" / "config.toml"
    with umask(mask):
        assert cli.main(["--config", str(target), "init"]) == 0
        assert mode(target) == 0o600
        target.chmod(0o644)  # an older, readable one, overwritten
        assert cli.main(["--config", str(target), "init", "--force"]) == 0
        assert mode(target) == 0o600
        assert current_umask() == mask
    assert "wrote" in capsys.readouterr().out


# ---------------------------------------------------------------- team mode


def test_team_mode_makes_a_setgid_folder_and_0660_files_of_the_group(tmp_path, capsys):
    group, gid = my_group(), os.getgid()
    target, db = tmp_path / "config.toml", tmp_path / "shared" / "team.db"
    with umask(0o077):  # the strictest umask still shares with the team
        assert cli.main(["--config", str(target), "--db", str(db), "init", "--team", group]) == 0
        out = capsys.readouterr().out
        assert group in out and str(db) in out
        folder = db.parent
        assert stat.S_ISDIR(folder.stat().st_mode)
        assert mode(folder) == 0o2770 and folder.stat().st_gid == gid
        assert mode(target) == 0o600
        workspace = tomllib.loads(target.read_text())["workspace"]
        assert (workspace["team_group"], workspace["db"]) == (group, str(db))
        cfg = load(target)
        assert cfg.workspace.team_group == group and cfg.db_path == db
        ws = Workspace.open(cfg)
        try:
            ws.store.events.add(ws.user, "test.write")
            for f in db_files(db):
                assert (f.name, oct(mode(f)), f.stat().st_gid) == (f.name, "0o660", gid)
        finally:
            ws.close()
    assert cli.main(["--config", str(target), "config", "check"]) == 0


def test_team_mode_shares_a_database_that_was_private(tmp_path):
    group, gid = my_group(), os.getgid()
    folder = tmp_path / "shared"
    Store(folder / "x.db").close()  # a single-user database first
    assert mode(folder / "x.db") == 0o600
    folder.chmod(0o2770)
    with Store(folder / "x.db", team_group=group) as store:
        store.events.add("tester", "test.write")
        assert all(mode(f) == 0o660 and f.stat().st_gid == gid for f in db_files(folder / "x.db"))


def test_team_mode_names_what_is_wrong_with_an_existing_folder(tmp_path, capsys):
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    target, db = tmp_path / "config.toml", folder / "team.db"
    assert cli.main(["--config", str(target), "--db", str(db), "init", "--team", my_group()]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "not setgid" in err and "cannot read, write and enter" in err
    assert f"chmod 2770 {folder}" in err
    assert not target.exists() and not db.exists()  # nothing written, nothing changed
    assert mode(folder) == 0o755
    with pytest.raises(StoreError, match="not a team folder"):
        Store(db, team_group=my_group())


def test_a_group_that_does_not_exist_is_one_clear_line(tmp_path, capsys):
    target, db = tmp_path / "config.toml", tmp_path / "shared" / "team.db"
    argv = ["--config", str(target), "--db", str(db), "init", "--team", "no-such-team-xyz"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("replydesk: there is no group 'no-such-team-xyz'")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "groupadd no-such-team-xyz" in err
    assert not target.exists() and not db.parent.exists()
    # and from a config that names it: the workspace does not open, with the same words
    cfg = Config(workspace=WorkspaceConfig(team_group="no-such-team-xyz"))
    with pytest.raises(StoreError, match="no group 'no-such-team-xyz'"):
        Workspace.open(cfg, db=db)
    assert not db.exists()


def test_a_group_you_are_not_in_names_the_fix(tmp_path, monkeypatch):
    other = next((g for g in grp.getgrall() if g.gr_gid != os.getgid()), None)
    if other is None:
        pytest.skip("this box has one group only")
    monkeypatch.setattr(os, "geteuid", lambda: 54321)  # not root
    monkeypatch.setattr(os, "getegid", os.getgid)
    monkeypatch.setattr(os, "getgroups", lambda: [os.getgid()])
    with pytest.raises(StoreError) as info:
        Store(tmp_path / "shared" / "x.db", team_group=other.gr_name)
    message = str(info.value)
    assert f"not in the group {other.gr_name!r}" in message
    assert f"usermod -aG {other.gr_name}" in message
    assert not (tmp_path / "shared").exists()


def test_team_group_must_be_a_group_name(tmp_path):
    path = tmp_path / "c.toml"
    for bad in ('"sup port"', '"1000"'):
        path.write_text(f"[workspace]\nteam_group = {bad}\n")
        with pytest.raises(Exception, match=r"workspace\.team_group"):
            load(path)
    path.write_text('[workspace]\nteam_group = "support"\n')
    assert load(path).workspace.team_group == "support"
    assert Config().workspace.team_group == ""  # default: no team mode


# ---------------------------------------------------------------- identity


def test_the_audit_log_records_the_os_login_next_to_the_display_name(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REPLYDESK_USER", "mallory")
    db = tmp_path / "x.db"
    reviews = write_jsonl(
        tmp_path / "r.jsonl",
        [
            {
                "id": "1",
                "rating": 1,
                "body": "The app crashes every time I open the invoice screen since 2.3.",
            }
        ],
    )
    assert cli.main(["--db", str(db), "import", str(reviews), "--source", "shop"]) == 0
    assert cli.main(["--db", str(db), "triage"]) == 0
    assert cli.main(["--db", str(db), "draft", "--all"]) == 0
    assert cli.main(["--db", str(db), "approve", "1"]) == 0
    capsys.readouterr()
    assert os_login() == real_login()
    with Store(db) as store:
        approvals = [e for e in store.events.recent() if e.action == "draft.approve"]
        assert [(e.user, e.login) for e in approvals] == [("mallory", real_login())]
        draft = store.drafts.latest(1)
        assert draft is not None and draft.approved_by == "mallory"  # the display name


def test_the_workspace_user_stays_the_display_name(tmp_path, monkeypatch):
    monkeypatch.setenv("REPLYDESK_USER", "mallory")
    ws = Workspace.from_paths(None, tmp_path / "x.db")
    try:
        assert ws.user == "mallory" and ws.config.user == "mallory"
        ws.store.events.add(ws.user, "test.write")
        event = ws.store.events.recent()[0]
        assert (event.user, event.login) == ("mallory", real_login())
    finally:
        ws.close()


def test_schema_5_migrates_to_6_and_old_events_have_no_login(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:5]:  # a store as schema 5 left it
        for statement in _statements(migration.script("sqlite")):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 5")
    conn.execute(
        "INSERT INTO events (at, user, action, review_id, detail) "
        "VALUES ('2026-11-01T00:00:00+00:00', 'anna', 'draft.approve', NULL, '{}')"
    )
    conn.commit()
    conn.close()
    with Store(path) as store:
        assert store.db.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert "events ADD COLUMN login" in MIGRATIONS[5].both  # 6 is the login
        store.events.add("ben", "test.write")
        assert [(e.user, e.login) for e in store.events.recent()] == [
            ("ben", real_login()),
            ("anna", ""),
        ]
