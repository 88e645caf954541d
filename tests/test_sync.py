"""Sync as a whole: sources run together, one failing never stops the others, retries
honour Retry-After, reports are printed and stored, secrets never leak."""

from __future__ import annotations

import io

import keyring
import pytest
from keyring.backends import fail

from conftest import db_arg, workspace_with
from fakes.apis import AppStoreFeed, Item, TrustpilotApi, items
from fakes.server import Scripted
from replydesk import cli, secrets
from replydesk.services.exporting import write
from replydesk.services.sources_view import source_rows
from replydesk.services.sync import sync


def four_sources(server, tmp_path, feed_path="/ok-feed", *, db=None):
    return workspace_with(
        tmp_path,
        f"""
[[sources]]
name = "ios"
kind = "appstore_rss"
app_id = "1"
pages = 2
base_url = "{server.url}"
retries = 2

[[sources]]
name = "slow"
kind = "json"
url = "{server.url}/slow"
items = "items"
fields = {{ id = "id", body = "text" }}
timeout = 0.3
retries = 0

[[sources]]
name = "alerts"
kind = "feed"
url = "{server.url}{feed_path}"
retries = 0

[[sources]]
name = "tp"
kind = "trustpilot"
business_unit_id = "bu1"
api_key_secret = "tp-key"
api_secret_secret = "tp-secret"
base_url = "{server.url}"
retries = 0

[[sources]]
name = "off"
kind = "file"
path = "/nonexistent.jsonl"
enabled = false
""",
        db=db,
    )


def test_one_failing_source_never_stops_the_others(server, tmp_path, db_at):
    AppStoreFeed(server, {"us": items(30)})
    server.script(Scripted(500, {}, {"error": "boom"}, path="/us/"))  # then success
    server.script(Scripted(0, delay=1.0, path="/slow"))  # the json source times out
    server.route("GET", "/slow")(lambda req: (200, {}, {"items": []}))
    server.route("GET", "/ok-feed")(
        lambda req: (200, {"Content-Type": "text/html"}, "<html>login</html>")
    )
    secrets.set("tp-key", "key-4c1d")  # tp-secret is missing
    ws = four_sources(server, tmp_path, db=db_at("ws.db"))
    reports = {r.name: r for r in sync(ws)}
    assert reports["ios"].status == "ok" and reports["ios"].new == 30
    assert reports["ios"].requests == 2  # the 500, then the page
    assert reports["slow"].status == "error"
    assert "timed out after 0.3 s (GET 127.0.0.1" in reports["slow"].error
    assert "gave up after 1 attempt" in reports["slow"].error
    assert "not an RSS or Atom feed (text/html" in reports["alerts"].error
    assert "secret 'tp-secret' is not set" in reports["tp"].error
    assert "REPLYDESK_SECRET_TP_SECRET" in reports["tp"].error
    assert reports["off"].status == "skipped"
    # reports are stored for `replydesk sources` and the TUI
    rows = {r.name: r for r in source_rows(ws)}
    assert rows["ios"].reviews == 30 and rows["ios"].status == "ok"
    assert "timed out" in rows["slow"].report["error"]
    assert rows["off"].last_sync == "never"


def test_retry_after_is_honoured_then_succeeds(server, tmp_path, db_at):
    AppStoreFeed(server, {"us": items(3)})
    server.script(
        Scripted(429, {"Retry-After": "1"}, {"error": "slow down"}, path="/us/"),
        Scripted(503, {}, "maintenance", path="/us/"),
    )
    ws = workspace_with(
        tmp_path,
        f"""
[[sources]]
name = "ios"
kind = "appstore_rss"
app_id = "1"
pages = 1
base_url = "{server.url}"
""",
        db=db_at("ws.db"),
    )
    (report,) = sync(ws)
    assert (report.status, report.new, report.requests) == ("ok", 3, 3)


def test_a_retry_after_beyond_reason_fails_fast_with_the_wait(server, tmp_path, db_at):
    server.script(Scripted(429, {"Retry-After": "3600"}, {}, path="/us/"))
    ws = workspace_with(
        tmp_path,
        f"""
[[sources]]
name = "ios"
kind = "appstore_rss"
app_id = "1"
base_url = "{server.url}"
""",
        db=db_at("ws.db"),
    )
    (report,) = sync(ws)
    assert report.status == "error" and report.requests == 1
    assert "asks to wait 3600 s" in report.error


