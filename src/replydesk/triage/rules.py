"""Provocation or criticism, by explainable rules (house style T1-T3).

Two tallies are kept, each from evidence that can be quoted back: how *specific* a
review is (product terms, malfunctions, numbers, versions, order ids, prices, durations,
dates, devices, quoted messages, steps, reasoning, length) and how *hostile* it is
(insults, generic superlatives, attacks on people, threats, shouting, runs of !!!,
repetition). Specific content outweighs rudeness: rude but specific is criticism, to be
answered calmly; hostile and generic is provocation; negative but neither is vague (ask
what happened); positive is praise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain, compress, count, islice
from operator import eq
from typing import TYPE_CHECKING

from replydesk.domain.models import Evidence, Label, Triage
from replydesk.domain.text import fold_aligned
from replydesk.languages import Lexicon
from replydesk.languages.lexicon import Scan
from replydesk.languages.registry import BASE, TRIAGE_KEYS, TRIAGE_OPTIONAL, registry

if TYPE_CHECKING:
    from replydesk.config.models import TriageConfig

# the packs' triage.json categories; device names every language writes the same way
CATEGORIES = (*TRIAGE_KEYS, *TRIAGE_OPTIONAL)
COMMON = {
    "device": [
        "iphone*",
        "ipad*",
        "ios",
        "android",
        "pixel",
        "samsung",
        "galaxy",
        "xiaomi",
        "redmi",
        "huawei",
        "oneplus",
        "motorola",
        "windows",
        "macos",
        "chrome",
        "safari",
        "firefox",
        "macbook",
        "ipados",
    ]
}

# language-independent signals, matched on the original text. Review text is hostile
# input: every pattern below runs in linear time (no two unbounded quantifiers over
# overlapping classes side by side; a start inside a run that cannot match is ruled out
# by a look-behind, so a run is never rescanned from each of its characters; possessive
# quantifiers where giving back can never help). tests/test_hostile_input.py holds them
# to it.
VERSION = re.compile(r"(?<![\w.])v?+\d++\.\d++(?:\.\d++)*+(?!(?:[^\W\d]|\.)*+\d)")
ORDER_ID = re.compile(
    r"(?<!\w)(?:[A-Za-z]{1,5}-?\d{3,}(?:-[A-Za-z0-9]+)?|#\d{3,}|"
    r"\d{2,}-\d{3,}(?:-[A-Za-z]{1,3})?|\d{5,}(?:-[A-Za-z]{1,3})?)(?!\w)"
)
MONEY = re.compile(
    r"(?:[€$£₽]\s?\d++(?:[.,]\d+)?|(?<!\d)\d++(?:[.,]\d++)?+\s?(?:€|\$|£|₽|eur\b|usd\b|"
    r"руб))",
    re.I,
)
CLOCK = re.compile(
    r"(?<![\d:])\d{1,2}[:h]\d{2}(?![\d:])|(?<!\d)\d{1,2}[./]\d{1,2}"
    r"(?:[./]\d{2,4})?(?![\d.])|\b20\d\d-\d\d-\d\d\b"
)
QUOTE = re.compile(r"[\"“«„‘']([^\"”»“'’\n]{3,80})[\"”»“'’]")
CAPS = re.compile(r"(?<!\w)[A-ZÀ-ÖØ-ÞА-ЯЁΑ-Ω]{3,}(?!\w)")
# a run of ! and ? holding at least two !, and the 1s of "!!!111" after it
BANGS = re.compile(r"(?<![!?])\?*+!\?*+![!?1]*+")
ANGRY = re.compile("[\U0001f620\U0001f621\U0001f92c\U0001f44e\U0001f4a9\U0001f595\U0001f92e]")
HAPPY = re.compile(
    "[\U0001f60a\U0001f600\U0001f603\U0001f44d\U0001f64f\u2764\U0001f60d\U0001f389\u2b50]"
)
# a whitespace-delimited token holding a digit (not r"\S*\d\S*": quadratic on a long run)
NUMTOK = re.compile(r"(?<!\S)[^\s\d]*+\d\S*+")
# cheap checks first: a look-behind at the start keeps the regex engine from skipping ahead
# to a likely character, so the patterns above try every position; these do not
DIGIT = re.compile(r"\d")  # no digit: no version, id, amount or time to look for
CAPS_RUN = re.compile("[A-ZÀ-ÖØ-ÞА-ЯЁΑ-Ω]" * 3)  # where CAPS can first match ({3} is slower)
ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # emoji live outside the BMP (mostly)
EMOJI = re.compile("[\u2764\u2b50\U00010000-\U0010ffff]")  # what HAPPY and ANGRY need
COUNTED = re.compile(r"(\d+|\w+)\s*$")  # the count before a time unit (read 12 characters)
MAX_CHARS = 20_000  # the default of [triage] max_chars

# weights and caps per rule: (weight per match, most matches counted)
SPECIFIC = {
    "malfunction": (1.0, 2),
    "product term": (0.5, 3),
    "version": (1.0, 1),
    "order or reference id": (1.2, 1),
    "amount": (1.0, 1),
    "time or date": (0.8, 2),
    "duration": (0.8, 1),
    "device or OS": (1.0, 1),
    "quoted message": (0.8, 1),
    "steps": (0.5, 2),
    "reasoning": (0.6, 3),
}
HOSTILE = {
    "insult": (1.5, 3),
    "generic superlative": (0.8, 3),
    "attack on people": (1.5, 1),
    "threat": (1.0, 1),
    "shouting": (0.6, 2),
    "!!!": (0.6, 1),
    "repetition": (0.6, 1),
    "angry emoji": (0.6, 3),
}
# one concrete detail with some context is enough to be criticism ("the game crashes
# when I open the map"): at 2.6 short bug reports without numbers fell to vague; 1.5
# raised criticism-vs-rest macro-F1 on every labelled review set we measure on
# (docs/triage.md), and specificity is still checked before hostility
CRITICISM_AT = 1.5
PROVOCATION_AT = 1.5


Reason = tuple[str, str, int, int, float]  # Evidence's fields: rule, quote, start, end, weight


@dataclass(slots=True)
class Tally:
    """A score and the spans behind it, rule by rule. Spans are quoted and made into
    Evidence only when shown (``show``): a verdict shows at most 8 of them."""

    kind: str
    weights: dict[str, tuple[float, int]]
    score: float = 0.0
    found: list[tuple[str, float, Sequence[tuple[int, int]]]] = field(default_factory=list)

    def add(self, rule: str, spans: Sequence[tuple[int, int]] | None) -> None:
        if not spans:
            return
        weight, cap = self.weights[rule]
        spans = spans[:cap]
        for _ in spans:
            self.score += weight  # one addition per match: the sum rounds as it always did
        self.found.append((rule, weight, spans))

    def bonus(self, rule: str, weight: float) -> None:
        """Weight for the review as a whole, not for a span of it."""
        self.score += weight
        self.found.append((rule, weight, ((-1, -1),)))

    def show(self, text: str, shown: list[Evidence], most: int) -> None:
        """Quote this tally's spans into ``shown``, in order, until it holds ``most``."""
        for rule, weight, spans in self.found:
            if len(shown) == most:
                return
            name = f"{self.kind}: {rule}"
            for start, end in spans[: most - len(shown)]:
                quote = text[start:end][:80] if start >= 0 else ""
                shown.append(Evidence(name, quote, start, end, weight))


