"""The learned triage model beside the rules: its shipped weights, its verdicts on obvious
reviews in five languages, its explanations, its cost, and the script that trains it."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import math
import sys
import time
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest

from replydesk.domain.models import Label
from replydesk.triage import learned
from replydesk.triage.learned import LearnedModel, WeightFileError, default_model, score
from replydesk.triage.rules import Rules

ROOT = Path(__file__).resolve().parents[1]
MODEL = resources.files("replydesk.triage") / "model"

# sentences written for these tests; obvious cases, one or two per label and language
CASES = [
    ("en", 1, "The app crashes every time I open the map since version 4.2 on my Pixel 7.", "c"),
    (
        "en",
        1,
        "Sync with my watch fails since the last update, my sleep data from two nights is missing.",
        "c",
    ),
    ("en", 1, "Stupid scammers, I hate you all. Pathetic garbage company!!!", "p"),
    ("en", 2, "Meh. Not impressed, expected better.", "vague"),
    ("en", 5, "Great app, thank you!", "praise"),
    (
        "de",
        1,
        "Seit dem Update auf Version 4.2 stürzt die App beim Bezahlen mit Karte ab, "
        "Fehlermeldung 503 auf meinem iPhone 13.",
        "c",
    ),
    ("de", 1, "Ihr seid doch alle dumme Idioten, verpisst euch!!!", "p"),
    ("de", 2, "Enttäuschend, hatte mehr erwartet.", "vague"),
    ("de", 5, "Super App, danke!", "praise"),
    (
        "ru",
        1,
        "После обновления 5.3 не могу войти в аккаунт: ошибка 403, телефон Samsung Galaxy S21.",
        "c",
    ),
    ("ru", 1, "Вы тупые идиоты, позор вам, уроды!!!", "p"),
    ("ru", 2, "Так себе, ожидал большего.", "vague"),
    ("ru", 5, "Отличное приложение, спасибо!", "praise"),
    ("el", 1, "Η εφαρμογή κολλάει στην πληρωμή με κάρτα από την έκδοση 5.3, Android 14.", "c"),
    ("el", 1, "Ηλίθιοι απατεώνες, ντροπή σας, είστε για τα σκουπίδια!!!", "p"),
    ("el", 2, "Απογοητευμένος, περίμενα καλύτερα.", "vague"),
    ("el", 5, "Τέλεια εφαρμογή, ευχαριστώ!", "praise"),
    (
        "fr",
        2,
        "Impossible de synchroniser ma montre depuis la dernière mise à jour, les données de "
        "sommeil ont disparu.",
        "c",
    ),
    ("fr", 1, "Vous êtes tous des connards et des voleurs, allez vous faire foutre!!!", "p"),
    ("fr", 2, "Bof, déçu. Je m'attendais à mieux.", "vague"),
    ("fr", 5, "Super appli, merci !", "praise"),
]
EXPECTED = {"c": Label.CRITICISM, "p": Label.PROVOCATION, "vague": None, "praise": None}


# --- the weight file ---------------------------------------------------------------------


def test_the_shipped_weights_match_their_checksum_and_stay_small() -> None:
    raw = (MODEL / "weights.json.gz").read_bytes()
    digest, name = (MODEL / "weights.json.gz.sha256").read_text("utf-8").split()
    assert name == "weights.json.gz"
    assert hashlib.sha256(raw).hexdigest() == digest
    assert len(raw) <= 5_000_000
    data = json.loads(gzip.decompress(raw))
    assert data["format"] == learned.FORMAT and data["heads"] == list(learned.HEADS)
    # trained on the dev-* sets only; the non-commercial corpus never reaches the weights
    trained_on = data["meta"]["trained_on"]
    assert trained_on and all(name.startswith("dev-") for name in trained_on)


def test_the_shipped_model_loads_once() -> None:
    model = default_model()
    assert model is default_model()
    assert model.size > 1000
    assert 0 < model.thresholds[0] < 1 and 0 < model.thresholds[1] < 1


def copy_weights(tmp_path: Path) -> Path:
    path = tmp_path / "weights.json.gz"
    path.write_bytes((MODEL / "weights.json.gz").read_bytes())
    sidecar = (MODEL / "weights.json.gz.sha256").read_text("utf-8")
    path.with_name("weights.json.gz.sha256").write_text(sidecar, "utf-8")
    return path


def test_a_copy_loads_and_agrees(tmp_path: Path) -> None:
    model = LearnedModel.load(copy_weights(tmp_path))
    text = "The app crashes every time I open the map since version 4.2."
    assert model.score(text, 1, "en") == default_model().score(text, 1, "en")


def test_an_altered_weight_file_is_refused(tmp_path: Path) -> None:
    path = copy_weights(tmp_path)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(WeightFileError, match="checksum"):
        LearnedModel.load(path)


def test_a_missing_checksum_is_refused(tmp_path: Path) -> None:
    path = copy_weights(tmp_path)
    path.with_name("weights.json.gz.sha256").unlink()
    with pytest.raises(WeightFileError, match="cannot read"):
        LearnedModel.load(path)


def write_weights(path: Path, data: object) -> None:
    raw = gzip.compress(json.dumps(data).encode(), mtime=0)
    path.write_bytes(raw)
    path.with_name(path.name + ".sha256").write_text(hashlib.sha256(raw).hexdigest() + "\n")


def test_a_file_of_another_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.json.gz"
    write_weights(path, {"format": "something-else/9", "heads": ["criticism", "provocation"]})
    with pytest.raises(WeightFileError, match="not a"):
        LearnedModel.load(path)
    write_weights(
        path, {"format": learned.FORMAT, "heads": list(learned.HEADS), "bias": [0.0, 0.0]}
    )
    with pytest.raises(WeightFileError, match="bad field"):
        LearnedModel.load(path)


# --- verdicts and explanations -----------------------------------------------------------


@pytest.mark.parametrize(("lang", "rating", "text", "kind"), CASES)
def test_obvious_reviews_get_the_expected_decision(
    lang: str, rating: int, text: str, kind: str
) -> None:
    verdict = score(text, rating, lang)
    assert verdict.label == EXPECTED[kind], verdict.probabilities
    assert set(verdict.probabilities) == {"criticism", "provocation"}
    assert all(0.0 <= p <= 1.0 for p in verdict.probabilities.values())


def test_every_language_in_the_cases() -> None:
    assert {lang for lang, *_ in CASES} == {"en", "de", "ru", "el", "fr"}
    for lang in ("en", "de", "ru", "el", "fr"):
        kinds = {kind for code, _, _, kind in CASES if code == lang}
        assert kinds == {"c", "p", "vague", "praise"}


def test_the_explanation_names_the_features_behind_the_verdict() -> None:
    text = "The app crashes every time I open the map since version 4.2 on my Pixel 7."
    verdict = score(text, 1, "en")
    assert verdict.label == Label.CRITICISM
    reasons = verdict.reasons
    assert reasons == verdict.contributions["criticism"]
    assert 0 < len(reasons) <= learned.TOP
    weights = [abs(c.weight) for c in reasons]
    assert weights == sorted(weights, reverse=True)
    names = [c.feature for c in reasons]
    assert any(n.startswith("rules: specific:") for n in names)  # the rules' evidence
    assert any(n.startswith(("letters of ", "word ", "words ")) for n in names)  # the text
    top = max(reasons, key=lambda c: c.weight)
    assert top.weight > 0  # something pushed it towards criticism
    assert verdict.contributions["provocation"]  # the other decision is explained too


def test_the_explanation_of_a_provocation_quotes_its_words() -> None:
    verdict = score("Вы тупые идиоты, позор вам, уроды!!!", 1, "ru")
    assert verdict.label == Label.PROVOCATION
    names = [c.feature for c in verdict.reasons]
    assert any("hostile" in n for n in names)
    assert any('"' in n for n in names)  # a word or its letters, quoted


def test_without_explanation_the_verdict_is_the_same() -> None:
    text = "Ihr seid doch alle dumme Idioten, verpisst euch!!!"
    full, bare = score(text, 1, "de"), default_model().score(text, 1, "de", explain=False)
    assert bare.contributions == {}
    assert (bare.label, bare.probabilities) == (full.label, full.probabilities)


def test_the_rules_verdict_can_be_passed_in() -> None:
    rules = Rules()
    text = "Η εφαρμογή κολλάει στην πληρωμή με κάρτα από την έκδοση 5.3, Android 14."
    given = default_model().score(text, 1, "el", rules.classify(text, 1, "el"))
    assert given == score(text, 1, "el")


def test_inference_reads_a_text_as_training_does() -> None:
    """The fast path (per-word cache, sums) equals the training features times the weights."""
    raw = (MODEL / "weights.json.gz").read_bytes()
    data = learned.read_weights(raw, (MODEL / "weights.json.gz.sha256").read_text("utf-8"))
    weights, bias = data["weights"], data["bias"]
    rules = Rules()
    for lang, rating, text, _ in CASES:
        feats = learned.features(text, rating, lang, rules)
        verdict = score(text, rating, lang)
        for i, head in enumerate(learned.HEADS):
            logit = bias[i] + sum(v * weights[k][i] for k, v in feats.items() if k in weights)
            expected = 1 / (1 + math.exp(-logit))
            assert verdict.probabilities[head] == pytest.approx(expected, abs=2e-4)


def test_empty_and_odd_texts() -> None:
    for text in ("", "   ", "!!!", "😡😡😡", "12345"):
        verdict = score(text, None, "")
        assert verdict.label in (None, Label.CRITICISM, Label.PROVOCATION)
        assert verdict.chars_read == len(text)


# --- cost --------------------------------------------------------------------------------


def test_a_megabyte_costs_no_more_than_the_cap() -> None:
    words = "crash sync login parcel refund support update version screen payment".split()
    big = " ".join(words[i % len(words)] + str(i % 97) for i in range(120_000))[:1_000_000]
    capped = big[: learned.MAX_CHARS]
    model = default_model()
    model.score(capped, 1, "en")  # warm the word cache and the rules' matchers
    t0 = time.perf_counter()
    small = model.score(capped, 1, "en")
    t_small = time.perf_counter() - t0
    t0 = time.perf_counter()
    verdict = model.score(big, 1, "en")
    t_big = time.perf_counter() - t0
    assert verdict.chars_read == learned.MAX_CHARS
    assert verdict.probabilities == small.probabilities
    assert t_big < 1.0 and t_big < 5 * t_small + 0.05


@pytest.mark.parametrize("run", ["a" * 1_000_000, "!" * 1_000_000, "ab1" * 333_334, " " * 10**6])
def test_a_megabyte_run_is_fast(run: str) -> None:
    t0 = time.perf_counter()
    verdict = score(run, None, "en")
    assert time.perf_counter() - t0 < 1.0
    assert verdict.chars_read == learned.MAX_CHARS


# --- the training script -----------------------------------------------------------------


def train_module() -> ModuleType:
    pytest.importorskip("sklearn")
    pytest.importorskip("scipy")
    path = ROOT / "tools" / "train_triage.py"
    spec = importlib.util.spec_from_file_location("train_triage", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_triage"] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["train_triage"]
        raise
    return module


REVIEWS = {
    "criticism": [
        "The app crashes when I open the map since version {n}.",
        "Sync fails every night since the update {n}, data missing.",
        "Login loops back to the start screen after update {n}.",
        "Notifications stopped working on my Pixel after version {n}.",
        "Payment failed twice with error {n} and I was charged.",
        "The watch face resets every morning since version {n}.",
    ],
    "praise": ["Great app, thank you! {n}", "Love it, works well {n}", "Excellent {n}, thanks"],
    "vague": ["Not great. {n}", "Disappointed {n}", "Meh {n}"],
}
INSULTS = {
    "provocation": [
        "Ihr seid dumme Idioten {n}!!!",
        "Verpisst euch, ihr Betrüger {n}!!!",
        "Was für Vollidioten {n}, einfach nur peinlich!!!",
    ],
    "other": [
        "Schönes Wetter heute in Berlin {n}.",
        "Wir treffen uns morgen um {n} Uhr.",
        "Danke für die Einladung {n}.",
    ],
}


def write_set(path: Path, table: dict[str, list[str]], lang: str, copies: int = 3) -> None:
    with path.open("w", encoding="utf-8") as fh:
        n = 0
        for label, texts in table.items():
            for _ in range(copies):
                for text in texts:
                    n += 1
                    row = {"id": f"{path.stem}-{n}", "text": text.format(n=n), "lang": lang}
                    row |= {"label": label, "source_label": label}
                    if lang == "en":
                        row["rating"] = 5 if label == "praise" else 1
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def test_the_training_script_writes_a_loadable_weight_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = train_module()
    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    write_set(data / "dev-reviews-en.jsonl", REVIEWS, "en")
    write_set(data / "dev-insults-de.jsonl", INSULTS, "de")
    # the non-commercial set: reported on, never trained on
    write_set(data / "ctc-dev.jsonl", {"criticism": REVIEWS["criticism"]}, "en", copies=1)
    args = ["--data", str(data), "--out", str(out), "--folds", "2", "--jobs", "1"]
    assert train.main([*args, "--min-count", "1", "--keep", "300"]) == 0
    printed = capsys.readouterr().out
    assert "dev-reviews-en" in printed and "dev-insults-de" in printed
    assert "ctc-dev, report only" in printed

    path = out / "weights.json.gz"
    model = LearnedModel.load(path)
    assert set(model.meta["trained_on"]) == {"dev-reviews-en", "dev-insults-de"}
    assert 0 < model.size <= 2 * 300 + 100  # text features capped, rule features kept
    verdict = model.score("The app crashes since version 7.1, sync fails.", 1, "en")
    assert verdict.probabilities["criticism"] > 0.5
    assert verdict.reasons

    # the same data gives the same bytes
    first = path.read_bytes()
    assert train.main([*args, "--min-count", "1", "--keep", "300", "--no-cv"]) == 0
    assert path.read_bytes() == first


def test_the_training_script_refuses_the_noncommercial_rows(tmp_path: Path) -> None:
    train = train_module()
    (tmp_path / "dev-sneaky.jsonl").write_text(
        json.dumps({"id": "ctc-1", "text": "x", "lang": "en", "label": "criticism"}) + "\n"
    )
    with pytest.raises(SystemExit, match="CTC"):
        train.main(["--data", str(tmp_path), "--out", str(tmp_path / "out"), "--no-cv"])
