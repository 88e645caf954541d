"""A small learned reader of the six meaning rules, beside the phrase families.

The phrase families (``languages/<code>/style.json``) find the wordings they list; this
reader finds paraphrases they miss. It reads each sentence of a reply and scores it for
W2 (company policy, "you are wrong"), W4 (sending the customer elsewhere), W5 (negativity
or sarcasm back), W8 (fairness talk, favours), W9 (blaming staff) and W11 (a question
that implies blame): six logistic regressions, one a rule, over the features of the
triage model (``letters of`` each folded word, character 2-5-grams inside ``<word>``;
word unigrams and bigrams; each scaled by the square root of its count in the sentence)
and two of the sentence (it is a question; it names someone, a capitalised word inside
it). A sentence whose logit reaches the rule's threshold is a finding, its span the
sentence. The linter reports it unless the families already found the rule there.

Weights and thresholds come from ``model/weights.json.gz``, loaded once and checked
against the SHA-256 in ``weights.json.gz.sha256``; ``tools/train_lint.py`` writes both
and ``model/README.md`` says how they were made. Inference is plain Python, dictionary
lookups with each distinct word's n-gram sums cached; a reply is read up to ``MAX_CHARS``
characters, so the cost is linear and bounded.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from replydesk.domain import weights
from replydesk.domain.weights import WeightFileError, finite
from replydesk.domain.wordgrams import SLICES, char_ngrams, padded, words_of
from replydesk.languages.families import sentence_bounds

FORMAT = "replydesk-lint-linear/1"
WEIGHTS = weights.WEIGHTS  # the file's name, in model/ beside its .sha256
RULES = ("W2", "W4", "W5", "W8", "W9", "W11")
MAX_CHARS = 20_000  # a reply is read up to here
CACHE_WORDS = 100_000  # distinct words whose n-gram sums are remembered
LINE_WORDS = 5  # a line this short without an end mark is a greeting or sign-off: not read
ENDS = ".!?;\u037e…"
_INNER = re.compile(r"\w+")

Scores = tuple[float, ...]  # one logit a rule, in RULES order


@dataclass(frozen=True)
class LearnedFind:
    """A sentence the reader takes for a breach of ``rule``: its span in the reply."""

    rule: str
    start: int
    end: int
    margin: float  # how far the logit is past the rule's threshold


def sentences(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is a question) of each sentence holding a word, as the phrase
    families split them; leading and trailing spaces left out of the span."""
    out = []
    start = 0
    for end, question in [*sentence_bounds(text), (len(text), False)]:
        if end <= start:
            continue
        piece = text[start:end]
        stripped = piece.strip()
        if _INNER.search(stripped):
            lead = len(piece) - len(piece.lstrip())
            out.append((start + lead, start + lead + len(stripped), question))
        start = end
    return out


def _names_someone(text: str) -> bool:
    words = _INNER.findall(text)
    return any(w[:1].isupper() and not w.isupper() for w in words[1:])


def features(sentence: str, question: bool) -> dict[str, float]:
    """Every feature of one sentence with its value: what training sees, name for name
    (``LintModel.logits`` computes the same sums without building this dictionary)."""
    words = words_of(sentence)
    out: dict[str, float] = {}
    letters: Counter[str] = Counter()
    for word in words:
        letters.update(char_ngrams(word))
    scale = 1.0 / math.sqrt(max(1, sum(letters.values())))
    for gram, count in letters.items():
        out["c:" + gram] = count * scale
    scale = 1.0 / math.sqrt(max(1, len(words)))
    grams = Counter(words)
    grams.update(f"{a} {b}" for a, b in pairwise(words))
    for gram, count in grams.items():
        out[("b:" if " " in gram else "w:") + gram] = count * scale
    if question:
        out["s:question"] = 1.0
    if _names_someone(sentence):
        out["s:name"] = 1.0
    return out


