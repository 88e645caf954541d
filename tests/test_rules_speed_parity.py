"""Rules.classify after its speed-up: the same verdicts, reasons and spans as before.

``Rules`` and ``Lexicon`` skip work they can show to be useless: words that start no entry,
phrases the next word cannot go on with, regexes a cheap check rules out, Evidence for spans
a verdict never shows. The expected values below were produced by the rules before that
change (labels and scores since re-pinned for the criticism threshold of 1.5); they pin
what the shortcuts could break (phrases, ``word*`` entries, repeated words,
capped counts, shouting, "!!!", emoji, quotes, versions, ids, money, times, mixed scripts).
No test here measures time.
"""

from __future__ import annotations

import re
from itertools import groupby

import pytest

from replydesk.domain.models import Evidence
from replydesk.domain.text import fold
from replydesk.languages.lexicon import GAPS, WORD, Lexicon
from replydesk.triage import rules
from replydesk.triage.rules import Rules

RULES = Rules()

# (language, rating, text, label, score, the reasons' rules in order: "x3" for three in a row)
# fmt: off
TABLE = [
    ("en", 2, "Crashes on the scan screen since updating to 5.2.0 on my iPhone 12 (iOS 17.4). "
     "Tried reinstalling twice.",
     "criticism", 0.999, "2★, malfunction x2, product term x2, version, device or OS, steps"),
    ("en", 1, "WORST APP EVER!!! Pathetic clowns, total garbage. You people are idiots.",
     "provocation", 1.0, "1★, insult x3, generic superlative x2, attack on people, shouting"),
    ("en", None, "Not what I expected. Disappointed.",
     "vague", 0.881, "disappointment, no specifics x2"),
    ("en", 5, "Love it, works great 👍",
     "praise", 0.995, "positive words x2, 5★"),
    ("en", None, "Order #123456 charged 49,99 € twice, refund still missing after 3 days.",
     "criticism", 0.999,
     "malfunction x2, product term, order or reference id, amount, duration, steps x2"),
    ("en", 1, "Idiot idiot idiot developers, crash crash crash",
     "criticism", 0.791, "1★, malfunction x2, insult x3, repetition"),
    ("en", 2, "The error says \"Session expired\" every time I log in at 10:30.",
     "criticism", 0.97, "2★, malfunction, product term, time or date, quoted message, steps"),
    ("en", 1, "STOP STEALING MY MONEY. FIX THIS NOW",
     "vague", 0.583, "1★, shouting x2"),
    ("en", None, "stupid stupid stupid stupid app",
     "provocation", 0.995, "insult x3, repetition, product term"),
    ("en", None, "😡😡😡😡 horrible",
     "provocation", 0.894, "generic superlative, angry emoji x3"),
    ("en", 2, "bugs bugs bugs after the update, crashed, froze, freezing",
     "criticism", 0.935, "2★, malfunction x2, product term, steps, repetition"),
    ("en", None, "The app вылетает after the update",
     "criticism", 0.881, "malfunction, product term x2, steps"),
    ("", None, "crash, ошибка, σφάλμα!!!",
     "criticism", 0.791, "malfunction x2, !!!"),
    ("de", 1, "Seit dem Update stürzt die App ab, Absturz jedes Mal wenn ich mich anmelde. "
     "Version 3.1.4",
     "criticism", 0.998, "1★, malfunction x2, product term x3, version, steps"),
    ("de", 1, "Ihr seid alle unfähige Idioten, das letzte!!!",
     "provocation", 0.999, "1★, insult x2, generic superlative, attack on people, !!!"),
    ("de", 3, "Leider enttäuscht, hatte mehr erwartet.",
     "vague", 0.881, "disappointment, no specifics x2, 3★"),
    ("de", 5, "Super App, danke!",
     "praise", 0.982, "positive words x2, 5★, product term"),
    ("fr", 1, "L'appli plante depuis la mise à jour 4.2, à chaque fois que je me connecte. "
     "Erreur 503.",
     "criticism", 0.998, "1★, malfunction x2, product term x2, version, duration, steps"),
    ("fr", 1, "Vous êtes tous des crétins, le pire service, je vais porter plainte",
     "provocation", 0.998, "1★, insult, generic superlative x2, attack on people, threat"),
    ("fr", None, "Déçu. Je m'attendais à mieux.",
     "vague", 0.881, "disappointment, no specifics x2"),
    ("es", 2, "La app se cierra sola cada vez que abro el pedido ES-12345, desde hace 2 días.",
     "criticism", 0.999,
     "2★, malfunction x2, product term x2, order or reference id, duration, steps"),
    ("es", 1, "Sois unos inútiles, la peor app, mierda!!!",
     "provocation", 0.998,
     "1★, insult x2, generic superlative, attack on people, !!!, product term"),
    ("es", None, "Gracias, excelente servicio",
     "praise", 0.982, "positive words x2"),
    ("ru", 1, "Приложение вылетает после обновления до версии 2.3, каждый раз при входе. "
     "Уже 3 дня.",
     "criticism", 0.997, "1★, malfunction, product term x3, version, duration, steps"),
    ("ru", 1, "Вы все идиоты, худшее приложение, позор, позор!!!",
     "provocation", 1.0, "1★, insult x3, generic superlative, attack on people, !!!, repetition"),
    ("ru", None, "Так себе, ожидал большего.",
     "vague", 0.881, "disappointment, no specifics x2"),
    ("el", 2, "Η εφαρμογή κολλάει κάθε φορά μετά την ενημέρωση 1.2.3, σφάλμα σύνδεσης.",
     "criticism", 0.995, "2★, malfunction x2, product term x2, version, steps x2"),
    ("el", 1, "Είστε όλοι άχρηστοι απατεώνες, το χειρότερο!!!",
     "provocation", 0.999, "1★, insult x2, generic superlative x2, attack on people, !!!"),
    ("el", None, "Ευχαριστώ, εξαιρετική εξυπηρέτηση",
     "praise", 0.982, "positive words x2"),
    ("it", 2, "La app si blocca ogni volta dopo l’aggiornamento alla versione 7.1, pagato 9,99 €.",
     "criticism", 0.998, "2★, malfunction, product term x3, version, amount, steps"),
    ("it", 1, "Siete degli idioti incapaci, la peggiore app, avvocato!",
     "provocation", 0.999,
     "1★, insult x2, generic superlative, attack on people, threat, product term"),
    ("pt", 2, "O aplicativo trava toda vez depois da atualização, versão 2.0.1, "
     "desde 12/03 às 08h15.",
     "criticism", 0.999, "2★, malfunction, product term x3, version, time or date x2"),
    ("pt", 1, "Vocês são uns burros, péssimo app, vou processar vocês",
     "provocation", 0.992,
     "1★, insult, generic superlative, attack on people, threat, product term"),
    ("pt", None, "Obrigado, ótimo aplicativo ❤",
     "praise", 0.995, "positive words x2, product term"),
]
# fmt: on


