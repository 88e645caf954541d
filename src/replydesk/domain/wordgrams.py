"""The words and letter n-grams the learned readers see (triage and the style linter).

A text is read as folded words (``domain.text.fold``: lower case, no accents), digits as
``0``, a run of masking symbols inside a word as one ``*`` ("f*ck", "х@йня" are words),
and in a word that mixes Cyrillic and Latin letters the Latin ones as their Cyrillic
lookalikes ("дeбuлы" is "дебилы"). Each word's letters are its character 2-5-grams inside
its boundaries, ``<word>``, read up to ``MAX_WORD`` letters (a URL or a hash is not read
whole). Linear in the text; the lookalike cache is bounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from replydesk.domain.text import fold

MAX_WORD = 40  # letters of a longer "word" (a URL, a hash) are read up to here
NGRAMS = (2, 3, 4, 5)
CACHE_WORDS = 200_000  # distinct mixed-script words whose reading is remembered

# a word: letters and digits, or runs of them joined by masking symbols ("f*ck", "х@йня")
WORD = re.compile(r"[^\W_]+(?:[*@%$#]+[^\W_]+)*+")
MASK = re.compile(r"[*@%$#]+")  # inside a word, any masking run reads as one "*"
DIGIT = re.compile(r"\d")
# a folded word mixing Cyrillic and Latin letters ("xyйня", "дeбuлы"): the Latin letters
# that stand in for Cyrillic ones are read as those (a lookalike or the same sound)
CYRILLIC = re.compile(r"[а-я]")
LATIN = re.compile(r"[a-z]")
LOOKALIKES = str.maketrans("aceopxykmtuhbz", "асеорхукмтихвз")

# where each n-gram of a padded word of a given length starts and ends (char_ngrams' order)
SLICES = [[(i, i + n) for n in NGRAMS for i in range(size - n + 1)] for size in range(MAX_WORD + 3)]


def words_of(text: str) -> list[str]:
    """The folded words of a text (the text already capped): digits as 0, a run of
    masking symbols inside a word as "*", the Latin letters of a word that mixes them
    with Cyrillic ones as their Cyrillic lookalikes."""
    folded = DIGIT.sub("0", fold(text))
    words = WORD.findall(folded)
    if "*" in folded or "@" in folded or "%" in folded or "$" in folded or "#" in folded:
        words = [MASK.sub("*", word) for word in words]
    if not folded.isascii() and CYRILLIC.search(folded) and LATIN.search(folded):
        words = [word if word.isascii() else _cyrillic(word) for word in words]
    return words


_MIXED: dict[str, str] = {}  # non-ASCII word -> itself, or its Cyrillic reading


def _cyrillic(word: str) -> str:
    known = _MIXED.get(word)
    if known is None:
        known = word
        if LATIN.search(word) and CYRILLIC.search(word):
            known = word.translate(LOOKALIKES)
        if len(_MIXED) >= CACHE_WORDS:
            _MIXED.clear()  # a crude bound, as for the word cache
        _MIXED[word] = known
    return known


def padded(word: str) -> str:
    """``<word>``, the word cut to ``MAX_WORD`` letters."""
    return f"<{word[:MAX_WORD]}>"


def char_ngrams(word: str) -> Iterator[str]:
    """Character 2-5-grams of ``<word>``, never across a word boundary."""
    text = padded(word)
    for a, b in SLICES[len(text)]:
        yield text[a:b]
