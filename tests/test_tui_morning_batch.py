"""The morning batch from the keyboard, at 80x24 and at 200x50: a label changed by hand and
"no reply needed" from the inbox and the editor, picked drafts approved together after
one last look (with and without a model reading the promises), snippets, search matches
marked, Esc asking before edits are lost, empty states, readable key names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import TextArea

from conftest import workspace_with
from fakes.openai_server import OpenAIServer
from replydesk.domain.models import DraftState, NewReview, ReviewStatus
from replydesk.services import editing
from replydesk.services.drafting import draft
from replydesk.services.triaging import triage_pending
from replydesk.services.workspace import Workspace
from replydesk.tui.app import make_app
from replydesk.tui.screens.batch_approve import BatchLastLook
from replydesk.tui.screens.dialogs import Confirm, ConfirmPromises
from replydesk.tui.screens.editor import EditorScreen
from replydesk.tui.screens.help import HelpScreen
from replydesk.tui.screens.inbox import InboxScreen
from replydesk.tui.screens.pickers import LabelPicker, SnippetPicker
from replydesk.tui.widgets import render
from replydesk.tui.widgets.inbox.review_list import ReviewList
from tui_helpers import notifications, screen_text, settle

SIZES = [(80, 24), (200, 50)]
BODIES = [
    "The app crashes when I open the map on my Pixel 7 since 5.2. Please fix it.",
    "Login fails with error 403 after the update to 5.2 on my iPhone 13.",
    "The courier left my parcel 70512 at the wrong door, blue door not white.",
]
SNIPPETS = (
    '[style.snippets]\n"status page" = "You can follow the fix on status.example.com."\n'
    '"call back" = "We can call you back: reply with a time that suits you."\n'
)


def workspace(tmp_path: Path, extra: str = "") -> Workspace:
    ws = workspace_with(tmp_path, extra)
    ws.store.reviews.upsert(
        [
            NewReview("app", f"r{i}", body=b, rating=1, language="en", author=f"Kim {i}")
            for i, b in enumerate(BODIES)
        ]
    )
    triage_pending(ws)
    draft(ws)
    return ws


def ids(ws: Workspace) -> list[int]:
    return [ws.store.reviews.by_external("app", f"r{i}").id for i in range(len(BODIES))]


async def search(pilot, words: str) -> ReviewList:
    await pilot.press("slash", *words, "enter")
    await settle(pilot)
    return pilot.app.screen.query_one(ReviewList)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
async def test_label_and_no_reply_from_the_inbox(tmp_path, size):
    ws = workspace(tmp_path)
    first = ids(ws)[0]
    app = make_app(ws)
    async with app.run_test(size=size) as pilot:
        reviews = await search(pilot, "pixel")
        assert reviews.cursor_review.id == first
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, LabelPicker)
        assert "← now" in screen_text(app) and "provocation" in screen_text(app)
        await pilot.press("escape")  # leaves it as it is
        await settle(pilot)
        assert ws.store.triage.get(first).effective == "criticism"
        await pilot.press("c", "4")  # 4: praise
        await settle(pilot)
        tri = ws.store.triage.get(first)
        assert tri.override_label == "praise" and tri.override_by == ws.user
        assert isinstance(app.screen, InboxScreen)
        await pilot.press("x")
        await settle(pilot)
        assert ws.store.reviews.get(first).status == ReviewStatus.IGNORED
        assert "set aside: no reply needed" in notifications(app)
        assert "set aside" in screen_text(app) and "ignored" in screen_text(app)
        await pilot.press("x")  # takes it back
        await settle(pilot)
        assert ws.store.reviews.get(first).status == ReviewStatus.DRAFTED
    assert any(e.action == "review.no_reply" for e in ws.store.events.recent(50))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
async def test_pick_and_approve_together_after_one_last_look(tmp_path, size):
    ws = workspace(tmp_path)
    a, b, c = ids(ws)
    broken = editing.current_draft(ws, c)  # c's draft breaks the house style (W2)
    editing.save(ws, c, "Our company policy does not allow that.", broken)
    app = make_app(ws)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        reviews = app.screen.query_one(ReviewList)
        for rid in (a, b, c):
            reviews.move_to([r.id for r in reviews.reviews()].index(rid))
            await pilot.press("space")
        await settle(pilot)
        assert reviews.picked == {a, b, c}
        assert "3 picked" in screen_text(app)
        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, BatchLastLook)
        look = screen_text(app)
        assert "Approve 2 of 3 picked replies?" in look
        assert "breaks the house style (" in look or size[1] < 30  # below the fold at 24
        await pilot.press("n")  # not now: nothing approved, the picks stay
        await settle(pilot)
        assert not ws.store.drafts.approved() and reviews.picked == {a, b, c}
        await pilot.press("A", "y")
        await settle(pilot)
        approved = {d.review_id for d in ws.store.drafts.approved()}
        assert approved == {a, b}
        assert reviews.picked == {c}  # the one left stays picked, to fix
        said = notifications(app)
        assert f"#{c}: breaks the house style (" in said and "W2" in said
        assert editing.current_draft(ws, c).state == DraftState.DRAFT


async def test_batch_approval_with_a_model_confirms_every_promise_at_once(
    tmp_path, server, monkeypatch
):
    def respond(messages):
        if "commitments a support reply makes" in messages[0]["content"]:
            return json.dumps({"promises": [{"kind": "fix", "what": "fix it", "due_date": ""}]})
        return "Kim, I'm sorry, and thank you for telling us. We will fix it in the next update."

    model = OpenAIServer(server, respond)
    monkeypatch.setenv("REPLYDESK_MODEL", "fake-model")
    monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-loopback-71")
    ws = workspace(tmp_path, "[llm]\nmax_retries = 0\n")
    a, b, _ = ids(ws)
    app = make_app(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        reviews = app.screen.query_one(ReviewList)
        reviews.picked = {a, b}
        await pilot.press("A", "y")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPromises)  # one look at both reviews' promises
        text = screen_text(app)
        assert f"#{a}" in text and f"#{b}" in text
        await pilot.press("enter")
        await settle(pilot)
    assert {d.review_id for d in ws.store.drafts.approved()} == {a, b}
    assert {p.review_id for p in ws.store.promises.list("open")} == {a, b}
    assert len(model.seen) >= 2  # the model read the promises of each approved reply


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
async def test_editor_snippets_label_no_reply_and_esc_asks(tmp_path, size):
    ws = workspace(tmp_path, SNIPPETS)
    first = ids(ws)[0]
    app = make_app(ws)
    async with app.run_test(size=size) as pilot:
        await search(pilot, "pixel")
        await pilot.press("enter")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, EditorScreen)
        footer = screen_text(app).splitlines()[-1]
        for key in ("^o", "esc", "f1", "^s"):  # the editor's own keys are visible
            assert key in footer, footer
        area = editor.query_one(TextArea)
        before = area.text
        area.move_cursor(area.document.end)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, SnippetPicker)
        await pilot.press("1")
        await settle(pilot)
        assert area.text == before + "You can follow the fix on status.example.com."
        await pilot.press("question_mark")  # types a "?" here; F1 is help
        assert area.text.endswith("?") and not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "Insert a snippet at the cursor" in screen_text(app) or size[1] < 30
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")  # unsaved edits: asks first
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # keeps editing
        await settle(pilot)
        assert app.screen is editor and area.text.endswith("?")
        await pilot.press("f2", "3")  # label: provocation
        await settle(pilot)
        assert ws.store.triage.get(first).override_label == "provocation"
        assert isinstance(app.screen, EditorScreen)
        await pilot.press("escape", "y")  # discards
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert editing.current_draft(ws, first).text == before  # nothing saved
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f3")  # no reply needed: the editor closes
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert ws.store.reviews.get(first).status == ReviewStatus.IGNORED


async def test_snippets_are_per_language_first_and_say_how_to_add_them(tmp_path):
    ws = workspace(
        tmp_path,
        SNIPPETS + '[style.voice.de.snippets]\n"status page" = "Den Stand sehen Sie hier."\n',
    )
    assert editing.snippets(ws, "de") == {
        "status page": "Den Stand sehen Sie hier.",
        "call back": "We can call you back: reply with a time that suits you.",
    }
    assert list(editing.snippets(ws, "en")) == ["status page", "call back"]
    (tmp_path / "bare").mkdir()
    bare = workspace(tmp_path / "bare")
    app = make_app(bare)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        assert "[style.snippets]" in notifications(app)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
async def test_search_matches_are_marked_in_the_list_and_the_review(tmp_path, size):
    ws = workspace(tmp_path)
    app = make_app(ws)
    async with app.run_test(size=size) as pilot:
        reviews = await search(pilot, "COURIER parc")
        assert reviews.row_count == 1 and reviews.highlight == "COURIER parc"
        row = reviews.render_line(2)  # header, heading, then the row
        marked = [s.text for s in row if s.style and s.style.underline]
        assert marked == ["courier", "parc"]  # the words found, as far as they matched
        assert app.screen.query_one("ReviewView").highlight == "COURIER parc"
    body = render.marked("Der Kurier: Straße \x1b[2J [b]parcel[/b]", "strasse parcel")
    underlined = [body.plain[s.start : s.end] for s in body.spans]
    assert underlined == ["Straße", "parcel"] and "␛[2J" in body.plain  # inert, and marked


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
async def test_empty_inbox_and_empty_filter_say_what_to_do(tmp_path, size):
    ws = workspace_with(tmp_path, "")
    app = make_app(ws)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert "No reviews yet" in screen_text(app) and "import FILE" in screen_text(app)
    (tmp_path / "full").mkdir()
    full = workspace(tmp_path / "full")
    app = make_app(full)
    async with app.run_test(size=size) as pilot:
        await search(pilot, "zzzqqq")
        assert "Nothing matches these filters" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert "Nothing matches" not in screen_text(app)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
async def test_help_and_palette_read_like_a_person_wrote_them(demo_ws, size):
    app = make_app(demo_ws)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        inbox_screen = app.screen
        await pilot.press("question_mark")
        await settle(pilot)
        whole = str(app.screen.query_one("Static").render())
        for raw in ("question_mark", "slash", "right_square_bracket", "ctrl+"):
            assert raw not in whole
        assert "space" in whole and "●" in whole  # the pick key and its mark's legend
        await pilot.press("escape")
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(inbox_screen)]
        assert len(titles) == len(set(titles)), titles  # no command twice
        assert "Keys" not in titles and "Help" in titles


async def test_syncing_the_demo_says_its_sources_are_off(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "every source is off: nothing to sync (the demo works offline" in notifications(app)


async def test_side_screens_replace_each_other_so_esc_leads_home(demo_ws):
    from replydesk.tui.screens.stats import DAY_CELLS

    app = make_app(demo_ws)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        for key in ("p", "s", "t"):
            await pilot.press(key)
            await settle(pilot)
        chart = app.screen.query_one("Sparkline")
        if any(chart.data):
            assert chart.size.width == len(chart.data) * DAY_CELLS  # not stretched flat
        else:  # the demo's replies are weeks old: no flat line pretending to be a chart
            assert not chart.display and "no replies in the last 14 days" in screen_text(app)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)


def test_a_batch_approves_only_the_drafts_as_they_were_shown(tmp_path):
    ws = workspace(tmp_path)
    a, b, _ = ids(ws)
    look = editing.candidates(ws, [a, b])
    newer = editing.save(ws, b, "A colleague's new version, never shown.", look[1].draft)
    done = editing.approve_batch(ws, look)
    assert [x.draft.review_id for x in done.approved] == [a]
    assert done.skipped == [(b, "its draft changed since you looked: look again")]
    assert ws.store.drafts.get(newer.id).state == DraftState.DRAFT


def test_set_aside_wins_over_a_late_approval_and_posting(tmp_path):
    from replydesk.domain.errors import Conflict
    from replydesk.services import posting, triaging

    ws = workspace(tmp_path)
    a, b, c = ids(ws)
    shown = editing.current_draft(ws, a)
    ws.store.reviews.set_no_reply(a, True, "colleague")  # between look and approval
    assert ws.store.drafts.approve(shown.id, ws.user) is None  # refused in the transaction
    approved = editing.approve(ws, b, editing.current_draft(ws, b).text, None)
    ws.store.reviews.set_status(b, "ignored")  # however it got there: nothing goes out
    outcome = posting.post(ws, [approved.draft.id])[0]
    assert not outcome.published and "set aside" in outcome.message
    ws.store.claims.claim(c, "ann", 15)
    with pytest.raises(Conflict, match="ann is working on review"):
        triaging.no_reply(ws, c)


async def test_an_old_review_keeps_its_age_unit_even_when_picked(tmp_path):
    from datetime import UTC, datetime

    ws = workspace_with(tmp_path, "")
    ws.store.reviews.upsert(
        [
            NewReview(
                "app", "old", body="The app crashes", rating=1, language="en",
                created_at=datetime(2024, 10, 1, tzinfo=UTC),
            )
        ]
    )  # fmt: skip
    app = make_app(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        reviews = app.screen.query_one(ReviewList)
        unit = reviews._cell("Age", reviews.cursor_review, 5)[0].strip()
        assert unit[-1].isalpha(), unit  # "112w", not "112"
        await pilot.press("space")
        row = "".join(s.text for s in reviews.render_line(2))
        assert row.startswith("●" + " " * (4 - len(unit)) + unit)
