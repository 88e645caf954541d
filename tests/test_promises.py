"""Promises: extraction in six languages, due dates across month/year ends and time
zones, the ledger, delivery with a follow-up draft, returning-author flags, stats."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import db_arg, workspace_with
from replydesk import cli
from replydesk.config import Release
from replydesk.domain.models import NewReview
from replydesk.promises.extract import extract
from replydesk.services import promising
from replydesk.services.stats import compute

BERLIN = ZoneInfo("Europe/Berlin")
# Wednesday 30 December 2026, 23:30 in Berlin (22:30 UTC)
NYE_EVE = datetime(2026, 12, 30, 22, 30, tzinfo=UTC)
RELEASES = [Release("5.3", "2027-01-12"), Release("5.2.1", "2026-11-26")]


def kinds(text: str, lang: str, at: datetime = NYE_EVE, tz: ZoneInfo = BERLIN):
    return [
        (e.kind, e.due_date)
        for e in extract(text, lang, at, tz, RELEASES, 14, ["one month of Premium"])
    ]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "Sorry! We will fix it in the next update.", [("fix", "2027-01-12")]),
        ("en", "We will refund the fee within 5 days. Thanks!", [("refund", "2027-01-04")]),
        ("ru", "Простите. Менеджер позвонит вам завтра.", [("callback", "2026-12-31")]),
        ("ru", "Мы исправим это в следующем обновлении.", [("fix", "2027-01-12")]),
        ("es", "Lo corregiremos la próxima semana, gracias.", [("fix", "2027-01-10")]),
        ("es", "Te avisaremos en cuanto esté listo.", [("info", "2027-01-13")]),
        ("el", "Θα σας καλέσουμε αύριο.", [("callback", "2026-12-31")]),
        ("el", "Θα το διορθώσουμε στην επόμενη έκδοση.", [("fix", "2027-01-12")]),
        ("de", "Wir beheben das bis Freitag. Danke!", [("fix", "2027-01-01")]),
        ("de", "Wir erstatten Ihnen den Betrag innerhalb von 3 Tagen.", [("refund", "2027-01-02")]),
        ("fr", "Nous allons corriger cela d'ici le 05.01. Merci.", [("fix", "2027-01-05")]),
        ("fr", "Nous vous rappellerons, merci.", [("callback", "2027-01-13")]),
    ],
)
def test_promises_in_six_languages_with_due_dates(lang, text, expected):
    assert kinds(text, lang) == expected


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Thank you so much for the kind words!"),
        ("en", "I'm sorry about this. Could you send us the order number?"),
        ("ru", "Спасибо за отзыв! Расскажите, пожалуйста, что случилось?"),
        ("es", "Gracias por tus palabras."),
        ("el", "Ευχαριστούμε πολύ!"),
        ("de", "Danke für Ihr Lob!"),
        ("fr", "Merci beaucoup pour ce message !"),
    ],
)
def test_replies_that_promise_nothing_create_nothing(lang, text):
    assert kinds(text, lang) == []


def test_time_zones_decide_the_calendar_day():
    text = "We will call you tomorrow."
    # 22:30 UTC on 31 Dec is already 1 January in Berlin but still 31 Dec in New York
    at = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert kinds(text, "en", at, BERLIN) == [("callback", "2027-01-02")]
    assert kinds(text, "en", at, ZoneInfo("America/New_York")) == [("callback", "2027-01-01")]


def test_month_end_and_default_due():
    feb = datetime(2027, 2, 27, 12, 0, tzinfo=UTC)
    assert kinds("We will refund it within 3 days.", "en", feb) == [("refund", "2027-03-02")]
    assert kinds("We will fix it.", "en", feb) == [("fix", "2027-03-13")]  # + 14 days
    bonus = extract(
        "As a thank-you: one month of Premium. Could you check?",
        "en",
        feb,
        BERLIN,
        [],
        14,
        ["one month of Premium"],
    )
    assert [(e.kind, e.what) for e in bonus] == [("bonus", "Bonus: one month of Premium")]


def ledger_ws(tmp_path, *, db=None):
    ws = workspace_with(
        tmp_path,
        """
