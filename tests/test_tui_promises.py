"""The promises board as a worklist: moving, delivering after a confirmation, undoing,
withdrawing, breaking, editing, filtering, the layout at 80 and 170 columns, and Enter
opening the review. A real SQLite workspace; every change is checked in the ledger."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from replydesk.domain.models import NewReview, PromiseStatus
from replydesk.services import promising
from replydesk.tui.app import make_app
from replydesk.tui.screens.dialogs import Confirm
from replydesk.tui.screens.promises import EditPromise, PromisesScreen
from replydesk.tui.widgets.promises.table import PromiseTable
from tui_helpers import notifications, screen_text, settle

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday: this week ends Sun 29th
SIZE = (120, 30)

# (what, kind, owner, due): the board shows the overdue one first, then by due date
PROMISES = [
    ("Fix the login crash", "fix", "tester", "2026-11-20"),  # overdue
    ("Refund the delivery fee", "refund", "ann", "2026-11-27"),  # this week
    ("Call the customer back", "callback", "tester", "2026-12-10"),  # later
    ("Send the size chart", "info", "ann", "2026-11-29"),  # this week, Sunday
]


@pytest.fixture
def board_ws(ws, time_machine):
    time_machine.move_to(NOW)
    ws.store.reviews.upsert(
        NewReview("shop", f"r{i}", body=f"Broken order {i}", rating=1, language="en")
        for i in range(len(PROMISES))
    )
    ids = sorted(r.id for r in ws.store.reviews.list())
    for review_id, (what, kind, owner, due) in zip(ids, PROMISES, strict=True):
        ws.store.promises.add(review_id, what, kind=kind, owner=owner, due_date=due)
    return ws


async def open_board(app, pilot) -> PromiseTable:
    await pilot.press("p")
    await settle(pilot)
    assert isinstance(app.screen, PromisesScreen)
    return app.screen.query_one(PromiseTable)


def ids_shown(table: PromiseTable) -> list[int]:
    return [p.id for p in table.promises]


def status(ws, promise_id: int) -> PromiseStatus:
    return promising.get(ws, promise_id).status


async def test_keys_move_the_cursor_and_the_detail_follows(board_ws):
    app = make_app(board_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_board(app, pilot)
        order = [p.what for p in table.promises]
        assert order == [
            "Fix the login crash",
            "Refund the delivery fee",
            "Send the size chart",
            "Call the customer back",
        ]
        assert table.cursor_row == 0
        await pilot.press("j", "j")
        await settle(pilot)
        assert table.cursor_row == 2
        assert "Send the size chart" in str(app.screen.query_one("#promise-detail").render())
        await pilot.press("k")
        await settle(pilot)
        assert table.cursor_row == 1
        await pilot.press("down", "down", "down")  # stops at the last row
        await settle(pilot)
        assert table.cursor_row == 3
        await pilot.press("up")
        await settle(pilot)
        assert table.current.what == "Send the size chart"


async def test_d_asks_first_and_n_or_esc_deliver_nothing(board_ws):
    app = make_app(board_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_board(app, pilot)
        first = table.current
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        assert f"Deliver promise {first.id}?" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, PromisesScreen)
        await pilot.press("d", "escape")
        await settle(pilot)
        assert isinstance(app.screen, PromisesScreen)
    assert status(board_ws, first.id) == PromiseStatus.OPEN
    assert promising.get(board_ws, first.id).followup_draft_id is None


async def test_d_then_y_delivers_and_u_undoes_it(board_ws):
    app = make_app(board_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_board(app, pilot)
        first = table.current
        await pilot.press("d", "y")
        await settle(pilot)
        delivered = promising.get(board_ws, first.id)
        assert delivered.status == PromiseStatus.DELIVERED and delivered.followup_draft_id
        said = notifications(app)
        assert f"promise {first.id} delivered (late)" in said and "u undoes" in said
        assert table.current.id == first.id  # the cursor stays on it, wherever it went
        assert "0 overdue" in screen_text(app) and "1 delivered" in screen_text(app)
        await pilot.press("u")
        await settle(pilot)
        assert status(board_ws, first.id) == PromiseStatus.OPEN
        assert "is open again (was delivered); the follow-up, not sent yet, was withdrawn" in (
            notifications(app)
        )
        assert board_ws.store.drafts.get(delivered.followup_draft_id).state == "discarded"


async def test_u_undoes_the_last_change_once_it_left_the_view(board_ws):
    app = make_app(board_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_board(app, pilot)
        await pilot.press("3")  # overdue only
        await settle(pilot)
        late = table.current
        await pilot.press("d", "enter")  # Enter confirms too
        await settle(pilot)
        assert status(board_ws, late.id) == PromiseStatus.DELIVERED
        assert table.promises == [] and "0 shown" in screen_text(app)
        await pilot.press("u")
        await settle(pilot)
        assert status(board_ws, late.id) == PromiseStatus.OPEN
        assert ids_shown(table) == [late.id]


async def test_w_withdraws_b_breaks_and_illegal_moves_are_one_line(board_ws):
    app = make_app(board_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_board(app, pilot)
        first = table.current
        await pilot.press("w")
        await settle(pilot)
        assert status(board_ws, first.id) == PromiseStatus.WITHDRAWN
        assert f"promise {first.id} withdrawn · u undoes" in notifications(app)
        assert table.current.id == first.id
        await pilot.press("b")  # a withdrawn promise cannot be broken: the service says why
        await settle(pilot)
        refused = [n for n in app._notifications if n.title == "Not marked broken"]
        assert refused and "undo that first" in refused[-1].message
        assert "\n" not in refused[-1].message
        await pilot.press("d")  # nothing to confirm: the service refuses at once
        await settle(pilot)
        assert not isinstance(app.screen, Confirm)
        assert "cannot be delivered" in notifications(app)
        await pilot.press("u", "b")
        await settle(pilot)
        assert status(board_ws, first.id) == PromiseStatus.BROKEN
        await pilot.press("u")
        await settle(pilot)
        assert status(board_ws, first.id) == PromiseStatus.OPEN
        await pilot.press("u")  # open: nothing left to undo
        await settle(pilot)
        assert "there is nothing to undo" in notifications(app)


async def test_e_edits_what_and_due_and_the_service_validates(board_ws):
    app = make_app(board_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_board(app, pilot)
        await pilot.press("j")  # the refund
        first = table.current
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EditPromise)
        await pilot.press("ctrl+u", *"Refund fee", "tab", "ctrl+u", *"tomorrow", "enter")
        await settle(pilot)
        assert isinstance(app.screen, EditPromise), "an invalid date keeps the form open"
        assert "write YYYY-MM-DD" in notifications(app)
        app.screen.query_one("#promise-due").value = "2026-12-01"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromisesScreen)
        edited = promising.get(board_ws, first.id)
        assert (edited.what, edited.due_date) == ("Refund fee", "2026-12-01")
        assert "Refund fee" in screen_text(app)
        await pilot.press("t", *"no:1", "enter")  # the tracker field; no such tracker
        await settle(pilot)
        assert isinstance(app.screen, EditPromise)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PromisesScreen)
    assert promising.get(board_ws, first.id).tracker_url is None


async def test_filters_narrow_the_list_and_say_how_many(board_ws):
    app = make_app(board_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_board(app, pilot)
        assert "4 shown" in screen_text(app)
        await pilot.press("3")
        await settle(pilot)
        assert [p.what for p in table.promises] == ["Fix the login crash"]
        assert "1 shown" in screen_text(app) and "view: overdue" in screen_text(app)
        assert "overdue" in app.screen.sub_title
        await pilot.press("4")
        await settle(pilot)
        assert len(table.promises) == 3  # the overdue one and two due by Sunday
        text = screen_text(app)
        assert "3 shown" in text and "due this week (by Sun 2026-11-29)" in text
        await pilot.press("o")  # the owners, yours first: tester
        await settle(pilot)
        assert [p.what for p in table.promises] == ["Fix the login crash"]
        assert "owner: tester" in screen_text(app)
        await pilot.press("o")  # ann
        await settle(pilot)
        assert {p.owner for p in table.promises} == {"ann"} and len(table.promises) == 2
        await pilot.press("1")  # everything again, no owner or kind
        await settle(pilot)
        assert len(table.promises) == 4 and "owner: any" in screen_text(app)
        await pilot.press("K", "K")  # fix, then refund
        await settle(pilot)
        assert [p.kind for p in table.promises] == ["refund"] and "1 shown" in screen_text(app)
        await pilot.press("w")  # the withdrawn refund stays in view "all"...
        await pilot.press("2")  # ...but not among the open ones
        await settle(pilot)
        assert table.promises == [] and "0 shown" in screen_text(app)


async def test_80_columns_keep_due_owner_and_status_on_every_row(board_ws):
    app = make_app(board_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_board(app, pilot)
        await pilot.press("j", "d", "y")  # one delivered, for a state other than open
        await settle(pilot)
        shown = table.columns_shown
        assert {"State", "Due", "Owner", "What"} <= set(shown)
        assert "Evidence" not in shown and "Tracker" not in shown
        text = screen_text(app)
        for p in table.promises:
            state = "OVERDUE" if p.is_overdue("2026-11-25") else str(p.status)
            assert re.search(rf"{state}\s*\S?\s*{p.due_date}\s+{p.owner}", text), (state, p)
        await pilot.resize_terminal(170, 30)
        await settle(pilot)
        assert {"When", "Kind", "Tracker", "Evidence"} <= set(table.columns_shown)
        assert "5d late" in screen_text(app) and "early" in screen_text(app)


async def test_enter_opens_the_review_and_c_checks_trackers(board_ws):
    app = make_app(board_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_board(app, pilot)
        await pilot.press("j")
        wanted = table.current.review_id
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "EditorScreen"
        assert app.screen.review_id == wanted
        assert "Broken order 1" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PromisesScreen)
        await pilot.press("c")  # the tracker check moved from w to c
        await settle(pilot)
        assert "0 delivered, 0 could not be checked" in notifications(app)
    assert all(p.status == PromiseStatus.OPEN for p in promising.board(board_ws).promises)


async def test_n_writes_down_a_missed_promise_on_the_current_review(board_ws):
    app = make_app(board_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_board(app, pilot)
        review_id = table.current.review_id
        await pilot.press("n")
        await settle(pilot)
        assert type(app.screen).__name__ == "AddPromise"
        # the review field starts on the current row's review; Tab goes to "what"
        await pilot.press(*"replace the broken mug", "enter")
        await settle(pilot)  # kind read from the words? "replace" is not a kind it knows
        said = notifications(app)
        if type(app.screen).__name__ == "AddPromise":
            assert "what kind of promise" in said
            await pilot.press("tab", *"fix", "enter")
            await settle(pilot)
        assert isinstance(app.screen, PromisesScreen)
        new = table.current
        assert (new.what, new.review_id, new.owner) == (
            "replace the broken mug",
            review_id,
            "tester",
        )
        assert f"added to review {review_id}" in notifications(app)
        assert len(table.promises) == 5
        await pilot.press("n", "shift+tab", "ctrl+u", *"99999", "tab", *"x", "enter")
        await settle(pilot)
        assert "no review 99999" in notifications(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PromisesScreen) and len(table.promises) == 5
    added = [e for e in board_ws.store.events.recent(limit=5) if e.action == "promise.add"]
    assert len(added) == 1


async def test_P_filters_by_product_and_a_doubted_promise_is_marked(board_ws):
    board_ws.store.reviews.upsert(
        [NewReview("app", "a1", body="Crashes on start", rating=1, language="en")]
    )
    review = board_ws.store.reviews.by_external("app", "a1")
    doubted = board_ws.store.promises.add(
        review.id, "We will look at it", kind="fix", owner="ann", due_date="2026-12-01"
    )
    board_ws.store.promises.update(doubted.id, "tester", dispute="a hedge, not a promise")
    app = make_app(board_ws)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_board(app, pilot)
        assert len(table.promises) == 5 and "product: any" in screen_text(app)
        await pilot.press("P")  # app, then shop, then any
        await settle(pilot)
        assert [p.id for p in table.promises] == [doubted.id]
        text = screen_text(app)
        assert "product: app" in text and "1 shown" in text
        assert re.search(r"open \?", text)  # the doubt marker in the State column
        assert "the model doubts it: a hedge, not a promise" in text
        await pilot.press("P")
        await settle(pilot)
        assert len(table.promises) == 4 and {p.review_id for p in table.promises} != {review.id}
        await pilot.press("P")
        await settle(pilot)
        assert len(table.promises) == 5
        await pilot.press("question_mark")
        await settle(pilot)
        help_text = str(app.screen.query_one("Static").render())  # all of it, scrolled or not
        assert "the model doubts this promise" in help_text and "wrote again" in help_text
        assert "unsure: the machine's label" not in help_text  # the inbox's symbols


async def test_markup_in_a_toast_is_shown_as_typed_never_read(board_ws):
    """Toasts quote what people and trackers typed: "[/b]" must not crash the app and
    "[@click=app.quit]" must not become an action."""
    app = make_app(board_ws)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        table = await open_board(app, pilot)
        first = table.current
        await pilot.press("t", "ctrl+u", *"[/b]", "enter")  # a bad tracker link
        await settle(pilot)
        assert "[/b]" in notifications(app) and isinstance(app.screen, EditPromise)
        await pilot.press("escape", "n", *"fix [@click=app.quit]x[/]", "tab", *"fix", "enter")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, PromisesScreen), notifications(app)
        assert "[@click=app.quit]" in table.current.what
        await pilot.press("w")  # the toast quotes nothing here, but the one before did
        await settle(pilot)
        assert app.is_running
    assert promising.get(board_ws, first.id).tracker_url is None


async def test_ctrl_s_adds_a_promise_as_its_footer_says(board_ws):
    app = make_app(board_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_board(app, pilot)
        before = len(promising.board(board_ws).promises)
        await pilot.press("n")
        await settle(pilot)
        assert "Enter/^s Add" in screen_text(app).splitlines()[-1]
        await pilot.press(*"we will refund the delivery fee", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PromisesScreen), notifications(app)
        assert len(promising.board(board_ws).promises) == before + 1
        assert table is not None
