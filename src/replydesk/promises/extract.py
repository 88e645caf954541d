"""Commitments in a reply, by multilingual rules: what, kind, and when it is due.

Kinds: fix, refund, bonus (an item of the catalogue), callback, info. Due dates come from
the sentence that makes the promise: an explicit date, "tomorrow", "next week", "by
Friday", "within 5 days", or "in the next update" resolved against the release calendar;
otherwise the post date plus the configured default. Dates are calendar days in the
workspace's time zone. A reply that promises nothing yields nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from replydesk.config import Release
from replydesk.domain.text import fold
from replydesk.languages import BASE, LanguagePack, Lexicon, known, pack
from replydesk.languages.registry import number_words, weekday_stems

KINDS = ("fix", "refund", "callback", "info")
WHEN = ("next_update", "tomorrow", "next_week", "within", "weekday")
ISO = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")
DOTTED = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(20\d\d|\d\d)?(?![\d])")


@dataclass(frozen=True)
class Extracted:
    what: str
    kind: str
    due_date: str  # YYYY-MM-DD
    start: int
    end: int


def _lexicon(language: str) -> Lexicon:
    """The reply language's promise phrases and English's (only English's if it has none)."""
    return _compile(tuple(pack(code) for code in dict.fromkeys((language, BASE)) if known(code)))


@lru_cache(maxsize=8)
def _compile(packs: tuple[LanguagePack, ...]) -> Lexicon:
    lex = Lexicon("promises-" + "+".join(p.code for p in packs))
    for lang in packs:
        for category, terms in lang.promises.items():
            for term in terms:
                lex.add(term, category)
    return lex.freeze()


_BOUNDARY = re.compile(r"[.!?](?=\s|$)|\n")


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around a match (a full stop inside "05.01" does not end it)."""
    left = max((m.end() for m in _BOUNDARY.finditer(text, 0, start)), default=0)
    m = _BOUNDARY.search(text, end)
    return left, m.end() if m else len(text)


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
    found, _ = _lexicon(language or BASE).scan(folded)
    posted = posted_at.astimezone(tz).date()
    out: list[Extracted] = []
    for kind in KINDS:
        spans = found.get(kind, [])
        if not spans:
            continue
        start, end = spans[0]
        s_from, s_to = _sentence(text, start, end)
        due = _due(text, folded, found, (s_from, s_to), posted, releases, default_due_days)
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
    for start, end in inside("within"):
        for word in re.findall(r"\w+", folded[start:end]):
            n = int(word) if word.isdigit() else number_words().get(word)
            if n:
                return posted + timedelta(days=n)
    for start, end in inside("weekday"):
        phrase = folded[start:end]
        for day, stems in enumerate(weekday_stems()):  # Monday = 0
            if any(s in phrase for s in stems):
                return posted + timedelta(days=(day - posted.weekday() - 1) % 7 + 1)
    return posted + timedelta(days=default_days)
