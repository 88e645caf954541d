"""The audit log screen, and the empty states of the audit, promises, sources and stats
screens, at 80x24 and at 200x50: sorted newest first, in words (never JSON), filtered
with `/`, hostile text shown inert, and a fresh workspace saying what will appear."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conftest import write_jsonl
from replydesk.config import Config
from replydesk.domain.models import Event
from replydesk.services import audit, editing, promising, triaging
from replydesk.services.importing import import_file
from replydesk.services.workspace import Workspace
from replydesk.tui.app import make_app
from replydesk.tui.screens.audit import AuditScreen, EventTable
from replydesk.tui.screens.editor import EditorScreen
from replydesk.tui.screens.inbox import InboxScreen
from tui_helpers import screen_text, settle

SIZES = pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday; the workspace's zone is UTC
HOSTILE = "[b]x[/b] [/nope] \x1b[31mred"


def squeezed(text: str) -> str:
    """Text without whitespace: a sentence wrapped at any width still matches."""
    return "".join(text.split())


def shows(app, phrase: str) -> bool:
    return squeezed(phrase) in squeezed(screen_text(app))


def reviews_file(tmp_path, n: int = 3):
    rows = [
        {
            "id": str(i),
            "author": f"user{i}",
            "rating": 1,
            "body": "The app crashes every time I open the tracking page. Fix it!",
            "lang": "en",
            "created_at": "2026-11-20T10:00:00Z",
        }
        for i in range(1, n + 1)
    ]
    return write_jsonl(tmp_path / "reviews.jsonl", rows)


def acted(ws: Workspace, tmp_path, time_machine) -> dict[str, int]:
    """Four real actions through the services, logged out of time order on purpose: the
    promise is written down after the approval (a higher id) but an hour earlier."""
    time_machine.move_to(T0, tick=False)
    import_file(ws, reviews_file(tmp_path))  # 08:00
    triaging.triage_pending(ws)
    first, second = (ws.store.reviews.by_external("reviews", i).id for i in ("1", "2"))
    assert triaging.verdicts(ws)[first].effective == "criticism"
    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    triaging.override(ws, first, "provocation")
    time_machine.move_to(T0 + timedelta(hours=3), tick=False)
    editing.approve(ws, second, "As per company policy we cannot help.", None, despite_lint=True)
    time_machine.move_to(T0 + timedelta(hours=2), tick=False)
    promising.add(ws, first, "Call the customer back", kind="callback", due_date="2026-11-30")
    time_machine.move_to(T0 + timedelta(hours=4), tick=False)  # the screen is read at noon
    return {"first": first, "second": second}


def events_shown(app) -> list[Event]:
    return app.screen.query_one(EventTable).events


# ------------------------------------------------------------ the service's words


def event(action: str, detail: dict, review_id: int | None = 12) -> Event:
    return Event(1, T0, "anna", action, review_id, detail, "asmith")


def test_every_logged_action_reads_as_words_not_json():
    details = {
        "draft.approve": {"draft": 5, "version": 3, "kind": "reply", "despite": ["W2"]},
        "reply.posted": {"reply": 7, "channel": "post", "source": "trustpilot"},
        "triage.override": {"label": "provocation", "from": "criticism"},
        "promise.update": {"promise": 4, "due_date": "2026-12-01", "tracker_url": None},
        "promise.extract.disagree": {"draft": 5, "disputed": ["fix: no"], "added": []},
        "import": {"file": "/home/a/reviews.csv", "new": 3, "updated": 1, "failed": 0},
    }
    assert audit.describe(event("draft.approve", details["draft.approve"])) == (
        "v3 approved despite W2"
    )
    assert audit.describe(event("reply.posted", details["reply.posted"])) == (
        "posted to trustpilot"
    )
    assert audit.describe(event("triage.override", details["triage.override"])) == (
        "label criticism → provocation"
    )
    assert audit.describe(event("promise.update", details["promise.update"])) == (
        "promise 4: due 2026-12-01, tracker unlinked"
    )
    assert audit.describe(event("import", details["import"])) == (
        "imported reviews.csv: 3 new, 1 updated, 0 failed"
    )
    for action in audit.WHAT:  # every action the code logs, even with an odd detail
        for detail in ({}, {"promise": 1, "from": "open", "what": {"nested": [1, 2]}}):
            said = audit.describe(event(action, detail))
            assert said and "{" not in said and '"' not in said, (action, said)
    # an action no formatter knows: "key value · key value", inert, never JSON
    odd = event("robot.\x1b[2Jdance", {"steps": 3, "tune": "[b]loud[/b]", "with": ["a", "b"]})
    assert audit.describe(odd) == "steps 3 · tune [b]loud[/b] · with a, b"
    assert audit.what(odd.action) == "robot.␛[2Jdance"


# ------------------------------------------------------------ the audit screen


@SIZES
async def test_audit_newest_first_in_words(size, ws, tmp_path, time_machine):
    ids = acted(ws, tmp_path, time_machine)
    app = make_app(ws)
    async with app.run_test(size=size) as pilot:
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        # newest first by time, not by id: the promise (logged last) is an hour older
        assert [e.action for e in events_shown(app)] == [
            "draft.approve",
            "promise.add",
            "triage.override",
            "import",
        ]
        text = screen_text(app)
        order = [text.index(w) for w in ("approved", "promise added", "label changed", "imported")]
        assert order == sorted(order)
        assert "4 events · filter: none" in text
        assert "1h 11:00" in text and "4h 08:00" in text  # the age and the local time
        assert f"#{ids['second']}" in text and f"#{ids['first']}" in text
        assert "{" not in text and '"draft"' not in text  # words, never JSON
        assert shows(app, "v1 approved despite") and "W2" in text  # the cursor's, in full
        await pilot.press("down", "down")  # the label change, in full under the list
        await settle(pilot)
        assert shows(app, "label criticism → provocation")
        assert "tester" in text and "Back" in text and "Filter" in text  # the footer fits
        table = app.screen.query_one(EventTable)
        assert table.max_scroll_x == 0 and not table.show_horizontal_scrollbar
        assert ("Login" in table.columns_shown) == (size[0] >= 120)


@SIZES
async def test_audit_filter_narrows_and_esc_clears(size, ws, tmp_path, time_machine):
    ids = acted(ws, tmp_path, time_machine)
    app = make_app(ws)
    async with app.run_test(size=size) as pilot:
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("slash", *"provocation", "enter")
        await settle(pilot)
        assert [e.action for e in events_shown(app)] == ["triage.override"]
        assert "1 event · filter: provocation" in screen_text(app)
        await pilot.press("escape")  # clears the filter, stays on the log
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        assert len(events_shown(app)) == 4 and "4 events · filter: none" in screen_text(app)
        # in words as shown ("approved"), by review, and % is no wildcard
        await pilot.press("slash", *"approved", "enter")
        await settle(pilot)
        assert [e.action for e in events_shown(app)] == ["draft.approve"]
        await pilot.press("escape", "slash", *f"#{ids['first']}", "enter")
        await settle(pilot)
        assert {e.review_id for e in events_shown(app)} == {ids["first"]}
        assert len(events_shown(app)) == 2
        await pilot.press("escape", "slash", "%", "enter")
        await settle(pilot)
        assert events_shown(app) == [] and "No events match %" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert len(events_shown(app)) == 4
        await pilot.press("escape")  # no filter left: Esc goes back
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)


@SIZES
async def test_enter_opens_the_review_of_the_event(size, ws, tmp_path, time_machine):
    ids = acted(ws, tmp_path, time_machine)
    app = make_app(ws)
    async with app.run_test(size=size) as pilot:
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("down", "enter")  # the promise added to the first review
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        assert app.screen.review_id == ids["first"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        assert events_shown(app)[0].action == "claim.take"  # opening it claimed it


@SIZES
async def test_hostile_text_in_events_is_shown_literally(size, tmp_path, time_machine):
    time_machine.move_to(T0, tick=False)
    ws = Workspace.open(Config(), db=tmp_path / "h.db", user=HOSTILE)
    try:
        import_file(ws, reviews_file(tmp_path, 1))
        review = ws.store.reviews.by_external("reviews", "1")
        time_machine.move_to(T0 + timedelta(minutes=5), tick=False)
        promising.add(ws, review.id, "[bold]refund[/bold] \x1b[31m now", kind="refund")
        app = make_app(ws)
        async with app.run_test(size=size) as pilot:
            await pilot.press("a")
            await settle(pilot)
            assert isinstance(app.screen, AuditScreen)  # no markup error took it down
            text = screen_text(app)
            assert "[b]x[/b] [/nope] ␛[31mred" in text  # the name, under the list
            assert "[bold]refund[/bold] ␛[31m now" in text  # the promise's words
            assert "\x1b" not in text
            await pilot.press("slash", *"[/nope]", "enter")  # typed markup, shown as typed
            await settle(pilot)
            assert len(events_shown(app)) == 2  # the name matches on both events
            assert "filter: [/nope]" in screen_text(app)
    finally:
        ws.close()


# ------------------------------------------------------------ empty states


@SIZES
@pytest.mark.parametrize(
    ("key", "phrases"),
    [
        (
            "a",
            [
                "0 events · filter: none",
                "Nothing yet: approvals, posts, label changes and promise updates appear "
                "here as people act.",
            ],
        ),
        (
            "p",
            [
                "No promises yet: when an approved reply promises a fix, refund or callback,",
                "Press n to add one by hand.",
            ],
        ),
        (
            "s",
            [
                "No sources configured: add [[sources]] to your config",
                "or import a file with `replydesk import FILE`.",
            ],
        ),
        (
            "t",
            [
                "Replies none yet: replies per day and response times show here",
                "Promises none yet:",
                "Triage mix no reviews yet: sync your sources (s, then y) or run "
                "`replydesk import FILE`",
            ],
        ),
    ],
    ids=["audit", "promises", "sources", "stats"],
)
async def test_empty_states_say_what_appears_and_how(size, key, phrases, ws):
    app = make_app(ws)
    async with app.run_test(size=size) as pilot:
        await pilot.press(key)
        await settle(pilot)
        assert not isinstance(app.screen, InboxScreen)
        for phrase in phrases:
            assert shows(app, phrase), phrase
        wide = [w for w in app.screen.query("*") if w.display and w.show_horizontal_scrollbar]
        assert not wide  # no horizontal scrollbar: nothing wider than the screen


def test_every_action_the_code_logs_reads_as_words():
    """A new kind of event must get its words here, not show its internal name."""
    import re
    from pathlib import Path

    import replydesk

    root = Path(replydesk.__file__).parent
    logged = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        logged |= set(re.findall(r"\.log\(\s*c,\s*[\w.]+,\s*\"([a-z_.]+)\"", text))
    assert {"review.no_reply", "triage.override", "draft.approve"} <= logged  # the scan works
    assert logged <= set(audit.WHAT), logged - set(audit.WHAT)
