"""The draft editor, driven by Textual's pilot: lint display, approve (and next), copy,
claims between two app instances on one database, streaming and cancelling."""

from __future__ import annotations

import asyncio

from textual.widgets import TextArea

from conftest import trustpilot_workspace, workspace_with
from fakes.openai_server import OpenAIServer
from replydesk.domain.models import NewReview
from replydesk.services.triaging import triage_pending
from replydesk.services.workspace import Workspace
from replydesk.tui.app import make_app
from replydesk.tui.screens.dialogs import ConfirmPost, ConfirmPromises
from replydesk.tui.screens.editor import EditorScreen
from tui_helpers import screen_text, settle

SIZE = (130, 40)


async def open_editor(pilot, search: str) -> EditorScreen:
    await pilot.press("slash", *search, "enter")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, EditorScreen)
    return screen


async def test_lint_shows_inline_and_approval_needs_a_second_press(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot, "88310")
        assert "follows the house style" in screen_text(app)
        area = editor.query_one(TextArea)
        area.load_text("As per company policy we cannot help.")
        await pilot.pause(0.4)
        text = screen_text(app)
        assert "W2" in text and "hides behind company policy" in text and "fix:" in text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)  # refused: still editing
        review_id = editor.review_id
        assert demo_ws.store.drafts.latest(review_id).state == "draft"
        await pilot.press("ctrl+s")  # a second press approves it anyway, on purpose
        await settle(pilot)
        assert not isinstance(app.screen, EditorScreen)
    approved = demo_ws.store.drafts.latest(review_id)
    assert (approved.state, approved.author, approved.approved_by) == (
        "approved",
        "tester",
        "tester",
    )
    assert approved.text == "As per company policy we cannot help."


async def test_approve_and_next_then_copy(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot, "courier")
        first = editor.review_id
        await pilot.press("ctrl+j")
        await settle(pilot)
        nxt = app.screen
        assert isinstance(nxt, EditorScreen) and nxt.review_id != first
        assert demo_ws.store.drafts.latest(first).state == "approved"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPromises)  # its draft offers a bonus
        assert "bonus" in screen_text(app) and "this reply makes promises" in screen_text(app)
        await pilot.press("enter")  # confirmed as read
        await settle(pilot)
        await pilot.press("enter")  # reopen the approved one and copy it
        await settle(pilot)
        await pilot.press("ctrl+b")
        await settle(pilot)
        reopened = app.screen
        assert app.clipboard == reopened.query_one(TextArea).text
    replies = demo_ws.store.replies.for_review(reopened.review_id)
    assert replies and replies[-1].state == "copied"
    assert demo_ws.store.reviews.get(reopened.review_id).status == "replied"


async def test_two_people_one_database_claims(demo_ws, tmp_path):
    other = Workspace.open(demo_ws.config, db=demo_ws.store.path, user="ben")
    anna, ben = make_app(demo_ws), make_app(other)
    async with anna.run_test(size=SIZE) as a_pilot, ben.run_test(size=SIZE) as b_pilot:
        a_editor = await open_editor(a_pilot, "88310")
        b_editor = await open_editor(b_pilot, "88310")
        assert not a_editor.read_only and b_editor.read_only
        assert "tester is working on this review" in screen_text(ben)
        await b_pilot.press("ctrl+s", "ctrl+s")
        await b_pilot.pause()
        assert demo_ws.store.drafts.latest(b_editor.review_id).state == "draft"
        assert any("you cannot approve" in str(n.message) for n in ben._notifications)
        await b_pilot.press("escape")
        await b_pilot.pause()
        await b_pilot.press("escape")  # clear the search: the claim shows in the list
        await b_pilot.pause()
        from replydesk.tui.widgets.inbox.review_list import ReviewList

        listed = ben.screen.query_one(ReviewList)
        held = {r.id: r.claimed_by for r in listed.reviews()}
        assert held[b_editor.review_id] == "tester"
        listed.move_to([r.id for r in listed.reviews()].index(b_editor.review_id))
        await b_pilot.pause()
        assert "● tester" in screen_text(ben)
        await a_pilot.press("ctrl+s")
        await a_pilot.pause()
    assert demo_ws.store.drafts.latest(a_editor.review_id).approved_by == "tester"
    assert demo_ws.store.claims.holder(a_editor.review_id) is None  # released on approve
    other.close()


