"""Triage v2: a small learned linear model beside the explained rules.

Two one-vs-rest decisions, the two the product needs (see ``model/README.md`` for why
not four labels): *criticism* (does this deserve a real answer?) and *provocation*
(hostile and generic). Each is a logistic regression over features a reader can name:

- ``letters of "word"``: character 2-5-grams of each folded word (``domain.text.fold``,
  digits as ``0``, a masking run inside a word as ``*``: "f*ck", "х@йня"; in a word
  mixing Cyrillic and Latin letters, the Latin ones read as their Cyrillic lookalikes),
  inside the word's boundaries ``<word>``; one word's n-grams are reported together,
  under the word;
- ``word "x"`` and ``words "x y"``: word unigrams and bigrams of the folded text;
- ``rules: ...``: what ``Rules.classify`` found: its label, its specific and hostile
  scores in buckets, each kind of evidence it quotes ("rules: hostile: insult"), the
  length in words; and ``rating: high`` (4-5 stars; the criticism decision only).

The language is not a feature: it chooses the rules' word lists, and the provocation
threshold (below).

Character and word counts are divided by the square root of the number of n-grams (or
words) in the text, so a long text does not outweigh a short one. Each decision's raw
logit z is calibrated, p = sigmoid(a z + b) (Platt scaling fitted on cross-validated
logits), and decided at a threshold on that scale: one for criticism, and one for
provocation per language where the training data had enough of it, else the default
``"*"`` (``LearnedModel.threshold``). Weights, calibration and thresholds come from
``model/weights.json.gz``, loaded once and checked against the SHA-256 in
``weights.json.gz.sha256`` beside it; ``tools/train_triage.py`` writes both and
``model/README.md`` says how they were made.

Inference is plain Python: dictionary lookups, with each distinct word's n-gram sum
cached. The text is read up to ``MAX_CHARS`` characters, so the cost is linear and
bounded.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from operator import itemgetter
from pathlib import Path
from typing import Any

from replydesk.domain import weights
from replydesk.domain.models import Label, Triage
from replydesk.domain.weights import WeightFileError, finite
from replydesk.domain.wordgrams import MAX_WORD, char_ngrams, words_of
from replydesk.domain.wordgrams import SLICES as _SLICES
from replydesk.triage.rules import Rules

FORMAT = "replydesk-triage-linear/2"
WEIGHTS = weights.WEIGHTS  # the file's name, in model/ beside its .sha256
HEADS = ("criticism", "provocation")
MAX_CHARS = 20_000  # read up to here: the same default as the rules' [triage] max_chars
TOP = 8  # contributions kept per head for the explanation
CACHE_WORDS = 200_000  # distinct words whose n-gram sums are remembered
CACHE_CODES = 1_000  # distinct language codes whose thresholds are remembered

# rule features, bucketed so each can be named: (upper bound, name), last one open
SPECIFIC_BUCKETS = ((0.0, "none"), (1.5, "low"), (2.6, "some"), (5.0, "enough"))
HOSTILE_BUCKETS = ((0.0, "none"), (1.5, "low"), (3.0, "enough"))
LENGTH_BUCKETS = ((3, "0-3"), (9, "4-9"), (24, "10-24"), (59, "25-59"))


_first, _second, _third, _fourth = itemgetter(0), itemgetter(1), itemgetter(2), itemgetter(3)

# a word's letters (criticism sum, provocation sum, n-grams) and its own weights, if any
_Word = tuple[float, float, int, tuple[float, float] | None]


@dataclass(frozen=True)
class Contribution:
    """One named feature and what it added to a decision's calibrated log-odds (+ for
    the label): the calibration's slope times its weight times its value."""

    feature: str
    weight: float


