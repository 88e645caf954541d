"""Triage v2 groundwork: a small learned linear model beside the explained rules.

Two one-vs-rest decisions, the two the product needs (see ``model/README.md`` for why
not four labels): *criticism* (does this deserve a real answer?) and *provocation*
(hostile and generic). Each is a logistic regression over features a reader can name:

- ``letters of "word"``: character 2-5-grams of each folded word (``domain.text.fold``,
  digits as ``0``), inside the word's boundaries ``<word>``; one word's n-grams are
  reported together, under the word;
- ``word "x"`` and ``words "x y"``: word unigrams and bigrams of the folded text;
- ``rules: ...``: what ``Rules.classify`` found: its label, its specific and hostile
  scores in buckets, each kind of evidence it quotes ("rules: hostile: insult"), the
  length in words; and ``rating: high`` (4-5 stars; the criticism decision only).

The language is not a feature: it only chooses the rules' word lists.

Character and word counts are divided by the square root of the number of n-grams (or
words) in the text, so a long text does not outweigh a short one. Weights come from
``model/weights.json.gz``, loaded once and checked against the SHA-256 in
``weights.json.gz.sha256`` beside it; ``tools/train_triage.py`` writes both.

Inference is plain Python: dictionary lookups, with each distinct word's n-gram sum
cached. The text is read up to ``MAX_CHARS`` characters, so the cost is linear and
bounded. Not wired into ``Rules.classify`` yet.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import pairwise
from operator import itemgetter
from pathlib import Path
from typing import Any

from replydesk.domain.errors import ReplydeskError
from replydesk.domain.models import Label, Triage
from replydesk.domain.text import fold
from replydesk.triage.rules import Rules

FORMAT = "replydesk-triage-linear/1"
WEIGHTS = "weights.json.gz"
HEADS = ("criticism", "provocation")
MAX_CHARS = 20_000  # read up to here: the same default as the rules' [triage] max_chars
MAX_WORD = 40  # letters of a longer "word" (a URL, a hash) are read up to here
NGRAMS = (2, 3, 4, 5)
TOP = 8  # contributions kept per head for the explanation
CACHE_WORDS = 200_000  # distinct words whose n-gram sums are remembered

WORD = re.compile(r"[^\W_]+")
DIGIT = re.compile(r"\d")

# rule features, bucketed so each can be named: (upper bound, name), last one open
SPECIFIC_BUCKETS = ((0.0, "none"), (1.5, "low"), (2.6, "some"), (5.0, "enough"))
HOSTILE_BUCKETS = ((0.0, "none"), (1.5, "low"), (3.0, "enough"))
LENGTH_BUCKETS = ((3, "0-3"), (9, "4-9"), (24, "10-24"), (59, "25-59"))


_first, _second = itemgetter(0), itemgetter(1)
# where each n-gram of a padded word of a given length starts and ends (char_ngrams' order)
_SLICES = [
    [(i, i + n) for n in NGRAMS for i in range(size - n + 1)] for size in range(MAX_WORD + 3)
]

# a word's letters (criticism sum, provocation sum, n-grams) and its own weights, if any
_Word = tuple[float, float, int, tuple[float, float] | None]


class WeightFileError(ReplydeskError):
    """The shipped weight file is missing, altered or of another format."""


@dataclass(frozen=True)
class Contribution:
    """One named feature and what it added to a decision's log-odds (+ for the label)."""

    feature: str
    weight: float


@dataclass(frozen=True)
class LearnedVerdict:
    """The learned model's view of one review.

    ``probabilities`` holds each decision's probability (criticism, provocation); they
    are two independent one-vs-rest decisions and need not sum to 1. ``label`` is
    criticism when that decision passes its threshold (specific content outweighs
    rudeness, as in the rules), else provocation when that one does, else ``None``: not
    criticism and not provocation; the rules tell vague from praise.
    """

    label: Label | None
    probabilities: dict[str, float]
    contributions: dict[str, tuple[Contribution, ...]] = field(default_factory=dict)
    chars_read: int = 0

    @property
    def reasons(self) -> tuple[Contribution, ...]:
        """The features behind ``label`` (or behind "not criticism" when it is None)."""
        head = str(self.label) if self.label is not None else HEADS[0]
        return self.contributions.get(head, ())


def _bucket(value: float, buckets: Sequence[tuple[float, str]]) -> str:
    for bound, name in buckets:
        if value <= bound:
            return name
    return f">{buckets[-1][0]:g}"


def words_of(text: str) -> list[str]:
    """The folded words of a text, digits as 0 (the text already capped)."""
    return WORD.findall(DIGIT.sub("0", fold(text)))


def char_ngrams(word: str) -> Iterator[str]:
    """Character 2-5-grams of ``<word>``, never across a word boundary."""
    padded = f"<{word[:MAX_WORD]}>"
    for n in NGRAMS:
        for i in range(len(padded) - n + 1):
            yield padded[i : i + n]


