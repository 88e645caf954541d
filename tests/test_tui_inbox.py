"""The first inbox: pilot tests on the demo workspace."""

from __future__ import annotations

from replydesk.tui.app import make_app
from replydesk.tui.widgets.inbox.review_table import ReviewTable
from tui_helpers import screen_text


async def test_inbox_lists_the_demo_and_shows_a_review(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(ReviewTable)
        assert table.row_count == 86
        text = screen_text(app)
        for header in ("Age", "Rating", "Label", "Review"):
            assert header in text  # the rest scroll into view sideways
        assert [str(c.label) for c in table.columns.values()] == [
            "Age", "Rating", "Label", "Review", "Source", "Lang", "Status"]
        assert "Quit" in text and "Search" in text  # bindings in the footer


async def test_markup_and_escapes_in_a_review_render_literally(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("slash", *"widget", "enter")
        await pilot.pause()
        assert app.screen.query_one(ReviewTable).row_count == 1
        text = screen_text(app)
        assert "[bold red]ERROR 503[/]" in text  # markup shown, not applied
        assert "[bold red]ADMIN[/bold red]" in text  # in the author name too
        assert "[link=https://example.com]Click for refund[/link]" in text
        await pilot.press("escape", "slash", *"twice", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert "␛[2J␛[H" in text  # the escape sequence is visible and inert
        assert "\x1b" not in text


async def test_returning_customer_history_and_overdue_promise(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=(140, 50)) as pilot:
        await pilot.press("slash", *"57002", "enter")  # Dmitri's second complaint
        await pilot.pause()
        text = screen_text(app)
        assert "Returning customer" in text
        assert "OVERDUE" in text  # the callback we promised him last time
        assert "Promise (callback)" in text


async def test_label_filter_and_sort_cycle(demo_ws):
    app = make_app(demo_ws)
    counts = demo_ws.store.reviews.label_counts()
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.screen.query_one(ReviewTable)
        for label in ("criticism", "vague", "provocation", "praise"):
            await pilot.press("l")
            await pilot.pause()
            assert table.row_count == counts[label]
            assert f"{label} {counts[label]}" in screen_text(app)
        await pilot.press("l")  # untriaged: none left in the demo
        await pilot.pause()
        assert table.row_count == 0
        assert "No review selected" in screen_text(app)
        await pilot.press("l")  # back to everything
        await pilot.pause()
        assert table.row_count == 86
        await pilot.press("o")
        await pilot.pause()
        assert "sort: oldest" in screen_text(app)
        await pilot.press("q")
    assert app.return_code == 0


async def test_triage_evidence_is_shown_with_the_review(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("slash", *"88310", "enter")  # rude but specific
        await pilot.pause()
        text = screen_text(app)
        assert "Triage: criticism" in text
        assert "hostile: insult" in text or "specific: order or reference id" in text
        assert "“88310-B”" in text


async def test_the_list_grows_as_the_cursor_nears_its_end(ws):
    from replydesk.models import NewReview

    ws.store.reviews.upsert([NewReview("s", str(i), body=f"Sync fails {i}", rating=2)
                             for i in range(300)])
    app = make_app(ws)
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.screen.query_one(ReviewTable)
        assert table.row_count == 120
        assert "300 shown" in screen_text(app)
        for _ in range(4):
            await pilot.press("pagedown")
        await pilot.pause()
        assert table.row_count == 240
        for _ in range(8):
            await pilot.press("pagedown")
            await pilot.pause()
        assert table.row_count == 300 and table.cursor_row == 299
        assert len(set(table.rows)) == 300  # no review twice