def _rules(reasons: list[Evidence]) -> str:
    names = [e.rule.split(": ", 1)[1] for e in reasons]  # "hostile: insult" -> "insult"
    runs = [(name, len(list(run))) for name, run in groupby(names)]
    return ", ".join(name if n == 1 else f"{name} x{n}" for name, n in runs)


@pytest.mark.parametrize(("language", "rating", "text", "label", "score", "reasons"), TABLE)
def test_verdicts_are_what_they_were(language, rating, text, label, score, reasons):
    verdict = RULES.classify(text, rating, language)
    assert (verdict.label, verdict.score) == (label, score)
    assert _rules(verdict.reasons) == reasons


V = "vague: disappointment, no specifics"


@pytest.mark.parametrize(
    ("language", "rating", "text", "expected"),
    [
        (  # a phrase spans its words; the next match starts after it
            "en",
            None,
            "Not what I expected. Disappointed.",
            ("vague", [(V, "Not what I expected", 0, 19, 1.0), (V, "Disappointed", 21, 33, 1.0)]),
        ),
        (  # a word said twice: each an insult, and a repetition quoted across both
            "ru",
            1,
            "Вы все идиоты, худшее приложение, позор, позор!!!",
            (
                "provocation",
                [
                    ("rating: 1★", "", -1, -1, 0.0),
                    ("hostile: insult", "идиоты", 7, 13, 1.5),
                    ("hostile: insult", "позор", 34, 39, 1.5),
                    ("hostile: insult", "позор", 41, 46, 1.5),
                    ("hostile: generic superlative", "худшее", 15, 21, 0.8),
                    ("hostile: attack on people", "Вы все", 0, 6, 1.5),
                    ("hostile: !!!", "!!!", 46, 49, 0.6),
                    ("hostile: repetition", "позор, позор", 34, 46, 0.6),
                ],
            ),
        ),
        (  # a run of "!" counts from the "?" before it, once
            "en",
            None,
            "Why?!?! Refund me now!!!111 Useless!?",
            (
                "provocation",
                [
                    ("hostile: insult", "Useless", 28, 35, 1.5),
                    ("hostile: !!!", "?!?!", 3, 7, 0.6),
                    ("specific: malfunction", "Refund", 8, 14, 1.0),
                ],
            ),
        ),
        (  # praise quoted from a word and an emoji, yet hostile and specific
            "en",
            None,
            "Love it ❤ but it crashes 😡 every time, 3 times a day. You people!!!",
            (  # rude but specific: criticism, the specifics first
                "criticism",
                [
                    ("praise: positive words", "Love", 0, 4, 1.0),
                    ("praise: positive words", "❤", 8, 9, 1.0),
                    ("specific: malfunction", "crashes", 17, 24, 1.0),
                    ("specific: duration", "3 times", 39, 46, 0.8),
                    ("specific: steps", "every time", 27, 37, 0.5),
                    ("hostile: attack on people", "You people", 54, 64, 1.5),
                    ("hostile: !!!", "!!!", 64, 67, 0.6),
                    ("hostile: angry emoji", "😡", 25, 26, 0.6),
                ],
            ),
        ),
    ],
)
def test_reasons_quote_the_same_places(language, rating, text, expected):
    verdict = RULES.classify(text, rating, language)
    reasons = [(e.rule, e.quote, e.start, e.end, e.weight) for e in verdict.reasons]
    assert (verdict.label, reasons) == expected


