"""Train the learned triage model (``replydesk.triage.learned``) and write its weight file.

    python tools/train_triage.py --data DIR [--out DIR] [--folds 5] [--cross-set] [--no-cv]

DIR holds the development sets, one JSON object a line:
``{"id", "text", "lang", "label"[, "rating"], "source_label"}``, where ``label`` is already
one of replydesk's labels (criticism, vague, praise, provocation) or ``other`` ("not
provocation; the source says nothing more"). Every ``dev-*.jsonl`` in DIR is training
data. ``ctc-dev.jsonl``, if present, has a non-commercial licence: it is read only after
the final model is trained, to print figures, and nothing from it reaches the weights.

Each set's own annotation was mapped to our labels when the sets were built (their
README: mini-bar problem report or feature request -> criticism, "irrelevant" by stars ->
vague (1-2) or praise (4-5); Steam not recommended with an aspect -> criticism, without
-> vague, recommended -> praise; GermEval OFFENSE, OffensEval OFF, HateCheck hateful and
non-hateful abuse of a person or group, and Russian toxicity 1 -> provocation; the rest
of those -> other). This script maps our labels to the model's two decisions:

criticism-vs-rest
    criticism -> 1; vague, praise -> 0 (weight 1). provocation and other -> 0 with weight
    ``--side-weight``: tweets and comments are not reviews, and they teach that generic
    chatter and abuse are not criticism without outweighing the reviews. The character
    and word features are those seen in the review rows (criticism, vague, praise), so a
    language that only the insult sets carry (de, el, ru, es, it, pt) cannot become a
    "not criticism" marker; there the rules' features decide.
provocation-vs-rest
    provocation -> 1; other -> 0 (weight 1); criticism and praise -> 0 with weight
    ``--side-weight`` (rude but specific is criticism; reviews keep the decision from
    firing on ordinary complaints). vague is left out: mini-bar's "irrelevant" holds rude
    one-liners too. Features are those seen in the insult sets' rows; the star rating is
    not used (only the reviews have one, so it would mark "review" rather than "hostile").

``--set-weight NAME=W`` multiplies the weight of one set's rows in the decision they are
annotated for; as side rows of the other decision they keep ``--side-weight``, so an
insult set weighed up does not teach the criticism decision that its language is "not
criticism". By default 2 for ``dev-toxic-ru`` and ``dev-offenseval-el`` (``SET_WEIGHTS``:
the only source of their language, and the hardest insult sets; cross-validated average
precision +0.01 to +0.03 on each, no loss elsewhere), 1 for the others.

Both decisions are L2 logistic regressions (bias not penalised, classes balanced by
weight): ``--C`` 1 for criticism and ``--C-provocation`` 3 for provocation. The weaker
penalty gained the provocation decision 0.01-0.03 of cross-validated average precision on
every insult set (HateCheck's folds share templates, so part of its gain is the
templates'); the criticism decision, which has reviews in English and French only,
gained little from it and read the other languages worse.
They are fitted with scipy's L-BFGS-B so that the rules' evidence keeps the sign the house
style gives it: a kind of specific evidence ("rules: specific: version") may only add to
criticism and only take from provocation, a kind of hostile evidence may only add to
provocation, the rules' label criticism or provocation may only add to its own decision
and only take from the other (``--free`` lifts this; without it, dates and ids in tweets
taught the model that an order number speaks against criticism, and the rules' label
"criticism" on tweets that it speaks for provocation). Features are those
``learned.features`` computes, kept if seen in ``--min-count`` rows; then only the
strongest text features of each decision are kept (``--keep`` 20,000 for criticism,
``--keep-provocation`` 60,000 for provocation, which reads seven languages; the rules'
features always), and every figure is that of the kept weights.

Calibration and thresholds come from stratified ``--folds``-fold cross-validation within
each set (fixed seed; every fold trains on the training part of all sets at once), which
gives every row an out-of-fold logit z for each decision:

- calibration: Platt scaling, p = sigmoid(a z + b) for each decision, fitted (maximum
  likelihood, unweighted) on the out-of-fold logits of the rows that decision is trained
  on, so a probability means what it says on the development sets as they come;
- thresholds, on the calibrated out-of-fold probabilities, by one rule (``THRESHOLD_RULE``
  below, written into the weight file): criticism at the grid value that maximises
  criticism-vs-rest macro-F1 on the review rows; provocation (given "not criticism")
  at the grid value that maximises F1 on the insult-set rows among those where each
  set reaches precision >= 0.65 (a set that reaches it at no value does not count; if
  no value qualifies, the best F1): once for all languages ("*") and once for each
  language with >= 500 such rows and >= 100 provocations. "Each set" matters where a
  language has two (German tweets and HateCheck's German cases): pooled, the easy set's
  precision would hide the hard one's.

With ``--no-cv`` there are no out-of-fold logits: calibration is the identity and both
thresholds 0.5 (the weight file says so in ``meta``); the shipped file never comes from
such a run.

Figures (printed, and the learned model's also in the weight file's ``meta``): per set,
per language and for each review set's negative reviews (1-2 stars, or "not
recommended"): criticism-vs-rest macro-F1 where a set has criticism labels, provocation
precision/recall/F1 where it has provocation labels, and how often each label is given
where the set has none; threshold-free, the criticism ROC AUC and the provocation average
precision; each for the learned model, for the rules on the same rows, and for "either"
(criticism if either says so, else provocation if either says so). ``--cross-set`` also
trains without each set in turn and scores that set (a harder, fairer estimate for unseen
data), with calibration and thresholds chosen by the same rule without that set's rows.
Then the final model is trained on every row of every set, written with its SHA-256, read
back through ``LearnedModel.load`` and checked against the script's own predictions.

Needs scikit-learn (and with it numpy and scipy). Deterministic: fixed seeds, sorted
output, gzip without a timestamp; the folds run in ``--jobs`` processes. The rules'
features come from the language packs as they are: retrain when the packs change.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import sklearn
from scipy import sparse
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from replydesk.triage import learned
from replydesk.triage.rules import Rules

SEED = 14
OUT = Path(__file__).resolve().parents[1] / "src" / "replydesk" / "triage" / "model"
REVIEW_LABELS = {"criticism", "vague", "praise"}
INSULT_LABELS = {"provocation", "other"}
CTC = "ctc-dev.jsonl"
SET_WEIGHTS = {"dev-toxic-ru": 2.0, "dev-offenseval-el": 2.0}  # see the docstring

# the threshold rule (see the module's docstring), applied by ``choose_thresholds``
GRID = tuple(i / 200 for i in range(1, 200))  # 0.005 .. 0.995
PRECISION_FLOOR = 0.65
LANGUAGE_ROWS, LANGUAGE_POSITIVES = 500, 100
THRESHOLD_RULE = (
    "on calibrated out-of-fold probabilities, grid 0.005-0.995 by 0.005, ties to the value "
    "nearest 0.5: criticism maximises criticism-vs-rest macro-F1 on the review rows; "
    "provocation (given not criticism) maximises F1 on the insult-set rows among the values "
    f"where each set reaches precision >= {PRECISION_FLOOR} (a set that reaches it nowhere "
    "does not count; no such value: the best F1), for all languages ('*') and for each "
    f"language with >= {LANGUAGE_ROWS} such rows and >= {LANGUAGE_POSITIVES} provocations"
)
IDENTITY = ((1.0, 0.0), (1.0, 0.0))


@dataclass
class Row:
    set: str
    id: str
    text: str
    lang: str
    label: str
    rating: int | None
    source_label: str = ""
    features: dict[str, float] = field(default_factory=dict)
    rules_label: str = ""


@dataclass
class Head:
    """One decision: its bias and the weight of each kept feature (raw logit scale)."""

    bias: float
    weights: dict[str, float]

    def logit(self, x: dict[str, float]) -> float:
        w = self.weights
        return self.bias + sum(v * w[k] for k, v in x.items() if k in w)


Thresholds = dict[str, dict[str, float]]


def decide(pc: float, pp: float, lang: str, thresholds: Thresholds) -> str:
    """The label as ``LearnedModel.score`` gives it: criticism first, then provocation
    at the review's language's threshold, else "rest"."""
    if pc >= thresholds["criticism"]["*"]:
        return "criticism"
    if pp >= learned.language_threshold(thresholds["provocation"], lang):
        return "provocation"
    return "rest"


@dataclass
class Model:
    criticism: Head
    provocation: Head
    calibration: tuple[tuple[float, float], ...] = IDENTITY
    thresholds: Thresholds = field(
        default_factory=lambda: {"criticism": {"*": 0.5}, "provocation": {"*": 0.5}}
    )

    def predict(self, row: Row) -> tuple[float, float, str]:
        (ac, bc), (ap, bp) = self.calibration
        pc = float(expit(ac * self.criticism.logit(row.features) + bc))
        pp = float(expit(ap * self.provocation.logit(row.features) + bp))
        return pc, pp, decide(pc, pp, row.lang, self.thresholds)


def read_set(path: Path, rules: Rules) -> list[Row]:
    rows = []
    for line in path.open(encoding="utf-8"):
        if not line.strip():
            continue
        raw = json.loads(line)
        row = Row(
            set=path.stem,
            id=str(raw["id"]),
            text=str(raw["text"]),
            lang=str(raw.get("lang", "en")),
            label=str(raw["label"]),
            rating=raw.get("rating"),
            source_label=str(raw.get("source_label", "")),
        )
        text = row.text[: learned.MAX_CHARS]
        verdict = rules.classify(text, row.rating, row.lang)
        row.rules_label = str(verdict.label)
        row.features = learned.features(text, row.rating, row.lang, rules, verdict)
        rows.append(row)
    return rows


def load(data: Path, rules: Rules) -> dict[str, list[Row]]:
    sets = {p.stem: read_set(p, rules) for p in sorted(data.glob("dev-*.jsonl"))}
    if not sets:
        raise SystemExit(f"no dev-*.jsonl in {data}")
    for name, rows in sets.items():
        if any(r.id.startswith("ctc-") for r in rows):  # the non-commercial set never trains
            raise SystemExit(f"{name} holds rows of the CTC corpus: refusing to train on it")
    return sets


# --- all rows as one matrix; the two decisions: which rows, targets, features ---------


@dataclass
class Data:
    """Every row of every set, and every feature seen, as one sparse matrix."""

    rows: list[Row]
    names: list[str]  # column names, sorted
    X: sparse.csr_matrix
    rule: np.ndarray  # the rules' features (always kept)
    rating: np.ndarray  # the star rating (not a provocation feature)
    set_of: np.ndarray  # each row's set name
    index: dict[str, int] = field(default_factory=dict)  # column of each name

    @classmethod
    def build(cls, sets: dict[str, list[Row]]) -> Data:
        rows = [r for name in sorted(sets) for r in sets[name]]
        names = sorted({k for r in rows for k in r.features})
        index = {k: i for i, k in enumerate(names)}
        data, cols, ptr = [], [], [0]
        for r in rows:
            for k, v in sorted(r.features.items(), key=lambda kv: index[kv[0]]):
                cols.append(index[k])
                data.append(v)
            ptr.append(len(cols))
        X = sparse.csr_matrix(
            (np.array(data), np.array(cols, dtype=np.int32), np.array(ptr, dtype=np.int64)),
            shape=(len(rows), max(1, len(names))),
        )
        return cls(
            rows=rows,
            names=names,
            X=X,
            rule=np.array([k.startswith("r:") for k in names], dtype=bool),
            rating=np.array([k.startswith("r:rating") for k in names], dtype=bool),
            set_of=np.array([r.set for r in rows]),
            index=index,
        )


@dataclass
class Target:
    """One decision's rows: target, weight, whether trained on, whether it names the
    vocabulary (the rows of the decision's own kind)."""

    y: np.ndarray
    w: np.ndarray
    used: np.ndarray
    vocab: np.ndarray


def targets(head: str, data: Data, args: argparse.Namespace) -> Target:
    n = len(data.rows)
    y, w = np.zeros(n, dtype=int), np.zeros(n)
    used, vocab = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    set_weight = SET_WEIGHTS | dict(args.set_weight)
    for i, r in enumerate(data.rows):
        scale = set_weight.get(r.set, 1.0)
        if head == "criticism":
            if r.label in REVIEW_LABELS:
                y[i], w[i], used[i], vocab[i] = r.label == "criticism", scale, True, True
            elif r.label in INSULT_LABELS:
                w[i], used[i] = args.side_weight, True
        else:
            if r.label in INSULT_LABELS:
                y[i], w[i], used[i], vocab[i] = r.label == "provocation", scale, True, True
            elif r.label in ("criticism", "praise"):
                w[i], used[i] = args.side_weight, True
    return Target(y, w, used & (w > 0), vocab)


def fit_head(head: str, data: Data, target: Target, train: np.ndarray, args: Any) -> Head:
    """One decision trained on the rows in ``train`` (a boolean mask)."""
    used = np.flatnonzero(target.used & train)
    seen = data.X[np.flatnonzero(target.vocab & train)].getnnz(axis=0)
    keep_col = (seen >= args.min_count) | (data.rule & (seen >= 1))
    if head == "provocation":
        keep_col &= ~data.rating
    cols = np.flatnonzero(keep_col)
    X = data.X[used][:, cols]
    y, w = target.y[used], target.w[used].copy()
    if len(set(y.tolist())) < 2:
        raise SystemExit(f"{head}: the data holds only one class")
    pos, neg = w[y == 1].sum(), w[y == 0].sum()
    w = np.where(y == 1, w * (pos + neg) / (2 * pos), w * (pos + neg) / (2 * neg))
    signs = [0 if args.free else sign(head, data.names[c]) for c in cols]
    C = args.C if head == "criticism" else args.C_provocation
    coef, bias = logistic(X, y, w, C, signs)
    weights = {data.names[c]: float(coef[i]) for i, c in enumerate(cols) if coef[i]}
    text = sorted((k for k in weights if not k.startswith("r:")), key=lambda k: -abs(weights[k]))
    limit = args.keep if head == "criticism" else args.keep_provocation
    keep = set(text[:limit]) | {k for k in weights if k.startswith("r:")}
    return Head(
        round(bias, 5), {k: round(v, 5) for k, v in weights.items() if k in keep and round(v, 5)}
    )


def sign(head: str, feature: str) -> int:
    """The sign a rule's evidence may take (0: free), as the house style reads it:
    specific evidence only adds to criticism and only takes from provocation; hostile
    evidence only adds to provocation; the rules' label criticism or provocation only
    adds to its own decision and only takes from the other. Without this, a set's quirks
    (dates and ids in tweets, long praise on Steam) would turn the rules' meaning
    around."""
    if feature.startswith("r:rules: specific:"):
        return 1 if head == "criticism" else -1
    if feature.startswith("r:rules: hostile:") and head == "provocation":
        return 1
    # the rules' own label: criticism speaks for criticism and against provocation,
    # provocation the other way round (in tweets, where the rules' "criticism" is mostly
    # hostility with a number in it, the label was learned as a sign of provocation)
    if feature == "r:rules: label criticism":
        return 1 if head == "criticism" else -1
    if feature == "r:rules: label provocation":
        return -1 if head == "criticism" else 1
    return 0


def logistic(
    X: sparse.csr_matrix, y: np.ndarray, w: np.ndarray, C: float, signs: Sequence[int]
) -> tuple[np.ndarray, float]:
    """Weighted L2 logistic regression, bias not penalised, with sign bounds (L-BFGS-B):
    minimises sum(w * logloss) + |coef|^2 / 2C. Deterministic from a zero start."""
    XT = X.T.tocsr()
    target = y.astype(float)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, bias = theta[:-1], theta[-1]
        z = X @ coef + bias
        value = float(np.sum(w * (np.logaddexp(0.0, z) - target * z)) + coef @ coef / (2 * C))
        g = w * (expit(z) - target)
        return value, np.append(XT @ g + coef / C, g.sum())

    bounds = [(0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None) for s in signs]
    result = minimize(
        loss,
        np.zeros(X.shape[1] + 1),
        jac=True,
        method="L-BFGS-B",
        bounds=[*bounds, (None, None)],
        options={"maxiter": 3000},
    )
    return result.x[:-1], float(result.x[-1])


def logits(head: Head, data: Data, rows: np.ndarray) -> np.ndarray:
    """The raw logit of ``head`` for the given rows of the matrix."""
    cols = np.array([data.index[k] for k in head.weights], dtype=np.int64)
    coef = np.array(list(head.weights.values()))
    if not len(cols):
        return np.full(len(rows), head.bias)
    return np.asarray(data.X[rows][:, cols] @ coef).ravel() + head.bias


def train(data: Data, tgt: dict[str, Target], mask: np.ndarray, args: Any) -> Model:
    return Model(*(fit_head(h, data, tgt[h], mask, args) for h in learned.HEADS))


# --- calibration and thresholds -------------------------------------------------------


def platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """a, b maximising the likelihood of y under sigmoid(a z + b), every row alike."""
    target = y.astype(float)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        s = theta[0] * z + theta[1]
        g = expit(s) - target
        return float(np.sum(np.logaddexp(0.0, s) - target * s)), np.array([g @ z, g.sum()])

    result = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
    a, b = float(result.x[0]), float(result.x[1])
    if not a > 0:
        raise SystemExit(f"calibration found a slope of {a}: the scores do not rank at all")
    return round(a, 6), round(b, 6)


def calibrate(
    z: dict[str, np.ndarray], tgt: dict[str, Target], mask: np.ndarray
) -> tuple[tuple[float, float], ...]:
    return tuple(
        platt(z[h][tgt[h].used & mask], tgt[h].y[tgt[h].used & mask]) for h in learned.HEADS
    )


def _counts(gold: np.ndarray, scores: np.ndarray, extra: np.ndarray) -> tuple[np.ndarray, ...]:
    """tp, fp, fn at each grid value: predicted when ``extra`` and score >= t."""
    grid = np.array(GRID)
    pred = (scores[None, :] >= grid[:, None]) & extra[None, :]
    tp = (pred & gold[None, :]).sum(axis=1)
    fp = (pred & ~gold[None, :]).sum(axis=1)
    fn = (~pred & gold[None, :]).sum(axis=1)
    return tp.astype(float), fp.astype(float), fn.astype(float)


def _best(objective: np.ndarray, allowed: np.ndarray) -> float:
    """The grid value with the highest objective among those allowed, ties to 0.5."""
    grid = np.array(GRID)
    values = np.where(allowed, objective, -np.inf)
    top = values.max()
    ties = np.flatnonzero(values >= top - 1e-12)
    return float(grid[ties[np.argmin(np.abs(grid[ties] - 0.5))]])


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    return np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros_like(tp), where=(tp + fp + fn) > 0)