@dataclass(frozen=True)
class LearnedVerdict:
    """The learned model's view of one review.

    ``probabilities`` holds each decision's calibrated probability (criticism,
    provocation), rounded to 4 places; they are two independent one-vs-rest decisions
    and need not sum to 1. ``label`` is criticism when that probability reaches its
    threshold (specific content outweighs rudeness, as in the rules), else provocation
    when that one reaches the threshold of the review's language, else ``None``: not
    criticism and not provocation; the rules tell vague from praise. ``contributions``
    holds each decision's ``TOP`` strongest features with what each added to its
    calibrated log-odds.
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


def rule_features(verdict: Triage, words: int, rating: int | None) -> list[str]:
    """The rules' findings as named features (value 1 each): the label, the specific and
    hostile tallies in buckets, the length, each kind of evidence quoted ("hostile:
    insult", "specific: detailed"; not the rating and the note on a cut text, which are
    features of their own), and ``rating: high`` (4-5 stars)."""
    specific = hostile = 0.0
    kinds = set()
    for evidence in verdict.reasons:
        rule = evidence.rule
        if rule.startswith("specific:"):
            specific += evidence.weight
        elif rule.startswith("hostile:"):
            hostile += evidence.weight
        elif rule.startswith(("rating:", "note:")):
            continue
        kinds.add(rule.split(" (", 1)[0])
    out = [
        f"rules: label {verdict.label}",
        f"rules: specific {_bucket(specific, SPECIFIC_BUCKETS)}",
        f"rules: hostile {_bucket(hostile, HOSTILE_BUCKETS)}",
        f"rules: length {_bucket(words, LENGTH_BUCKETS)} words",
    ]
    out += [f"rules: {kind}" for kind in sorted(kinds)]
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
            bias = data["bias"]
            self.bias: tuple[float, float] = (finite(bias[0]), finite(bias[1]))
            self.calibration: tuple[tuple[float, float], ...] = _calibration(data["calibration"])
            self.thresholds: dict[str, dict[str, float]] = _thresholds(data["thresholds"])
            weights = {str(k): (finite(v[0]), finite(v[1])) for k, v in data["weights"].items()}
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
        self._crit_at = self.thresholds["criticism"]["*"]
        # language code as given ("de-AT") -> provocation threshold, filled as codes come
        self._prov_at: dict[str, float] = {}

    @classmethod
    def load(cls, path: Path | None = None, rules: Rules | None = None) -> LearnedModel:
        """Read and verify a weight file (default: the one shipped in the package)."""
        data = weights.load_weights(
            "replydesk.triage", path, what="triage model", fmt=FORMAT, tool="tools/train_triage.py"
        )
        return cls(data, rules)

    @property
    def size(self) -> int:
        """How many weighted features the model holds."""
        return sum(map(len, (self._chars, self._words, self._pairs, self._rule_weights)))

    def threshold(self, head: str, language: str) -> float:
        """The calibrated probability from which ``head`` is decided for a review in
        ``language`` (see ``language_threshold``); a KeyError for an unknown head."""
        return language_threshold(self.thresholds[head], language)

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
        size = len(words)

        # each distinct word's letters (word, to criticism, to provocation) and the words'
        # and word pairs' own weights (kind, text, to criticism, to provocation), times
        # their counts, before the square-root scaling
        letters: list[tuple[str, float, float]] = []
        owns: list[tuple[str, str, float, float]] = []
        cache, word_of, total = self._cache, self._word, 0
        for word, n in Counter(words).items():
            crit, prov, grams, own = cache.get(word) or word_of(word)
            total += n * grams
            if n == 1:
                if crit or prov:
                    letters.append((word, crit, prov))
                if own is not None:
                    owns.append(("word", word, *own))
            else:
                if crit or prov:
                    letters.append((word, n * crit, n * prov))
                if own is not None:
                    owns.append(("word", word, n * own[0], n * own[1]))
        if size > 1:
            table = self._pairs
            found = list(filter(table.__contains__, map("{} {}".format, words, words[1:])))
            if len(found) == 1:
                owns.append(("words", found[0], *table[found[0]]))
            elif found:
                for gram, n in Counter(found).items():
                    crit, prov = table[gram]
                    owns.append(("words", gram, n * crit, n * prov))
        word_scale = 1.0 / math.sqrt(size or 1)
        letter_scale = 1.0 / math.sqrt(total or 1)
        z_crit = self.bias[0] + (
            sum(map(_third, owns)) * word_scale + sum(map(_second, letters)) * letter_scale
        )
        z_prov = self.bias[1] + (
            sum(map(_fourth, owns)) * word_scale + sum(map(_third, letters)) * letter_scale
        )
        get = self._rule_weights.get
        found_rules = [
            (name, pair) for name in rule_features(verdict, size, rating) if (pair := get(name))
        ]
        for _, (crit, prov) in found_rules:
            z_crit += crit
            z_prov += prov

        (a_crit, b_crit), (a_prov, b_prov) = self.calibration
        p_crit = _sigmoid(a_crit * z_crit + b_crit)
        p_prov = _sigmoid(a_prov * z_prov + b_prov)
        if p_crit >= self._crit_at:
            label: Label | None = Label.CRITICISM
        else:
            prov_at = self._prov_at.get(language)
            if prov_at is None:
                if len(self._prov_at) >= CACHE_CODES:
                    self._prov_at.clear()  # odd codes must not grow it without bound
                prov_at = self._prov_at[language] = self.threshold("provocation", language)
            label = Label.PROVOCATION if p_prov >= prov_at else None
        contributions: dict[str, tuple[Contribution, ...]] = {}
        if explain:
            parts = [(kind, name, c * word_scale, p * word_scale) for kind, name, c, p in owns]
            parts += [
                ("letters of", word, c * letter_scale, p * letter_scale) for word, c, p in letters
            ]
            parts += [("", name, crit, prov) for name, (crit, prov) in found_rules]
            contributions["criticism"] = _top(parts, 2, a_crit)
            contributions["provocation"] = _top(parts, 3, a_prov)
        return LearnedVerdict(
            label=label,
            probabilities={"criticism": round(p_crit, 4), "provocation": round(p_prov, 4)},
            contributions=contributions,
            chars_read=len(text),
        )


def language_threshold(table: dict[str, float], language: str) -> float:
    """A head's threshold for ``language``: "de-AT" or "pt_BR" matched whole (case and
    ``_`` aside), then by its first part ("de"), else the head's default ``"*"``."""
    code = (language or "").strip().lower().replace("_", "-")
    if code in table:
        return table[code]
    return table.get(code.split("-", 1)[0], table["*"])


