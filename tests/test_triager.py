"""Triage v2 as the product runs it: the rules and the learned model together, every
verdict with its evidence spans, the features that tipped it, calibrated probabilities
and an unsure mark; stored, shown in the inbox, and explained by `triage --explain`."""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import workspace_with
from replydesk import cli
from replydesk.domain.models import Evidence, Label, NewReview, Triage
from replydesk.services.triaging import triage_pending
from replydesk.triage.learned import Contribution, LearnedVerdict
from replydesk.triage.rules import Rules
from replydesk.triage.triager import STANDS, Triager, combine, tipped
from test_triage import CASES

RULES = Rules()
TRIAGER = Triager(RULES)

CLEAR = "The app crashes on login since version 5.2.0 on my Pixel 8, error 0x80."
RUDE = "You are all idiots and scammers, worst company ever, go to hell!!!"


# --- the verdict ------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "rating", "text", "label"), CASES)
def test_fixed_examples_in_every_language(lang, rating, text, label):
    verdict = TRIAGER.classify(text, rating, lang)
    assert verdict.label == label, (verdict.scores, [e.rule for e in verdict.reasons])


def test_a_verdict_keeps_the_rules_spans_and_names_what_tipped_it():
    verdict = TRIAGER.classify(CLEAR, 1, "en")
    assert verdict.label == "criticism" and verdict.method == "rules+learned"
    spans = [e for e in verdict.reasons if e.start >= 0]
    assert {e.rule for e in spans} >= {"specific: version", "specific: device or OS"}
    assert all(CLEAR[e.start : e.end] == e.quote for e in spans)
    learned = [e for e in verdict.reasons if e.rule.startswith("learned: ")]
    assert learned and all(e.weight > 0 for e in learned)  # each pushed toward criticism
    assert set(verdict.scores) == {"criticism", "provocation"}
    assert verdict.scores["criticism"] > 0.5 > verdict.scores["provocation"]
    assert verdict.score >= verdict.scores["criticism"] - 1e-3 and not verdict.unsure


def test_a_provocation_is_hostile_and_generic_and_says_so():
    verdict = TRIAGER.classify(RUDE, 1, "en")
    assert verdict.label == "provocation"
    assert any(e.rule.startswith("hostile:") and e.quote for e in verdict.reasons)


def test_the_unsure_threshold_comes_from_the_config_and_one_marks_everything():
    texts = [(CLEAR, 1, "en"), (RUDE, 1, "en"), ("Meh.", 2, "en"), ("Great app!", 5, "en")]
    never = Triager(RULES, unsure_below=0.0)
    always = Triager(RULES, unsure_below=1.0)
    assert not any(never.classify(*t).unsure for t in texts)
    assert all(always.classify(*t).unsure for t in texts)
    middle = Triager(RULES, unsure_below=0.75)
    for t in texts:
        verdict = middle.classify(*t)
        assert verdict.unsure == (verdict.score < 0.75)


def test_rules_only_when_the_learned_model_is_off():
    verdict = Triager(RULES, learned=False).classify(CLEAR, 1, "en")
    assert verdict.method == "rules" and verdict.scores == {}
    assert not any(e.rule.startswith("learned:") for e in verdict.reasons)
    assert verdict == Triager(RULES, learned=False, unsure_below=0.0).classify(CLEAR, 1, "en")


# --- how the two readings combine ---------------------------------------------------------


def rules_said(label: Label, score: float = 0.9) -> Triage:
    return Triage(label, score, [Evidence(f"{label}: something", "x", 0, 1, 1.0)])


def learned_said(label: Label | None, crit: float, prov: float) -> LearnedVerdict:
    pushes = (Contribution('word "crash"', 0.8), Contribution('word "great"', -0.5))
    return LearnedVerdict(
        label,
        {"criticism": crit, "provocation": prov},
        {"criticism": pushes, "provocation": (Contribution('word "idiots"', 1.1),)},
    )


def test_the_learned_decision_wins_and_the_rules_disagreement_is_noted():
    verdict = combine(rules_said(Label.VAGUE), learned_said(Label.CRITICISM, 0.8, 0.1), 0.6)
    assert verdict.label == "criticism" and verdict.score == 0.8
    assert verdict.reasons[0].rule == "note: the rules alone said vague"
    assert [e.rule for e in verdict.reasons if e.rule.startswith("learned:")] == [
        'learned: word "crash"'
    ]


def test_the_rules_criticism_stands_unless_the_model_is_sure_it_is_not():
    stands = combine(rules_said(Label.CRITICISM), learned_said(None, STANDS + 0.05, 0.1), 0.6)
    assert stands.label == "criticism"
    falls = combine(rules_said(Label.CRITICISM), learned_said(None, STANDS - 0.05, 0.1), 0.6)
    assert falls.label == "vague"


