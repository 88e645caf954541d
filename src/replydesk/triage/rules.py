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
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import TYPE_CHECKING

from replydesk.domain.models import Evidence, Label, Triage
from replydesk.domain.text import fold
from replydesk.languages import Lexicon
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
CRITICISM_AT = 2.6
PROVOCATION_AT = 1.5


@dataclass
class Tally:
    score: float = 0.0
    evidence: list[Evidence] = field(default_factory=list)

    def add(
        self,
        rule: str,
        weights: dict[str, tuple[float, int]],
        spans: Iterable[tuple[int, int]],
        text: str,
        kind: str,
    ) -> None:
        weight, cap = weights[rule]
        spans = list(spans)[:cap]
        for start, end in spans:
            self.score += weight
            self.evidence.append(
                Evidence(f"{kind}: {rule}", text[start:end][:80], start, end, weight)
            )


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

    def lexicon(self, codes: tuple[str, ...]) -> Lexicon:
        if codes not in self._lexicons:
            self._lexicons[codes] = self._build(codes)
        return self._lexicons[codes]

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
        lang = (language or "").split("-")[0].lower()
        if lang not in self._codes:
            return self.lexicon(self._codes)  # unknown language: every list we have
        chosen = [lang]
        if lang != BASE:
            chosen.append(BASE)  # English loanwords: app, update, login
        for code, script in self._scripts:
            if code != lang and script.search(text):
                chosen.append(code)
        return self.lexicon(tuple(chosen))

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
        folded = fold(text)
        if len(folded) != len(text):  # rare (ß, ligatures): keep spans honest
            folded = "".join(fold(ch)[:1] or " " for ch in text)
        found, tokens = self.lexicon_for(text, language).scan(folded)

        def lex(category: str) -> list[tuple[int, int]]:
            return found.get(category, [])

        def rx(pattern: re.Pattern[str]) -> list[tuple[int, int]]:
            return [m.span() for m in pattern.finditer(text)]

        # numbers are few: look for versions, ids, amounts and times only around them
        windows = [
            (max(0, m.start() - 2), min(len(text), m.end() + 4)) for m in NUMTOK.finditer(text)
        ]

        def near_numbers(pattern: re.Pattern[str]) -> list[tuple[int, int]]:
            spans: dict[int, tuple[int, int]] = {}
            for lo, hi in windows:
                for m in pattern.finditer(text, lo, hi):
                    spans.setdefault(m.start(), m.span())
            return sorted(spans.values())

        wide = bool(text) and max(text) > "\uffff"  # emoji live outside the BMP (mostly)

        def rx_if(flag: bool, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
            return rx(pattern) if flag else []

        spec, host = Tally(), Tally()
        versions = near_numbers(VERSION)
        spec.add("malfunction", SPECIFIC, lex("problem"), text, "specific")
        spec.add("product term", SPECIFIC, lex("product"), text, "specific")
        spec.add("version", SPECIFIC, versions, text, "specific")
        taken = {s for span in versions for s in range(*span)}
        spec.add(
            "order or reference id",
            SPECIFIC,
            [s for s in near_numbers(ORDER_ID) if s[0] not in taken],
            text,
            "specific",
        )
        spec.add("amount", SPECIFIC, near_numbers(MONEY), text, "specific")
        spec.add(
            "time or date",
            SPECIFIC,
            [s for s in near_numbers(CLOCK) if s[0] not in taken],
            text,
            "specific",
        )
        spec.add("duration", SPECIFIC, self._durations(folded, lex("units")), text, "specific")
        spec.add("device or OS", SPECIFIC, lex("device"), text, "specific")
        quotes = any(q in text for q in "\"“«„‘'")
        spec.add("quoted message", SPECIFIC, rx_if(quotes, QUOTE), text, "specific")
        spec.add("steps", SPECIFIC, lex("sequence"), text, "specific")
        spec.add("reasoning", SPECIFIC, lex("reasoning"), text, "specific")
        words = len(tokens)
        if words >= 40:  # people who explain at length are, as a rule, being specific
            bonus = 1.5 if words < 70 else 2.5
            spec.score += bonus
            spec.evidence.append(Evidence(f"specific: detailed ({words} words)", weight=bonus))

        host.add("insult", HOSTILE, lex("hostile"), text, "hostile")
        host.add("generic superlative", HOSTILE, lex("superlative"), text, "hostile")
        host.add("attack on people", HOSTILE, lex("attack"), text, "hostile")
        host.add("threat", HOSTILE, lex("threat"), text, "hostile")
        caps = [s for s in rx(CAPS) if not _is_code(text[s[0] : s[1]])]
        loud = {start for start, _ in lex("hostile") + lex("superlative")}
        if len(caps) >= 2 or (caps and (words <= 6 or caps[0][0] in loud)):
            host.add("shouting", HOSTILE, caps, text, "hostile")
        host.add("!!!", HOSTILE, rx_if("!" in text, BANGS), text, "hostile")
        host.add("repetition", HOSTILE, _repeats(tokens), text, "hostile")
        host.add("angry emoji", HOSTILE, rx_if(wide, ANGRY), text, "hostile")

        positive = lex("positive") + rx_if(wide or "\u2764" in text or "\u2b50" in text, HAPPY)
        vague = lex("vague")
        return self._decide(spec, host, positive, vague, rating, text, words)

    def _durations(self, folded: str, units: list[tuple[int, int]]) -> list[tuple[int, int]]:
        out = []
        for start, end in units:
            before = folded[max(0, start - 12) : start]
            m = re.search(r"(\d+|\w+)\s*$", before)
            if m and (m.group(1).isdigit() or m.group(1) in self._count_words):
                out.append((start - len(before) + m.start(), end))
        return out

    def _decide(
        self,
        spec: Tally,
        host: Tally,
        positive: list[tuple[int, int]],
        vague: list[tuple[int, int]],
        rating: int | None,
        text: str,
        words: int,
    ) -> Triage:
        reasons: list[Evidence] = []
        malfunction = any(e.rule.endswith("malfunction") for e in spec.evidence)
        happy = len(positive)
        for start, end in positive[:2]:
            reasons.append(Evidence("praise: positive words", text[start:end], start, end, 1.0))
        for start, end in vague[:2]:
            reasons.append(
                Evidence("vague: disappointment, no specifics", text[start:end], start, end, 1.0)
            )
        if rating is not None:
            reasons.append(Evidence(f"rating: {rating}★", weight=0.0))

        is_positive = (rating is not None and rating >= 4) or (
            rating is None
            and happy
            and not malfunction
            and words < 40
            and spec.score < CRITICISM_AT
        )
        if is_positive and host.score < PROVOCATION_AT and (not malfunction or rating == 5):
            label, margin = Label.PRAISE, 1.0 + happy
        elif spec.score >= CRITICISM_AT:
            label, margin = Label.CRITICISM, spec.score - CRITICISM_AT + 0.5
        elif host.score >= PROVOCATION_AT:
            label, margin = Label.PROVOCATION, host.score - PROVOCATION_AT + 0.5 - spec.score / 3
        else:
            label = Label.VAGUE
            margin = 0.5 + len(vague) - abs(spec.score - CRITICISM_AT / 2) / 3
            margin = min(margin, CRITICISM_AT - spec.score, PROVOCATION_AT - host.score + 0.3)
        evidence = {
            Label.CRITICISM: spec.evidence + host.evidence,
            Label.PROVOCATION: host.evidence + spec.evidence,
            Label.VAGUE: reasons[-3:] + spec.evidence + host.evidence,
            Label.PRAISE: reasons + spec.evidence,
        }[label]
        ordered = _dedupe(reasons + evidence if label != Label.VAGUE else evidence)
        score = round(0.5 + 0.5 * math.tanh(max(margin, 0.0) / 1.5), 3)
        return Triage(
            label=label, score=score, reasons=ordered[:8], method="rules", decided_by="rules"
        )


def _is_code(word: str) -> bool:
    """Upper-case tokens that are names, not shouting: QR, PDF, ERROR 503..."""
    return len(word) <= 4 or any(ch.isdigit() for ch in word)


def _repeats(words: list[tuple[str, int, int]]) -> list[tuple[int, int]]:
    """A word said again and again in a row: "pathetic. Pathetic!!!", "позор, позор"."""
    return [(a[1], b[2]) for a, b in pairwise(words) if a[0] == b[0] and len(a[0]) >= 3]


def _dedupe(evidence: list[Evidence]) -> list[Evidence]:
    seen, out = set(), []
    for e in evidence:
        key = (e.rule, e.start, e.quote)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out
