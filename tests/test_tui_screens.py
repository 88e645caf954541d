"""Promises board, sources, stats, help, command palette and the batch in the inbox."""

from __future__ import annotations

import asyncio

from conftest import workspace_with
from replydesk.domain.models import NewReview
from replydesk.services.triaging import triage_pending
from replydesk.tui.app import make_app
from replydesk.tui.screens.promises import PromisesScreen
from replydesk.tui.screens.sources import SourcesScreen
from replydesk.tui.widgets.inbox.review_list import ReviewList
from tui_helpers import screen_text, settle

SIZE = (130, 40)


async def test_promises_board_deliver_and_link(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PromisesScreen)
        text = screen_text(app)
        assert "3 overdue" in text and "OVERDUE" in text and "⚑" in text
        first = app.screen._current()
        assert first.is_overdue(demo_ws.today().isoformat())  # overdue rows come first
        await pilot.press("t", *"app:812", "enter")  # the edit form, on the tracker field
        await settle(pilot)
        assert demo_ws.store.promises.get(first.id).tracker_url == "app:812"
        await pilot.press("d", "y")  # deliver, after a one-key confirmation
        await settle(pilot)
        delivered = demo_ws.store.promises.get(first.id)
        assert delivered.status == "delivered" and delivered.followup_draft_id
        assert "2 overdue" in screen_text(app)
        await pilot.press("f")  # the follow-up opens in the editor
        await settle(pilot)
        assert type(app.screen).__name__ == "EditorScreen"
        assert "as promised" in app.screen.query_one("TextArea").text


async def test_sources_screen_syncs_in_a_worker(server, tmp_path):
    atom = (
        "<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>a</title>"
        "<entry><id>e1</id><title>Parcelly crash</title><link href='https://b/1'/>"
        "<updated>2026-11-20T07:00:00Z</updated><summary>Crash on login</summary>"
        "</entry></feed>"
    )
    server.route("GET", "/feed")(lambda req: (200, {"Content-Type": "application/atom+xml"}, atom))
    ws = workspace_with(
        tmp_path, f'[[sources]]\nname = "alerts"\nkind = "feed"\nurl = "{server.url}/feed"\n'
    )
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SourcesScreen)
        assert "never synced" in screen_text(app)
        await pilot.press("y")
        for _ in range(50):
            await pilot.pause(0.1)
            if ws.store.reviews.count():
                break
        await pilot.pause(0.2)
        assert ws.store.reviews.count() == 1
        text = screen_text(app)
        assert "1 new, 0 updated" in text and "ok" in text


async def test_stats_help_and_palette(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await settle(pilot)
        text = screen_text(app)
        assert "kept 50%" in text and "Triage mix" in text and "criticism" in text
        assert "by product:" in text and "by owner:" in text  # each promise counted once
        assert "on time," in text and "overdue, " in text
        await pilot.press("escape", "question_mark")
        await settle(pilot)
        help_text = screen_text(app)
        assert "Draft all" in help_text and "Search" in help_text
        whole = str(app.screen.query_one("Static").render())
        assert "? " in whole and "unsure: the machine's label is a guess" in whole  # symbols
        assert "the model doubts this promise" not in whole  # the board's, not the inbox's
        await pilot.press("escape")
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in ("Promises", "Sources", "Stats", "Help", "Draft all", "Search"):
            assert wanted in titles


async def test_draft_all_runs_while_the_inbox_stays_usable(tmp_path):
    ws = workspace_with(tmp_path, "")
    ws.store.reviews.upsert(
        [
            NewReview(
                "s", str(i), body=f"The app crashes on login, v5.{i}", rating=1, language="en"
            )
            for i in range(30)
        ]
    )
    triage_pending(ws)
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+d")
        await pilot.press("down", "down")  # still navigable meanwhile
        for _ in range(100):
            await asyncio.sleep(0.05)
            if not app.screen.query_one("#batch").display:
                break
        await settle(pilot)
        assert app.screen.query_one(ReviewList).cursor_index >= 1
        assert any("30 drafted" in str(n.message) for n in app._notifications)
    assert all(ws.store.drafts.latest(r.id) for r in ws.store.reviews.list())


async def test_filters_by_source_language_status_and_the_audit_log(demo_ws):
    from replydesk.domain.models import ReviewFilter

    app = make_app(demo_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ReviewList)
        await pilot.press("S")  # first source alphabetically
        await settle(pilot)
        first_source = demo_ws.store.reviews.facets()["source"][0]
        assert table.row_count == demo_ws.store.reviews.count(ReviewFilter(source=first_source))
        assert f"src {first_source}" in screen_text(app)
        await pilot.press("L")
        await settle(pilot)
        lang = demo_ws.store.reviews.facets()["language"][0]
        assert table.row_count == demo_ws.store.reviews.count(
            ReviewFilter(source=first_source, language=lang)
        )
        await pilot.press("escape", "u", "u")  # clear, then status: drafted
        await settle(pilot)
        assert table.row_count == demo_ws.store.reviews.count(ReviewFilter(status="drafted"))
        await pilot.press("a")
        await settle(pilot)
        text = screen_text(app)
        assert "delivered" in text and "posted to" in text  # in words, not action names