def test_failed_sync_keeps_the_cursor_so_nothing_is_missed(server, tmp_path, db_at):
    feed = AppStoreFeed(server, {"us": items(5)})
    ws = workspace_with(
        tmp_path,
        f"""
[[sources]]
name = "ios"
kind = "appstore_rss"
app_id = "1"
pages = 1
base_url = "{server.url}"
retries = 0
""",
        db=db_at("ws.db"),
    )
    assert sync(ws)[0].new == 5
    feed.by_country["us"].insert(0, Item("late", -30))
    server.script(Scripted(500, {}, "down", path="/us/"))
    assert sync(ws)[0].status == "error"
    assert sync(ws)[0].new == 1


def test_cli_sync_prints_each_source_and_exits_1_when_one_failed(server, tmp_path, capsys, db_at):
    AppStoreFeed(server, {"us": items(4)})
    server.route("GET", "/slow")(
        lambda req: (200, {}, {"items": [{"id": "a", "text": "x"}, {"text": "no id"}]})
    )
    server.route("GET", "/ok-feed")(lambda req: (200, {}, "not xml"))
    ws = four_sources(server, tmp_path, db=db_at("ws.db"))
    ws.close()
    args = ["--config", str(tmp_path / "config.toml"), "--db", db_arg(db_at("ws.db"))]
    assert cli.main([*args, "sync"]) == 1
    out = capsys.readouterr().out
    assert "ios" in out and "4 new" in out
    assert "slow" in out and "partial" in out and "1 malformed skipped" in out
    assert "ERROR" in out
    assert cli.main([*args, "sync", "--source", "ios"]) == 0
    assert cli.main([*args, "sync", "--source", "nope"]) == 2
    assert "no source named nope" in capsys.readouterr().err
    assert cli.main([*args, "sources"]) == 0
    out = capsys.readouterr().out
    assert "appstore_rss" in out and "ok" in out and "never synced" in out


def test_secrets_never_reach_the_database_errors_or_exports(server, tmp_path):
    api = TrustpilotApi(server, items(3), api_secret="right-secret-value")
    secrets.set("tp-key", "key-4c1d")
    secrets.set("tp-secret", "wrong-secret-value")
    ws = workspace_with(
        tmp_path,
        f"""
[[sources]]
name = "tp"
kind = "trustpilot"
business_unit_id = "bu1"
api_key_secret = "tp-key"
api_secret_secret = "tp-secret"
base_url = "{server.url}"
""",
    )
    (bad,) = sync(ws)
    assert bad.status == "error" and "wrong-secret-value" not in bad.error
    secrets.set("tp-secret", "right-secret-value")
    (good,) = sync(ws)
    assert good.new == 3
    out = io.StringIO()
    write(ws, out)
    db_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("ws.db*"))
    for value in ("right-secret-value", "wrong-secret-value", api.issued[0]):
        assert value not in out.getvalue()
        assert value.encode() not in db_bytes


def test_env_secret_overrides_the_keyring():
    secrets.set("api", "from-keyring")
    assert secrets.get("api") == "from-keyring"
    import os

    os.environ["REPLYDESK_SECRET_API"] = "from-env"
    try:
        assert secrets.get("api") == "from-env"
    finally:
        del os.environ["REPLYDESK_SECRET_API"]


def test_no_keyring_backend_names_both_fixes(capsys, monkeypatch):
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(secrets.SecretError) as info:
        secrets.get("trustpilot-key")
    message = str(info.value)
    assert "REPLYDESK_SECRET_TRUSTPILOT_KEY" in message and "keyrings.alt" in message
    monkeypatch.setattr("sys.stdin", io.StringIO("value\n"))
    assert cli.main(["secret", "set", "x"]) == 2
    assert "PYTHON_KEYRING_BACKEND" in capsys.readouterr().err


def test_secret_set_from_stdin(monkeypatch, capsys, file_keyring):
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    assert cli.main(["secret", "set", "shop-token"]) == 0
    assert "s3cret" not in capsys.readouterr().out
    assert keyring.get_password("replydesk", "shop-token") == "s3cret"
    with open(file_keyring.file_path) as fh:
        assert "[replydesk]" in fh.read()  # really in the file
