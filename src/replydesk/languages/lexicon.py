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
from dataclasses import dataclass, field

from replydesk.domain.text import fold

WORD = re.compile(r"\w+")

Token = tuple[str, bool]  # (text, is_prefix)
Entry = tuple[tuple[Token, ...], str]  # (tokens, category)
Word = tuple[str, int, int]  # (folded word, start, end)


@dataclass
class Lexicon:
    """Entries indexed by their first word: exact words and prefixes apart."""

    name: str
    exact: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    prefix: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    prefix_lengths: tuple[int, ...] = ()
    _cache: dict[str, tuple[Entry, ...]] = field(default_factory=dict)

    def add(self, term: str, category: str) -> None:
        """``word*`` matches any ending; a lone ``*`` inside a phrase matches any word."""
        tokens: list[Token] = []
        for part in term.split():
            star = part.endswith("*")
            pieces = WORD.findall(fold(part[:-1] if star else part))
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

    def scan(self, folded: str) -> tuple[dict[str, list[tuple[int, int]]], list[Word]]:
        """Spans per category, and the words themselves; one pass over the words."""
        words = [(m.group(), m.start(), m.end()) for m in WORD.finditer(folded)]
        found: dict[str, list[tuple[int, int]]] = defaultdict(list)
        taken: set[tuple[str, int]] = set()
        cache = self._cache
        for i, (word, start, _end) in enumerate(words):
            candidates = cache.get(word)
            if candidates is None:
                candidates = self._candidates(word)
                # words repeat across reviews (Zipf): remember them, but not a freak
                # "word" of a million letters from hostile input
                if len(cache) < 200_000 and len(word) <= 64:
                    cache[word] = candidates
            for tokens, category in candidates:
                end = _end if len(tokens) == 1 else _match(tokens, words, i)
                if end is not None and (category, start) not in taken:
                    taken.add((category, start))
                    found[category].append((start, end))
        return found, words


def _match(tokens: tuple[Token, ...], words: list[Word], i: int) -> int | None:
    if i + len(tokens) > len(words):
        return None
    for (text, is_prefix), (word, _s, _e) in zip(tokens, words[i : i + len(tokens)], strict=False):
        if not (word.startswith(text) if is_prefix else word == text):
            return None
    return words[i + len(tokens) - 1][2]
