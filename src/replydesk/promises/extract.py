"""Commitments in a reply, by multilingual rules: what, kind, and when it is due.

Kinds: fix, refund, bonus (an item of the catalogue), callback, info. Due dates come from
the sentence that makes the promise: an explicit date, "tomorrow", "next week", "by
Friday", "within 5 days", or "in the next update" resolved against the release calendar;
otherwise the post date plus the configured default. Dates are calendar days in the
workspace's time zone. A reply that promises nothing yields nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib.resources import files
from zoneinfo import ZoneInfo

from replydesk.config import Release
from replydesk.domain.text import fold
from replydesk.triage.lexicon import Lexicon

KINDS = ("fix", "refund", "callback", "info")
WHEN = ("next_update", "tomorrow", "next_week", "within", "weekday")
WEEKDAYS = {  # folded weekday stems, Monday = 0
    0: ("monday", "понедельник", "lunes", "δευτερα", "montag", "lundi"),
    1: ("tuesday", "вторник", "martes", "τριτη", "dienstag", "mardi"),
    2: ("wednesday", "сред", "miercoles", "τεταρτη", "mittwoch", "mercredi"),
    3: ("thursday", "четверг", "jueves", "πεμπτη", "donnerstag", "jeudi"),
    4: ("friday", "пятниц", "viernes", "παρασκευη", "freitag", "vendredi"),
    5: ("saturday", "суббот", "sabado", "σαββατο", "samstag", "samedi"),
    6: ("sunday", "воскресень", "domingo", "κυριακη", "sonntag", "dimanche"),
}
NUMBER_WORDS = {
    fold(w): n
    for n, words in {
        1: "one один одна uno una ένα eins un une",
        2: "two два две dos δύο zwei deux",
        3: "three три tres τρεις drei trois",
        4: "four четыре cuatro τέσσερις vier quatre",
        5: "five пять cinco πέντε fünf cinq",
        7: "seven семь siete επτά sieben sept",
        10: "ten десять diez δέκα zehn dix",
        14: "fourteen четырнадцать catorce",
    }.items()
    for w in words.split()
}
ISO = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")
DOTTED = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(20\d\d|\d\d)?(?![\d])")


@dataclass(frozen=True)
class Extracted:
    what: str
    kind: str
    due_date: str  # YYYY-MM-DD
    start: int
    end: int


@lru_cache(maxsize=8)
def _lexicon(language: str) -> Lexicon:
    lex = Lexicon(f"promises-{language}")
    for lang in {language, "en"}:
        try:
            data = json.loads(
                files("replydesk.promises").joinpath("packs", f"{lang}.json").read_text("utf-8")
            )
        except FileNotFoundError:
            continue
        for category, terms in data.items():
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
    releases: list[Release] = (),
    default_due_days: int = 14,
    catalogue: list[str] = (),
) -> list[Extracted]:
    folded = fold(text)
    if len(folded) != len(text):
        folded = "".join(fold(ch)[:1] or " " for ch in text)
    found, _ = _lexicon(language if language else "en").scan(folded)
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
    found: dict,
    sentence: tuple[int, int],
    posted: date,
    releases: list[Release],
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
            n = int(word) if word.isdigit() else NUMBER_WORDS.get(word)
            if n:
                return posted + timedelta(days=n)
    for start, end in inside("weekday"):
        phrase = folded[start:end]
        for day, stems in WEEKDAYS.items():
            if any(s in phrase for s in stems):
                return posted + timedelta(days=(day - posted.weekday() - 1) % 7 + 1)
    return posted + timedelta(days=default_days)
