"""Phrase families: one pattern for the many ways a language says one thing.

The promise extractor and the house-style linter read replies the same way, so the
pattern language lives here, once. A pattern is words as the lexicon reads them (folded;
``word*`` takes any ending; a lone ``*`` is any one word), plus:

* ``a|b|c``: one word out of several (``a_b`` is two words as one choice);
* ``~`` (``~N``): up to 3 (N) words of the same sentence may come between the parts, which
  is how word order and inserted words ("we will definitely fix", "bitte wenden Sie sich
  direkt an den Kundenservice") are covered without listing every phrasing;
* ``@name``: a capitalised word inside a sentence (not its first word, not an acronym),
  which is how a person's name is seen in text that is otherwise read folded ("the
  courier @name ~4 forgot"); meant for languages that do not capitalise every noun;
* a final ``?``: the pattern counts only in a question ("did|have you ~3 check*|read ?").

A pattern matches inside one sentence. Sentences end at . ! ? and line breaks (not the
full stop inside "05.01" or "5.4"); in Greek script ";" is the question mark. Every step
is a hash lookup or a bounded look-ahead: linear on any input.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

from replydesk.languages.lexicon import Lexicon

GAP = re.compile(r"~(\d?)")  # a pattern token: up to 3 (or N) words in between
DEFAULT_GAP = 3
MAX_VARIANTS = 256  # the word sequences one part of a pattern may spell

_BOUNDARY = re.compile(r"[.!?\u037e](?=\s|$)|\n")
_GREEK_BOUNDARY = re.compile(r"[.!?;\u037e](?=\s|$)|\n")
_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
_DATE_END = re.compile(r"\.\d\d?\.$")  # the ".01." of "15.01."


class FamilyError(ValueError):
    """A pattern that cannot be read (it spells too many phrases)."""


NAME = "@name"


@dataclass(frozen=True)
class Pattern:
    kind: str
    parts: tuple[str, ...]  # lexicon categories, one per part
    gaps: tuple[int, ...]  # the most words between part i and part i + 1
    term: str = ""  # as written in the pack, to say which pattern matched
    question: bool = False  # counts only in a question


def spell(tokens: list[str]) -> list[str]:
    """Every word sequence a part with ``a|b`` alternatives spells."""
    choices = [token.split("|") for token in tokens]
    n = 1
    for c in choices:
        n *= len(c)
    if n > MAX_VARIANTS:
        raise FamilyError(f"{' '.join(tokens)!r} spells {n} phrases (at most {MAX_VARIANTS})")
    return [" ".join(words).replace("_", " ") for words in product(*choices)]


def parse(term: str) -> list[tuple[list[str], int]]:
    """A pattern's parts, each with the gap allowed after it; ``@name`` is a part of its
    own, right next to its neighbours unless a ``~`` says otherwise."""
    parts: list[tuple[list[str], int]] = []
    tokens: list[str] = []
    for token in term.split():
        m = GAP.fullmatch(token)
        if m is None and token == NAME:
            if tokens:
                parts.append((tokens, 0))
            parts.append(([NAME], 0))
            tokens = []
        elif m is None:
            tokens.append(token)
        elif tokens:
            parts.append((tokens, int(m.group(1) or DEFAULT_GAP)))
            tokens = []
        elif parts:  # "@name ~4 forgot": the gap after the name
            parts[-1] = (parts[-1][0], int(m.group(1) or DEFAULT_GAP))
    if tokens:
        parts.append((tokens, 0))
    return parts


class Book:
    """Patterns being collected into one lexicon (``freeze`` when done)."""

    def __init__(self, name: str) -> None:
        self.lexicon = Lexicon(name)
        self.patterns: list[Pattern] = []

    def add_pattern(self, term: str, kind: str) -> Pattern | None:
        question = term.rstrip().endswith(" ?")
        parts = parse(term.rstrip().removesuffix(" ?") if question else term)
        if not parts:
            return None
        names = []
        for tokens, _gap in parts:
            if tokens == [NAME]:
                names.append(NAME)
                continue
            name = "§" + " ".join(tokens)
            for phrase in spell(tokens):
                self.lexicon.add(phrase, name)
            names.append(name)
        gaps = tuple(gap for _t, gap in parts[:-1])
        pattern = Pattern(kind, tuple(names), gaps, term, question)
        self.patterns.append(pattern)
        return pattern

    def add_words(self, term: str, category: str) -> None:
        """A plain entry (with ``a|b`` choices, no gaps): a span of ``category``."""
        for phrase in spell(term.split()):
            self.lexicon.add(phrase, category)

    def freeze(self) -> tuple[Lexicon, tuple[Pattern, ...]]:
        return self.lexicon.freeze(), tuple(self.patterns)


def _date_dot(text: str, at: int) -> bool:
    """Whether the full stop at ``at`` closes a date or version inside a sentence: "bis
    zum 15.01. ein neues Gerät" (a capital letter next means it ends the sentence)."""
    if text[at] != "." or not _DATE_END.search(text, max(0, at - 3), at + 1):
        return False
    rest = text[at + 1 : at + 40].lstrip()
    return bool(rest) and rest[0].islower()


