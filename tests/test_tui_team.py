"""A workstation left open refreshes when a colleague acts, with a toast naming who did
what: on SQLite (the data version moves) and on PostgreSQL (LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio

import pytest

from replydesk.services import moving, triaging
from replydesk.services.workspace import Workspace
from replydesk.tui.app import ReplydeskApp, make_app
from replydesk.tui.widgets.inbox.review_list import ReviewList
from tui_helpers import notifications, settle


@pytest.fixture
def team(demo_ws, db_at, monkeypatch):
    """Ann and Ben on one store (the demo's, copied to the engine under test)."""
    there = db_at("team.db")
    moving.copy(demo_ws.store.path, there, lambda *_: None)
    ann = Workspace.open(demo_ws.config, db=there, user="ann")
    ben = Workspace.open(demo_ws.config, db=there, user="ben")
    monkeypatch.setattr(ReplydeskApp, "WATCH_SECONDS", 0.05)
    yield ann, ben
    ann.close()
    ben.close()


async def _until(pilot, check, seconds: float = 10.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        if check():
            return True
        await asyncio.sleep(0.05)
        await pilot.pause()
    return check()


async def test_a_colleagues_change_refreshes_the_inbox_with_a_toast(team):
    ann, ben = team
    app = make_app(ann)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert await _until(pilot, lambda: app.watching is not None)
        listed = app.screen.query_one(ReviewList).reviews()
        praise = next(r for r in listed if r.label == "praise")
        triaging.override(ben, praise.id, "criticism")
        line = f"ben: label changed · review {praise.id}"
        assert await _until(pilot, lambda: line in notifications(app)), notifications(app)
        await settle(pilot)
        now = {r.id: r.label for r in app.screen.query_one(ReviewList).reviews()}
        assert now[praise.id] == "criticism"  # the list was read again


async def test_my_own_actions_make_no_toast(team, demo_ws):
    """Ann in a second terminal (another process, the same name and login): the list is
    read again, but nobody is announced."""
    ann, _ben = team
    elsewhere = Workspace.open(demo_ws.config, db=ann.store.path, user="ann")
    app = make_app(ann)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert await _until(pilot, lambda: app.watching is not None)
        mark = app.watching.event_id
        review = app.screen.query_one(ReviewList).reviews()[0]
        triaging.override(elsewhere, review.id, "vague")
        assert await _until(pilot, lambda: app.watching.event_id > mark)  # seen
        await settle(pilot)
        assert "label changed" not in notifications(app)
        now = {r.id: r.label for r in app.screen.query_one(ReviewList).reviews()}
        assert now[review.id] == "vague"
    elsewhere.close()
