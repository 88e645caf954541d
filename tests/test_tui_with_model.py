"""Every TUI action that reaches a service, with a model configured as a user does it
(``REPLYDESK_MODEL`` and ``OPENAI_BASE_URL`` pointing at the loopback OpenAI-compatible
server): draft, revise with a note, approve (the model reads the promises), approve and
post, deliver / undo / withdraw from the board, check trackers, and the CLI's ``promises
watch`` and ``sync`` once a tracker item has shipped. Approving used to crash here with
"asyncio.run() cannot be called from a running event loop"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import TextArea

from fakes.apis import TrustpilotApi, items
from fakes.openai_server import OpenAIServer
from replydesk import cli, secrets
from replydesk.domain.models import DraftKind, DraftState, Promise, PromiseStatus
from replydesk.services import editing, posting, promising
from replydesk.services.sync import sync
from replydesk.services.triaging import triage_pending
from replydesk.services.workspace import Workspace
from replydesk.tui.app import make_app
from replydesk.tui.screens.dialogs import ConfirmPost, ConfirmPromises
from replydesk.tui.screens.editor import EditorScreen
from replydesk.tui.screens.promises import PromisesScreen
from tui_helpers import notifications, screen_text, settle

SIZE = (130, 40)
REPLY = (
    "Kim, I'm sorry about the sync failing, and thank you for telling us. We will fix it in "
    "the next update. Could you tell us your phone model?"
)
SHORTER = "Kim, I'm sorry and thank you. We will fix it in the next update. Which phone is it?"
FOLLOW_UP = (
    "Kim, as promised: the sync is fixed now. Thank you for your patience. Could you check "
    "that all works for you?"
)


def respond(messages: list[dict[str, str]]) -> str:
    system, user = messages[0]["content"], messages[-1]["content"]
    if "commitments a support reply makes" in system:
        return json.dumps(
            {"promises": [{"kind": "fix", "what": "fix the sync", "due_date": "2026-12-20"}]}
        )
    if "is now delivered" in system:
        return FOLLOW_UP
    return SHORTER if "Note from the person reviewing drafts: shorter" in user else REPLY


@pytest.fixture
def setup(server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A workspace as a user has it: a model from the environment, Trustpilot to post to,
    a GitHub tracker; one review synced and triaged."""
    model = OpenAIServer(server, respond)
    monkeypatch.setenv("REPLYDESK_MODEL", "fake-model")
    monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-loopback-2f9c")
    platform = TrustpilotApi(server, items(1))
    secrets.set("tp-key", "key-4c1d")
    secrets.set("tp-secret", "secret-77aa")
    secrets.set("gh-token", "ghp_loopback")
    issue = {"state": "open"}
    server.route("GET", r"/repos/acme/app/issues/812")(
        lambda req: (200, {}, {"state": issue["state"], "html_url": "https://gh/812"})
    )
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[[sources]]
name = "tp"
kind = "trustpilot"
business_unit_id = "bu1"
api_key_secret = "tp-key"
api_secret_secret = "tp-secret"
base_url = "{server.url}"
retries = 0

[[promises.trackers]]
name = "gh"
kind = "github"
url = "{server.url}"
project = "acme/app"
token_secret = "gh-token"
""",
        encoding="utf-8",
    )
    args = ["--config", str(config), "--db", str(tmp_path / "ws.db")]
    ws = Workspace.from_paths(config, tmp_path / "ws.db")
    assert ws.llm is not None, "the environment configures the model"
    sync(ws)
    triage_pending(ws)
    review = ws.store.reviews.by_external("tp", "r0")
    yield ws, review.id, model, platform, issue, args
    ws.close()


def approved_promise(ws: Workspace, review_id: int, tracker: str | None = None) -> Promise:
    """The model's reply approved (the model reads its one promise), linked to a tracker."""
    ws.store.drafts.add(review_id, REPLY, author="model", language="en")
    (promise,) = editing.approve_latest(ws, review_id).promises
    return promising.edit(ws, promise.id, tracker_url=tracker) if tracker else promise


async def open_editor(pilot) -> EditorScreen:
    await pilot.press("slash", *"number 0", "enter")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, EditorScreen)
    return pilot.app.screen


async def test_draft_revise_and_approve_with_a_model(setup):
    ws, review_id, model, _platform, _issue, _args = setup
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert editor.query_one(TextArea).text == REPLY
        drafted = ws.store.drafts.latest(review_id)
        assert (drafted.author, drafted.model, drafted.lint) == ("model", "fake-model", [])
        await pilot.press("ctrl+n", *"shorter", "enter")
        await settle(pilot)
        assert editor.query_one(TextArea).text == SHORTER
        calls = len(model.seen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(model.seen) == calls + 1, "the model read the promises of the reply"
        dialog = app.screen
        assert isinstance(dialog, ConfirmPromises)
        assert [(p.kind, p.what, p.due_date) for p in dialog.promises] == [
            ("fix", "fix the sync", "2026-12-20")
        ]
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, (ConfirmPromises, EditorScreen))
        assert "approved v2" in notifications(app)
    approved = ws.store.drafts.latest(review_id)
    assert (approved.state, approved.text, approved.approved_by) == (
        DraftState.APPROVED,
        SHORTER,
        "tester",
    )
    (promise,) = ws.store.promises.for_review(review_id)
    assert (promise.owner, promise.status) == ("tester", PromiseStatus.OPEN)


