"""Commitments in a reply, by multilingual rules: what, kind, and when it is due.

Kinds: fix, refund, bonus (an item of the catalogue), callback, info. A replacement ("we
will send you a new one") is a refund: both make good what was bought. Due dates come
from the sentence that makes the promise: an explicit date, a version on the release
calendar ("in 5.4"), "tomorrow", "next week", "by Friday", "within 5 days" (hours, weeks),
or "in the next update" resolved against the release calendar; otherwise the post date plus the
configured default. Dates are calendar days in the workspace's time zone. A reply that
promises nothing yields nothing.

What counts as a promise is in each pack's ``promises.json``, not here, written as phrase
families (``replydesk.languages.families``: ``word*``, ``a|b``, ``~`` gaps). A match
does not count when:

* its sentence is a question;
* a ``condition`` ("if", "perhaps") comes before it in its sentence, sits inside it or
  just after it;
* a ``hedge`` (a negation or refusal, "hope", "try", "whether") sits inside it, or near
  it in the same clause (commas, semicolons, colons and dashes end a clause).

A ``contrast`` word ("but") ends a clause for both. A ``hedge`` or ``condition`` entry
written ``!phrase`` is an exception: no entry starting inside the phrase counts ("non
appena" is "as soon as", not a negation). Only the reply language's
pack says what blocks a promise; the promises themselves are also read in English.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from replydesk.config import Release
from replydesk.domain.text import fold, fold_aligned
from replydesk.languages import BASE, LanguagePack, Lexicon, known, pack
from replydesk.languages.families import Book, Pattern, Reading
from replydesk.languages.lexicon import WORD
from replydesk.languages.registry import number_words, weekday_stems

KINDS = ("fix", "refund", "callback", "info")
WHEN = ("next_update", "tomorrow", "next_week", "within", "within_weeks", "within_hours", "weekday")
BLOCKERS = ("hedge", "condition", "contrast")
ISO = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")
DOTTED = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(20\d\d|\d\d)?(?![\d])")
BEFORE = 6  # how many words before a match a hedge reaches (in its clause)
AFTER = 5  # ... and after it ("wir erstatten die Kosten leider nicht")
AFTER_CONDITION = 3  # how many words after a match a condition reaches ("..., if possible")

# Clause ends: sentence ends, and , ; : · and dashes (single characters: linear).
_HARD = re.compile(r"[;:\u00b7\u0387\u2014\u2013]|\s-(?=\s)")  # ; : · — – and " - "
_COMMA = re.compile(r",")


@dataclass(frozen=True)
class Extracted:
    what: str
    kind: str
    due_date: str  # YYYY-MM-DD
    start: int
    end: int


@dataclass(frozen=True)
class Rules:
    lexicon: Lexicon
    patterns: tuple[Pattern, ...]  # in list order: English's after the language's own


def _rules(language: str) -> Rules:
    """The reply language's patterns and English's (only English's if it has none)."""
    return _compile(tuple(pack(code) for code in dict.fromkeys((language, BASE)) if known(code)))


@lru_cache(maxsize=8)
def _compile(packs: tuple[LanguagePack, ...]) -> Rules:
    book = Book("promises-" + "+".join(p.code for p in packs))
    for n, lang in enumerate(packs):
        for category, terms in lang.promises.items():
            if category in BLOCKERS:
                if n == 0:  # what blocks a promise is the reply language's own say
                    for term in terms:
                        exception = term.startswith("!")
                        book.add_words(term.lstrip("!"), "!" + category if exception else category)
                continue
            for term in terms:
                if category in KINDS:
                    book.add_pattern(term, category)
                else:
                    book.add_words(term, category)
    lexicon, patterns = book.freeze()
    return Rules(lexicon, patterns)


class _Reading(Reading):
    """A reply as the promise rules see it: the families' reading, plus the clauses and
    what blocks a promise (hedges, conditions, contrasts)."""

    def __init__(self, text: str, folded: str, rules: Rules) -> None:
        super().__init__(text, folded, rules.lexicon)
        hard = sorted({m.start() for m in _HARD.finditer(text)} | set(self.sentence_ends))
        self.hard = hard
        self.soft = sorted(set(hard) | {m.start() for m in _COMMA.finditer(text)})
        self.contrast = [a for a, _z in self.spans("contrast")]
        self.hedges = self._blockers("hedge")
        self.conditions = self._blockers("condition")

    def _blockers(self, category: str) -> list[int]:
        excepted = {i for a, z in self.spans("!" + category) for i in range(a, z + 1)}
        return [a for a, _z in self.spans(category) if a not in excepted]

    def apart(self, i: int, j: int, breaks: list[int]) -> bool:
        """Whether a break, or a contrast word, lies between words i < j."""
        lo, hi = self.words[i][2], self.words[j][1]
        k = bisect_left(breaks, lo)
        if k < len(breaks) and breaks[k] < hi:
            return True
        c = bisect_right(self.contrast, i)
        return c < len(self.contrast) and self.contrast[c] < j

    def blocked(self, a: int, z: int) -> bool:
        if self.is_question(a):
            return True
        for blockers, breaks, before, after in (
            (self.hedges, self.soft, BEFORE, AFTER),
            (self.conditions, self.hard, len(self.words), AFTER_CONDITION),
        ):
            i = bisect_left(blockers, a)
            if i < len(blockers) and blockers[i] <= z:
                return True  # inside the match
            near = i < len(blockers) and blockers[i] <= z + after
            if near and not self.apart(z, blockers[i], breaks):
                return True  # just after it, in reach
            if i and a - blockers[i - 1] <= before and not self.apart(blockers[i - 1], a, breaks):
                return True  # before it, in reach
        return False

    def first(self, pattern: Pattern) -> tuple[int, int] | None:
        """The pattern's first match that is not blocked, as (first word, last word)."""
        return next((m for m in self.matches(pattern) if not self.blocked(*m)), None)


def extract(
    text: str,
    language: str,
    posted_at: datetime,
    tz: ZoneInfo,
    releases: Sequence[Release] = (),
    default_due_days: int = 14,
    catalogue: Sequence[str] = (),
) -> list[Extracted]:
    folded = fold_aligned(text)
    rules = _rules(language or BASE)
    reading = _Reading(text, folded, rules)
    posted = posted_at.astimezone(tz).date()
    firsts: dict[str, tuple[int, int]] = {}
    for pattern in rules.patterns:
        match = reading.first(pattern)
        if match and (pattern.kind not in firsts or match < firsts[pattern.kind]):
            firsts[pattern.kind] = match
    out: list[Extracted] = []
    for kind in KINDS:
        if kind not in firsts:
            continue
        a, z = firsts[kind]
        start, end = reading.words[a][1], reading.words[z][2]
        s_from, s_to = reading.sentence_span(a)
        due = max(
            posted,
            _due(text, folded, reading.found, (s_from, s_to), posted, releases, default_due_days),
        )
        out.append(
            Extracted(" ".join(text[s_from:s_to].split())[:200], kind, due.isoformat(), start, end)
        )
    for item in catalogue:
        at = folded.find(fold(item))
        if item and at != -1:
            out.append(
                Extracted(
                    f"Bonus: {item}",
                    "bonus",
                    (posted + timedelta(days=2)).isoformat(),
                    at,
                    at + len(item),
                )
            )
    return out


def _release(part: str, posted: date, releases: Sequence[Release]) -> date | None:
    """The date of the first upcoming release whose version the sentence names."""
    best: tuple[int, str] | None = None
    for r in releases:
        if not (r.version and r.date and r.date >= posted.isoformat()):
            continue
        m = re.search(r"(?<![\w.])[vV]?" + re.escape(r.version) + r"(?!\w|\.\d)", part)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), r.date)
    return date.fromisoformat(best[1]) if best else None


