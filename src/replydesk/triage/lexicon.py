"""Per-language word lists (``lexicons/<lang>.json``) and a fast matcher over them.

Entries are matched on folded text (lower case, no accents), word by word; a word ending
in ``*`` matches any ending, which is how inflected languages (Russian, Greek, German)
are covered without a stemmer. Phrases match word sequences ("never again",
"ожидал* больш*"). The text is split into words once and each word is looked up in hash
tables, so matching costs the same however long the lists grow. Users extend a language
from config (``[triage] extra_hostile``, ``extra_specific``, ``glossary``).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

from replydesk.domain.text import fold

CATEGORIES = (
    "hostile",
    "superlative",
    "attack",
    "threat",
    "vague",
    "positive",
    "problem",
    "product",
    "sequence",
    "reasoning",
    "units",
    "device",
)
# names every language writes the same way
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
LANGUAGES = ("en", "ru", "es", "el", "de", "fr")
WORD = re.compile(r"\w+")

Token = tuple[str, bool]  # (text, is_prefix)


@dataclass
class Lexicon:
    """Entries indexed by their first word: exact words and prefixes apart."""

    name: str
    exact: dict[str, list[tuple[tuple[Token, ...], str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    prefix: dict[str, list[tuple[tuple[Token, ...], str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    prefix_lengths: tuple[int, ...] = ()
    _cache: dict[str, tuple] = field(default_factory=dict)

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

    def _candidates(self, word: str) -> tuple[tuple[tuple[Token, ...], str], ...]:
        out = list(self.exact.get(word, ()))
        for n in self.prefix_lengths:
            if n > len(word):
                break
            out.extend(self.prefix.get(word[:n], ()))
        return tuple(out)

    def scan(
        self, folded: str
    ) -> tuple[dict[str, list[tuple[int, int]]], list[tuple[str, int, int]]]:
        """Spans per category, and the words themselves; one pass over the words."""
        words = [(m.group(), m.start(), m.end()) for m in WORD.finditer(folded)]
        found: dict[str, list[tuple[int, int]]] = defaultdict(list)
        taken: set[tuple[str, int]] = set()
        cache = self._cache
        for i, (word, start, _end) in enumerate(words):
            candidates = cache.get(word)
            if candidates is None:
                candidates = self._candidates(word)
                if len(cache) < 200_000:  # words repeat across reviews (Zipf): remember
                    cache[word] = candidates
            for tokens, category in candidates:
                end = _end if len(tokens) == 1 else _match(tokens, words, i)
                if end is not None and (category, start) not in taken:
                    taken.add((category, start))
                    found[category].append((start, end))
        return found, words


def _match(tokens: tuple[Token, ...], words: list[tuple[str, int, int]], i: int) -> int | None:
    if i + len(tokens) > len(words):
        return None
    for (text, is_prefix), (word, _s, _e) in zip(tokens, words[i : i + len(tokens)], strict=False):
        if not (word.startswith(text) if is_prefix else word == text):
            return None
    return words[i + len(tokens) - 1][2]


@lru_cache(maxsize=16)
def raw(language: str) -> dict[str, list[str]]:
    """The bundled lists for one language ({} for a language we have none for)."""
    try:
        text = files("replydesk.triage").joinpath("lexicons", f"{language}.json").read_text("utf-8")
    except FileNotFoundError:
        return {}
    return json.loads(text)


def build(languages: tuple[str, ...], extra: dict[str, dict[str, list[str]]]) -> Lexicon:
    """One matcher over several languages' lists plus the user's additions."""
    lex = Lexicon("+".join(languages))
    for category, terms in COMMON.items():
        for term in terms:
            lex.add(term, category)
    for lang in languages:
        for category in CATEGORIES:
            for term in [*raw(lang).get(category, []), *extra.get(lang, {}).get(category, [])]:
                lex.add(term, category)
    return lex.freeze()
