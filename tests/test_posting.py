"""`replydesk post`: only approved replies, platform limits first, and exactly once even
when a run is killed between sending and confirming."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from conftest import db_arg, trustpilot_workspace, workspace_with
from fakes.apis import BusinessApi, GoogleTokens, Item, PlayApi, TrustpilotApi, items
from replydesk import cli, secrets
from replydesk.services.posting import mark_copied, post
from replydesk.services.sync import sync


def service_account_json(server, pem: str) -> str:
    """A Google service-account key file whose tokens come from the loopback fake."""
    return json.dumps(
        {
            "type": "service_account",
            "client_email": "b@x.iam.gserviceaccount.com",
            "private_key": pem,
            "private_key_id": "k",
            "project_id": "p",
            "token_uri": f"{server.url}/token",
        }
    )


def play_ws(server, tmp_path, service_account, reviews, *, db=None, **api_kw):
    pem, public = service_account
    tokens = GoogleTokens(server, public_key=public)
    api = PlayApi(server, tokens, reviews, **api_kw)
    sa = service_account_json(server, pem)
    secrets.set("play-sa", sa)
    ws = workspace_with(
        tmp_path,
        f"""
[[sources]]
name = "play"
kind = "google_play"
package_name = "com.parcelly.app"
service_account_secret = "play-sa"
base_url = "{server.url}"
retries = 0
timeout = 10.0

[[sources]]
name = "file"
kind = "file"
path = "{tmp_path / "in.jsonl"}"
""",
        db=db,
    )
    (tmp_path / "in.jsonl").write_text('{"id": "f1", "body": "Late parcel", "rating": 2}\n')
    sync(ws)
    return ws, api, sa


def approved(ws, source, external_id, text, user="anna"):
    review = ws.store.reviews.by_external(source, external_id)
    draft = ws.store.drafts.add(review.id, text, author="model")
    return ws.store.drafts.approve(draft.id, user)


def test_only_approved_drafts_are_posted_and_limits_come_first(
    server, tmp_path, service_account, db_at
):
    ws, api, _ = play_ws(server, tmp_path, service_account, items(3), db=db_at("ws.db"))
    review = ws.store.reviews.by_external("play", "r0")
    ws.store.drafts.add(review.id, "Sorry! Fixed in 5.2.1.", author="model")  # not approved
    assert post(ws) == []
    long = approved(ws, "play", "r1", "Sorry. " * 60)
    ok = approved(ws, "play", "r2", "Thank you, and sorry: it is fixed in 5.2.1.")
    outcomes = {o.draft_id: o for o in post(ws)}
    assert outcomes[long.id].status == "failed"
    assert (
        "the reply is 420 characters; google_play accepts at most 350" in outcomes[long.id].message
    )
    assert outcomes[ok.id].status == "posted"
    assert api.replies == {"r2": "Thank you, and sorry: it is fixed in 5.2.1."}
    assert ws.store.reviews.by_external("play", "r2").status == "replied"
    assert ws.store.drafts.get(ok.id).state == "posted"
    # posted drafts leave the queue; the one too long stays until it is shortened
    assert [o.draft_id for o in post(ws)] == [long.id]
    assert len(server.requests("POST", ":reply")) == 1


def test_sources_that_cannot_post_are_copied_by_hand(server, tmp_path, service_account, db_at):
    ws, _api, _ = play_ws(server, tmp_path, service_account, items(1), db=db_at("ws.db"))
    draft = approved(ws, "file", "f1", "Sorry about the delay, and thank you.")
    (outcome,) = post(ws)
    assert outcome.status == "copy" and "copy it and mark it copied" in outcome.message
    mark_copied(ws, draft.id)
    review = ws.store.reviews.by_external("file", "f1")
    assert review.status == "replied"
    assert ws.store.replies.for_review(review.id)[0].state == "copied"


def test_google_business_limit_is_in_utf8_bytes(server, tmp_path, db_at):
    tokens = GoogleTokens(server)
    api = BusinessApi(server, tokens, [Item("g1", 1)])
    secrets.set(
        "gbp", json.dumps({"client_id": "c", "client_secret": "s", "refresh_token": "refresh-1"})
    )
    ws = workspace_with(
        tmp_path,
        f"""
[[sources]]
name = "maps"
kind = "google_business"
account = "1"
location = "2"
credentials_secret = "gbp"
token_url = "{server.url}/token"
base_url = "{server.url}"
""",
        db=db_at("ws.db"),
    )
    sync(ws)
    greek = approved(ws, "maps", "g1", "Συγγνώμη " * 250)  # 2,250 characters, 4,250 bytes
    (outcome,) = post(ws)
    assert outcome.status == "failed" and "4250 bytes" in outcome.message
    assert api.replies == {}
    ws.store.drafts.approve(
        ws.store.drafts.add(greek.review_id, "Συγγνώμη, ευχαριστούμε.", author="anna").id, "anna"
    )
    # the shorter version replaces the approved long one: one reply per review is sent
    assert [o.status for o in post(ws)] == ["posted"]
    assert ws.store.drafts.get(greek.id).state == "discarded"


def test_a_kill_between_send_and_confirm_never_posts_twice(
    server, tmp_path, service_account, db_at
):
    ws, api, sa = play_ws(
        server, tmp_path, service_account, items(2), reply_delay=30, db=db_at("ws.db")
    )
    draft = approved(ws, "play", "r0", "Sorry for the crash; 5.2.1 fixes it. Thank you!")
    ws.close()
    env = {**os.environ, "REPLYDESK_SECRET_PLAY_SA": sa}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "replydesk",
            "--config",
            str(tmp_path / "config.toml"),
            "--db",
            db_arg(db_at("ws.db")),
            "post",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while "r0" not in api.replies and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "r0" in api.replies, "the post never reached the server"
    proc.send_signal(signal.SIGKILL)  # the platform has it; we never heard back
    proc.wait(timeout=10)
    api.reply_delay = 0

    again = workspace_with(tmp_path, (tmp_path / "config.toml").read_text(), db=db_at("ws.db"))
    reply = again.store.replies.by_key(f"draft:{draft.id}")
    assert reply.state == "pending"  # the intent was recorded before sending
    (outcome,) = post(again)
    assert outcome.status == "confirmed"
    assert len(server.requests("POST", ":reply")) == 1
    assert again.store.replies.by_key(f"draft:{draft.id}").state == "posted"
    assert post(again) == []


def test_without_a_way_to_ask_the_platform_a_person_checks(server, tmp_path, db_at):
    api = TrustpilotApi(server, items(1))
    ws = trustpilot_workspace(tmp_path, server, db=db_at("ws.db"))
    sync(ws)
    draft = approved(ws, "tp", "r0", "Sorry, and thank you for telling us.")
    review = ws.store.reviews.by_external("tp", "r0")
    dead = "anna@another-box:4242:x"  # an earlier run sent it, then its machine died
    reply, _ = ws.store.replies.lease(
        review.id, draft.id, draft.text, f"draft:{draft.id}", "anna", dead, seconds=60
    )
    assert ws.store.replies.attempt(reply.id, dead, seconds=0)  # sent; its lease lapses
    (outcome,) = post(ws)
    assert outcome.status == "check" and "--resend" in outcome.message
    assert api.replies == {}
    args = ["--config", str(tmp_path / "config.toml"), "--db", db_arg(db_at("ws.db"))]
    ws.close()
    assert cli.main([*args, "post", "--resend", str(draft.id)]) == 0
    assert api.replies == {"r0": "Sorry, and thank you for telling us."}
