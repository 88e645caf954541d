"""Promise figures that mean something: kept on time, kept late, broken, open (not yet
due) and overdue, each promise counted once; median days to deliver; per product (the
review's source) and per owner."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from conftest import db_arg, workspace_with
from replydesk import cli
from replydesk.domain.models import NewReview
from replydesk.services import promising
from replydesk.services.stats import compute

START = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
TODAY = datetime(2026, 11, 15, 10, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    return datetime(2026, 11, n, 10, 0, tzinfo=UTC)


def ledger(tmp_path, time_machine, db):
    """Eight promises made on 1 November, looked at on 15 November (Berlin)."""
    time_machine.move_to(START, tick=False)
    ws = workspace_with(tmp_path, '[workspace]\ntimezone = "Europe/Berlin"\n', db=db)
    ((_, app), (_, tp)) = ws.store.reviews.upsert(
        [
            NewReview("app-store", "a1", body="Crash", rating=1, author="Kim", language="en"),
            NewReview("trustpilot", "t1", body="Late", rating=1, author="Lu", language="en"),
        ]
    )
    plan = [  # review, owner, due, what happens (and on which day of November)
        (app, "anna", "2026-11-10", ("deliver", 8)),  # early: on time, 7 days
        (app, "anna", "2026-11-10", ("deliver", 10)),  # on the day: on time, 9 days
        (app, "ben", "2026-11-05", ("deliver", 12)),  # late, 11 days
        (tp, "ben", "2026-11-05", ("broken", 6)),
        (tp, "anna", "2026-11-20", None),  # open, not yet due
        (tp, "ben", "2026-11-12", None),  # open and overdue
        (app, "ben", "2026-11-30", ("withdraw", 2)),
        (tp, "anna", None, ("deliver", 3)),  # no due date: on time, 2 days
    ]
    made = [
        ws.store.promises.add(rid, f"promise {i}", kind="fix", owner=owner, due_date=due)
        for i, (rid, owner, due, _then) in enumerate(plan)
    ]
    moves = sorted(
        (then[1], p.id, then[0]) for p, (*_, then) in zip(made, plan, strict=True) if then
    )
    for n, pid, action in moves:
        time_machine.move_to(day(n), tick=False)
        {"deliver": promising.deliver, "broken": promising.mark_broken}.get(
            action, promising.withdraw
        )(ws, pid)
    time_machine.move_to(TODAY, tick=False)
    return ws


def test_each_promise_counts_once_overall_per_product_and_per_owner(tmp_path, time_machine, db_at):
    ws = ledger(tmp_path, time_machine, db_at("ws.db"))
    p = compute(ws)["promises"]
    assert {k: p[k] for k in ("kept_on_time", "kept_late", "broken", "open", "overdue")} == {
        "kept_on_time": 3,
        "kept_late": 1,
        "broken": 1,
        "open": 1,  # the overdue one is not counted again
        "overdue": 1,
    }
    assert (p["delivered"], p["withdrawn"]) == (4, 1)
    assert sum(p[k] for k in ("delivered", "broken", "open", "overdue", "withdrawn")) == 8
    assert (p["kept_rate"], p["on_time_rate"]) == (0.667, 0.5)  # of 6 settled or overdue
    assert p["median_days_to_delivery"] == 8.0  # 2, 7, 9 and 11 days
    assert p["timing"] == {"early": 1, "on time": 1, "late": 1, "": 1}
    app, tp = p["by_product"]["app-store"], p["by_product"]["trustpilot"]
    assert (app["kept_on_time"], app["kept_late"], app["withdrawn"], app["overdue"]) == (2, 1, 1, 0)
    assert (app["kept_rate"], app["median_days_to_delivery"]) == (1.0, 9.0)
    assert (tp["kept_on_time"], tp["broken"], tp["open"], tp["overdue"]) == (1, 1, 1, 1)
    assert (tp["kept_rate"], tp["median_days_to_delivery"]) == (0.333, 2.0)
    anna, ben = p["by_owner"]["anna"], p["by_owner"]["ben"]
    assert (anna["kept_on_time"], anna["open"], anna["kept_rate"]) == (3, 1, 1.0)
    assert anna["median_days_to_delivery"] == 7.0
    assert (ben["kept_late"], ben["broken"], ben["overdue"], ben["withdrawn"]) == (1, 1, 1, 1)
    assert (ben["kept_rate"], ben["on_time_rate"], ben["median_days_to_delivery"]) == (
        0.333,
        0.0,
        11.0,
    )


def test_an_overdue_promise_delivered_late_moves_from_overdue_to_kept_late(
    tmp_path, time_machine, db_at
):
    ws = ledger(tmp_path, time_machine, db_at("ws.db"))
    overdue = next(p for p in ws.store.promises.list("open") if p.due_date == "2026-11-12")
    promising.deliver(ws, overdue.id)
    p = compute(ws)["promises"]
    assert (p["overdue"], p["kept_late"], p["open"]) == (0, 2, 1)
    assert p["kept_rate"] == 0.833


def test_the_stats_command_says_it_per_product_and_owner(tmp_path, time_machine, capsys, db_at):
    ledger(tmp_path, time_machine, db_at("ws.db")).close()
    args = ["--config", str(tmp_path / "config.toml"), "--db", db_arg(db_at("ws.db"))]
    assert cli.main([*args, "stats"]) == 0
    out = capsys.readouterr().out
    assert (
        "promises: 67% kept (3 on time, 1 late), 1 broken, 1 open, 1 overdue; "
        "median 8 days to deliver; 1 withdrawn" in out
    )
    assert "per product (review source):" in out
    assert "  trustpilot: 33% kept (1 on time, 0 late), 1 broken, 1 open, 1 overdue" in out
    assert "  ben: 33% kept (0 on time, 1 late), 1 broken, 0 open, 1 overdue" in out
    assert cli.main([*args, "stats", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(figures["promises"]["by_product"]) == {"app-store", "trustpilot"}
    assert set(figures["promises"]["by_owner"]) == {"anna", "ben"}


def test_disputed_promises_are_counted_for_a_look(tmp_path, time_machine, db_at):
    ws = ledger(tmp_path, time_machine, db_at("ws.db"))
    p = ws.store.promises.list("open")[0]
    ws.store.promises.update(p.id, "model", dispute="only an apology")
    assert compute(ws)["promises"]["disputed"] == 1
    promising.confirm(ws, p.id)
    assert compute(ws)["promises"]["disputed"] == 0


def test_the_demo_counts_each_promise_once(demo_ws, db_at):
    from test_export import demo_copy

    demo = demo_copy(demo_ws, db_at("demo.db"))
    p = compute(demo)["promises"]
    total = len(demo.store.promises.list())
    assert sum(p[k] for k in ("delivered", "broken", "open", "overdue", "withdrawn")) == total
    assert (p["overdue"], p["delivered"], p["kept_rate"]) == (3, 3, 0.5)
    assert sum(f["overdue"] for f in p["by_product"].values()) == 3
    assert sum(f["delivered"] for f in p["by_owner"].values()) == 3