def _count(phrase: str) -> int:
    """The last number in a folded phrase, in digits or words ("трёх", "τριών")."""
    for word in reversed(re.findall(r"\w+", phrase)):
        n = int(word) if word.isdigit() and len(word) < 4 else number_words().get(word)
        if n:
            return n
    return 0


# the word before "5.2." that makes it a version: "in 5.2.", "version 4.10."
VERSION_CUES = frozenset(
    "in im v version versión versione versão versao версии версия версию έκδοση έκδοσης "
    "update release build patch en dans na em nella nel в во σε στην στο".split()
)


def _version_cue(before: str) -> bool:
    words = WORD.findall(fold(before[-40:]))
    return bool(words) and words[-1] in VERSION_CUES


def _due(
    text: str,
    folded: str,
    found: dict[str, list[tuple[int, int]]],
    sentence: tuple[int, int],
    posted: date,
    releases: Sequence[Release],
    default_days: int,
) -> date:
    lo, hi = sentence

    def inside(category: str) -> list[tuple[int, int]]:
        return [s for s in found.get(category, []) if lo <= s[0] < hi]

    part = text[lo:hi]
    for m in ISO.finditer(part):
        with suppress(ValueError):  # 2026-02-30 is no date: read on
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    named = _release(part, posted, releases)
    if named:
        return named
    for m in DOTTED.finditer(part):
        if not m.group(3) and _version_cue(part[: m.start()]):
            continue  # "in version 5.2." is a version, not 5 February
        year = int(m.group(3)) if m.group(3) else posted.year
        year = year + 2000 if year < 100 else year
        with suppress(ValueError):  # 31.04. is no date
            candidate = date(year, int(m.group(2)), int(m.group(1)))
            if not m.group(3) and candidate < posted:  # "by 05.01" written in December
                candidate = date(year + 1, candidate.month, candidate.day)
            return candidate
    if inside("next_update"):
        upcoming = sorted(r.date for r in releases if r.date and r.date >= posted.isoformat())
        if upcoming:
            return date.fromisoformat(upcoming[0])
    if inside("tomorrow"):
        return posted + timedelta(days=1)
    if inside("next_week"):
        return posted + timedelta(days=13 - posted.weekday())  # Sunday of next week
    for category, hours in (("within_hours", 1), ("within", 24), ("within_weeks", 168)):
        for start, end in inside(category):
            # the last number: "en un plazo de tres días" (the "un" of "un plazo" is no
            # count); "within a week" names none: one
            n = _count(folded[start:end]) or (1 if category == "within_weeks" else 0)
            if n:
                return posted + timedelta(days=max(1, -(-n * hours // 24)))
    for start, end in inside("weekday"):
        phrase = folded[start:end]
        for day, stems in enumerate(weekday_stems()):  # Monday = 0
            if any(s in phrase for s in stems):
                return posted + timedelta(days=(day - posted.weekday() - 1) % 7 + 1)
    return posted + timedelta(days=default_days)