def _rule_name(rule: str) -> str:
    """A piece of the rules' evidence as a feature name: "hostile: insult", "specific:
    detailed"; none for the rating and the note on a cut text (features of their own)."""
    if rule.startswith(("rating:", "note:")):
        return ""
    return rule.split(" (", 1)[0]


def rule_features(verdict: Triage, words: int, rating: int | None) -> list[str]:
    """The rules' findings as named features (value 1 each)."""
    specific = sum(e.weight for e in verdict.reasons if e.rule.startswith("specific:"))
    hostile = sum(e.weight for e in verdict.reasons if e.rule.startswith("hostile:"))
    out = [
        f"rules: label {verdict.label}",
        f"rules: specific {_bucket(specific, SPECIFIC_BUCKETS)}",
        f"rules: hostile {_bucket(hostile, HOSTILE_BUCKETS)}",
        f"rules: length {_bucket(words, LENGTH_BUCKETS)} words",
    ]
    for rule in sorted({_rule_name(e.rule) for e in verdict.reasons} - {""}):
        out.append(f"rules: {rule}")
    if rating is not None and rating >= 4:
        out.append("rating: high")
    return out


def features(
    text: str, rating: int | None, language: str, rules: Rules, verdict: Triage | None = None
) -> dict[str, float]:
    """Every feature of one text with its value: what training sees, name for name.

    Inference computes the same sums without building this dictionary (``score``); the
    training script uses it to build its matrix, so both read a text the same way.
    """
    text = (text or "")[:MAX_CHARS]
    words = words_of(text)
    verdict = verdict or rules.classify(text, rating, language)
    out: dict[str, float] = {}
    chars: Counter[str] = Counter()
    for word in words:
        chars.update(char_ngrams(word))
    char_scale = 1.0 / math.sqrt(max(1, sum(chars.values())))
    for gram, count in chars.items():
        out["c:" + gram] = count * char_scale
    word_scale = 1.0 / math.sqrt(max(1, len(words)))
    grams = Counter(words)
    grams.update(f"{a} {b}" for a, b in pairwise(words))
    for gram, count in grams.items():
        out[("b:" if " " in gram else "w:") + gram] = count * word_scale
    for name in rule_features(verdict, len(words), rating):
        out["r:" + name] = 1.0
    return out