def _top(
    parts: list[tuple[str, str, float, float]], at: int, slope: float
) -> tuple[Contribution, ...]:
    """The ``TOP`` strongest contributions to one decision (``parts[j][at]``), strongest
    first, ties in order, each on the calibrated log-odds scale (``slope`` times the raw
    one), rounded to 4 places; those that round to 0 left out."""
    adds = list(map(itemgetter(at), parts))
    strength = list(map(abs, adds))
    order = sorted(range(len(adds)), key=strength.__getitem__, reverse=True)[:TOP]
    floor = 5e-5 / slope
    out = []
    for j in order:
        if strength[j] < floor:
            break
        kind, text = parts[j][0], parts[j][1]
        out.append(Contribution(f'{kind} "{text}"' if kind else text, round(slope * adds[j], 4)))
    return tuple(out)


def _calibration(value: Any) -> tuple[tuple[float, float], ...]:
    """[[a, b], [a, b]], one pair a head: p = sigmoid(a * z + b), a > 0."""
    if not isinstance(value, list) or len(value) != len(HEADS):
        raise ValueError(f"calibration must be one [a, b] a head, got {value!r}")
    out = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError(f"calibration must be one [a, b] a head, got {value!r}")
        a, b = finite(pair[0]), finite(pair[1])
        if a <= 0:
            raise ValueError(f"a calibration slope must be positive, got {a!r}")
        out.append((a, b))
    return tuple(out)


def _thresholds(value: Any) -> dict[str, dict[str, float]]:
    """{head: {"*": t, language: t, ...}}, every head, each t a probability."""
    if not isinstance(value, dict) or set(value) != set(HEADS):
        raise ValueError(f"thresholds must name exactly the heads {HEADS}, got {value!r}")
    out: dict[str, dict[str, float]] = {}
    for head in HEADS:
        table = value[head]
        if not isinstance(table, dict) or "*" not in table:
            raise ValueError(f"the {head} thresholds need a default '*', got {table!r}")
        out[head] = {}
        for code, t in table.items():
            if not isinstance(code, str) or not code or code != code.strip().lower():
                raise ValueError(f"a {head} threshold for a bad language code {code!r}")
            out[head][code] = finite(t)
            if not 0.0 <= out[head][code] <= 1.0:
                raise ValueError(f"a {head} threshold outside 0-1: {t!r}")
    return out


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def read_weights(raw: bytes, expected: str, name: str = "weights") -> dict[str, Any]:
    """Check the bytes against the SHA-256 written beside them, then decode them."""
    return weights.read_weights(raw, expected, name, fmt=FORMAT, tool="tools/train_triage.py")


@cache
def default_model() -> LearnedModel:
    """The shipped model, loaded and verified on first use."""
    return LearnedModel.load()


def score(text: str, rating: int | None = None, language: str = "") -> LearnedVerdict:
    """The shipped model's verdict on one review (the rules run with default lists)."""
    return default_model().score(text, rating, language)