def choose_thresholds(
    rows: Sequence[Row], pc: np.ndarray, pp: np.ndarray, mask: np.ndarray
) -> Thresholds:
    """The threshold rule (``THRESHOLD_RULE``) on the rows in ``mask``."""
    labels = np.array([r.label for r in rows])
    review = mask & np.isin(labels, sorted(REVIEW_LABELS))
    gold = labels[review] == "criticism"
    tp, fp, fn = _counts(gold, pc[review], np.ones(len(gold), dtype=bool))
    tn = len(gold) - tp - fp - fn
    macro = (_f1(tp, fp, fn) + _f1(tn, fn, fp)) / 2
    t_crit = _best(macro, np.ones(len(GRID), dtype=bool))

    insult = mask & np.isin(labels, sorted(INSULT_LABELS))
    langs = np.array([r.lang for r in rows])
    sets = np.array([r.set for r in rows])

    def provocation(scope: np.ndarray) -> float:
        """Best F1 on the scope among the values where each set in it reaches the
        precision floor (a set that reaches it nowhere does not count), else best F1."""
        gold = labels[scope] == "provocation"
        tp, fp, fn = _counts(gold, pp[scope], pc[scope] < t_crit)
        allowed = np.ones(len(GRID), dtype=bool)
        for name in sorted(set(sets[scope].tolist())):
            part = scope & (sets == name)
            ptp, pfp, _ = _counts(labels[part] == "provocation", pp[part], pc[part] < t_crit)
            precision = np.divide(ptp, ptp + pfp, out=np.zeros_like(ptp), where=ptp + pfp > 0)
            floor = (precision >= PRECISION_FLOOR) & (ptp > 0)
            if floor.any():
                allowed &= floor
        return _best(_f1(tp, fp, fn), allowed if allowed.any() else np.ones_like(allowed))

    table = {"*": provocation(insult)}
    for lang in sorted(set(langs[insult].tolist())):
        scope = insult & (langs == lang)
        positives = int((labels[scope] == "provocation").sum())
        if scope.sum() >= LANGUAGE_ROWS and positives >= LANGUAGE_POSITIVES:
            table[lang] = provocation(scope)
    return {"criticism": {"*": t_crit}, "provocation": table}