class Rules:
    """Compiled once per workspace; ``classify`` is pure and fast."""

    def __init__(
        self,
        glossary: Iterable[str] = (),
        extra_hostile: dict[str, list[str]] | None = None,
        extra_specific: dict[str, list[str]] | None = None,
        max_chars: int = MAX_CHARS,
    ) -> None:
        glossary = list(glossary)
        self.max_chars = max_chars  # a longer text is read up to here (a huge one costs no more)
        self._packs = registry()  # the language packs, as they are now
        self._codes = self._packs.codes()
        self._scripts = self._packs.script_hints  # Cyrillic in an "English" review: add ru
        self._count_words = self._packs.count_words
        self.extra = {
            lang: {
                "hostile": list((extra_hostile or {}).get(lang, [])),
                "product": [*glossary, *(extra_specific or {}).get(lang, [])],
            }
            for lang in self._codes
        }
        self._lexicons: dict[tuple[str, ...], Lexicon] = {}
        self._chosen: dict[str, tuple[str, ...]] = {}  # language as given -> its packs

    def lexicon(self, codes: tuple[str, ...]) -> Lexicon:
        lex = self._lexicons.get(codes)
        if lex is None:
            lex = self._lexicons[codes] = self._build(codes)
        return lex

    def _build(self, codes: tuple[str, ...]) -> Lexicon:
        """One matcher over several languages' lists plus the user's additions."""
        lex = Lexicon("+".join(codes))
        for category, terms in COMMON.items():
            for term in terms:
                lex.add(term, category)
        for code in codes:
            lists, extra = self._packs.pack(code).triage, self.extra.get(code, {})
            for category in CATEGORIES:
                for term in [*lists.get(category, ()), *extra.get(category, [])]:
                    lex.add(term, category)
        return lex.freeze()

    @classmethod
    def from_config(cls, triage_config: TriageConfig) -> Rules:
        return cls(
            triage_config.glossary,
            triage_config.extra_hostile,
            triage_config.extra_specific,
            max_chars=triage_config.max_chars,
        )

    def lexicon_for(self, text: str, language: str) -> Lexicon:
        chosen = self._chosen.get(language)
        if chosen is None:
            chosen = self._languages(language)
            if len(self._chosen) < 1_000:  # "language" comes from the reviews: bound it
                self._chosen[language] = chosen
        if not chosen:
            return self.lexicon(self._codes)  # unknown language: every list we have
        extra = [
            code for code, script in self._scripts if code != chosen[0] and script.search(text)
        ]
        return self.lexicon((*chosen, *extra) if extra else chosen)

    def _languages(self, language: str) -> tuple[str, ...]:
        """The packs for ``language`` before the text's scripts are seen; () if unknown."""
        lang = (language or "").split("-")[0].lower()
        if lang not in self._codes:
            return ()
        return (lang,) if lang == BASE else (lang, BASE)  # English loanwords: app, login

    def classify(self, text: str, rating: int | None = None, language: str = "") -> Triage:
        text = text or ""
        if len(text) > self.max_chars:  # the opening says what it is about; the rest waits
            cut = Evidence(
                f"note: read the first {self.max_chars:,} of {len(text):,} characters",
                start=0,
                end=self.max_chars,
            )
            verdict = self._classify(text[: self.max_chars], rating, language)
            return replace(verdict, reasons=[cut, *verdict.reasons][:8])
        return self._classify(text, rating, language)

    def _classify(self, text: str, rating: int | None, language: str) -> Triage:
        folded = fold_aligned(text)  # rare ß or ligature: spans stay honest
        scan = self.lexicon_for(text, language).find(folded)
        found, words = scan.found, len(scan.words)
        lex = found.get  # None for a category with no match

        spec = Tally("specific", SPECIFIC)
        spec.add("malfunction", lex("problem"))
        spec.add("product term", lex("product"))
        if digit := DIGIT.search(text):
            _numbers(text, digit.start(), spec)
        if units := lex("units"):
            spec.add("duration", self._durations(folded, units))
        spec.add("device or OS", lex("device"))
        if any(q in text for q in "\"“«„‘'"):
            spec.add("quoted message", _spans(QUOTE, text))
        spec.add("steps", lex("sequence"))
        spec.add("reasoning", lex("reasoning"))
        if words >= 40:  # people who explain at length are, as a rule, being specific
            spec.bonus(f"detailed ({words} words)", 1.5 if words < 70 else 2.5)

        host = Tally("hostile", HOSTILE)
        host.add("insult", lex("hostile"))
        host.add("generic superlative", lex("superlative"))
        host.add("attack on people", lex("attack"))
        host.add("threat", lex("threat"))
        if run := CAPS_RUN.search(text):
            caps = [s for s in _spans(CAPS, text, run.start()) if not _is_code(text[s[0] : s[1]])]
            loud = chain(lex("hostile") or (), lex("superlative") or ())
            if caps and (
                len(caps) >= 2 or words <= 6 or any(start == caps[0][0] for start, _ in loud)
            ):
                host.add("shouting", caps)
        if "!" in text:  # a match starts at the first "!" or at the "?"s right before it
            host.add("!!!", _spans(BANGS, text, len(text[: text.index("!")].rstrip("?"))))
        host.add("repetition", _repeats(scan))
        positive = lex("positive") or []
        if emoji := EMOJI.search(text):
            if ASTRAL.search(text, emoji.start()):
                host.add("angry emoji", _spans(ANGRY, text, emoji.start()))
            positive = positive + _spans(HAPPY, text)
        malfunction = bool(lex("problem"))
        return self._decide(
            spec, host, malfunction, positive, lex("vague") or [], rating, text, words
        )

    def _durations(self, folded: str, units: list[tuple[int, int]]) -> list[tuple[int, int]]:
        out = []
        for start, end in units:
            before = folded[max(0, start - 12) : start]
            m = COUNTED.search(before)
            if m and (m.group(1).isdigit() or m.group(1) in self._count_words):
                out.append((start - len(before) + m.start(), end))
        return out

    def _decide(
        self,
        spec: Tally,
        host: Tally,
        malfunction: bool,
        positive: list[tuple[int, int]],
        vague: list[tuple[int, int]],
        rating: int | None,
        text: str,
        words: int,
    ) -> Triage:
        reasons: list[Reason] = []
        happy = len(positive)
        praise = positive[:2]
        if len(praise) == 2 and praise[0] == praise[1]:
            praise = praise[:1]  # a word and an emoji at one place (folding shifted it)
        for start, end in praise:
            reasons.append(("praise: positive words", text[start:end], start, end, 1.0))
        for start, end in vague[:2]:
            reasons.append(
                ("vague: disappointment, no specifics", text[start:end], start, end, 1.0)
            )
        if rating is not None:
            reasons.append((f"rating: {rating}★", "", -1, -1, 0.0))

        is_positive = (rating is not None and rating >= 4) or (
            rating is None
            and happy
            and not malfunction
            and words < 40
            and spec.score < CRITICISM_AT
        )
        then: tuple[Tally, ...]  # whose evidence follows the reasons
        if is_positive and host.score < PROVOCATION_AT and (not malfunction or rating == 5):
            label, margin, then = Label.PRAISE, 1.0 + happy, (spec,)
        elif spec.score >= CRITICISM_AT:
            label, margin = Label.CRITICISM, spec.score - CRITICISM_AT + 0.5
            then = spec, host
        elif host.score >= PROVOCATION_AT:
            label, margin = Label.PROVOCATION, host.score - PROVOCATION_AT + 0.5 - spec.score / 3
            then = host, spec
        else:
            label = Label.VAGUE
            margin = 0.5 + len(vague) - abs(spec.score - CRITICISM_AT / 2) / 3
            margin = min(margin, CRITICISM_AT - spec.score, PROVOCATION_AT - host.score + 0.3)
            reasons, then = reasons[-3:], (spec, host)
        # no reason is listed twice (a rule quotes each place once), so the first 8 are shown
        shown = [Evidence(*reason) for reason in reasons]
        for tally in then:
            tally.show(text, shown, 8)
        score = round(0.5 + 0.5 * math.tanh(max(margin, 0.0) / 1.5), 3)
        return Triage(label=label, score=score, reasons=shown, method="rules", decided_by="rules")


