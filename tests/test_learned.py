"""The learned triage model beside the rules: its shipped weights, their calibration and
thresholds, its verdicts on obvious reviews in eight languages, its explanations, its
bounded reading, and the script that trains it.

No test here measures time. The long inputs are sized so that a reading that grew with
the square of the text (a megabyte: about 10^12 steps) would run for minutes; a bounded,
linear one takes milliseconds.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import math
import sys
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from replydesk.domain.models import Label
from replydesk.triage import learned
from replydesk.triage.learned import LearnedModel, WeightFileError, default_model, score
from replydesk.triage.rules import Rules

ROOT = Path(__file__).resolve().parents[1]
MODEL = resources.files("replydesk.triage") / "model"

PT_COMPLAINT = (
    "Desde a atualização 4.0 o aplicativo fecha sozinho quando abro o mapa no meu Motorola G8, "
    "e o pagamento com cartão dá erro 402."
)
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
    (
        "es",
        1,
        "Desde la actualización 3.1 la aplicación se cierra al abrir el mapa en mi Samsung "
        "Galaxy A52, y el pago con tarjeta da error 500.",
        "c",
    ),
    ("es", 1, "Sois unos ladrones y unos inútiles, panda de idiotas, ¡que os den!!!", "p"),
    ("es", 2, "Decepcionante, esperaba más.", "vague"),
    ("es", 5, "¡Muy buena aplicación, gracias!", "praise"),
    (
        "it",
        1,
        "Dopo l'aggiornamento alla versione 2.8 l'app si blocca quando apro la mappa sul mio "
        "Pixel 6, e la sincronizzazione con l'orologio non funziona più.",
        "c",
    ),
    ("it", 1, "Siete solo dei ladri e degli idioti, vergognatevi, andate a quel paese!!!", "p"),
    ("it", 2, "Deludente, mi aspettavo di più.", "vague"),
    ("it", 5, "Ottima app, grazie!", "praise"),
    ("pt", 1, PT_COMPLAINT, "c"),
    ("pt", 1, "Vocês são uns ladrões e uns idiotas, tenham vergonha, vão à merda!!!", "p"),
    ("pt", 2, "Decepcionante, esperava mais.", "vague"),
    ("pt", 5, "Ótimo aplicativo, obrigado!", "praise"),
]
LANGUAGES = {"en", "de", "ru", "el", "fr", "es", "it", "pt"}
# obvious cases the shipped model gets wrong, kept so that a retrained model that fixes
# them is noticed (strict xfail); model/README.md explains each
KNOWN_MISSES = {
    PT_COMPLAINT: "no Portuguese reviews to learn from: criticism reads Portuguese through "
    "the rules alone and stays below its threshold, while HateCheck's Portuguese templates "
    "make the provocation decision lean on Portuguese function words",
}
EXPECTED = {"c": Label.CRITICISM, "p": Label.PROVOCATION, "vague": None, "praise": None}


# --- the weight file ---------------------------------------------------------------------


def shipped() -> dict[str, Any]:
    raw = (MODEL / "weights.json.gz").read_bytes()
    data = learned.read_weights(raw, (MODEL / "weights.json.gz.sha256").read_text("utf-8"))
    return data


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


def test_the_shipped_weights_are_calibrated_and_say_how() -> None:
    data = shipped()
    meta = data["meta"]
    assert meta["calibration"].startswith("Platt scaling on 5-fold out-of-fold logits")
    assert meta["settings"]["folds"] == 5
    assert "precision >= 0.65" in meta["threshold_rule"]
    calibration = data["calibration"]
    assert len(calibration) == 2 and calibration != [[1.0, 0.0], [1.0, 0.0]]
    assert all(a > 0 for a, _ in calibration)
    thresholds = data["thresholds"]
    assert set(thresholds) == set(learned.HEADS)
    assert set(thresholds["criticism"]) == {"*"}
    # a threshold for each language the insult sets carry enough of
    assert {"*", "de", "el", "ru", "fr", "es", "it", "pt"} <= set(thresholds["provocation"])
    # the figures behind them, for every set trained on (and the report-only corpus)
    figures = meta["figures"]
    assert set(meta["trained_on"]) <= set(figures["cross-validated"])
    assert {f"{name} (unseen)" for name in meta["trained_on"]} <= set(figures["cross-set"])
    assert "ctc-dev.jsonl" in figures["report-only"]


def test_the_shipped_model_loads_once() -> None:
    model = default_model()
    assert model is default_model()
    assert model.size > 1000
    data = shipped()
    assert model.calibration == tuple(tuple(pair) for pair in data["calibration"])
    assert model.thresholds == data["thresholds"]
    for head in learned.HEADS:
        assert 0 < model.threshold(head, "") < 1


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
    write_weights(path, shipped() | {"format": "replydesk-triage-linear/1"})  # the old one
    with pytest.raises(WeightFileError, match="not a"):
        LearnedModel.load(path)
    write_weights(
        path, {"format": learned.FORMAT, "heads": list(learned.HEADS), "bias": [0.0, 0.0]}
    )
    with pytest.raises(WeightFileError, match="bad field"):
        LearnedModel.load(path)


BAD_FIELDS = [
    ("calibration", None),  # missing
    ("calibration", [[1.0, 0.0]]),  # one head only
    ("calibration", [[1.0, 0.0], [1.0]]),
    ("calibration", [[0.0, 0.0], [1.0, 0.0]]),  # a slope that does not rank
    ("calibration", [[-1.0, 0.0], [1.0, 0.0]]),
    ("calibration", [["x", 0.0], [1.0, 0.0]]),
    ("calibration", [[float("nan"), 0.0], [1.0, 0.0]]),
    ("calibration", {"criticism": [1.0, 0.0]}),
    ("thresholds", None),
    ("thresholds", [0.5, 0.5]),  # the format of version 1
    ("thresholds", {"criticism": {"*": 0.5}}),  # a head missing
    ("thresholds", {"criticism": {"*": 0.5}, "provocation": {"de": 0.4}}),  # no default
    ("thresholds", {"criticism": {"*": 1.5}, "provocation": {"*": 0.5}}),
    ("thresholds", {"criticism": {"*": 0.5}, "provocation": {"*": 0.5, "de": -0.1}}),
    ("thresholds", {"criticism": {"*": 0.5}, "provocation": {"*": 0.5, "DE": 0.4}}),
    ("thresholds", {"criticism": {"*": 0.5}, "provocation": {"*": "high"}}),
    ("thresholds", {"criticism": {"*": 0.5}, "provocation": {"*": 0.5}, "praise": {"*": 1}}),
    ("bias", [0.0, float("inf")]),
]


@pytest.mark.parametrize(("key", "value"), BAD_FIELDS)
def test_a_bad_calibration_or_threshold_is_refused(tmp_path: Path, key: str, value: object) -> None:
    data = shipped()
    if value is None:
        del data[key]
    else:
        data[key] = value
    path = tmp_path / "w.json.gz"
    write_weights(path, data)
    with pytest.raises(WeightFileError, match="bad field"):
        LearnedModel.load(path)


def with_fields(tmp_path: Path, **fields: object) -> LearnedModel:
    """The shipped weights with some fields replaced, loaded from a copy."""
    path = tmp_path / "w.json.gz"
    write_weights(path, shipped() | fields)
    return LearnedModel.load(path)


def test_the_calibration_is_applied(tmp_path: Path) -> None:
    """p = sigmoid(a z + b) on each head's raw logit z, and the explanation on the same
    (calibrated) log-odds scale."""
    identity = with_fields(tmp_path, calibration=[[1.0, 0.0], [1.0, 0.0]])
    scaled = with_fields(tmp_path, calibration=[[2.0, 0.5], [0.5, -1.0]])
    for lang, rating, text, _ in CASES:
        raw, calibrated = identity.score(text, rating, lang), scaled.score(text, rating, lang)
        for head, (a, b) in zip(learned.HEADS, ((2.0, 0.5), (0.5, -1.0)), strict=True):
            p = min(max(raw.probabilities[head], 1e-6), 1 - 1e-6)
            z = math.log(p / (1 - p))
            expected = 1 / (1 + math.exp(-(a * z + b)))
            assert calibrated.probabilities[head] == pytest.approx(expected, abs=2e-3)
            assert [c.feature for c in calibrated.contributions[head]] == [
                c.feature for c in raw.contributions[head]
            ]
            for c, r in zip(calibrated.contributions[head], raw.contributions[head], strict=True):
                assert c.weight == pytest.approx(a * r.weight, abs=2e-4)


def test_the_threshold_of_the_review_language_decides(tmp_path: Path) -> None:
    """A language's own provocation threshold, matched whole or by its first part; any
    other language falls back to "*"."""
    model = with_fields(
        tmp_path,
        thresholds={"criticism": {"*": 1.0}, "provocation": {"*": 1.0, "de": 0.0, "pt-br": 0.0}},
    )
    assert model.threshold("provocation", "de") == 0.0
    assert model.threshold("provocation", "de-AT") == 0.0  # by its first part
    assert model.threshold("provocation", "DE_ch") == 0.0  # case and _ aside
    assert model.threshold("provocation", "pt_BR") == 0.0  # matched whole
    assert model.threshold("provocation", "pt") == 1.0  # no "pt" of its own: "*"
    assert model.threshold("provocation", "fr") == 1.0
    assert model.threshold("provocation", "") == 1.0
    assert model.threshold("criticism", "de") == 1.0
    with pytest.raises(KeyError):
        model.threshold("praise", "de")
    text = "Ganz normaler Text ohne Besonderheiten."
    for lang in ("de", "de-AT", "de-CH", "pt-BR"):
        assert model.score(text, 3, lang).label == Label.PROVOCATION, lang
    for lang in ("fr", "en", "", "pt", "deu"):
        assert model.score(text, 3, lang).label is None, lang


def test_criticism_is_decided_before_provocation(tmp_path: Path) -> None:
    text = "Ihr seid doch alle dumme Idioten, verpisst euch!!!"
    both = with_fields(tmp_path, thresholds={"criticism": {"*": 0.0}, "provocation": {"*": 0.0}})
    assert both.score(text, 1, "de").label == Label.CRITICISM
    model = default_model()
    verdict = model.score(text, 1, "de")
    assert verdict.probabilities["provocation"] >= model.threshold("provocation", "de")
    assert verdict.probabilities["criticism"] < model.threshold("criticism", "de")
    assert verdict.label == Label.PROVOCATION


# --- verdicts and explanations -----------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "rating", "text", "kind"),
    [
        pytest.param(*case, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[case[2]]))
        if case[2] in KNOWN_MISSES
        else case
        for case in CASES
    ],
)
def test_obvious_reviews_get_the_expected_decision(
    lang: str, rating: int, text: str, kind: str
) -> None:
    verdict = score(text, rating, lang)
    assert verdict.label == EXPECTED[kind], verdict.probabilities
    assert set(verdict.probabilities) == {"criticism", "provocation"}
    assert all(0.0 <= p <= 1.0 for p in verdict.probabilities.values())


def test_every_language_in_the_cases() -> None:
    assert {lang for lang, *_ in CASES} == LANGUAGES
    for lang in LANGUAGES:
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
    """The fast path (per-word cache, sums) equals the training features times the
    weights, calibrated."""
    data = shipped()
    weights, bias, calibration = data["weights"], data["bias"], data["calibration"]
    rules = Rules()
    for lang, rating, text, _ in CASES:
        feats = learned.features(text, rating, lang, rules)
        verdict = score(text, rating, lang)
        for i, head in enumerate(learned.HEADS):
            logit = bias[i] + sum(v * weights[k][i] for k, v in feats.items() if k in weights)
            a, b = calibration[i]
            expected = 1 / (1 + math.exp(-(a * logit + b)))
            assert verdict.probabilities[head] == pytest.approx(expected, abs=2e-4)


def test_empty_and_odd_texts() -> None:
    for text in ("", "   ", "!!!", "😡😡😡", "12345"):
        verdict = score(text, None, "")
        assert verdict.label in (None, Label.CRITICISM, Label.PROVOCATION)
        assert verdict.chars_read == len(text)


# --- bounded reading ---------------------------------------------------------------------


def test_a_megabyte_is_read_up_to_the_cap() -> None:
    """A megabyte of varied words: the verdict is that of its first MAX_CHARS characters,
    explanation and all."""
    words = "crash sync login parcel refund support update version screen payment".split()
    big = " ".join(words[i % len(words)] + str(i % 97) for i in range(120_000))[:1_000_000]
    assert len(big) == 1_000_000
    model = default_model()
    verdict = model.score(big, 1, "en")
    assert verdict.chars_read == learned.MAX_CHARS
    assert verdict == model.score(big[: learned.MAX_CHARS], 1, "en")
    assert verdict.contributions["criticism"]


@pytest.mark.parametrize(
    "run",
    ["a" * 1_000_000, "!" * 1_000_000, "ab1" * 333_334, " " * 10**6, "Ω" * 1_000_000],
    ids=["one word", "punctuation", "letters and digits", "spaces", "non-ascii word"],
)
def test_a_megabyte_run_is_read_up_to_the_cap(run: str) -> None:
    """One endless word, or none: its letters are read up to MAX_WORD, the text up to
    MAX_CHARS, and the verdict is that of the capped text."""
    verdict = score(run, None, "en")
    assert verdict.chars_read == learned.MAX_CHARS
    assert verdict == score(run[: learned.MAX_CHARS], None, "en")


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
    small = ["--min-count", "1", "--keep", "300", "--keep-provocation", "300"]
    assert train.main([*args, *small]) == 0
    printed = capsys.readouterr().out
    assert "dev-reviews-en" in printed and "dev-insults-de" in printed
    assert "ctc-dev, report only" in printed

    path = out / "weights.json.gz"
    model = LearnedModel.load(path)
    assert set(model.meta["trained_on"]) == {"dev-reviews-en", "dev-insults-de"}
    assert 0 < model.size <= 2 * 300 + 100  # text features capped, rule features kept
    verdict = model.score("The app crashes since version 7.1, sync fails.", 1, "en")
    assert verdict.probabilities["criticism"] > 0.5
    assert verdict.label == Label.CRITICISM
    assert verdict.reasons
    # calibrated on the folds' held-out logits; thresholds by the rule, "*" only here
    # (no language has the rows for one of its own)
    assert model.meta["calibration"] == "Platt scaling on 2-fold out-of-fold logits"
    assert model.calibration != ((1.0, 0.0), (1.0, 0.0))
    assert {head: set(t) for head, t in model.thresholds.items()} == {
        "criticism": {"*"},
        "provocation": {"*"},
    }
    figures = model.meta["figures"]
    assert set(figures["cross-validated"]) >= {"dev-reviews-en", "dev-insults-de"}
    assert figures["report-only"]["ctc-dev.jsonl"]["rows"] == len(REVIEWS["criticism"])

    # the same data give the same bytes
    first = path.read_bytes()
    assert train.main([*args, *small]) == 0
    assert path.read_bytes() == first

    # without the cross-validation: the identity, and the file says so
    assert train.main([*args, *small, "--no-cv"]) == 0
    bare = LearnedModel.load(path)
    assert bare.calibration == ((1.0, 0.0), (1.0, 0.0))
    assert bare.thresholds == {"criticism": {"*": 0.5}, "provocation": {"*": 0.5}}
    assert bare.meta["calibration"].startswith("none")
    assert bare._words == model._words  # the same weights


def test_the_threshold_rule() -> None:
    """Criticism at the best macro-F1 on the review rows; provocation at the best F1
    among values reaching precision 0.65 (else the best F1), per language with enough
    rows; ties to the value nearest 0.5."""
    np = pytest.importorskip("numpy")
    train = train_module()
    rows, pc, pp = [], [], []

    def add(lang: str, label: str, p: float, copies: int) -> None:
        for _ in range(copies):
            rows.append(train.Row("dev-x", str(len(rows)), "", lang, label, None))
            pc.append(0.0)
            pp.append(p)

    for p, label, n in [
        (0.9, "provocation", 6), (0.3, "provocation", 4),
        (0.9, "other", 2), (0.5, "other", 20), (0.1, "other", 20),
    ]:  # fmt: skip
        add("xx", label, p, 50 * n)  # F1 0.67 at precision 0.75 from above 0.5
    for p, label, n in [(0.8, "provocation", 5), (0.8, "other", 10), (0.2, "other", 10)]:
        add("yy", label, p, 30 * n)  # precision 0.65 out of reach: the best F1
    add("zz", "provocation", 0.9, 99)  # too few for a threshold of its own
    add("zz", "other", 0.1, 500)
    for i, (p, label) in enumerate([(0.9, "criticism"), (0.7, "praise"), (0.2, "vague")] * 5):
        rows.append(train.Row("dev-r", f"r{i}", "", "en", label, 1))
        pc.append(p)
        pp.append(0.0)
    found = train.choose_thresholds(
        rows, np.array(pc), np.array(pp), np.ones(len(rows), dtype=bool)
    )
    assert found["criticism"] == {"*": 0.705}  # above 0.7 and up to 0.9: nearest 0.5
    assert found["provocation"]["xx"] == 0.505
    assert found["provocation"]["yy"] == 0.5
    assert "zz" not in found["provocation"]


def test_the_training_script_refuses_the_noncommercial_rows(tmp_path: Path) -> None:
    train = train_module()
    (tmp_path / "dev-sneaky.jsonl").write_text(
        json.dumps({"id": "ctc-1", "text": "x", "lang": "en", "label": "criticism"}) + "\n"
    )
    with pytest.raises(SystemExit, match="CTC"):
        train.main(["--data", str(tmp_path), "--out", str(tmp_path / "out"), "--no-cv"])