# --- figures ----------------------------------------------------------------------------


def prf(gold: Sequence[bool], pred: Sequence[bool]) -> tuple[float, float, float]:
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    fp = sum(p and not g for g, p in zip(gold, pred, strict=True))
    fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def macro_f1(gold: Sequence[bool], pred: Sequence[bool]) -> float:
    pos = prf(gold, pred)[2]
    neg = prf([not g for g in gold], [not p for p in pred])[2]
    return (pos + neg) / 2


def either(learned_label: str, rules_label: str) -> str:
    """Learned and rules together, the simplest way: criticism if either says so, else
    provocation if either says so (a hint for the wiring, not the product's rule)."""
    for label in ("criticism", "provocation"):
        if label in (learned_label, rules_label):
            return label
    return "rest"


WHO = ("learned", "rules", "either")
Scored = tuple[Sequence[Row], Sequence[str], Sequence[float], Sequence[float]]


def figures(rows: Sequence[Row], labels: Sequence[str], pc: Any, pp: Any) -> dict[str, float]:
    """The figures a set supports: for the learned labels, the rules' and both together;
    and the learned probabilities' ranking (criticism ROC AUC, provocation AP)."""
    out: dict[str, float] = {"rows": len(rows)}
    gold = [r.label for r in rows]
    rules = [r.rules_label for r in rows]
    both = [either(a, b) for a, b in zip(labels, rules, strict=True)]
    for who, pred in zip(WHO, (list(labels), rules, both), strict=True):
        if "criticism" in gold:
            out[f"{who} criticism macro-F1"] = macro_f1(
                [g == "criticism" for g in gold], [p == "criticism" for p in pred]
            )
        else:
            out[f"{who} called criticism"] = sum(p == "criticism" for p in pred) / len(pred)
        if "provocation" in gold:
            p, r, f = prf([g == "provocation" for g in gold], [p == "provocation" for p in pred])
            out[f"{who} provocation P"], out[f"{who} provocation R"] = p, r
            out[f"{who} provocation F1"] = f
        else:
            out[f"{who} called provocation"] = sum(p == "provocation" for p in pred) / len(pred)
    crit = [g == "criticism" for g in gold]
    if 0 < sum(crit) < len(crit):
        out["learned criticism AUC"] = float(roc_auc_score(crit, pc))
    prov = [g == "provocation" for g in gold]
    if 0 < sum(prov) < len(prov):
        out["learned provocation AP"] = float(average_precision_score(prov, pp))
    return out