def _spans(pattern: re.Pattern[str], text: str, pos: int = 0) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text, pos)]


def _numbers(text: str, first_digit: int, spec: Tally) -> None:
    """Versions, ids, amounts and times, looked for only around the (few) numbers."""
    # no token before the first digit's holds one: start there (or earlier, after a space)
    tokens = NUMTOK.finditer(text, text.rfind(" ", 0, first_digit) + 1)
    windows = [(max(0, m.start() - 2), min(len(text), m.end() + 4)) for m in tokens]

    def near_numbers(pattern: re.Pattern[str]) -> list[tuple[int, int]]:
        spans: dict[int, tuple[int, int]] = {}
        for lo, hi in windows:
            for m in pattern.finditer(text, lo, hi):
                spans.setdefault(m.start(), m.span())
        return sorted(spans.values())

    versions = near_numbers(VERSION)
    spec.add("version", versions)
    taken = {s for span in versions for s in range(*span)}
    spec.add("order or reference id", [s for s in near_numbers(ORDER_ID) if s[0] not in taken])
    spec.add("amount", near_numbers(MONEY))
    spec.add("time or date", [s for s in near_numbers(CLOCK) if s[0] not in taken])


def _is_code(word: str) -> bool:
    """Upper-case tokens that are names, not shouting: QR, PDF, ERROR 503..."""
    return len(word) <= 4 or any(ch.isdigit() for ch in word)


def _repeats(scan: Scan) -> list[tuple[int, int]]:
    """A word said again and again in a row: "pathetic. Pathetic!!!", "позор, позор".
    The pairs are compared in C; Python looks only at pairs of the same word."""
    words = scan.words
    same = compress(count(), map(eq, words, islice(words, 1, None)))
    return [(scan.span(i)[0], scan.span(i + 1)[1]) for i in same if len(words[i]) >= 3]
