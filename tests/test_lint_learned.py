"""The learned reader of the six meaning rules (``replydesk.style.learned``) and how the
linter reports it beside the phrase families."""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from pathlib import Path

import pytest

from replydesk.domain.findings import Severity
from replydesk.style import learned
from replydesk.style.learned import (
    FORMAT,
    MAX_CHARS,
    RULES,
    LintModel,
    WeightFileError,
    default_model,
    features,
    sentences,
)
from replydesk.style.linter import FORBIDDEN_FIX, LintContext, lint

MEANING = set(RULES)

# paraphrases no phrase family lists (each checked below to be missed by the families)
MISSED = [
    ("en", "W5", "Sorry to hear that. Clearly reading is not everyone's strong suit."),
    ("de", "W5", "Danke für Ihr Feedback. Lesen scheint nicht jedermanns Stärke zu sein."),
    ("ru", "W5", "Спасибо за отзыв. Некоторым, видимо, всегда что-то не нравится."),
]

# acceptable replies: allowed refusals, refunds of the price paid, a courier named
# neutrally, a real next-step question
ACCEPTABLE = [
    (
        "en",
        "Thank you for telling us, and sorry about the wait. Unfortunately we cannot refund "
        "this order, but I have sent a new one today.",
    ),
    (
        "en",
        "I'm sorry the blender arrived cracked, and thank you for the photo. I have refunded "
        "the price you paid in full; it should reach your card within five working days.",
    ),
    (
        "en",
        "Sorry the parcel is late, and thanks for your patience. The courier has it at their "
        "depot and I have booked a new delivery for you. Could you tell me if any day suits "
        "you better?",
    ),
    (
        "de",
        "Es tut uns leid, dass die Lieferung so lange gedauert hat, und danke für Ihre Geduld. "
        "Leider können wir diese Bestellung nicht erstatten, aber wir schicken Ihnen heute "
        "einen Ersatz.",
    ),
    (
        "fr",
        "Désolés pour ce retard, et merci de votre patience. Nous vous avons remboursé le "
        "montant payé. Pourriez-vous nous dire si le nouveau colis est bien arrivé ?",
    ),
]


def _learned_findings(text: str, language: str) -> list:
    return [
        f
        for f in lint(text, LintContext(language=language))
        if f.rule in MEANING and "learned reading" in f.message
    ]


def _family_rules(text: str, language: str) -> set[str]:
    return {
        f.rule
        for f in lint(text, LintContext(language=language))
        if f.rule in MEANING and "learned reading" not in f.message
    }


@pytest.mark.parametrize(("language", "rule", "text"), MISSED)
def test_a_paraphrase_the_families_miss_is_flagged(language: str, rule: str, text: str) -> None:
    assert rule not in _family_rules(text, language)
    found = _learned_findings(text, language)
    assert [f.rule for f in found] == [rule]
    finding = found[0]
    # the span is the offending sentence, not the thanks before it
    second = sentences(text)[1]
    assert (finding.start, finding.end) == second[:2]
    assert text[finding.start : finding.end].rstrip(".") in text
    assert finding.severity == Severity.ERROR  # what the families' findings carry
    assert finding.message.startswith("reads like it answers negativity or sarcasm in kind")
    # the fix hint is the pack's own, as for a family finding of the rule
    assert finding.fix
    family_fix = {
        f.fix
        for f in lint("Thanks for the review. Some people are never happy.", LintContext())
        if f.rule == "W5"
    }
    if language == "en":
        assert finding.fix in family_fix | {FORBIDDEN_FIX["W5"]}


@pytest.mark.parametrize(("language", "text"), ACCEPTABLE)
def test_acceptable_replies_are_not_flagged(language: str, text: str) -> None:
    found = [f for f in lint(text, LintContext(language=language)) if f.rule in MEANING]
    assert found == []
    assert default_model().read(text) == []


def test_a_rule_the_families_found_in_the_sentence_is_not_reported_twice() -> None:
    text = "Thanks for the note. You would need to speak to the marketplace seller about that."
    assert any(f.rule == "W4" for f in default_model().read(text))
    w4 = [f for f in lint(text, LintContext()) if f.rule == "W4"]
    assert len(w4) == 1 and "learned reading" not in w4[0].message


def test_the_customers_words_quoted_back_are_not_read() -> None:
    text = (
        "Thanks for writing. You said “clearly reading is not everyone's strong suit.” We hear you."
    )
    assert _learned_findings(text, "en") == []