def negative(row: Row) -> bool:
    """A review its author did not like: 1-2 stars, or Steam's "not recommended"."""
    return (row.rating is not None and row.rating <= 2) or row.source_label.startswith(
        "recommended=0"
    )


def breakdown(name: str, rows: Sequence[Row], labels: Sequence[str], pc: Any, pp: Any) -> dict:
    """A set's figures, then per language (when it has several) and for its negative
    reviews (criticism vs vague among them, the question of a 1-2 star review)."""
    results = {name: figures(rows, labels, pc, pp)}
    subsets: list[tuple[str, Callable[[Row], bool]]] = []
    langs = sorted({r.lang for r in rows})
    if len(langs) > 1:
        subsets += [(f"[{lang}]", lambda r, lang=lang: r.lang == lang) for lang in langs]
    if any(negative(r) and r.label == "vague" for r in rows):
        subsets.append(("[negative]", negative))
    for suffix, test in subsets:
        keep = [i for i, r in enumerate(rows) if test(r)]
        if len({rows[i].label for i in keep}) > 1:
            results[f"{name} {suffix}"] = figures(
                [rows[i] for i in keep],
                [labels[i] for i in keep],
                [pc[i] for i in keep],
                [pp[i] for i in keep],
            )
    return results


COLUMNS = (
    ("criticism macro-F1", "crit mF1"),
    ("provocation P", "prov P"),
    ("provocation R", "prov R"),
    ("provocation F1", "prov F1"),
    ("called criticism", "called crit"),
    ("called provocation", "called prov"),
)


