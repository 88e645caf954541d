"""Guards against stale screens, a colleague acting first, double presses and mistakes:
each is a case a review of the one-door refactor found from outside."""

from __future__ import annotations

import pytest

from conftest import workspace_with
from fakes.openai_server import OpenAIServer
from fakes.server import Scripted
from replydesk.domain.errors import Conflict, IllegalTransition
from replydesk.domain.models import DraftKind, DraftState, NewReview, PromiseStatus
from replydesk.services import editing, posting, promising
from replydesk.services.drafting import DraftStatus, redraft
from replydesk.services.triaging import triage_pending
from replydesk.services.workspace import Workspace
from replydesk.sources.http import where
from replydesk.tui.app import make_app
from tui_helpers import notifications, settle

REPLY = (
    "Kim, I'm sorry about the crash, and thank you for telling us. We will fix it in the "
    "next update. Could you tell us your phone model?"
)


def one_review(ws: Workspace, body: str = "The app crashes on login since 5.2.0") -> int:
    ((_, rid),) = ws.store.reviews.upsert(
        [NewReview("s", "r1", body=body, rating=1, author="Kim", language="en")]
    )
    triage_pending(ws)
    return rid


def test_a_tracker_delivery_a_colleague_made_first_does_not_stop_the_check(server, tmp_path, db_at):
    ws = workspace_with(
        tmp_path,
        f'[[promises.trackers]]\nname = "gh"\nkind = "github"\nurl = "{server.url}"\n'
        'project = "acme/app"\n',
        db=db_at("ws.db"),
    )
    rid = one_review(ws)
    first = ws.store.promises.add(rid, "fix", kind="fix", owner="anna", tracker_url="gh:1")
    second = ws.store.promises.add(rid, "fix 2", kind="fix", owner="anna", tracker_url="gh:2")
    colleague = Workspace.open(ws.config, db=ws.path, user="ben")

    def issue(req):
        if req.match.group(1) == "1":  # Ben delivers it by hand while the check runs
            promising.deliver(colleague, first.id, "by hand")
        return 200, {}, {"state": "closed", "html_url": f"https://gh/{req.match.group(1)}"}

    server.route("GET", r"/repos/acme/app/issues/(\d+)")(issue)
    results = {r.promise_id: r for r in promising.watch(ws)}
    assert results[first.id].status == promising.WatchStatus.OPEN  # left to Ben's delivery
    assert results[second.id].status == promising.WatchStatus.DELIVERED
    assert ws.store.promises.get(first.id).evidence == "by hand"
    followups = [d for d in ws.store.drafts.for_review(rid) if d.kind == DraftKind.FOLLOWUP]
    assert len(followups) == 2  # one per delivery, none twice
    colleague.close()


def test_a_follow_up_cannot_be_approved_once_its_delivery_is_undone(ws):
    rid = one_review(ws)
    p = ws.store.promises.add(rid, "fix the crash", kind="fix", owner="tester")
    done = promising.deliver(ws, p.id)
    stale = done.followup  # what an editor opened before the undo still holds
    promising.undo(ws, p.id)
    with pytest.raises(IllegalTransition, match="discarded now"):
        editing.approve(ws, rid, stale.text, stale)
    assert ws.store.drafts.get(stale.id).state == DraftState.DISCARDED
    assert posting.post(ws) == []


def test_an_approved_follow_up_of_a_broken_promise_is_refused(ws):
    rid = one_review(ws)
    p = ws.store.promises.add(rid, "fix the crash", kind="fix", owner="tester")
    followup = promising.deliver(ws, p.id).followup
    promising.undo(ws, p.id)
    new = ws.store.drafts.add(
        rid, followup.text, author="tester", kind=DraftKind.FOLLOWUP, promise_id=p.id
    )
    with pytest.raises(IllegalTransition, match="that promise is open now"):
        editing.approve(ws, rid, new.text, new)