def test_the_shipped_weights_are_checked_against_their_checksum(tmp_path: Path) -> None:
    model = default_model()
    assert model.meta["threshold_rule"]
    assert model.meta["budget"] <= 0.05
    raw = (Path(learned.__file__).parent / "model" / learned.WEIGHTS).read_bytes()
    digest = (Path(learned.__file__).parent / "model" / (learned.WEIGHTS + ".sha256")).read_text()
    assert hashlib.sha256(raw).hexdigest() == digest.split()[0]

    path = tmp_path / learned.WEIGHTS
    data = json.loads(gzip.decompress(raw))
    data["thresholds"]["W5"] = -100.0  # a tampered file: everything would read as W5
    altered = gzip.compress(json.dumps(data).encode(), mtime=0)
    path.write_bytes(altered)
    path.with_name(path.name + ".sha256").write_text(digest)
    with pytest.raises(WeightFileError, match="checksum"):
        LintModel.load(path)
    path.with_name(path.name + ".sha256").write_text(hashlib.sha256(altered).hexdigest())
    assert LintModel.load(path).thresholds[RULES.index("W5")] == -100.0


def test_a_weight_file_of_another_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / learned.WEIGHTS
    raw = gzip.compress(json.dumps({"format": "other", "rules": list(RULES)}).encode(), mtime=0)
    path.write_bytes(raw)
    path.with_name(path.name + ".sha256").write_text(hashlib.sha256(raw).hexdigest())
    with pytest.raises(WeightFileError, match="not a"):
        LintModel.load(path)
    with pytest.raises(WeightFileError, match="cannot read"):
        LintModel.load(tmp_path / "missing.json.gz")


def _tiny(tmp_path: Path, weights: dict[str, list[float]]) -> LintModel:
    data = {
        "format": FORMAT,
        "rules": list(RULES),
        "bias": [-1.0] * len(RULES),
        "thresholds": dict.fromkeys(RULES, 0.0),
        "weights": weights,
    }
    raw = gzip.compress(json.dumps(data).encode(), mtime=0)
    path = tmp_path / learned.WEIGHTS
    path.write_bytes(raw)
    path.with_name(path.name + ".sha256").write_text(hashlib.sha256(raw).hexdigest())
    return LintModel.load(path)


def test_the_reader_sums_exactly_the_features_training_sees(tmp_path: Path) -> None:
    row = [0.5, -0.25, 1.0, 0.0, 2.0, -1.0]
    sentence = "Did Tom really forget your order again?"
    feats = features(sentence, question=True)
    assert feats["s:question"] == 1.0 and feats["s:name"] == 1.0
    chosen = ["c:<fo", "c:get>", "w:order", "b:your order", "s:question", "s:name"]
    model = _tiny(tmp_path, {name: row for name in chosen})
    want = [-1.0 + sum(feats[name] for name in chosen) * w for w in row]
    assert model.logits(sentence, question=True) == pytest.approx(want)
    # the same sentence as a statement loses the question's weight
    flat = model.logits(sentence, question=False)
    assert flat[0] == pytest.approx(want[0] - row[0])


def test_cost_is_bounded_on_a_huge_reply() -> None:
    sentence = "Frankly some customers are never happy and you are one of them. "
    huge = sentence * 200_000  # 13 MB
    lint(sentence * 50, LintContext())  # warm the caches
    started = time.perf_counter()
    finds = default_model().read(huge)
    elapsed = time.perf_counter() - started
    assert all(f.end <= MAX_CHARS for f in finds)
    assert elapsed < 5.0
    one_word = "a" * 3_000_000
    started = time.perf_counter()
    assert default_model().read(one_word) == []
    assert time.perf_counter() - started < 2.0


def test_markup_and_escape_sequences_are_inert() -> None:
    text = (
        "Sorry to hear that. \x1b[31mClearly reading is not everyone's strong suit.\x1b[0m "
        "[bold]Thanks[/bold] <script>alert(1)</script>"
    )
    findings = lint(text, LintContext())
    learned_ones = [f for f in findings if "learned reading" in f.message]
    assert any(f.rule == "markup" for f in findings)
    for f in learned_ones:
        assert "\x1b" not in f.message and "\x1b" not in f.fix
        assert 0 <= f.start < f.end <= len(text)
    assert all(f.rule in MEANING for f in learned_ones)


def test_a_sign_off_line_is_not_read() -> None:
    body = "Sorry about the wait, and thanks for telling us. Could you send the order number?"
    for sign in ("— the support team", "— Ihr Support-Team", "Contact the support team"):
        assert default_model().read(f"{body}\n{sign}") == []
    # the same words as a full sentence are read
    assert default_model().read(f"{body}\nPlease contact the support team about that.") != []