def test_a_long_review_is_read_up_to_max_chars_with_a_note_first():
    text = "The app crashes every time I open it. " * 10
    verdict = Rules(max_chars=60).classify(text, 1, "en")
    assert (verdict.label, verdict.score) == ("criticism", 0.966)
    assert verdict.reasons == [
        Evidence("note: read the first 60 of 380 characters", "", 0, 60, 0.0),
        Evidence("rating: 1★", "", -1, -1, 0.0),
        Evidence("specific: malfunction", "crashes", 8, 15, 1.0),
        Evidence("specific: malfunction", "crashes", 46, 53, 1.0),
        Evidence("specific: product term", "app", 4, 7, 0.5),
        Evidence("specific: product term", "app", 42, 45, 0.5),
        Evidence("specific: steps", "every time", 16, 26, 0.5),
    ]


def test_a_second_pass_over_warm_caches_says_the_same():
    rules_ = Rules()
    first = [rules_.classify(text, rating, lang) for lang, rating, text, *_ in TABLE]
    again = [rules_.classify(text, rating, lang) for lang, rating, text, *_ in TABLE]
    assert first == again == [RULES.classify(t, r, lang) for lang, r, t, *_ in TABLE]


@pytest.mark.parametrize(
    "text",
    ["", " ", "!!", "a", " a", "a ", "  a, b!  ", "snake_case x1", "é-è ß ﬁ", "١٢ x²", "a" * 100],
)
def test_scan_splits_words_as_WORD_does(text):
    lex = Lexicon("empty").freeze()
    found, words = lex.scan(text)
    assert dict(found) == {}
    assert words == [(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]


def _lexicon():
    lex = Lexicon("test")
    for term, category in [
        ("never again", "vague"),  # a phrase before a word of its category: it wins there
        ("never", "vague"),
        ("never", "threat"),
        ("sue", "threat"),  # a word before a phrase of its category: the phrase never counts
        ("sue you", "threat"),
        ("ожидал* больш*", "vague"),
        ("who * you", "attack"),  # any one word between
        ("crash*", "problem"),
        ("not work*", "problem"),
        ("not", "negation"),
    ]:
        lex.add(term, category)
    return lex.freeze()


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (
            "Never again! I never... sue you. sue",
            {"vague": [(0, 11), (15, 20)], "threat": [(0, 5), (15, 20), (24, 27), (33, 36)]},
        ),
        ("Ожидала большего, who are you, who you", {"vague": [(0, 16)], "attack": [(18, 29)]}),
        (
            "crashes, CRASHED; not working, not now, not",
            {"problem": [(0, 7), (9, 16), (18, 29)], "negation": [(18, 21), (31, 34), (40, 43)]},
        ),
    ],
)
def test_phrases_prefixes_and_one_span_per_category_and_place(text, found):
    lex = _lexicon()
    assert dict(lex.scan(fold(text))[0]) == found
    assert dict(lex.find(fold(text)).found) == found


def test_a_freak_word_is_matched_but_not_remembered():
    lex = _lexicon()
    word = "crash" + "x" * 100
    assert dict(lex.scan(word)[0]) == {"problem": [(0, 105)]}
    assert word not in lex.plans


HOSTILE = {
    "letters": "a" * 200_000,
    "words": "ab " * 70_000,
    "gaps": "!?" * 100_000,
    "digits": "1" * 200_000,
    "capitals": "ABCDÉ" * 40_000,
    "emoji": "\U0001f621" * 200_000,
}


@pytest.mark.parametrize(
    "pattern", [GAPS, rules.DIGIT, rules.CAPS_RUN, rules.ASTRAL, rules.EMOJI], ids=repr
)
def test_the_new_cheap_checks_are_linear(pattern: re.Pattern[str]):
    for text in HOSTILE.values():
        assert all(m.end() <= len(text) for m in pattern.finditer(text))


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_text_is_scanned_and_classified(name):
    text = HOSTILE[name]
    assert len(RULES.lexicon(("en",)).find(fold(text)).words) == len(WORD.findall(text))
    assert RULES.classify(text, None, "en").label is not None