async def test_approve_and_post_with_a_model_posts_once(setup):
    ws, review_id, _model, platform, _issue, _args = setup
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPromises)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPost)
        assert platform.replies == {}, "nothing reaches the customer before the last yes"
        await pilot.press("y")
        await settle(pilot)
        assert "posted on tp" in notifications(app)
        assert not isinstance(app.screen, (ConfirmPost, EditorScreen))
    assert platform.replies == {"r0": REPLY}
    assert ws.store.reviews.get(review_id).status == "replied"


async def test_the_board_delivers_undoes_and_withdraws_with_a_model(setup):
    ws, review_id, model, _platform, _issue, _args = setup
    promise = approved_promise(ws, review_id)
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PromisesScreen)
        await pilot.press("d", "y")
        await settle(pilot)
        delivered = ws.store.promises.get(promise.id)
        assert delivered.status == PromiseStatus.DELIVERED
        follow_up = ws.store.drafts.get(delivered.followup_draft_id)
        assert (follow_up.kind, follow_up.author, follow_up.text) == (
            DraftKind.FOLLOWUP,
            "model",
            FOLLOW_UP,
        )
        assert "is now delivered" in model.seen[-1][0]["content"]
        assert "Promise kept" in screen_text(app) or "delivered" in notifications(app)
        await pilot.press("u")
        await settle(pilot)
        reopened = ws.store.promises.get(promise.id)
        assert (reopened.status, reopened.delivered_at, reopened.followup_draft_id) == (
            PromiseStatus.OPEN,
            None,
            None,
        )
        assert ws.store.drafts.get(follow_up.id).state == DraftState.DISCARDED
        await pilot.press("x")
        await settle(pilot)
        assert ws.store.promises.get(promise.id).status == PromiseStatus.WITHDRAWN
        await pilot.press("d")  # a withdrawn promise cannot be delivered: one clear line
        await settle(pilot)
        assert "cannot be delivered" in notifications(app)
    assert ws.store.promises.get(promise.id).status == PromiseStatus.WITHDRAWN


async def test_the_board_checks_trackers_with_a_model(setup):
    ws, review_id, _model, _platform, issue, _args = setup
    promise = approved_promise(ws, review_id, tracker="gh:812")
    issue["state"] = "closed"
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert "1 delivered" in notifications(app)
    delivered = ws.store.promises.get(promise.id)
    assert (delivered.status, delivered.evidence) == (PromiseStatus.DELIVERED, "https://gh/812")
    assert ws.store.drafts.get(delivered.followup_draft_id).text == FOLLOW_UP


def test_promises_watch_and_sync_deliver_a_shipped_item_with_a_model(setup, capsys):
    ws, review_id, _model, _platform, issue, args = setup
    promise = approved_promise(ws, review_id, tracker="gh:812")
    assert cli.main([*args, "promises", "watch"]) == 0
    assert "0 delivered, 1 still open" in capsys.readouterr().out
    issue["state"] = "closed"
    assert cli.main([*args, "sync"]) == 0  # sync checks the trackers after the sources
    out = capsys.readouterr().out
    assert f"promise {promise.id}: delivered" in out and "Traceback" not in out
    delivered = ws.store.promises.get(promise.id)
    assert delivered.status == PromiseStatus.DELIVERED
    assert ws.store.drafts.get(delivered.followup_draft_id).author == "model"
    assert cli.main([*args, "promises", "watch"]) == 0  # nothing left to deliver twice
    assert "0 delivered" in capsys.readouterr().out


async def test_sync_from_the_sources_screen_labels_and_delivers(setup):
    """The sources screen's sync is the CLI's: fetch, label what is new, check trackers."""
    from fakes.apis import Item

    ws, review_id, _model, platform, issue, _args = setup
    promise = approved_promise(ws, review_id, tracker="gh:812")
    platform.reviews.insert(0, Item("r9", minutes_ago=-5, body="Crashes when I open my order 5521"))
    issue["state"] = "closed"
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "1 new" in notifications(app) and "1 promise(s) delivered" in notifications(app)
    new = ws.store.reviews.by_external("tp", "r9")
    assert new is not None and new.label is not None  # triaged by the sync itself
    assert ws.store.promises.get(promise.id).status == PromiseStatus.DELIVERED


async def test_the_follow_up_opens_from_the_board_and_is_approved_like_any_reply(setup):
    ws, review_id, _model, _platform, _issue, _args = setup
    promise = approved_promise(ws, review_id)
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("d", "y")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, EditorScreen)
        assert editor.query_one(TextArea).text == FOLLOW_UP
        await pilot.press("ctrl+s")  # a follow-up makes no new promise: no dialog
        await settle(pilot)
        assert isinstance(app.screen, PromisesScreen)
        follow_up = ws.store.drafts.get(ws.store.promises.get(promise.id).followup_draft_id)
        assert (follow_up.state, follow_up.approved_by) == (DraftState.APPROVED, "tester")
        await pilot.press("u")  # approved but not sent: it must never go out now
        await settle(pilot)
        assert "not sent yet, was withdrawn" in notifications(app)
    assert ws.store.drafts.get(follow_up.id).state == DraftState.DISCARDED
    assert not [o for o in posting.post(ws) if o.draft_id == follow_up.id]
    assert len(ws.store.promises.for_review(review_id)) == 1
