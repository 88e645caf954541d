"""Nothing reaches a customer twice: a reply POST is never retried blindly. After a lost
answer the platform is asked what it has; concurrent runs lease each reply to one sender;
what cannot be known is shown as unknown, never sent again silently."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import pytest

from conftest import db_arg, trustpilot_workspace
from fakes.apis import Item, TrustpilotApi, items
from replydesk import cli
from replydesk.domain.models import ReplyState, ReviewFilter
from replydesk.services.posting import PostStatus, post
from replydesk.services.sync import sync
from test_posting import approved, play_ws

TEXT = "Sorry about the crash, and thank you for telling us. Which phone is it?"


def play_posts(server) -> Counter[str]:
    return Counter(r.path.rsplit("/", 1)[1] for r in server.requests("POST", ":reply"))


@pytest.mark.parametrize("failure", ["drop", "503", "slow"])
def test_a_lost_answer_is_reconciled_not_resent(server, tmp_path, service_account, failure, db_at):
    ws, api, _sa = play_ws(server, tmp_path, service_account, [Item("g1", 5)], db=db_at("ws.db"))
    if failure == "slow":  # the platform answers after the client stopped waiting
        cfg = tmp_path / "config.toml"
        cfg.write_text(cfg.read_text().replace("timeout = 10.0", "timeout = 1.0"))
        from conftest import workspace_with

        ws = workspace_with(tmp_path, cfg.read_text(), db=db_at("ws.db"))
    draft = approved(ws, "play", "g1", TEXT)
    api.after_store.append(failure)
    (outcome,) = post(ws)
    assert outcome.status == PostStatus.CONFIRMED, outcome.message
    assert play_posts(server) == {"g1:reply": 1}  # stored once, asked once, not resent
    assert api.replies == {"g1": TEXT}
    reply = ws.store.replies.by_key(f"draft:{draft.id}")
    assert (reply.state, reply.attempts, reply.lease_by) == (ReplyState.POSTED, 1, None)
    assert post(ws) == []  # nothing left to send


def test_a_platform_that_cannot_be_asked_leaves_it_to_a_person(server, tmp_path, capsys, db_at):
    api = TrustpilotApi(server, items(1))
    ws = trustpilot_workspace(tmp_path, server, db=db_at("ws.db"))
    sync(ws)
    draft = approved(ws, "tp", "r0", TEXT)
    api.after_store.append("503")
    (outcome,) = post(ws)
    assert outcome.status == PostStatus.CHECK and "unknown" in outcome.message
    assert "--resend" in outcome.message
    (again,) = post(ws)  # a rerun does not send it a second time either
    assert again.status == PostStatus.CHECK
    assert len(server.requests("POST", "/reply")) == 1
    args = ["--config", str(tmp_path / "config.toml"), "--db", db_arg(db_at("ws.db"))]
    ws.close()
    assert cli.main([*args, "post"]) == 1
    assert "unknown: check the review's page" in capsys.readouterr().out
    assert len(server.requests("POST", "/reply")) == 1
    # the person looked: the platform has it (the fake stored it); nothing more to do.
    # had it been missing, --resend sends it once:
    api.replies.clear()
    assert cli.main([*args, "post", "--resend", str(draft.id)]) == 0
    assert len(server.requests("POST", "/reply")) == 2 and api.replies == {"r0": TEXT}


def test_a_refusal_is_not_ambiguous_and_the_next_run_sends_it(server, tmp_path, db_at):
    api = TrustpilotApi(server, items(1))
    ws = trustpilot_workspace(tmp_path, server, db=db_at("ws.db"))
    sync(ws)
    draft = approved(ws, "tp", "r0", TEXT)
    api.revoked.update(api.issued)  # the token is refused (401), nothing is stored
    original = api.api_secret
    api.api_secret = "rotated"  # credentials out of date: the token endpoint refuses
    (outcome,) = post(ws)
    assert outcome.status == PostStatus.FAILED and "401" in outcome.message
    reply = ws.store.replies.by_key(f"draft:{draft.id}")
    assert (reply.state, reply.lease_by) == (ReplyState.FAILED, None)
    api.api_secret = original
    (outcome,) = post(ws)
    assert outcome.status == PostStatus.POSTED
    assert api.replies == {"r0": TEXT}


def test_mark_copied_twice_records_one_reply(server, tmp_path, capsys, db_at):
    TrustpilotApi(server, items(1))
    ws = trustpilot_workspace(tmp_path, server, db=db_at("ws.db"))
    sync(ws)
    draft = approved(ws, "tp", "r0", TEXT)
    review_id = draft.review_id
    ws.close()
    args = ["--config", str(tmp_path / "config.toml"), "--db", db_arg(db_at("ws.db"))]
    assert cli.main([*args, "post", "--mark-copied", str(draft.id)]) == 0
    assert cli.main([*args, "post", "--mark-copied", str(draft.id)]) == 0
    ws = trustpilot_workspace(tmp_path, server, db=db_at("ws.db"))
    assert len(ws.store.replies.for_review(review_id)) == 1


def test_eight_runs_at_once_post_each_reply_once(server, tmp_path, service_account, db_at):
    n = 20
    reviews = [Item(f"g{i}", i) for i in range(n)]
    ws, api, sa = play_ws(server, tmp_path, service_account, reviews, db=db_at("ws.db"))
    api.reply_delay = 0.05  # long enough for the runs to overlap
    for i in range(n):
        approved(ws, "play", f"g{i}", f"{TEXT} ({i})")
    ws.close()
    env = {**os.environ, "REPLYDESK_SECRET_PLAY_SA": sa}
    args = ["--config", str(tmp_path / "config.toml"), "--db", db_arg(db_at("ws.db"))]
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "replydesk", *args, "post"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all("Traceback" not in err for _out, err in outputs), outputs
    assert play_posts(server) == {f"g{i}:reply": 1 for i in range(n)}
    assert len(api.replies) == n
    lines = [
        line for out, _err in outputs for line in out.splitlines() if line.startswith("draft ")
    ]
    sent = [line for line in lines if line.endswith(": posted")]
    assert len(sent) == n  # each sent by one run; the others say busy or already posted
    assert all(": busy:" in line or "already posted" in line for line in lines if line not in sent)
    assert not [line for line in lines if ": check" in line]  # no false alarms


def run_many(args: list[str], n: int, env: dict[str, str] | None = None) -> list[tuple[str, str]]:
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "replydesk", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(n)
    ]
    return [run.communicate(timeout=180) for run in runs]


def test_eight_approvals_at_once_record_one_set_of_promises(tmp_path, db_at):
    from conftest import workspace_with
    from replydesk.domain.models import NewReview

    ws = workspace_with(tmp_path, "", db=db_at("ws.db"))
    ((_, rid),) = ws.store.reviews.upsert([NewReview("s", "r1", body="Crash", rating=1)])
    ws.store.drafts.add(
        rid,
        "Sorry about the crash, and thank you for telling us. We will fix it in the next "
        "update. We will call you back. Which phone is it?",
        author="model",
        language="en",
    )
    ws.close()
    args = ["--config", str(tmp_path / "config.toml"), "--db", db_arg(db_at("ws.db"))]
    outputs = run_many([*args, "approve", str(rid)], 8)
    assert all("Traceback" not in err for _out, err in outputs), outputs
    ws = workspace_with(tmp_path, "", db=db_at("ws.db"))
    promises = ws.store.promises.for_review(rid)
    assert sorted(p.kind for p in promises) == ["callback", "fix"]
    assert {p.owner for p in promises} == {"tester"}
    approvals = [e for e in ws.store.events.recent(200) if e.action == "draft.approve"]
    assert len(approvals) == 1  # one approval; the others found it approved
    ws.close()


def test_four_batches_at_once_draft_each_review_once(server, tmp_path, db_at):
    import time

    from fakes.openai_server import OpenAIServer
    from test_drafting import GOOD, llm_ws

    ws, api = llm_ws(
        server, tmp_path, lambda m: (time.sleep(0.02), GOOD)[1], n=200, db=db_at("ws.db")
    )
    ws.close()
    args = ["--config", str(tmp_path / "config.toml"), "--db", db_arg(db_at("ws.db"))]
    outputs = run_many([*args, "draft", "--all", "--concurrency", "4"], 4)
    assert all("Traceback" not in err for _out, err in outputs), outputs
    assert isinstance(api, OpenAIServer) and len(api.seen) == 200  # paid once per review
    from conftest import workspace_with

    ws = workspace_with(tmp_path, (tmp_path / "config.toml").read_text(), db=db_at("ws.db"))
    for review in ws.store.reviews.list(ReviewFilter(limit=1000)):
        assert len(ws.store.drafts.for_review(review.id)) == 1, review.id
    ws.close()


def test_a_newer_approved_version_replaces_the_older_one(server, tmp_path, service_account, db_at):
    ws, api, _sa = play_ws(server, tmp_path, service_account, [Item("g1", 5)], db=db_at("ws.db"))
    old = approved(ws, "play", "g1", TEXT)
    new = approved(ws, "play", "g1", TEXT + " Thanks again.")
    assert ws.store.drafts.get(old.id).state == "discarded"
    assert [o.draft_id for o in post(ws)] == [new.id]
    assert play_posts(server) == {"g1:reply": 1} and api.replies == {"g1": TEXT + " Thanks again."}


def test_a_draft_withdrawn_after_the_run_listed_it_is_not_sent(
    server, tmp_path, service_account, monkeypatch, db_at
):
    ws, _api, _sa = play_ws(server, tmp_path, service_account, [Item("g1", 5)], db=db_at("ws.db"))
    draft = approved(ws, "play", "g1", TEXT)
    listed = ws.store.drafts.approved()
    ws.store.drafts.discard(draft.id, "ben")  # a colleague withdraws it meanwhile
    monkeypatch.setattr(ws.store.drafts, "approved", lambda: listed)
    (outcome,) = post(ws)
    assert outcome.status == PostStatus.FAILED and "no longer approved" in outcome.message
    assert play_posts(server) == {}


def test_a_run_that_lost_its_lease_changes_nothing(ws):
    from replydesk.domain.models import NewReview

    ((_, rid),) = ws.store.reviews.upsert([NewReview("s", "r1", body="Crash", rating=1)])
    draft = ws.store.drafts.approve(ws.store.drafts.add(rid, TEXT, author="model").id, "anna")
    key = f"draft:{draft.id}"
    a, b = "anna@box:1:a", "ben@box:2:b"
    reply, mine = ws.store.replies.lease(rid, draft.id, TEXT, key, "anna", a, 60)
    assert mine and ws.store.replies.attempt(reply.id, a, 60)
    _, taken = ws.store.replies.lease(
        rid, draft.id, TEXT, key, "ben", b, 60, stale=lambda h: h == a
    )
    assert taken and ws.store.replies.attempt(reply.id, b, 60)
    assert not ws.store.replies.attempt(reply.id, a, 60)  # A may not send any more
    ws.store.replies.unsent(reply.id, a)  # A's late refusal
    ws.store.replies.fail(reply.id, "anna", "refused", a)
    now = ws.store.replies.by_key(key)
    assert (now.lease_by, now.attempts, now.state) == (b, 2, ReplyState.PENDING)


def test_an_unknown_outcome_blocks_copying_and_another_version(server, tmp_path, db_at):
    from replydesk.domain.errors import Conflict
    from replydesk.services import editing, posting

    api = TrustpilotApi(server, items(1))
    ws = trustpilot_workspace(tmp_path, server, db=db_at("ws.db"))
    sync(ws)
    draft = approved(ws, "tp", "r0", TEXT)
    api.after_store.append("503")
    assert post(ws)[0].status == PostStatus.CHECK
    with pytest.raises(Conflict, match="may have been"):
        posting.mark_copied(ws, draft.id)
    other = ws.store.drafts.add(draft.review_id, TEXT + " Again.", author="anna")
    with pytest.raises(Conflict, match="may have reached the platform"):
        editing.approve(ws, draft.review_id, other.text, other)
    assert len(server.requests("POST", "/reply")) == 1


def test_a_failed_read_back_is_unknown_never_no_reply(
    server, tmp_path, service_account, monkeypatch, db_at
):
    from replydesk.domain.errors import SourceError
    from replydesk.sources.google_play import GooglePlay

    def down(self, review):
        raise SourceError("HTTP 500 Internal Server Error from GET play/reviews/g1")

    ws, api, _sa = play_ws(server, tmp_path, service_account, [Item("g1", 5)], db=db_at("ws.db"))
    draft = approved(ws, "play", "g1", TEXT)
    api.after_store.append("503")
    monkeypatch.setattr(GooglePlay, "remote_reply", down)  # the read-back fails too
    (outcome,) = post(ws)
    assert outcome.status == PostStatus.CHECK and "could not ask the platform" in outcome.message
    assert play_posts(server) == {"g1:reply": 1}
    assert ws.store.replies.by_key(f"draft:{draft.id}").state == ReplyState.PENDING