[workspace]
timezone = "Europe/Berlin"
[style]
bonus_catalogue = ["one month of Premium"]
[[promises.releases]]
version = "5.3"
date = "2026-12-01"
""",
        db=db,
    )
    ((_, rid),) = ws.store.reviews.upsert(
        [
            NewReview(
                "s",
                "r1",
                body="Crash on login since 5.2",
                rating=1,
                author="Kim",
                language="en",
                created_at=datetime(2026, 11, 20, 9, tzinfo=UTC),
            )
        ]
    )
    return ws, rid


def test_the_whole_loop_approve_promise_deliver_followup(tmp_path, time_machine, capsys, db_at):
    time_machine.move_to(datetime(2026, 11, 20, 10, 0, tzinfo=UTC), tick=False)
    ws, rid = ledger_ws(tmp_path, db=db_at("ws.db"))
    ws.store.drafts.add(
        rid,
        "Kim, I'm sorry about the crash, and thank you. We will fix it "
        "in the next update. As a thank-you: one month of Premium. Could "
        "you tell us your phone model?",
        author="model",
        language="en",
    )
    ws.close()
    args = ["--config", str(tmp_path / "config.toml"), "--db", db_arg(db_at("ws.db"))]
    assert cli.main([*args, "approve", str(rid)]) == 0
    out = capsys.readouterr().out
    assert "(fix, due 2026-12-01)" in out and "(bonus, due 2026-11-22)" in out
    assert cli.main([*args, "approve", str(rid)]) == 0  # approving again adds nothing
    again = capsys.readouterr().out  # shows what is on record, the same two promises
    assert again.count("  promise ") == 2 and "promise 3" not in again
    ws = workspace_with(tmp_path, (tmp_path / "config.toml").read_text(), db=db_at("ws.db"))
    by_kind = {p.kind: p for p in ws.store.promises.list("open")}
    fix, bonus = by_kind["fix"], by_kind["bonus"]
    assert (fix.kind, fix.owner) == ("fix", "tester") and len(ws.store.promises.list()) == 2

    time_machine.move_to(datetime(2026, 12, 3, 9, 0, tzinfo=UTC), tick=False)  # time passes
    assert {p.id for p in promising.overdue(ws)} == {fix.id, bonus.id}
    assert cli.main([*args, "promises", "--overdue", "--json"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert {r["id"] for r in rows} == {fix.id, bonus.id} and all(r["overdue"] for r in rows)

    done = promising.deliver(ws, fix.id, "https://tracker/issues/812")
    assert done.timing == "late" and done.promise.status == "delivered"
    follow = done.followup
    assert follow.kind == "followup" and follow.promise_id == fix.id
    assert "as promised" in follow.text
    body, sign = follow.text.rsplit("\n", 1)  # the pack's sign-off: no product is configured
    assert body.endswith("?") and sign == "— the support team"
    assert follow.lint == []  # a follow-up passes the house style as well
    assert ws.store.promises.get(fix.id).followup_draft_id == follow.id
    ws.close()
    assert cli.main([*args, "approve", str(rid)]) == 0  # the follow-up is next to approve
    assert f"approved draft {follow.id}" in capsys.readouterr().out
    assert cli.main([*args, "promise", "deliver", str(fix.id)]) == 2  # not open any more
    assert cli.main([*args, "promise", "edit", str(bonus.id), "--due", "soon"]) == 2
    assert cli.main([*args, "promise", "withdraw", str(bonus.id)]) == 0
    ws = workspace_with(tmp_path, (tmp_path / "config.toml").read_text(), db=db_at("ws.db"))
    stats = compute(ws)["promises"]
    assert (stats["delivered"], stats["withdrawn"], stats["overdue"]) == (1, 1, 0)
    assert stats["kept_rate"] == 1.0 and stats["timing"] == {"late": 1}
    assert any(e.action == "promise.deliver" for e in ws.store.events.recent())


def test_a_returning_author_after_delivery_flags_the_promise(tmp_path, time_machine, db_at):
    time_machine.move_to(datetime(2026, 11, 20, 10, 0, tzinfo=UTC), tick=False)
    ws, rid = ledger_ws(tmp_path, db=db_at("ws.db"))
    p = ws.store.promises.add(
        rid, "Fix the login crash", kind="fix", owner="anna", due_date="2026-12-01"
    )
    promising.deliver(ws, p.id)
    time_machine.move_to(datetime(2026, 11, 25, 10, 0, tzinfo=UTC), tick=False)
    f = tmp_path / "again.jsonl"
    f.write_text(
        json.dumps(
            {
                "id": "r2",
                "author": "Kim",
                "rating": 1,
                "body": "Still crashes",
                "created_at": "2026-11-25T09:00:00Z",
            }
        )
        + "\n"
    )
    ws.close()
    assert (
        cli.main(
            [
                "--config",
                str(tmp_path / "config.toml"),
                "--db",
                db_arg(db_at("ws.db")),
                "import",
                str(f),
                "--source",
                "s",
            ]
        )
        == 0
    )
    ws = workspace_with(tmp_path, (tmp_path / "config.toml").read_text(), db=db_at("ws.db"))
    assert "wrote again after delivery" in ws.store.promises.get(p.id).flag
    assert compute(ws)["promises"]["flagged"] == 1


def test_stats_on_the_demo(demo_ws, capsys, db_at):
    from test_export import demo_copy

    demo = demo_copy(demo_ws, db_at("demo.db"))
    figures = compute(demo)
    assert figures["promises"]["overdue"] == 3 and figures["promises"]["delivered"] == 3
    assert figures["promises"]["kept_rate"] == 0.5
    assert figures["triage"]["criticism"] > 40
    assert (
        cli.main(["--config", str(demo.config.path), "--db", db_arg(demo.store.path), "stats"]) == 0
    )
    assert "50% kept" in capsys.readouterr().out
    demo.close()


def model_ws(server, tmp_path, respond, *, db=None):
    from fakes.openai_server import OpenAIServer

    api = OpenAIServer(server, respond)
    ws = workspace_with(
        tmp_path,
        f"""
