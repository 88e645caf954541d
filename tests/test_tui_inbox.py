"""The first inbox: pilot tests on the demo workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from replydesk.services.triaging import verdicts
from replydesk.tui.app import make_app
from replydesk.tui.widgets.inbox.review_list import ReviewList
from tui_helpers import screen_text, settle


async def test_inbox_lists_the_demo_and_shows_a_review(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        reviews = app.screen.query_one(ReviewList)
        assert reviews.row_count == 86
        text = screen_text(app)
        for header in ("Age", "Stars", "Review", "Source", "Lang", "Status", "Claim"):
            assert header in text  # every column fits beside the review at 120 columns
        counted = sum(r.effective == "criticism" for r in verdicts(demo_ws).values())
        assert counted > 40 and f"criticism {counted} ───" in text  # a heading per label
        assert "Help" in text and "Search" in text  # bindings in the footer
        listed = reviews.reviews()
        assert [r.label for r in listed] == sorted(  # grouped: criticism first, praise last
            (r.label for r in listed), key=["criticism", "vague", "provocation", "praise"].index
        )
        first_vague = next(i for i, r in enumerate(listed) if r.label == "vague")
        await pilot.press("right_square_bracket")  # ]: the next group
        assert reviews.cursor_index == first_vague


async def test_narrow_list_gives_way_to_the_review_text(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Status" in text and "Review" in text
        assert "Source" not in text and "Claim" not in text  # made way for the review text


async def test_markup_and_escapes_in_a_review_render_literally(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("slash", *"widget", "enter")
        await settle(pilot)
        assert app.screen.query_one(ReviewList).row_count == 1
        text = screen_text(app)
        assert "[bold red]ERROR 503[/]" in text  # markup shown, not applied
        assert "[bold red]ADMIN[/bold red]" in text  # in the author name too
        assert "[link=https://example.com]Click for refund[/link]" in text
        await pilot.press("escape", "slash", *"twice", "enter")
        await settle(pilot)
        text = screen_text(app)
        assert "␛[2J␛[H" in text  # the escape sequence is visible and inert
        assert "\x1b" not in text


async def test_returning_customer_history_and_overdue_promise(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=(140, 50)) as pilot:
        await pilot.press("slash", *"57002", "enter")  # Dmitri's second complaint
        await settle(pilot)
        text = screen_text(app)
        assert "Returning customer" in text
        assert "OVERDUE" in text  # the callback we promised him last time
        assert "Promise (callback)" in text


async def test_label_filter_and_sort_cycle(demo_ws):
    app = make_app(demo_ws)
    counts = demo_ws.store.reviews.label_counts()
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.screen.query_one(ReviewList)
        for label in ("criticism", "vague", "provocation", "praise"):  # none is untriaged
            await pilot.press("l")
            await settle(pilot)
            assert table.row_count == counts[label]
            assert f"{label} {counts[label]}" in screen_text(app)
            assert {r.label for r in table.reviews()} == {label}
        await pilot.press("l")  # back to everything
        await settle(pilot)
        assert table.row_count == 86
        await pilot.press("o")
        await settle(pilot)
        assert "shown · oldest" in screen_text(app)
        oldest = [r.created_at for r in table.reviews() if r.label == "criticism"]
        assert oldest == sorted(oldest)  # within its group
        await pilot.press("o")
        await settle(pilot)
        stars = [r.rating or 6 for r in table.reviews() if r.label == "praise"]
        assert stars == sorted(stars)
        await pilot.press("q")
    assert app.return_code == 0


async def test_triage_evidence_is_shown_with_the_review(demo_ws):
    app = make_app(demo_ws)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("slash", *"88310", "enter")  # rude but specific
        await settle(pilot)
        text = screen_text(app)
        assert "Triage: criticism" in text
        assert "hostile: insult" in text or "specific: order or reference id" in text
        assert "“88310-B”" in text


async def test_rows_are_fetched_as_they_scroll_into_view(ws):
    from replydesk.domain.models import NewReview

    ws.store.reviews.upsert(
        [
            NewReview(
                "s",
                str(i),
                body=f"Sync fails {i}",
                rating=2,
                created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
            )
            for i in range(300)
        ]
    )
    app = make_app(ws)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ReviewList)
        assert table.row_count == 300
        assert table.loaded_rows == ReviewList.PAGE  # one page: the rest stays in SQLite
        assert "300 shown" in screen_text(app)
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor_index == 299
        assert table.cursor_review.external_id == "0"  # newest first: the oldest is last
        assert "Sync fails 0" in screen_text(app)
        assert table.loaded_rows == ReviewList.PAGE + 300 % ReviewList.PAGE  # first + last page
        await pilot.press("home", "down", "down")
        assert table.cursor_review.external_id == "297"
        assert len({r.id for r in table.reviews()}) == 300  # no review twice, none lost


async def type_search_and_pause(pilot, words: str) -> None:
    """Type a search as a person does: the words, then a pause before Enter (long enough
    for the look-ahead to have run)."""
    await pilot.press("slash", *words)
    await pilot.pause(0.4)
    await settle(pilot)


async def test_a_search_is_looked_up_while_it_is_typed(demo_ws):
    """Once typing pauses, the store is asked whether the words are a narrow search; on
    Enter the answer is already known (no search index work), and the list is the
    search's."""
    app = make_app(demo_ws)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await type_search_and_pause(pilot, "parcel")
        steps: list[int] = []
        demo_ws.store.db.conn.set_progress_handler(lambda: steps.append(1), 10)
        assert demo_ws.store.reviews.is_narrow("parcel")  # from memory: no step taken
        demo_ws.store.db.conn.set_progress_handler(None, 0)
        assert steps == []
        await pilot.press("enter")
        await settle(pilot)
        listed = app.screen.query_one(ReviewList).reviews()
        assert listed and all("parcel" in (r.title + r.body).lower() for r in listed)


async def test_a_broad_search_has_its_first_screen_ready_when_enter_comes(demo_ws, monkeypatch):
    """A broad search's first screenful is found while its words are typed; Enter shows
    it (the same rows a fresh look finds), and a changed search is never shown stale."""
    from replydesk.services import inbox
    from replydesk.store import reviews as reviews_store

    monkeypatch.setattr(reviews_store, "NARROW_SEARCH", 1)  # every search is broad here
    app = make_app(demo_ws)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await type_search_and_pause(pilot, "parcel")
        ahead = app.screen._ahead
        assert ahead is not None and ahead[0].search == "parcel"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen._ahead is None  # used once
        shown = [r.id for r in app.screen.query_one(ReviewList).reviews()][:5]
        fresh = inbox.first_groups(demo_ws, app.screen.filter, ReviewList.PAGE)[1]
        assert shown == [r.id for rows in fresh.values() for r in rows][:5]
        await pilot.press("slash", *["backspace"] * 6, *"app")
        await pilot.press("enter")  # at once: what was found for "parcel" is not shown
        await settle(pilot)
        assert app.screen.filter.search == "app"
        listed = app.screen.query_one(ReviewList).reviews()
        assert listed and all("app" in (r.author + r.title + r.body).lower() for r in listed)