def test_provocation_confidence_counts_the_chance_it_is_criticism():
    verdict = combine(rules_said(Label.VAGUE), learned_said(Label.PROVOCATION, 0.4, 0.9), 0.6)
    assert verdict.label == "provocation"
    assert verdict.score == pytest.approx(0.9 * 0.6, abs=1e-3) and verdict.unsure


def test_neither_keeps_the_rules_call_between_praise_and_vague():
    praise = combine(rules_said(Label.PRAISE), learned_said(None, 0.1, 0.05), 0.6)
    assert praise.label == "praise" and praise.score == pytest.approx(0.9 * 0.95, abs=1e-3)
    assert combine(rules_said(Label.PROVOCATION), learned_said(None, 0.1, 0.05), 0.6).label == (
        "vague"
    )
    # what tipped "not criticism" are the features that pulled criticism down
    assert [c.feature for c in tipped(learned_said(None, 0.1, 0.05), Label.PRAISE)] == [
        'word "great"'
    ]


# --- stored, listed, explained ---------------------------------------------------------------


def add(ws, *bodies: str) -> list[int]:
    found = ws.store.reviews.upsert(
        [NewReview("s", str(i), body=b, rating=1, language="en") for i, b in enumerate(bodies)]
    )
    return [rid for _, rid in found]


def test_scores_and_unsure_are_stored_and_listed(tmp_path):
    ws = workspace_with(tmp_path, "[triage]\nunsure_below = 1.0\n")
    clear, rude = add(ws, CLEAR, RUDE)
    triage_pending(ws)
    stored = ws.store.triage.get(clear)
    assert stored.unsure and set(stored.scores) == {"criticism", "provocation"}
    assert ws.store.reviews.get(clear).unsure
    ws.store.triage.override(rude, "provocation", "anna")  # a person settled it
    assert not ws.store.reviews.get(rude).unsure
    assert ws.store.triage.get(rude).unsure  # the machine's own verdict is kept as it was


def test_a_store_from_before_triage_v2_reads_empty_scores(tmp_path):
    ws = workspace_with(tmp_path, "")
    (rid,) = add(ws, CLEAR)
    triage_pending(ws)
    ws.close()
    con = sqlite3.connect(tmp_path / "ws.db")
    con.execute("UPDATE triage SET scores = '{}', unsure = 0")
    con.commit()
    con.close()
    ws = workspace_with(tmp_path, "")
    assert ws.store.triage.get(rid).scores == {}


def explain(tmp_path, capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--db", str(tmp_path / "x.db"), "triage", "--explain", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_prints_the_verdict_the_rules_spans_and_the_learned_features(tmp_path, capsys):
    f = tmp_path / "r.jsonl"
    hostile = "\x1b[31mCrash\x1b[0m on login since 5.2.0 [bold]on my Pixel 8[/bold], error 0x80"
    f.write_text(json.dumps({"id": "1", "body": hostile, "rating": 1, "lang": "en"}) + "\n")
    db = ["--db", str(tmp_path / "x.db")]
    assert cli.main([*db, "import", str(f)]) == 0
    assert cli.main([*db, "triage"]) == 0
    capsys.readouterr()
    code, out, _ = explain(tmp_path, capsys, "#1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("verdict: criticism  confidence ")
    assert any(line.startswith("  probabilities (as decided): criticism ") for line in lines)
    assert any(line.startswith("stored: criticism (rules+learned") for line in lines)
    assert "rules: criticism" in out and '  specific: version: "5.2.0" [' in out
    assert "learned criticism: p 0." in out and "learned provocation: p 0." in out
    # English provocation is the rules' call: the model has no English insults to learn from
    assert "learned provocation: p 0." in out and "(not used: no labelled data" in out
    assert "learned criticism: p 0.9" in out or "learned criticism: p 1.0" in out
    assert any(line.startswith("  +") and "letters of" in line for line in lines)
    assert "\x1b" not in out  # hostile text stays inert


def test_explain_names_a_missing_review_in_one_line(tmp_path, capsys):
    from replydesk.services.workspace import Workspace

    Workspace.from_paths(None, tmp_path / "x.db").close()  # a database, without review 99
    code, out, err = explain(tmp_path, capsys, "99")
    assert code != 0 and out == ""
    assert err.strip().count("\n") == 0 and "no review 99" in err
    code, _, err = explain(tmp_path, capsys, "abc")
    assert code == 2 and "review id 'abc': write the number shown" in err
