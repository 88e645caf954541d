"""Commitments in a reply, by multilingual rules: what, kind, and when it is due.

Kinds: fix, refund, bonus (an item of the catalogue), callback, info. A replacement ("we
will send you a new one") is a refund: both make good what was bought. Due dates come
from the sentence that makes the promise: an explicit date, a version on the release
calendar ("in 5.4"), "tomorrow", "next week", "by Friday", "within 5 days" (or weeks), or "in the
next update" resolved against the release calendar; otherwise the post date plus the
configured default. Dates are calendar days in the workspace's time zone. A reply that
promises nothing yields nothing.

What counts as a promise is in each pack's ``promises.json``, not here. A pattern is
words as the lexicon reads them (folded; ``word*`` takes any ending; a lone ``*`` is any
one word), plus two things read here: ``a|b|c`` is one word out of several (``a_b`` is two words
as one choice), and ``~``
(``~N``) lets up to 3 (N) words of the same sentence come between the parts, which is how
word order and inserted words ("we will definitely fix", "wir werden den Fehler im
nächsten Update beheben") are covered without listing every phrasing. A match does not
count when:

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
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import product
from zoneinfo import ZoneInfo

from replydesk.config import Release
from replydesk.domain.text import fold
from replydesk.languages import BASE, LanguagePack, Lexicon, known, pack
from replydesk.languages.registry import number_words, weekday_stems

KINDS = ("fix", "refund", "callback", "info")
WHEN = ("next_update", "tomorrow", "next_week", "within", "within_weeks", "weekday")
BLOCKERS = ("hedge", "condition", "contrast")
ISO = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")
DOTTED = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(20\d\d|\d\d)?(?![\d])")
GAP = re.compile(r"~(\d?)")  # a pattern token: up to 3 (or N) words in between
DEFAULT_GAP = 3
BEFORE = 6  # how many words before a match a hedge reaches (in its clause)
AFTER = 5  # ... and after it ("wir erstatten die Kosten leider nicht")
AFTER_CONDITION = 3  # how many words after a match a condition reaches ("..., if possible")
MAX_VARIANTS = 256  # the word sequences one part of a pattern may spell

# Sentence ends (a full stop inside "05.01" or "5.4" does not end one); in Greek script
# ";" is the question mark. Clause ends: these, and , ; : · and dashes. Single characters
# and fixed look-aheads only: linear on any input.
_BOUNDARY = re.compile(r"[.!?\u037e](?=\s|$)|\n")
_GREEK_BOUNDARY = re.compile(r"[.!?;\u037e](?=\s|$)|\n")
_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
_HARD = re.compile(r"[;:\u00b7\u0387\u2014\u2013]|\s-(?=\s)")  # ; : · — – and " - "
_COMMA = re.compile(r",")
_DATE_END = re.compile(r"\.\d\d?\.$")  # the ".01." of "15.01."


@dataclass(frozen=True)
class Extracted:
    what: str
    kind: str
    due_date: str  # YYYY-MM-DD
    start: int
    end: int


@dataclass(frozen=True)
class Pattern:
    kind: str
    parts: tuple[str, ...]  # lexicon categories, one per part
    gaps: tuple[int, ...]  # the most words between part i and part i + 1


@dataclass(frozen=True)
class Rules:
    lexicon: Lexicon
    patterns: tuple[Pattern, ...]  # in list order: English's after the language's own


def _rules(language: str) -> Rules:
    """The reply language's patterns and English's (only English's if it has none)."""
    return _compile(tuple(pack(code) for code in dict.fromkeys((language, BASE)) if known(code)))


def _spell(tokens: list[str]) -> list[str]:
    """Every word sequence a part with ``a|b`` alternatives spells."""
    choices = [token.split("|") for token in tokens]
    n = 1
    for c in choices:
        n *= len(c)
    if n > MAX_VARIANTS:
        raise ValueError(f"{' '.join(tokens)!r} spells {n} phrases (at most {MAX_VARIANTS})")
    return [" ".join(words).replace("_", " ") for words in product(*choices)]


def _parse(term: str) -> list[tuple[list[str], int]]:
    """A pattern's parts, each with the gap allowed after it."""
    parts: list[tuple[list[str], int]] = []
    tokens: list[str] = []
    for token in term.split():
        m = GAP.fullmatch(token)
        if m is None:
            tokens.append(token)
        elif tokens:
            parts.append((tokens, int(m.group(1) or DEFAULT_GAP)))
            tokens = []
    if tokens:
        parts.append((tokens, 0))
    return parts


@lru_cache(maxsize=8)
def _compile(packs: tuple[LanguagePack, ...]) -> Rules:
    lex = Lexicon("promises-" + "+".join(p.code for p in packs))
    patterns: list[Pattern] = []
    for n, lang in enumerate(packs):
        for category, terms in lang.promises.items():
            if category in BLOCKERS:
                if n == 0:  # what blocks a promise is the reply language's own say
                    for term in terms:
                        exception = term.startswith("!")
                        for phrase in _spell(term.lstrip("!").split()):
                            lex.add(phrase, "!" + category if exception else category)
                continue
            if category not in KINDS:
                for term in terms:
                    for phrase in _spell(term.split()):
                        lex.add(phrase, category)
                continue
            for term in terms:
                parts = _parse(term)
                if not parts:
                    continue
                names = []
                for tokens, _gap in parts:
                    name = "§" + " ".join(tokens)
                    for phrase in _spell(tokens):
                        lex.add(phrase, name)
                    names.append(name)
                patterns.append(
                    Pattern(category, tuple(names), tuple(gap for _t, gap in parts[:-1]))
                )
    return Rules(lex.freeze(), tuple(patterns))


def _date_dot(text: str, at: int) -> bool:
    """Whether the full stop at ``at`` closes a date or version inside a sentence: "bis
    zum 15.01. ein neues Gerät" (a capital letter next means it ends the sentence)."""
    if text[at] != "." or not _DATE_END.search(text, max(0, at - 3), at + 1):
        return False
    rest = text[at + 1 : at + 40].lstrip()
    return bool(rest) and rest[0].islower()


class _Reading:
    """One reply as the rules see it: words, sentences, clauses, and the lexicon's finds
    as word indices."""

    def __init__(self, text: str, folded: str, rules: Rules) -> None:
        self.text = text
        self.found, self.words = rules.lexicon.scan(folded)
        self.starts = [s for _w, s, _e in self.words]
        greek = _GREEK.search(text) is not None
        ends = [
            m
            for m in (_GREEK_BOUNDARY if greek else _BOUNDARY).finditer(text)
            if not _date_dot(text, m.start())
        ]
        self.sentence_ends = [m.end() for m in ends]
        self.questions = [m.group() in ("?", ";", "\u037e") for m in ends]
        hard = sorted({m.start() for m in _HARD.finditer(text)} | set(self.sentence_ends))
        self.hard = hard
        self.soft = sorted(set(hard) | {m.start() for m in _COMMA.finditer(text)})
        self._index: dict[str, list[tuple[int, int]]] = {}
        self.contrast = [a for a, _z in self.spans("contrast")]
        self.hedges = self._blockers("hedge")
        self.conditions = self._blockers("condition")

    def spans(self, category: str) -> list[tuple[int, int]]:
        """The category's matches as (first word, last word), in order."""
        if category not in self._index:
            out = []
            for start, end in self.found.get(category, ()):
                first = bisect_left(self.starts, start)
                last = bisect_left(self.starts, end) - 1
                out.append((first, max(first, last)))
            self._index[category] = sorted(out)
        return self._index[category]

    def _blockers(self, category: str) -> list[int]:
        excepted = {i for a, z in self.spans("!" + category) for i in range(a, z + 1)}
        return [a for a, _z in self.spans(category) if a not in excepted]

    def sentence(self, i: int) -> int:
        return bisect_right(self.sentence_ends, self.starts[i])

    def sentence_span(self, i: int) -> tuple[int, int]:
        k = self.sentence(i)
        lo = self.sentence_ends[k - 1] if k else 0
        return lo, self.sentence_ends[k] if k < len(self.sentence_ends) else len(self.text)

    def apart(self, i: int, j: int, breaks: list[int]) -> bool:
        """Whether a break, or a contrast word, lies between words i < j."""
        lo, hi = self.words[i][2], self.words[j][1]
        k = bisect_left(breaks, lo)
        if k < len(breaks) and breaks[k] < hi:
            return True
        c = bisect_right(self.contrast, i)
        return c < len(self.contrast) and self.contrast[c] < j

    def blocked(self, a: int, z: int) -> bool:
        k = self.sentence(a)
        if k < len(self.questions) and self.questions[k]:
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
        for a, z in self.spans(pattern.parts[0]):
            last = self._rest(pattern, 1, z, self.sentence(a))
            if last is not None and not self.blocked(a, last):
                return a, last
        return None

    def _rest(self, pattern: Pattern, n: int, z: int, sentence: int) -> int | None:
        if n == len(pattern.parts):
            return z
        spans = self.spans(pattern.parts[n])
        i = bisect_right(spans, (z, len(self.words)))
        while i < len(spans) and spans[i][0] <= z + 1 + pattern.gaps[n - 1]:
            b = spans[i][1]
            i += 1
            if self.sentence(b) != sentence:
                break
            last = self._rest(pattern, n + 1, b, sentence)
            if last is not None:
                return last
        return None


def extract(
    text: str,
    language: str,
    posted_at: datetime,
    tz: ZoneInfo,
    releases: Sequence[Release] = (),
    default_due_days: int = 14,
    catalogue: Sequence[str] = (),
) -> list[Extracted]:
    folded = fold(text)
    if len(folded) != len(text):
        folded = "".join(fold(ch)[:1] or " " for ch in text)
    rules = _rules(language or BASE)
    reading = _Reading(text, folded, rules)
    posted = posted_at.astimezone(tz).date()
    firsts: dict[str, tuple[int, int]] = {}
    for pattern in rules.patterns:
        if not reading.found.get(pattern.parts[-1]):
            continue
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
        due = _due(text, folded, reading.found, (s_from, s_to), posted, releases, default_due_days)
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
    m = ISO.search(part)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    named = _release(part, posted, releases)
    if named:
        return named
    m = DOTTED.search(part)
    if m and 1 <= int(m.group(1)) <= 31 and 1 <= int(m.group(2)) <= 12:
        year = int(m.group(3)) if m.group(3) else posted.year
        year = year + 2000 if year < 100 else year
        candidate = date(year, int(m.group(2)), int(m.group(1)))
        if not m.group(3) and candidate < posted:  # "by 05.01" written in December
            candidate = candidate.replace(year=year + 1)
        return candidate
    if inside("next_update"):
        upcoming = sorted(r.date for r in releases if r.date and r.date >= posted.isoformat())
        if upcoming:
            return date.fromisoformat(upcoming[0])
    if inside("tomorrow"):
        return posted + timedelta(days=1)
    if inside("next_week"):
        return posted + timedelta(days=13 - posted.weekday())  # Sunday of next week
    for category, days in (("within", 1), ("within_weeks", 7)):
        for start, end in inside(category):
            # the last number: "en un plazo de tres días" (the "un" of "un plazo" is no
            # count); "within a week" names none: one
            n = _count(folded[start:end]) or (1 if days == 7 else 0)
            if n:
                return posted + timedelta(days=n * days)
    for start, end in inside("weekday"):
        phrase = folded[start:end]
        for day, stems in enumerate(weekday_stems()):  # Monday = 0
            if any(s in phrase for s in stems):
                return posted + timedelta(days=(day - posted.weekday() - 1) % 7 + 1)
    return posted + timedelta(days=default_days)
