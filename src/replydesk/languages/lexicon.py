"""A fast matcher over phrase lists: the engine behind every language pack's word lists.

Entries are matched on folded text (lower case, no accents), word by word; a word ending
in ``*`` matches any ending, which is how inflected languages (Russian, Greek, German)
are covered without a stemmer. Phrases match word sequences ("never again",
"ожидал* больш*"). The text is split into words once and each word is looked up in hash
tables, so matching costs the same however long the lists grow. Triage, the style linter
and the promise extractor each build one over the lists of the packs they need.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate, compress

from replydesk.domain.text import fold, fold_aligned

WORD = re.compile(r"\w+")
# the runs between words: splitting on them (kept) gives word, gap, word, ... in C, about
# twice as fast as a tuple per WORD match. \W\W* and not \W+: a pattern that opens with a
# repeat gets no fast scan for its first character
GAPS = re.compile(r"(\W\W*)")

Token = tuple[str, bool]  # (text, is_prefix)
Entry = tuple[tuple[Token, ...], str]  # (tokens, category)
Word = tuple[str, int, int]  # (folded word, start, end)
Step = tuple[tuple[Token, ...], str]  # an entry seen from its first word: (the rest, category)


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """The entries one word starts, and what lets the scan skip the phrases among them:
    most of the time the next word goes on with none of them."""

    steps: tuple[Step, ...]  # every entry, in list order
    alone: tuple[str, ...]  # the categories of the one-word entries (always a match)
    phrases: bool  # whether any entry is longer than one word ...
    nexts: frozenset[str]  # ... and the second words they can go on with
    next_prefixes: tuple[str, ...]  # (and second words ending in *)

    def goes_on(self, words: list[str], i: int) -> bool:
        """Whether a phrase may go on from ``words[i]``; if not, only ``alone`` match."""
        if i + 1 == len(words):
            return False
        after = words[i + 1]
        return after in self.nexts or after.startswith(self.next_prefixes)


class Plans(dict[str, Plan | None]):
    """Each word's plan (None: it starts no entry), worked out the first time it is
    looked up, so that looking words up is one ``map`` in C."""

    def __init__(self, lexicon: Lexicon) -> None:
        super().__init__()
        self.lexicon = lexicon

    def __missing__(self, word: str) -> Plan | None:
        plan = self.lexicon.plan(word)
        # words repeat across reviews (Zipf): remember them, but not a freak "word" of a
        # million letters from hostile input
        if len(self) < 200_000 and len(word) <= 64:
            self[word] = plan
        return plan


@dataclass(slots=True)
class Scan:
    """What ``Lexicon.find`` saw: spans per category, and the folded words in order.

    Word positions are worked out only when asked for (``span``): a text none of whose
    words starts an entry never needs them.
    """

    found: dict[str, list[tuple[int, int]]]
    words: list[str]
    _parts: list[str]  # word, gap, word, ...: what GAPS.split gives
    skip: int  # 2 if the text starts with a gap (``_parts`` then opens with "", gap), else 0
    _bounds: list[int] | None = None

    def bounds(self) -> list[int]:
        """Where each part starts; word ``i`` is ``bounds[2 * i + skip]`` up to the next."""
        if self._bounds is None:
            self._bounds = list(accumulate(map(len, self._parts), initial=0))
        return self._bounds

    def span(self, i: int) -> tuple[int, int]:
        """Start and end of word ``i`` in the folded text."""
        bounds, j = self.bounds(), 2 * i + self.skip
        return bounds[j], bounds[j + 1]


@dataclass
class Lexicon:
    """Entries indexed by their first word: exact words and prefixes apart."""

    name: str
    exact: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    prefix: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    prefix_lengths: tuple[int, ...] = ()
    plans: Plans = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.plans = Plans(self)

    def add(self, term: str, category: str) -> None:
        """``word*`` matches any ending; a lone ``*`` inside a phrase matches any word.
        A term with a letter that folds to several ("ß") is also added as an aligned
        text folds it ("strase"), so it matches however the text is folded."""
        self._add(term, category, fold)
        if fold_aligned(term) != fold(term):
            self._add(term, category, fold_aligned)

    def _add(self, term: str, category: str, folding: Callable[[str], str]) -> None:
        tokens: list[Token] = []
        for part in term.split():
            star = part.endswith("*")
            pieces = WORD.findall(folding(part[:-1] if star else part))
            if not pieces:
                if star and tokens:
                    tokens.append(("", True))
                continue
            tokens += [(p, star and j == len(pieces) - 1) for j, p in enumerate(pieces)]
        if not tokens:
            return
        first, is_prefix = tokens[0]
        (self.prefix if is_prefix else self.exact)[first].append((tuple(tokens), category))

    def freeze(self) -> Lexicon:
        self.exact = dict(self.exact)
        self.prefix = dict(self.prefix)
        self.prefix_lengths = tuple(sorted({len(k) for k in self.prefix}))
        return self

    def _candidates(self, word: str) -> tuple[Entry, ...]:
        out = list(self.exact.get(word, ()))
        for n in self.prefix_lengths:
            if n > len(word):
                break
            out.extend(self.prefix.get(word[:n], ()))
        return tuple(out)

    def plan(self, word: str) -> Plan | None:
        """The entries ``word`` starts, minus those that can never count: after a
        one-word entry of a category (which always matches), that category is taken."""
        steps: list[Step] = []
        sure: set[str] = set()
        for tokens, category in self._candidates(word):
            if category not in sure:
                steps.append((tokens[1:], category))
                if len(tokens) == 1:
                    sure.add(category)
        if not steps:
            return None
        seconds = [tail[0] for tail, _ in steps if tail]
        return Plan(
            tuple(steps),
            tuple(category for tail, category in steps if not tail),
            bool(seconds),
            frozenset(text for text, is_prefix in seconds if not is_prefix),
            tuple(text for text, is_prefix in seconds if is_prefix),
        )

    def find(self, folded: str) -> Scan:
        """Spans per category, and the words themselves. Only the words that start an
        entry cost a step in Python; any other word costs a hash lookup, in C."""
        parts = GAPS.split(folded)
        skip = 0 if parts[0] else 2
        words = parts[skip::2]
        if words and not words[-1]:
            words.pop()  # the text ends with a gap
        found: dict[str, list[tuple[int, int]]] = defaultdict(list)
        scan = Scan(found, words, parts, skip)
        plans = list(map(self.plans.__getitem__, words))
        if not any(plans):
            return scan
        bounds = scan.bounds()
        for i, plan in zip(compress(range(len(plans)), plans), filter(None, plans), strict=True):
            j = 2 * i + skip
            if plan.phrases and plan.goes_on(words, i):
                _steps(plan.steps, words, i, bounds, skip, found)
            else:  # one span per category: a category is in ``alone`` once
                span = bounds[j], bounds[j + 1]
                for category in plan.alone:
                    found[category].append(span)
        return scan

    def scan(self, folded: str) -> tuple[dict[str, list[tuple[int, int]]], list[Word]]:
        """Spans per category, and the words with their positions."""
        scan = self.find(folded)
        return scan.found, [(word, *scan.span(i)) for i, word in enumerate(scan.words)]


def _steps(
    steps: tuple[Step, ...],
    words: list[str],
    i: int,
    bounds: list[int],
    skip: int,
    found: dict[str, list[tuple[int, int]]],
) -> None:
    """Each step in turn at word ``i``; a category's first match there is the one kept."""
    j = 2 * i + skip
    start = bounds[j]
    for tail, category in steps:
        if not tail:
            end = bounds[j + 1]
        else:
            last = _match(tail, words, i)
            if last is None:
                continue
            end = bounds[2 * last + skip + 1]
        spans = found[category]
        if not spans or spans[-1][0] != start:
            spans.append((start, end))


def _match(tail: tuple[Token, ...], words: list[str], i: int) -> int | None:
    """The index of the last word if the words after ``i`` match ``tail``, else None."""
    last = i + len(tail)
    if last >= len(words):
        return None
    for (text, is_prefix), word in zip(tail, words[i + 1 : last + 1], strict=True):
        if not (word.startswith(text) if is_prefix else word == text):
            return None
    return last