def llm_workspace(server, tmp_path, delay: float) -> tuple[Workspace, OpenAIServer]:
    reply = (
        "I'm sorry the app crashes, and thank you for telling us. We are looking into it. "
        "Could you send us your app version?"
    )
    api = OpenAIServer(server, lambda m: reply, chunk_delay=delay)
    ws = workspace_with(
        tmp_path, f'[llm]\nbase_url = "{api.base_url}"\nmodel = "m"\nmax_retries = 0\n'
    )
    ws.store.reviews.upsert(
        [
            NewReview(
                "s",
                "r1",
                body="The app crashes on login since 5.2.0",
                rating=1,
                language="en",
                author="Kim",
            )
        ]
    )
    triage_pending(ws)
    return ws, api


async def some_text_arrived(editor: EditorScreen) -> TextArea:
    """The editor's text area once a model's first words have streamed in."""
    area = editor.query_one(TextArea)
    for _ in range(100):
        await asyncio.sleep(0.05)
        if len(area.text) > 20:
            break
    return area


async def test_tokens_stream_in_and_esc_keeps_the_partial_text(server, tmp_path):
    ws, _api = llm_workspace(server, tmp_path, delay=0.05)
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot, "crashes")
        await pilot.press("ctrl+g")
        area = await some_text_arrived(editor)
        assert 20 < len(area.text) < 120  # arriving piece by piece
        await pilot.press("escape")
        await pilot.pause(0.3)
        kept = area.text
        assert kept and isinstance(app.screen, EditorScreen)
        assert "stopped; the partial text is kept" in screen_text(app)
        await pilot.pause(0.5)
        assert area.text == kept  # nothing more arrives after Esc
        assert ws.store.drafts.latest(editor.review_id) is None  # nothing stored


async def test_regenerate_with_a_note(server, tmp_path):
    ws, api = llm_workspace(server, tmp_path, delay=0)
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot, "crashes")
        await pilot.press("ctrl+n", *"shorter", "enter")
        for _ in range(50):
            await pilot.pause(0.1)
            if ws.store.drafts.latest(editor.review_id):
                break
        assert "Note from the person reviewing drafts: shorter" in api.seen[-1][1]["content"]
        assert editor.query_one(TextArea).text.startswith("I'm sorry")


async def test_promises_in_an_approved_reply_are_confirmed_corrected_or_withdrawn(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot, "88310")
        editor.query_one(TextArea).load_text(
            "Kevin, I'm sorry the courier left your parcel at the wrong door. We will call "
            "you tomorrow. We will fix the photo check for deliveries in the next update.\n"
            "— the Parcelly team"
        )
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        if not isinstance(app.screen, ConfirmPromises):  # a house-style finding: on purpose
            await pilot.press("ctrl+s")
            await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmPromises) and len(dialog.promises) == 2
        assert "callback" in screen_text(app)
        first, second = dialog.promises
        await pilot.press("w")  # the first one is not a promise after all
        await settle(pilot)
        assert [p.id for p in dialog.promises] == [second.id]
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("tab", "ctrl+u", *"next week", "enter")
        await settle(pilot)
        assert "write YYYY-MM-DD" in " ".join(str(n.message) for n in app._notifications)
        await pilot.press("ctrl+u", *"2026-12-24", "enter")  # a person's date wins
        await settle(pilot)
        assert "2026-12-24" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, (ConfirmPromises, EditorScreen))
    store = demo_ws.store.promises
    assert store.get(first.id).status == "withdrawn"
    assert (store.get(second.id).status, store.get(second.id).due_date) == ("open", "2026-12-24")
    actions = [(e.user, e.action) for e in demo_ws.store.events.recent(limit=5)]
    assert ("tester", "promise.update") in actions


async def test_last_look_adds_a_missed_promise_and_puts_a_withdrawn_one_back(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot, "88310")
        editor.query_one(TextArea).load_text(
            "Kevin, I'm sorry the courier left your parcel at the wrong door. We will call "
            "you tomorrow. Your voucher is on its way too.\n— the Parcelly team"
        )
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        if not isinstance(app.screen, ConfirmPromises):
            await pilot.press("ctrl+s")
            await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmPromises) and len(dialog.promises) == 1
        callback = dialog.promises[0]
        assert "n: one we missed" in screen_text(app)
        await pilot.press("w")  # withdrawn by mistake...
        await settle(pilot)
        assert dialog.promises == [] and isinstance(app.screen, ConfirmPromises)
        await pilot.press("u")  # ...and put back
        await settle(pilot)
        assert [p.id for p in dialog.promises] == [callback.id]
        await pilot.press("u")  # nothing more to put back: said, nothing changes
        await settle(pilot)
        assert "nothing withdrawn here" in " ".join(str(n.message) for n in app._notifications)
        await pilot.press("n")  # the voucher: the rules read it as no promise
        await settle(pilot)
        assert type(app.screen).__name__ == "AddPromise"
        await pilot.press(*"send the voucher", "tab", *"gift", "enter")
        await settle(pilot)
        assert "kind 'gift'" in " ".join(str(n.message) for n in app._notifications)
        assert type(app.screen).__name__ == "AddPromise"  # still open, nothing lost
        await pilot.press("ctrl+u", *"bonus", "tab", *"2026-12-05", "enter")
        await settle(pilot)
        assert app.screen is dialog and len(dialog.promises) == 2
        assert "send the voucher" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmPromises)
    store = demo_ws.store.promises
    assert store.get(callback.id).status == "open"
    added = [p for p in store.for_review(callback.review_id) if p.origin == "person"]
    assert [(p.what, p.kind, p.due_date, p.owner) for p in added] == [
        ("send the voucher", "bonus", "2026-12-05", "tester")
    ]
    actions = [e.action for e in demo_ws.store.events.recent(limit=8)]
    assert "promise.undo" in actions and "promise.add" in actions


