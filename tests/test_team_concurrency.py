"""Four processes at once on one store, at every step a person or a cron job runs: each
review is drafted once (the model is paid once), approved once and posted once. On
SQLite (one file) and on PostgreSQL (one server, as hosts share it)."""

from __future__ import annotations

from collections import Counter

from conftest import db_arg, workspace_with
from fakes.apis import GoogleTokens, Item, PlayApi
from fakes.openai_server import OpenAIServer
from replydesk import secrets
from replydesk.services.sync import sync
from replydesk.services.triaging import triage_pending
from test_exactly_once import run_many
from test_posting import service_account_json

N = 24
REPLY = (
    "I'm sorry the sync fails for you, and thank you for telling us. We are looking into "
    "it now. Could you send us your app version?"
)


def four_at_once(args: list[str], env: dict[str, str]) -> list[str]:
    outputs = run_many(args, 4, env)
    for out, err in outputs:
        assert "Traceback" not in err and "unexpected error" not in err, (out, err)
    return [out for out, _err in outputs]


def test_four_processes_draft_approve_and_post_each_review_once(
    server, tmp_path, service_account, db_at, monkeypatch
):
    import os

    pem, public = service_account
    reviews = [
        Item(f"g{i}", 10 + i, rating=1, body=f"App crashes on login since 5.2.{i}, Pixel 8")
        for i in range(N)
    ]
    play = PlayApi(server, GoogleTokens(server, public_key=public), reviews)
    play.reply_delay = 0.02  # the runs overlap
    model = OpenAIServer(server, lambda _messages: REPLY)
    sa = service_account_json(server, pem)
    secrets.set("play-sa", sa)
    where = db_at("team.db")
    ws = workspace_with(
        tmp_path,
        f"""
[llm]
base_url = "{model.base_url}"
model = "fake-model"
max_retries = 0

[[sources]]
name = "play"
kind = "google_play"
package_name = "com.parcelly.app"
service_account_secret = "play-sa"
base_url = "{server.url}"
retries = 0
""",
        db=where,
    )
    sync(ws)
    triage_pending(ws)
    ids = [r.id for r in ws.store.reviews.list()]
    assert {r.label for r in ws.store.reviews.list()} == {"criticism"}
    assert len(ids) == N
    ws.close()
    args = ["--config", str(tmp_path / "config.toml"), "--db", db_arg(where)]
    env = {**os.environ, "REPLYDESK_SECRET_PLAY_SA": sa, "OPENAI_API_KEY": "sk-test"}

    drafted = four_at_once([*args, "draft", "--all", "--concurrency", "2"], env)
    assert len(model.seen) == N, drafted  # each review drafted (and paid for) once
    four_at_once([*args, "approve", *map(str, ids)], env)
    four_at_once([*args, "post"], env)

    ws = workspace_with(tmp_path, (tmp_path / "config.toml").read_text(), db=where)
    approvals = Counter(
        e.review_id for e in ws.store.events.recent(1000) if e.action == "draft.approve"
    )
    assert approvals == {rid: 1 for rid in ids}  # one approval each; the others saw it done
    for rid in ids:
        drafts = ws.store.drafts.for_review(rid)
        assert [d.state for d in drafts] == ["posted"], rid
        assert ws.store.reviews.get(rid).status == "replied"
    posts = Counter(r.path.rsplit("/", 1)[1] for r in server.requests("POST", ":reply"))
    assert posts == {f"g{i}:reply": 1 for i in range(N)}  # one POST per review, no more
    assert len(play.replies) == N
    ws.close()