class LintModel:
    """The six rules' weights, loaded once; ``read`` is pure."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT or tuple(data.get("rules", ())) != RULES:
            raise WeightFileError(f"not a {FORMAT} weight file for {', '.join(RULES)}")
        try:
            self.bias: Scores = tuple(finite(v) for v in data["bias"])
            self.thresholds: Scores = tuple(finite(data["thresholds"][r]) for r in RULES)
            tables: dict[str, dict[str, Scores]] = {"c": {}, "w": {}, "b": {}, "s": {}}
            for key, values in data["weights"].items():
                kind, _, name = str(key).partition(":")
                row = tuple(finite(v) for v in values)
                if kind not in tables or len(row) != len(RULES):
                    raise ValueError(f"bad feature {key!r}")
                tables[kind][name] = row
            if len(self.bias) != len(RULES):
                raise ValueError("one bias a rule")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise WeightFileError(f"a {FORMAT} weight file with a bad field: {exc!r}") from exc
        self.meta: dict[str, Any] = dict(data.get("meta", {}))
        self._letters, self._words = tables["c"], tables["w"]
        self._pairs, self._sentence = tables["b"], tables["s"]
        self._cache: dict[str, tuple[Scores, int, Scores | None]] = {}
        self._zero: Scores = (0.0,) * len(RULES)

    @classmethod
    def load(cls, path: Path | None = None) -> LintModel:
        """Read and verify a weight file (default: the one shipped in the package)."""
        data = weights.load_weights(
            "replydesk.style", path, what="style reader", fmt=FORMAT, tool="tools/train_lint.py"
        )
        return cls(data)

    def _word(self, word: str) -> tuple[Scores, int, Scores | None]:
        known = self._cache.get(word)
        if known is not None:
            return known
        text = padded(word)
        sums = [0.0] * len(RULES)
        grams = 0
        for a, b in SLICES[len(text)]:
            grams += 1
            row = self._letters.get(text[a:b])
            if row is not None:
                for j, v in enumerate(row):
                    sums[j] += v
        known = (tuple(sums), grams, self._words.get(word))
        if len(self._cache) >= CACHE_WORDS:
            self._cache.clear()  # a crude bound: common words come back at once
        self._cache[word] = known
        return known

    def logits(self, sentence: str, question: bool = False) -> Scores:
        """Each rule's logit for one sentence (the same sums as ``features``)."""
        words = words_of(sentence[:MAX_CHARS])
        n = len(RULES)
        letters = [0.0] * n
        own = [0.0] * n
        total = 0
        for word, count in Counter(words).items():
            sums, grams, row = self._word(word)
            total += count * grams
            for j in range(n):
                letters[j] += count * sums[j]
            if row is not None:
                for j in range(n):
                    own[j] += count * row[j]
        for pair, count in Counter(map("{} {}".format, words, words[1:])).items():
            row = self._pairs.get(pair)
            if row is not None:
                for j in range(n):
                    own[j] += count * row[j]
        letter_scale = 1.0 / math.sqrt(max(1, total))
        word_scale = 1.0 / math.sqrt(max(1, len(words)))
        out = [self.bias[j] + letters[j] * letter_scale + own[j] * word_scale for j in range(n)]
        for flag, name in ((question, "question"), (_names_someone(sentence), "name")):
            row = self._sentence.get(name) if flag else None
            if row is not None:
                out = [v + w for v, w in zip(out, row, strict=True)]
        return tuple(out)

    def read(self, text: str) -> list[LearnedFind]:
        """Each sentence (of the first ``MAX_CHARS`` characters) and each rule it reads
        as breached, in order. A line of at most ``LINE_WORDS`` words without an end
        mark is a greeting or a sign-off and is not read."""
        text = text[:MAX_CHARS]
        out = []
        for start, end, question in sentences(text):
            piece = text[start:end]
            if piece[-1] not in ENDS and len(_INNER.findall(piece)) <= LINE_WORDS:
                continue  # a greeting or a sign-off ("— the support team")
            logits = self.logits(piece, question)
            for rule, z, at in zip(RULES, logits, self.thresholds, strict=True):
                if z >= at:
                    out.append(LearnedFind(rule, start, end, round(z - at, 4)))
        return out


def read_weights(raw: bytes, expected: str, name: str = "weights") -> dict[str, Any]:
    """Check the bytes against the SHA-256 written beside them, then decode them."""
    return weights.read_weights(raw, expected, name, fmt=FORMAT, tool="tools/train_lint.py")


@cache
def default_model() -> LintModel:
    """The shipped reader, loaded and verified on first use."""
    return LintModel.load()