class LearnedModel:
    """The weights of both decisions, loaded once; ``score`` is pure and thread-safe."""

    def __init__(self, data: dict[str, Any], rules: Rules | None = None) -> None:
        if data.get("format") != FORMAT or tuple(data.get("heads", ())) != HEADS:
            raise WeightFileError(f"not a {FORMAT} weight file for {', '.join(HEADS)}")
        self.meta: dict[str, Any] = dict(data.get("meta", {}))
        try:
            bias, thresholds = data["bias"], data["thresholds"]
            self.bias: tuple[float, float] = (float(bias[0]), float(bias[1]))
            self.thresholds: tuple[float, float] = (float(thresholds[0]), float(thresholds[1]))
            weights = {str(k): (float(v[0]), float(v[1])) for k, v in data["weights"].items()}
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise WeightFileError(f"a {FORMAT} weight file with a bad field: {exc!r}") from exc
        self._chars: dict[str, tuple[float, float]] = {}  # "<wo" -> (criticism, provocation)
        self._words: dict[str, tuple[float, float]] = {}  # "word"
        self._pairs: dict[str, tuple[float, float]] = {}  # "two words"
        self._rule_weights: dict[str, tuple[float, float]] = {}  # "rules: label praise"
        tables = {"c": self._chars, "w": self._words, "b": self._pairs, "r": self._rule_weights}
        for key, pair in weights.items():
            kind, _, name = key.partition(":")
            if kind not in tables:
                raise WeightFileError(f"unknown feature {key!r} in the weight file")
            tables[kind][name] = pair
        self._rules = rules
        self._rules_lock = threading.Lock()
        self._cache: dict[str, _Word] = {}

    @classmethod
    def load(cls, path: Path | None = None, rules: Rules | None = None) -> LearnedModel:
        """Read and verify a weight file (default: the one shipped in the package)."""
        if path is None:
            folder = resources.files("replydesk.triage") / "model"
            try:
                raw = (folder / WEIGHTS).read_bytes()
                expected = (folder / (WEIGHTS + ".sha256")).read_text("utf-8")
            except OSError as exc:
                raise WeightFileError(f"the triage model is not installed: {exc}") from exc
            name = f"replydesk/triage/model/{WEIGHTS}"
        else:
            sidecar = path.with_name(path.name + ".sha256")
            try:
                raw, expected = path.read_bytes(), sidecar.read_text("utf-8")
            except OSError as exc:
                raise WeightFileError(f"cannot read the triage weights: {exc}") from exc
            name = str(path)
        return cls(read_weights(raw, expected, name), rules)

    @property
    def size(self) -> int:
        """How many weighted features the model holds."""
        return sum(map(len, (self._chars, self._words, self._pairs, self._rule_weights)))

    def rules(self) -> Rules:
        with self._rules_lock:
            if self._rules is None:
                self._rules = Rules()
            return self._rules

    def _word(self, word: str) -> _Word:
        """What one word adds, remembered: its letters' sums, their count, the word's own
        weights. Dictionary writes are atomic, so threads may share the cache."""
        known = self._cache.get(word)
        if known is not None:
            return known
        padded = f"<{word[:MAX_WORD]}>"
        grams = [padded[a:b] for a, b in _SLICES[len(padded)]]
        hits = [pair for pair in map(self._chars.get, grams) if pair is not None]
        known = (
            sum(map(_first, hits)),
            sum(map(_second, hits)),
            len(grams),
            self._words.get(word),
        )
        if len(self._cache) >= CACHE_WORDS:
            self._cache.clear()  # a crude bound: common words come back at once
        self._cache[word] = known
        return known

    def score(
        self,
        text: str,
        rating: int | None = None,
        language: str = "",
        verdict: Triage | None = None,
        *,
        explain: bool = True,
    ) -> LearnedVerdict:
        """Both decisions for one review. ``verdict`` is the rules' verdict on the same
        text, if the caller has it (the product will); else the rules run here. With
        ``explain=False`` the contributions are not collected (faster)."""
        text = (text or "")[:MAX_CHARS]
        words = words_of(text)
        if verdict is None:
            verdict = self.rules().classify(text, rating, language)
        counts = Counter(words)

        # (kind, text, to criticism, to provocation): what each named feature adds
        parts: list[tuple[str, str, float, float]] = []
        cache, total, letters = self._cache, 0, []
        scale = 1.0 / math.sqrt(max(1, len(words)))
        for word, n in counts.items():
            crit, prov, grams, own = cache.get(word) or self._word(word)
            total += n * grams
            if crit or prov:
                letters.append((word, n * crit, n * prov))
            if own is not None:
                parts.append(("word", word, n * own[0] * scale, n * own[1] * scale))
        if len(words) > 1:
            table = self._pairs
            found = [g for g in map("{} {}".format, words, words[1:]) if g in table]
            for gram, n in Counter(found).items():
                crit, prov = table[gram]
                parts.append(("words", gram, n * crit * scale, n * prov * scale))
        scale = 1.0 / math.sqrt(max(1, total))
        parts += (("letters of", word, crit * scale, prov * scale) for word, crit, prov in letters)
        get = self._rule_weights.get
        for name in rule_features(verdict, len(words), rating):
            pair = get(name)
            if pair is not None:
                parts.append(("", name, pair[0], pair[1]))

        to_crit = [p[2] for p in parts]
        to_prov = [p[3] for p in parts]
        probs = (
            _sigmoid(self.bias[0] + sum(to_crit)),
            _sigmoid(self.bias[1] + sum(to_prov)),
        )
        if probs[0] >= self.thresholds[0]:
            label: Label | None = Label.CRITICISM
        elif probs[1] >= self.thresholds[1]:
            label = Label.PROVOCATION
        else:
            label = None
        contributions: dict[str, tuple[Contribution, ...]] = {}
        if explain:
            for head, adds in zip(HEADS, (to_crit, to_prov), strict=True):
                strength = [abs(x) for x in adds]
                order = sorted(range(len(parts)), key=strength.__getitem__, reverse=True)
                contributions[head] = tuple(
                    Contribution(_name(parts[j][0], parts[j][1]), round(adds[j], 4))
                    for j in order[:TOP]
                    if strength[j] >= 5e-5
                )
        return LearnedVerdict(
            label=label,
            probabilities={head: round(p, 4) for head, p in zip(HEADS, probs, strict=True)},
            contributions=contributions,
            chars_read=len(text),
        )


def _name(kind: str, text: str) -> str:
    return f'{kind} "{text}"' if kind else text


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def read_weights(raw: bytes, expected: str, name: str = "weights") -> dict[str, Any]:
    """Check the bytes against the SHA-256 written beside them, then decode them."""
    digest = hashlib.sha256(raw).hexdigest()
    want = expected.split()[0].lower() if expected.split() else ""
    if digest != want:
        raise WeightFileError(
            f"{name} does not match its SHA-256 checksum (expected {want[:12] or 'none'}, "
            f"found {digest[:12]}): reinstall replydesk or retrain with tools/train_triage.py"
        )
    try:
        data = json.loads(gzip.decompress(raw).decode("utf-8"))
    except (OSError, EOFError, ValueError) as exc:
        raise WeightFileError(f"{name} is not a gzip'd JSON weight file: {exc}") from exc
    if not isinstance(data, dict):
        raise WeightFileError(f"{name} is not a {FORMAT} weight file")
    return data


@cache
def default_model() -> LearnedModel:
    """The shipped model, loaded and verified on first use."""
    return LearnedModel.load()


def score(text: str, rating: int | None = None, language: str = "") -> LearnedVerdict:
    """The shipped model's verdict on one review (the rules run with default lists)."""
    return default_model().score(text, rating, language)