def show(title: str, results: dict[str, dict[str, float]]) -> None:
    """One line a set: each figure as learned / rules / either, then the learned
    probabilities' criticism AUC and provocation AP."""
    print(f"\n{title}; each cell learned/rules/either")
    print(
        f"{'set':<32} {'rows':>5}"
        + "".join(f"  {short:>17}" for _, short in COLUMNS)
        + f"  {'crit AUC':>8}  {'prov AP':>7}"
    )
    for name, fig in results.items():
        cells = [
            "/".join(f"{fig[f'{who} {key}']:.3f}" for who in WHO)
            if f"learned {key}" in fig
            else "-"
            for key, _ in COLUMNS
        ]
        ranks = [
            f"{fig[key]:.3f}" if key in fig else "-"
            for key in ("learned criticism AUC", "learned provocation AP")
        ]
        print(
            f"{name:<32} {int(fig['rows']):>5}"
            + "".join(f"  {c:>17}" for c in cells)
            + f"  {ranks[0]:>8}  {ranks[1]:>7}"
        )


def learned_figures(results: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """The learned model's figures, rounded, for the weight file's ``meta``."""
    return {
        name: {
            key.removeprefix("learned "): round(value, 3) if key != "rows" else int(value)
            for key, value in fig.items()
            if key == "rows" or key.startswith("learned ")
        }
        for name, fig in results.items()
    }


# --- cross-validation -------------------------------------------------------------------

# The data live here while folds run, so worker processes forked from this one read them
# without copying them through a pipe.
_STATE: dict[str, Any] = {}


def _fold_job(held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Train on every row but the held-out ones; the raw logits of the held-out rows."""
    data, tgt, args = _STATE["data"], _STATE["targets"], _STATE["args"]
    mask = np.ones(len(data.rows), dtype=bool)
    mask[held] = False
    try:
        model = train(data, tgt, mask, args)
    except SystemExit as exc:  # a set that alone carries a class cannot be left out
        print(f"  a fold could not train: {exc}", file=sys.stderr)
        return np.full(len(held), np.nan), np.full(len(held), np.nan)
    return logits(model.criticism, data, held), logits(model.provocation, data, held)


def run_jobs(jobs: list[np.ndarray], args: argparse.Namespace) -> list[tuple[np.ndarray, ...]]:
    if args.jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(min(args.jobs, len(jobs))) as pool:
            return pool.map(_fold_job, jobs, chunksize=1)
    return [_fold_job(job) for job in jobs]


def out_of_fold(data: Data, args: argparse.Namespace) -> dict[str, np.ndarray]:
    """Every row's raw logits from the fold that held it out (stratified within each set)."""
    splitter = StratifiedKFold(args.folds, shuffle=True, random_state=SEED)
    held: list[list[int]] = [[] for _ in range(args.folds)]
    for name in sorted(set(data.set_of.tolist())):
        rows = np.flatnonzero(data.set_of == name)
        labels = [data.rows[i].label for i in rows]
        for k, (_, test) in enumerate(splitter.split(np.zeros(len(rows)), labels)):
            held[k] += rows[test].tolist()
    jobs = [np.array(sorted(h), dtype=np.int64) for h in held]
    z = {h: np.full(len(data.rows), np.nan) for h in learned.HEADS}
    for job, (zc, zp) in zip(jobs, run_jobs(jobs, args), strict=True):
        z["criticism"][job], z["provocation"][job] = zc, zp
    return z


def probabilities(z: dict[str, np.ndarray], calibration: Any) -> tuple[np.ndarray, np.ndarray]:
    (ac, bc), (ap, bp) = calibration
    return expit(ac * z["criticism"] + bc), expit(ap * z["provocation"] + bp)


def label_all(
    rows: Sequence[Row], pc: np.ndarray, pp: np.ndarray, thresholds: Thresholds
) -> list[str]:
    return [decide(c, p, r.lang, thresholds) for r, c, p in zip(rows, pc, pp, strict=True)]


def per_set(data: Data, labels: Sequence[str], pc: Any, pp: Any, only: str = "") -> dict:
    results: dict[str, dict[str, float]] = {}
    for name in sorted(set(data.set_of.tolist())):
        if only and name != only:
            continue
        idx = np.flatnonzero(data.set_of == name)
        results |= breakdown(
            name, [data.rows[i] for i in idx], [labels[i] for i in idx], pc[idx], pp[idx]
        )
    return results


def cross_set(
    data: Data, z_oof: dict[str, np.ndarray], tgt: dict[str, Target], args: argparse.Namespace
) -> dict[str, dict]:
    """Leave each set out: train on the others, calibrate and choose thresholds by the
    same rule on the others' out-of-fold logits, and score the set left out."""
    names = sorted(set(data.set_of.tolist()))
    jobs = [np.flatnonzero(data.set_of == name) for name in names]
    results: dict[str, dict] = {}
    for name, held, (zc, zp) in zip(names, jobs, run_jobs(jobs, args), strict=True):
        if np.isnan(zc).any():
            continue
        others = data.set_of != name
        calibration = calibrate(z_oof, tgt, others)
        pc_oof, pp_oof = probabilities(z_oof, calibration)
        thresholds = choose_thresholds(data.rows, pc_oof, pp_oof, others)
        pc, pp = probabilities({"criticism": zc, "provocation": zp}, calibration)
        rows = [data.rows[i] for i in held]
        labels = label_all(rows, pc, pp, thresholds)
        for key, fig in breakdown(name, rows, labels, pc, pp).items():
            results[key.replace(name, f"{name} (unseen)", 1)] = fig
    return results


def report(path: Path, model: Model, rules: Rules) -> dict[str, dict]:
    """Figures of the final model on a labelled file it never saw (printed, not trained)."""
    rows = read_set(path, rules)
    scored = [model.predict(r) for r in rows]
    labels = [s[2] for s in scored]
    return breakdown(path.name, rows, labels, [s[0] for s in scored], [s[1] for s in scored])


# --- the weight file --------------------------------------------------------------------


def weight_file(model: Model, sets: dict[str, list[Row]], meta: dict[str, Any]) -> bytes:
    keys = sorted(set(model.criticism.weights) | set(model.provocation.weights))
    data = {
        "format": learned.FORMAT,
        "heads": list(learned.HEADS),
        "bias": [model.criticism.bias, model.provocation.bias],
        "calibration": [list(pair) for pair in model.calibration],
        "thresholds": model.thresholds,
        "weights": {
            k: [model.criticism.weights.get(k, 0.0), model.provocation.weights.get(k, 0.0)]
            for k in keys
        },
        "meta": {"trained_on": {name: len(rows) for name, rows in sets.items()}, **meta},
    }
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def write(raw: bytes, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "weights.json.gz"
    path.write_bytes(raw)
    digest = hashlib.sha256(raw).hexdigest()
    path.with_name(path.name + ".sha256").write_text(f"{digest}  {path.name}\n", "utf-8")
    return path


def check_parity(path: Path, model: Model, rows: Iterable[Row], rules: Rules) -> float:
    """The shipped reader must agree with the script: the largest probability gap, or
    infinity when a label differs (away from a threshold)."""
    reader = learned.LearnedModel.load(path, rules)
    worst = 0.0
    for row in rows:
        pc, pp, label = model.predict(row)
        got = reader.score(row.text, row.rating, row.lang, explain=False)
        worst = max(
            worst,
            abs(got.probabilities["criticism"] - pc),
            abs(got.probabilities["provocation"] - pp),
        )
        near = min(
            abs(pc - reader.threshold("criticism", row.lang)),
            abs(pp - reader.threshold("provocation", row.lang)),
        )
        if str(got.label or "rest") != label and near > 1e-6:
            print(f"  {row.id}: the reader says {got.label}, the script {label}")
            worst = math.inf
    return worst


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="folder of dev-*.jsonl sets")
    ap.add_argument("--out", type=Path, default=OUT, help="where weights.json.gz goes")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--cross-set", action="store_true", help="also leave each set out in turn")
    ap.add_argument("--C", type=float, default=1.0, help="inverse L2 strength")
    ap.add_argument("--C-provocation", type=float, default=3.0, help="the provocation decision's C")
    ap.add_argument("--min-count", type=int, default=2, help="rows a feature must occur in")
    ap.add_argument("--keep", type=int, default=20_000, help="text features kept for criticism")
    ap.add_argument(
        "--keep-provocation", type=int, default=60_000, help="text features kept for provocation"
    )
    ap.add_argument(
        "--side-weight", type=float, default=0.3, help="other-kind rows, negatives only"
    )
    ap.add_argument(
        "--set-weight",
        type=_set_weight,
        action="append",
        default=[],
        metavar="NAME=W",
        help="multiply one set's row weights (repeatable)",
    )
    ap.add_argument("--jobs", type=int, default=2, help="processes for the folds")
    ap.add_argument("--free", action="store_true", help="no sign bounds on the rules' evidence")
    ap.add_argument(
        "--no-cv", action="store_true", help="train and write only (identity calibration)"
    )
    ap.add_argument(
        "--report",
        type=Path,
        action="append",
        default=[],
        help="a labelled JSONL file to score after training (printed only; repeatable)",
    )
    args = ap.parse_args(argv)
    if args.no_cv and args.cross_set:
        ap.error("--cross-set needs the cross-validation (drop --no-cv)")
    return args


def _set_weight(text: str) -> tuple[str, float]:
    name, _, weight = text.partition("=")
    try:
        return name.strip(), float(weight)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not NAME=WEIGHT: {text!r}") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    t0 = time.perf_counter()
    rules = Rules()
    sets = load(args.data, rules)
    data = Data.build(sets)
    tgt = {head: targets(head, data, args) for head in learned.HEADS}
    print(f"read {len(data.rows):,} rows from {len(sets)} sets in {time.perf_counter() - t0:.1f} s")
    _STATE.update(data=data, targets=tgt, args=args)
    everything = np.ones(len(data.rows), dtype=bool)
    figures_meta: dict[str, Any] = {}
    if args.no_cv:
        calibration: tuple[tuple[float, float], ...] = IDENTITY
        thresholds: Thresholds = {"criticism": {"*": 0.5}, "provocation": {"*": 0.5}}
        how = "none: trained with --no-cv (identity calibration, thresholds 0.5)"
    else:
        z = out_of_fold(data, args)
        calibration = calibrate(z, tgt, everything)
        pc, pp = probabilities(z, calibration)
        thresholds = choose_thresholds(data.rows, pc, pp, everything)
        how = f"Platt scaling on {args.folds}-fold out-of-fold logits"
        print(f"calibration (a, b) per decision: {calibration}")
        print(f"thresholds: {json.dumps(thresholds, sort_keys=True)}")
        results = per_set(data, label_all(data.rows, pc, pp, thresholds), pc, pp)
        show(f"{args.folds}-fold cross-validation", results)
        figures_meta["cross-validated"] = learned_figures(results)
        if args.cross_set:
            results = cross_set(data, z, tgt, args)
            show("each set left out of training", results)
            figures_meta["cross-set"] = learned_figures(results)
    model = train(data, tgt, everything, args)
    model.calibration, model.thresholds = calibration, thresholds
    ctc = args.data / CTC
    if ctc.exists():  # measured only, after training; nothing from it reaches the weights
        results = report(ctc, model, rules)
        show("ctc-dev, report only", results)
        figures_meta["report-only"] = learned_figures(results)
    for path in args.report:
        show(f"{path.name}, report only", report(path, model, rules))
    meta = {
        "settings": {
            "C": args.C,
            "C_provocation": args.C_provocation,
            "min_count": args.min_count,
            "keep": args.keep,
            "keep_provocation": args.keep_provocation,
            "side_weight": args.side_weight,
            "set_weights": dict(sorted((SET_WEIGHTS | dict(args.set_weight)).items())),
            "seed": SEED,
            "folds": 0 if args.no_cv else args.folds,
            "sign_bounds": not args.free,
        },
        "calibration": how,
        "threshold_rule": "none (--no-cv)" if args.no_cv else THRESHOLD_RULE,
        "figures": figures_meta,
        "scikit-learn": sklearn.__version__,
        "scipy": scipy.__version__,
    }
    path = write(weight_file(model, sets, meta), args.out)
    sample = data.rows[:: max(1, len(data.rows) // 1000)]
    gap = check_parity(path, model, sample, rules)
    size = path.stat().st_size
    print(
        f"\nwrote {path} ({size / 1e6:.2f} MB; criticism {len(model.criticism.weights):,} and "
        f"provocation {len(model.provocation.weights):,} weights; "
        f"sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}); reader agrees within "
        f"{gap:.1e}; {time.perf_counter() - t0:.0f} s in all"
    )
    if gap > 1e-3:
        print("the package's reader disagrees with the trained model", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