async def test_approve_and_post_only_after_a_yes(server, tmp_path):
    from fakes.apis import TrustpilotApi, items
    from replydesk.services.drafting import draft
    from replydesk.services.sync import sync

    api = TrustpilotApi(server, items(1))
    (tmp_path / "in.jsonl").write_text('{"id": "f1", "body": "Late parcel", "rating": 2}\n')
    ws = trustpilot_workspace(
        tmp_path,
        server,
        extra=f"""
[[sources]]
name = "file"
kind = "file"
path = "{tmp_path / "in.jsonl"}"
""",
    )
    sync(ws)
    triage_pending(ws)
    draft(ws)  # the offline composer: drafts in the house style
    review = ws.store.reviews.by_external("tp", "r0")
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, "number 0")
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPost)
        text = screen_text(app)
        assert "Post this reply publicly on tp (trustpilot)" in text
        assert "cannot be taken back" in text
        await pilot.press("n")  # approved, but not posted
        await settle(pilot)
        assert api.replies == {}
        assert ws.store.drafts.latest(review.id).state == "approved"
        await open_editor(pilot, "number 0")
        await pilot.press("ctrl+t")
        await settle(pilot)
        await pilot.press("y")
        for _ in range(100):
            if not isinstance(app.screen, (ConfirmPost, EditorScreen)):
                break
            await asyncio.sleep(0.05)
        await settle(pilot)
        assert "posted on tp" in " ".join(str(n.message) for n in app._notifications)
        await open_editor(pilot, "Late parcel")  # a file: nowhere to post it
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmPost)
        assert "copy it and post it by hand" in " ".join(str(n.message) for n in app._notifications)
    assert api.replies == {"r0": ws.store.drafts.latest(review.id).text}
    (reply,) = ws.store.replies.for_review(review.id)
    assert (reply.state, reply.by_user) == ("posted", ws.user)
    assert ws.store.reviews.get(review.id).status == "replied"
    ws.close()


async def test_the_editor_shows_what_was_given_and_says_when_a_note_cannot_be_used(demo_ws):
    """Offline, a note for the next draft is not silently dropped: the editor says the
    composer cannot read it. What the reviewer gave (the order number) is shown above."""
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        editor = await open_editor(pilot, "88310")
        text = screen_text(app)
        assert "Already given:" in text and "order 88310-B" in text
        draft = editor.query_one(TextArea).text
        assert "order number" not in draft.lower()  # given already: never asked again
        await pilot.press("ctrl+n", *"shorter please", "enter")
        for _ in range(50):
            await pilot.pause(0.1)
            if "cannot read notes" in " ".join(str(n.message) for n in app._notifications):
                break
        said = " ".join(str(n.message) for n in app._notifications)
        assert "offline composer cannot read notes" in said


async def test_approving_while_the_draft_is_still_arriving_is_refused(server, tmp_path):
    """Ctrl+S while the model's words still stream in would approve a half-written text
    as the person's own version: it is refused with a word, and nothing is approved."""
    ws, _api = llm_workspace(server, tmp_path, delay=0.05)
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot, "crashes")
        await pilot.press("ctrl+g")
        await some_text_arrived(editor)
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        said = " ".join(str(n.message) for n in app._notifications)
        assert "still being written" in said
        for _ in range(100):  # let it finish: then it can be approved as the model's
            await asyncio.sleep(0.05)
            if "draft v1 by" in screen_text(app):
                break
        await pilot.press("ctrl+s")
        await settle(pilot)
    approved = [d for d in ws.store.drafts.for_review(editor.review_id) if d.state == "approved"]
    assert [(d.version, d.author) for d in approved] == [(1, "model")]
