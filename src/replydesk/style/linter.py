"""The house-style linter: every draft is checked against the rules a machine can check.

Each language pack's ``style.json`` (``replydesk/languages/<code>/``) holds that
language's phrases for what a reply must never say (W2 policy and "you are wrong", W4
another department, W5 negativity, W8 fairness and favour-talk, W9 blaming staff, W11
blame-implying questions, dated promises) and what it must say (W1 an apology, W10
thanks, W6 a next step or a question). Checks that need no language: the platform's
length limit, compensation outside the catalogue, leftover placeholders and internal
notes, markup and escape sequences, and text copied from instructions inside the review
(cue words from every pack). Each finding carries a rule id, severity, span, message and
a suggested fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from replydesk.domain.findings import Finding, Severity, errors
from replydesk.domain.text import fold, fold_aligned, one_line
from replydesk.languages import BASE, LanguagePack, pack, resolve
from replydesk.languages.families import Book, Pattern, Reading
from replydesk.languages.lexicon import WORD, Lexicon
from replydesk.languages.registry import instruction_pattern
from replydesk.style.learned import MAX_CHARS as READ_CHARS
from replydesk.style.learned import default_model

__all__ = ["Finding", "LintContext", "Severity", "errors", "lint"]

FORBIDDEN = {
    "policy": ("W2", "hides behind company policy"),
    "wrong": ("W2", "tells the customer they are wrong"),
    "department": ("W4", "sends the customer to another department"),
    "negativity": ("W5", "answers negativity or sarcasm in kind"),
    "fairness": ("W8", "appeals to fairness or presents the fix as a favour"),
    "staff": ("W9", "blames or lectures staff in front of the customer"),
    "blame_question": ("W11", "asks a question that implies the customer is to blame"),
}
FORBIDDEN_FIX = {
    "W2": 'own it; where the customer is mistaken, say "According to our records…"',
    "W4": 'take the problem on: "I have passed this to our delivery team and will follow it up."',
    "W5": "keep a calm, warm tone; say what you will do",
    "W8": "just fix it; do not weigh fairness or favours",
    "W9": 'speak as the company: "We got this wrong."',
    "W11": 'reframe: "Perhaps it is the connection. Could you check …?"',
}
# what the learned reader (``style.learned``) says a sentence reads like, and the pack
# category whose fix hint it shares
LEARNED = {
    "W2": ("hides behind policy or tells the customer they are wrong", "policy"),
    "W4": ("sends the customer somewhere else", "department"),
    "W5": ("answers negativity or sarcasm in kind", "negativity"),
    "W8": ("appeals to fairness or presents the fix as a favour", "fairness"),
    "W9": ("blames or lectures staff in front of the customer", "staff"),
    "W11": ("asks a question that implies the customer is to blame", "blame_question"),
}
REQUIRED = {"apology": "W1", "thanks": "W10", "next_step": "W6"}
REVIEW_CHARS = 20_000  # how much of the review the copied-instructions check reads
REQUIRED_MESSAGE = {
    "W1": "no apology",
    "W10": "no thanks for the report",
    "W6": "no concrete next step and no question",
}

# Linear time on any text (a draft may carry the review's words): a match that looks for
# its closing mark stops at the next opening mark, so an unclosed opener repeated a
# million times is not rescanned to the end of the text from each one.
PLACEHOLDER = re.compile(
    r"\[(?:[A-Z][A-Z _]{1,30}|[a-z_]{2,30})\]|\{\{?[a-z_ ]{1,30}\}?\}|"
    r"(?i:<(?:name|order|date|product|insert[^<>]*+)>|lorem ipsum)|"
    r"\bTODO\b|\bTBD\b|\bXXX\b"
)
# one quote nested in another of the same kind is still one quote: «a «b» c»
QUOTED = re.compile(
    r"«[^«»]*+(?:«[^«»]*+)?»|“[^“”]*+(?:“[^“”]*+)?”|„[^„“”]*+(?:„[^„“”]*+)?[“”]|\"[^\"\n]*+\""
)
_NOTE = r"\((?:internal|note to self|nb|note)\b"
INTERNAL = re.compile(
    rf"{_NOTE}(?:[^()]|\((?!(?:internal|note to self|nb|note)\b))*+\)|"
    r"^[^\S\n]*+(?:internal|note|nb)\s*+:|\bdo not send\b",
    re.I | re.M,
)
_TAG = r"\[/?(?:bold|italic|red|green|link|b|i|u|dim|reverse|on \w+)"
MARKUP = re.compile(
    rf"{_TAG}(?:[^\[\]]|\[(?!/?(?:bold|italic|red|green|link|b|i|u|dim|reverse|on \w)))*+\]|"
    r"</?[a-z][a-z0-9]*+(?:\s[^<>]*+)?>|\x1b\[?|[\x00-\x08\x0b-\x1f\x7f]",
    re.I,
)
DATE = re.compile(
    r"(?<![\d.,])\d{1,2}[./]\d{1,2}[./](?:20)?\d{2}(?!\d|[.,]\d)|"
    r"(?<![\d.,])\d{1,2}/\d{1,2}(?![\d/]|[.,]\d)|\b20\d\d-\d\d-\d\d\b|"
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|"
    r"nov|dec)\w*",
    re.I,
)


@dataclass(frozen=True)
class LintContext:
    language: str = BASE
    limit: int | None = None
    limit_unit: str = "characters"
    catalogue: tuple[str, ...] = ()
    allow_dated_promises: bool = False
    review_text: str = ""
    label: str = "criticism"  # praise needs thanks, not an apology
    signature: str = ""  # the sign-off the reply must end with ("" : any)


@dataclass(frozen=True)
class StylePack:
    """One language's house-style phrases, compiled: a lexicon, a pattern per entry,
    and the fix hints."""

    lexicon: Lexicon
    patterns: tuple[Pattern, ...]
    fixes: dict[str, str]


def style_pack(language: str) -> StylePack:
    """The patterns and fix hints for ``language`` (English for a language without a pack)."""
    return _compile(pack(resolve(language)))


@lru_cache(maxsize=8)
def _compile(lang: LanguagePack) -> StylePack:
    book = Book(f"style-{lang.code}")
    for category, terms in lang.style.items():
        if category == "fix":
            continue
        for term in terms:
            if term.startswith("!"):  # an exception: what starts inside it does not count
                book.add_words(term[1:], "!" + category)
            else:
                book.add_pattern(term, category)
    fixes = dict(item.split(": ", 1) for item in lang.style.get("fix", ()))
    lexicon, patterns = book.freeze()
    return StylePack(lexicon, patterns, fixes)


def _find(
    text: str, folded: str, style: StylePack
) -> tuple[dict[str, list[tuple[int, int]]], Reading]:
    """Each category's matches as character spans, one per place: a pattern that matches
    inside a longer match of the same category, or starts inside an exception of its
    category, does not count again."""
    reading = Reading(text, folded, style.lexicon)
    found: dict[str, list[tuple[int, int]]] = {}
    for pattern in style.patterns:
        excepted = reading.spans("!" + pattern.kind)
        for a, z in reading.matches(pattern):
            if any(x <= a <= y for x, y in excepted):
                continue
            found.setdefault(pattern.kind, []).append(reading.chars(a, z))
    for category, spans in found.items():
        kept: list[tuple[int, int]] = []
        for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
            if kept and start < kept[-1][1]:
                continue
            kept.append((start, end))
        found[category] = kept
    return found, reading


def lint(text: str, ctx: LintContext | None = None) -> list[Finding]:
    ctx = ctx or LintContext()
    style = style_pack(ctx.language)
    fixes = style.fixes
    folded = fold_aligned(text)
    found, reading = _find(text, folded, style)
    # the customer's own words, quoted back, are not our promises or our tone
    quoted = [m.span() for m in QUOTED.finditer(text)]
    for category in (*FORBIDDEN, "dated", "compensation"):
        found[category] = [
            s for s in found.get(category, []) if not any(a <= s[0] < b for a, b in quoted)
        ]
    out: list[Finding] = []

    for category, (rule, what) in FORBIDDEN.items():
        for start, end in found.get(category, []):
            out.append(
                Finding(
                    rule,
                    Severity.ERROR,
                    start,
                    end,
                    f"{what}: “{text[start:end]}”",
                    fixes.get(category, FORBIDDEN_FIX[rule]),  # in the reply's language
                )
            )
    out += _learned(text, out, quoted, fixes)
    for category, rule in REQUIRED.items():
        if ctx.label == "praise" and rule != "W10":
            continue
        if ctx.label == "followup" and rule == "W1":
            continue  # a follow-up brings good news: thanks and a question are enough
        if category == "next_step" and ("?" in text or any(reading.questions)):
            continue  # a question is a way forward too (W6; Greek asks with ";")
        if not found.get(category):
            out.append(
                Finding(rule, Severity.ERROR, 0, 0, REQUIRED_MESSAGE[rule], fixes.get(category, ""))
            )
    if not ctx.allow_dated_promises:
        spans = found.get("dated", []) + [m.span() for m in DATE.finditer(text)]
        for start, end in sorted(set(spans)):
            out.append(
                Finding(
                    "P3",
                    Severity.ERROR,
                    start,
                    end,
                    f"promises a date: “{text[start:end]}”; dated promises are off in config",
                    "promise the fix, not the day (promise late, deliver early)",
                )
            )
    out += _compensation(text, folded, found.get("compensation", []), ctx)
    out += _length(text, ctx)
    out += _signature(text, ctx.signature)
    for m in PLACEHOLDER.finditer(text):
        out.append(
            Finding(
                "placeholder",
                Severity.ERROR,
                *m.span(),
                f"leftover placeholder “{m.group()}”",
                "fill it in or remove it",
            )
        )
    for m in INTERNAL.finditer(text):
        out.append(
            Finding(
                "internal-note",
                Severity.ERROR,
                *m.span(),
                "an internal note would reach the customer",
                "remove it",
            )
        )
    for m in MARKUP.finditer(text):
        shown = m.group().encode("unicode_escape").decode()
        out.append(
            Finding(
                "markup",
                Severity.ERROR,
                *m.span(),
                f"markup or escape sequence “{shown}” would show as garbage",
                "write plain text",
            )
        )
    out += _copied_instructions(text, folded, ctx.review_text)
    return sorted(out, key=lambda f: (f.start, f.rule))


def _learned(
    text: str, found: list[Finding], quoted: list[tuple[int, int]], fixes: dict[str, str]
) -> list[Finding]:
    """The learned reader's findings (one a sentence and rule) where the families found
    nothing of that rule in the sentence. The customer's words quoted back are blanked
    out first (offsets stay those of the text); the reader reads the first
    ``READ_CHARS`` characters."""
    head = text[:READ_CHARS]
    pieces, at = [], 0
    for a, b in quoted:  # in order, not overlapping
        if a >= len(head):
            break
        b = min(b, len(head))
        pieces += [head[at:a], " " * (b - a)]
        at = b
    pieces.append(head[at:])
    finds = default_model().read("".join(pieces))
    if not finds:
        return []
    families: dict[str, list[tuple[int, int]]] = {}
    for f in found:
        if f.rule in LEARNED and f.start < len(head):
            families.setdefault(f.rule, []).append((f.start, f.end))
    out = []
    for find in finds:
        spans = families.get(find.rule, [])
        if any(a < find.end and find.start < b for a, b in spans):
            continue
        what, category = LEARNED[find.rule]
        out.append(
            Finding(
                find.rule,
                Severity.ERROR,
                find.start,
                find.end,
                f"reads like it {what} (a learned reading of the sentence): "
                f"“{one_line(text[find.start : find.end], 60)}”",
                fixes.get(category, FORBIDDEN_FIX[find.rule]),
            )
        )
    return out


def _compensation(
    text: str, folded: str, spans: list[tuple[int, int]], ctx: LintContext
) -> list[Finding]:
    allowed = [f(item) for item in ctx.catalogue for f in (fold, fold_aligned)]
    out = []
    for start, end in spans:
        sentence_start = (
            max(
                folded.rfind(".", 0, start),
                folded.rfind("!", 0, start),
                folded.rfind("?", 0, start),
                folded.rfind("\n", 0, start),
            )
            + 1
        )
        stops = [i for i in (folded.find(c, end) for c in ".!?\n") if i != -1]
        sentence = folded[sentence_start : min(stops) if stops else len(folded)]
        if any(item and item in sentence for item in allowed):
            continue
        out.append(
            Finding(
                "W7-catalogue",
                Severity.ERROR,
                start,
                end,
                f"offers “{text[start:end]}”, which is not in the bonus catalogue",
                "offer only: "
                + (
                    "; ".join(ctx.catalogue)
                    if ctx.catalogue
                    else "nothing (the catalogue in config is empty)"
                ),
            )
        )
    return out


def _signature(text: str, signature: str) -> list[Finding]:
    """A reply signed in another language ("— the Acme team" under Russian) or not at all."""
    if not signature or text.rstrip().endswith(signature.strip()):
        return []
    end = len(text.rstrip())
    last = text.rstrip().rfind("\n") + 1
    return [
        Finding(
            "signature",
            Severity.ERROR,
            last,
            end,
            "does not end with this language's sign-off",
            f"end the reply with: {signature.strip()}",
        )
    ]


def _length(text: str, ctx: LintContext) -> list[Finding]:
    if not ctx.limit:
        return []
    size = len(text.encode("utf-8")) if ctx.limit_unit == "bytes" else len(text)
    if size <= ctx.limit:
        return []
    return [
        Finding(
            "length",
            Severity.ERROR,
            0,
            len(text),
            f"{size} {ctx.limit_unit}, over the platform's limit of {ctx.limit}",
            f"cut {size - ctx.limit} {ctx.limit_unit}",
        )
    ]


def _copied_instructions(text: str, folded: str, review: str) -> list[Finding]:
    """Five words in a row taken from an instruction-like sentence of the review."""
    review = review[:REVIEW_CHARS]  # each run is searched for in the reply: keep it bounded
    instruction = instruction_pattern()
    if not review or not instruction.search(review):
        return []
    out = []
    for sentence in re.split(r"(?<=[.!?\n])\s+", review):
        if not instruction.search(sentence):
            continue
        words = WORD.findall(fold(sentence))
        for i in range(0, max(0, len(words) - 4)):
            run = " ".join(words[i : i + 5])
            m = re.search(r"\W+".join(map(re.escape, run.split())), folded)
            if m:
                out.append(
                    Finding(
                        "injection",
                        Severity.ERROR,
                        m.start(),
                        m.end(),
                        "copies instructions from inside the review: "
                        f"“{text[m.start() : m.end()]}”",
                        "answer the customer's problem; never what the review "
                        "tells the model to say",
                    )
                )
                break
    return out