[workspace]
timezone = "Europe/Berlin"
[llm]
base_url = "{api.base_url}"
model = "fake-model"
max_retries = 0
""",
        db=db,
    )
    ((_, rid),) = ws.store.reviews.upsert(
        [NewReview("s", "r1", body="Crash on login", rating=1, author="Kim", language="en")]
    )
    return ws, rid, api


def test_structured_extraction_by_the_model_is_checked(server, tmp_path, time_machine, db_at):
    time_machine.move_to(datetime(2026, 11, 20, 10, 0, tzinfo=UTC), tick=False)

    def respond(messages):
        if "commitments" in messages[0]["content"]:
            return json.dumps(
                {
                    "promises": [
                        {"what": "Fix the login crash", "kind": "fix", "due_date": "2026-11-27"},
                        {"what": "A pony", "kind": "pony", "due_date": None},
                        {"what": "Call back", "kind": "callback", "due_date": "2020-01-01"},
                        {"what": "Tell them", "kind": "info", "due_date": "soon"},
                    ]
                }
            )
        return "Kim, as promised: the login crash is fixed. Thank you! Does it work now?"

    ws, rid, api = model_ws(server, tmp_path, respond, db=db_at("ws.db"))
    d = ws.store.drafts.add(
        rid,
        "Sorry, and thanks. We will fix the crash by next Friday and call you. Could you check?",
        author="model",
    )
    made = promising.record_for_approved(ws, ws.store.drafts.approve(d.id, "anna"))
    # the rules read fix and callback (due next Friday, from the text: the model's date in
    # the past does not replace it); the model's own items of those kinds confirm them, its
    # "info" is added with the default date, its "pony" is dropped
    assert [(p.kind, p.due_date, p.origin) for p in made] == [
        ("fix", "2026-11-27", "rules"),
        ("callback", "2026-11-27", "rules"),
        ("info", "2026-12-04", "model"),
    ]
    assert made[0].what == "Fix the login crash" and not any(p.dispute for p in made)
    assert (
        "<reply>" in api.seen[0][1]["content"] and "today: 2026-11-20" in api.seen[0][1]["content"]
    )
    done = promising.deliver(ws, made[0].id, "https://gh/1")
    assert done.followup.author == "model" and done.followup.lint == []
    assert "followup v1" in done.followup.prompt_version


def test_model_failure_falls_back_to_the_rules(server, tmp_path, db_at):
    from fakes.server import Scripted

    server.script(*[Scripted(500, {}, {"error": {"message": "down"}}, path="/chat/")] * 4)
    ws, rid, _api = model_ws(server, tmp_path, lambda m: "{}", db=db_at("ws.db"))
    d = ws.store.drafts.add(
        rid, "Sorry, and thanks. We will fix it. Could you check?", author="model"
    )
    made = promising.record_for_approved(ws, ws.store.drafts.approve(d.id, "anna"))
    assert [p.kind for p in made] == ["fix"]
    assert any(e.action == "promise.extract.fallback" for e in ws.store.events.recent())
    done = promising.deliver(ws, made[0].id)
    assert done.followup.author == "offline"  # the customer is still told


def test_stats_say_zero_days_not_a_dash(ws):
    from replydesk.services.stats import figure

    assert (figure(0.0), figure(None), figure(2.5), figure(24.0)) == ("0", "—", "2.5", "24")