def test_a_reply_copied_by_hand_is_not_approved_again_nor_recorded_twice(ws):
    rid = one_review(ws)
    draft = ws.store.drafts.add(rid, REPLY, author="model", language="en")
    approved = editing.approve_latest(ws, rid).draft
    posting.mark_copied(ws, approved.id)
    posting.mark_copied(ws, approved.id)  # Ctrl+B twice
    assert len(ws.store.replies.for_review(rid)) == 1
    with pytest.raises(IllegalTransition, match="posted now"):
        editing.approve(ws, rid, REPLY, draft)  # the editor's stale copy
    assert ws.store.drafts.get(draft.id).state == DraftState.POSTED
    assert posting.post(ws) == []


def test_approval_loses_to_a_concurrent_post(ws, monkeypatch):
    rid = one_review(ws)
    draft = ws.store.drafts.add(rid, REPLY, author="model", language="en")
    real = ws.store.drafts.approve

    def posted_meanwhile(draft_id, user):
        ws.store.replies.add(
            rid, REPLY, channel="copy", state="copied", by_user="ben", draft_id=draft_id
        )
        return real(draft_id, user)

    monkeypatch.setattr(ws.store.drafts, "approve", posted_meanwhile)
    with pytest.raises(Conflict, match="changed meanwhile"):
        editing.approve(ws, rid, REPLY, draft)


def test_a_failed_generation_does_not_hide_the_good_draft(server, tmp_path, db_at):
    api = OpenAIServer(server, lambda m: REPLY)
    ws = workspace_with(
        tmp_path,
        f'[llm]\nbase_url = "{api.base_url}"\nmodel = "m"\nmax_retries = 0\n',
        db=db_at("ws.db"),
    )
    rid = one_review(ws)
    good = redraft(ws, rid)
    server.script(Scripted(500, body={"error": "down"}))  # the next answer fails
    assert redraft(ws, rid).status == DraftStatus.FAILED
    current = editing.current_draft(ws, rid)
    assert current is not None and current.id == good.draft_id
    assert editing.approve_latest(ws, rid).draft.id == good.draft_id
    ws.close()


def test_where_a_request_went_never_shows_credentials():
    assert where("https://anna:s3cret@api.example.com:8443/v1/x?token=t") == (
        "api.example.com:8443/v1/x"
    )
    assert where("https://api.example.com/v1/x") == "api.example.com/v1/x"


async def test_a_second_draft_all_while_the_first_runs_is_refused(server, tmp_path, db_at):
    import time

    api = OpenAIServer(server, lambda m: (time.sleep(0.3), REPLY)[1])
    ws = workspace_with(
        tmp_path,
        f'[llm]\nbase_url = "{api.base_url}"\nmodel = "m"\nmax_retries = 0\n',
        db=db_at("ws.db"),
    )
    ws.store.reviews.upsert(
        [
            NewReview("s", f"r{i}", body=f"Crashes on login since 5.2.{i}", rating=1)
            for i in range(4)
        ]
    )
    triage_pending(ws)
    app = make_app(ws)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+d", "ctrl+d")
        await settle(pilot)
        assert "still drafting" in notifications(app)
    for i in range(4):
        review = ws.store.reviews.by_external("s", f"r{i}")
        assert len(ws.store.drafts.for_review(review.id)) == 1  # drafted once, paid once
    assert len(api.seen) == 4
    ws.close()


def test_undo_a_withdrawal_and_the_table_refuses_the_rest(ws):
    rid = one_review(ws)
    p = ws.store.promises.add(rid, "call back", kind="callback", owner="tester")
    promising.withdraw(ws, p.id)
    with pytest.raises(IllegalTransition, match="withdrawn, so it cannot be delivered"):
        promising.deliver(ws, p.id)
    assert promising.undo(ws, p.id).promise.status == PromiseStatus.OPEN
    promising.deliver(ws, p.id)
    for change in (promising.withdraw, promising.mark_broken):
        with pytest.raises(IllegalTransition, match="undo that first"):
            change(ws, p.id)
    with pytest.raises(IllegalTransition, match="nothing to undo"):
        promising.undo(ws, promising.undo(ws, p.id).promise.id)