def sentence_bounds(text: str) -> list[tuple[int, bool]]:
    """Where each sentence of ``text`` ends (after its mark), and whether it is a
    question: the boundaries every pattern respects."""
    greek = _GREEK.search(text) is not None
    return [
        (m.end(), m.group() in ("?", ";", "\u037e"))
        for m in (_GREEK_BOUNDARY if greek else _BOUNDARY).finditer(text)
        if not _date_dot(text, m.start())
    ]


class Reading:
    """One text as the patterns see it: words, sentences, and the lexicon's finds as
    word indices."""

    def __init__(self, text: str, folded: str, lexicon: Lexicon) -> None:
        self.text = text
        self.found, self.words = lexicon.scan(folded)
        self.starts = [s for _w, s, _e in self.words]
        bounds = sentence_bounds(text)
        self.sentence_ends = [end for end, _q in bounds]
        self.questions = [question for _e, question in bounds]
        self._index: dict[str, list[tuple[int, int]]] = {}

    def spans(self, category: str) -> list[tuple[int, int]]:
        """The category's matches as (first word, last word), in order."""
        if category == NAME and NAME not in self._index:
            self._index[NAME] = self._names()
        if category not in self._index:
            out = []
            for start, end in self.found.get(category, ()):
                first = bisect_left(self.starts, start)
                last = bisect_left(self.starts, end) - 1
                out.append((first, max(first, last)))
            self._index[category] = sorted(out)
        return self._index[category]

    def _names(self) -> list[tuple[int, int]]:
        """Capitalised words inside a sentence: a person's name, most of the time."""
        out = []
        for i, (_w, start, end) in enumerate(self.words):
            word = self.text[start:end]
            if not word[:1].isupper() or word.isupper() or i == 0:
                continue
            if self.sentence(i - 1) != self.sentence(i):
                continue  # the first word of a sentence is capitalised anyway
            out.append((i, i))
        return out

    def sentence(self, i: int) -> int:
        return bisect_right(self.sentence_ends, self.starts[i])

    def sentence_span(self, i: int) -> tuple[int, int]:
        k = self.sentence(i)
        lo = self.sentence_ends[k - 1] if k else 0
        return lo, self.sentence_ends[k] if k < len(self.sentence_ends) else len(self.text)

    def is_question(self, i: int) -> bool:
        k = self.sentence(i)
        return k < len(self.questions) and self.questions[k]

    def chars(self, a: int, z: int) -> tuple[int, int]:
        """Words a..z as a character span of the text."""
        return self.words[a][1], self.words[z][2]

    def matches(self, pattern: Pattern) -> Iterator[tuple[int, int]]:
        """Each place the pattern starts and completes, as (first word, last word)."""
        if pattern.parts[-1] != NAME and not self.found.get(pattern.parts[-1]):
            return
        for a, z in self.spans(pattern.parts[0]):
            if pattern.question and not self.is_question(a):
                continue
            last = self._rest(pattern, 1, z, self.sentence(a))
            if last is not None:
                yield a, last

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
