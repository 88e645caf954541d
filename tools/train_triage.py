"""Train the learned triage model (``replydesk.triage.learned``) and write its weight file.

    python tools/train_triage.py --data DIR [--out DIR] [--folds 5] [--cross-set]

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
    0.3: tweets and comments are not reviews, and they teach that generic chatter and
    abuse are not criticism without outweighing the reviews. The character and word
    features are those seen in the review rows (criticism, vague, praise), so a language
    that only the insult sets carry (de, el, ru, es, it, pt) cannot become a "not
    criticism" marker; there the rules' features decide.
provocation-vs-rest
    provocation -> 1; other -> 0 (weight 1); criticism and praise -> 0 with weight 0.3
    (rude but specific is criticism; reviews keep the decision from firing on ordinary
    complaints). vague is left out: mini-bar's "irrelevant" holds rude one-liners too.
    Features are those seen in the insult sets' rows; the star rating is not used (only
    the reviews have one, so it would mark "review" rather than "hostile").

Both are L2 logistic regressions (C=1, bias not penalised, classes balanced by weight),
fitted with scipy's L-BFGS-B so that the rules' evidence keeps the sign the house style
gives it: a kind of specific evidence ("rules: specific: version") may only add to
criticism and only take from provocation, a kind of hostile evidence may only add to
provocation (``--free`` lifts this; the cross-validated figures are the same to within
0.01, but without it dates and ids in tweets taught the model that an order number
speaks against criticism). Features are those ``learned.features`` computes, kept if
seen in ``--min-count`` rows; then only the ``--keep`` strongest text features of each
decision are kept (the rules' features always), and every figure is that of the kept
weights.

Figures (stratified ``--folds``-fold cross-validation within each set, fixed seed; every
fold trains on the training part of all sets at once): criticism-vs-rest macro-F1 where
a set has criticism labels, provocation precision/recall/F1 where it has provocation
labels, and how often each label is given where the set has none; each figure for the
learned model, for the rules on the same rows, and for "either" (criticism if either
says so, else provocation if either says so: a first look at using both).
``--cross-set`` also trains without each set in turn and scores that set (a harder,
fairer estimate for unseen data).
Then the final model is trained on every row of every set, written with its SHA-256, read
back through ``LearnedModel.load`` and checked against the script's own predictions.

Needs scikit-learn (and with it numpy and scipy). Deterministic: fixed seeds, sorted
output, gzip without a timestamp; the folds run in ``--jobs`` processes. On two cores, the
full sets take about two minutes (five with ``--cross-set``; 30 s with ``--no-cv``). The
rules' features come from the language packs as they are: retrain when the packs change.
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
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy
import sklearn
from scipy import sparse
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.model_selection import StratifiedKFold

from replydesk.triage import learned
from replydesk.triage.rules import Rules

SEED = 14
OUT = Path(__file__).resolve().parents[1] / "src" / "replydesk" / "triage" / "model"
REVIEW_LABELS = {"criticism", "vague", "praise"}
INSULT_LABELS = {"provocation", "other"}
SIDE_WEIGHT = 0.3  # rows of the other kind of set, used as negatives only
CTC = "ctc-dev.jsonl"


@dataclass
class Row:
    set: str
    id: str
    text: str
    lang: str
    label: str
    rating: int | None
    features: dict[str, float] = field(default_factory=dict)
    rules_label: str = ""


@dataclass
class Head:
    """One decision: its bias and the weight of each kept feature."""

    bias: float
    weights: dict[str, float]

    def logit(self, x: dict[str, float]) -> float:
        w = self.weights
        return self.bias + sum(v * w[k] for k, v in x.items() if k in w)

    def prob(self, x: dict[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-self.logit(x)))


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


# --- the two decisions: which rows, which targets, which features ---------------------


def criticism_sample(row: Row) -> tuple[int, float] | None:
    if row.label in REVIEW_LABELS:
        return int(row.label == "criticism"), 1.0
    if row.label in INSULT_LABELS:
        return 0, SIDE_WEIGHT
    return None


def provocation_sample(row: Row) -> tuple[int, float] | None:
    if row.label in INSULT_LABELS:
        return int(row.label == "provocation"), 1.0
    if row.label in ("criticism", "praise"):
        return 0, SIDE_WEIGHT
    return None


def for_head(head: str, x: dict[str, float]) -> dict[str, float]:
    if head == "provocation":
        return {k: v for k, v in x.items() if not k.startswith("r:rating")}
    return x


HEADS = {
    "criticism": (criticism_sample, REVIEW_LABELS),
    "provocation": (provocation_sample, INSULT_LABELS),
}


def fit_head(head: str, rows: Sequence[Row], args: argparse.Namespace) -> Head:
    sample, vocab_labels = HEADS[head]
    picked = [(r, s) for r in rows if (s := sample(r)) is not None]
    seen: Counter[str] = Counter()
    for r, _ in picked:
        if r.label in vocab_labels:
            seen.update(r.features.keys())
    vocab = sorted(k for k, n in seen.items() if n >= args.min_count or k.startswith("r:"))
    index = {k: i for i, k in enumerate(vocab)}
    data, cols, ptr = [], [], [0]
    for r, _ in picked:
        for k, v in for_head(head, r.features).items():
            i = index.get(k)
            if i is not None:
                cols.append(i)
                data.append(v)
        ptr.append(len(cols))
    X = sparse.csr_matrix(
        (np.array(data), np.array(cols, dtype=np.int32), np.array(ptr, dtype=np.int32)),
        shape=(len(picked), max(1, len(vocab))),
    )
    y = np.array([s[0] for _, s in picked])
    w = np.array([s[1] for _, s in picked], dtype=float)
    if len(set(y.tolist())) < 2:
        raise SystemExit(f"{head}: the data holds only one class")
    pos, neg = w[y == 1].sum(), w[y == 0].sum()
    w = np.where(y == 1, w * (pos + neg) / (2 * pos), w * (pos + neg) / (2 * neg))
    signs = [0 if args.free else sign(head, k) for k in vocab]
    coef, bias = logistic(X, y, w, args.C, signs)
    weights = {k: float(coef[i]) for k, i in index.items() if coef[i]}
    text = sorted((k for k in weights if not k.startswith("r:")), key=lambda k: -abs(weights[k]))
    keep = set(text[: args.keep]) | {k for k in weights if k.startswith("r:")}
    return Head(bias, {k: round(v, 5) for k, v in weights.items() if k in keep and round(v, 5)})


def sign(head: str, feature: str) -> int:
    """The sign a rule's evidence may take (0: free), as the house style reads it:
    specific evidence only adds to criticism and only takes from provocation; hostile
    evidence only adds to provocation. Without this, a set's quirks (dates and ids in
    tweets, long praise on Steam) would turn the rules' meaning around."""
    if feature.startswith("r:rules: specific:"):
        return 1 if head == "criticism" else -1
    if feature.startswith("r:rules: hostile:") and head == "provocation":
        return 1
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


@dataclass
class Model:
    criticism: Head
    provocation: Head
    threshold: float = 0.5

    def predict(self, row: Row) -> tuple[float, float, str]:
        pc = self.criticism.prob(row.features)
        pp = self.provocation.prob(for_head("provocation", row.features))
        label = "criticism" if pc >= self.threshold else "provocation" if pp >= 0.5 else "rest"
        return pc, pp, label


def train(rows: Sequence[Row], args: argparse.Namespace) -> Model:
    return Model(fit_head("criticism", rows, args), fit_head("provocation", rows, args))


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


def figures(rows: Sequence[Row], labels: Sequence[str]) -> dict[str, float]:
    """The figures a set supports: for the learned labels, the rules' and both together."""
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
    return out


def show(title: str, results: dict[str, dict[str, float]]) -> None:
    """One line a set: each figure as learned / rules / either."""
    columns = (
        ("criticism macro-F1", "crit mF1"),
        ("provocation P", "prov P"),
        ("provocation R", "prov R"),
        ("provocation F1", "prov F1"),
        ("called criticism", "called crit"),
        ("called provocation", "called prov"),
    )
    print(f"\n{title}; each cell learned/rules/either")
    print(f"{'set':<28} {'rows':>5}" + "".join(f"  {short:>17}" for _, short in columns))
    for name, fig in results.items():
        cells = [
            "/".join(f"{fig[f'{who} {key}']:.3f}" for who in WHO)
            if f"learned {key}" in fig
            else "-"
            for key, _ in columns
        ]
        print(f"{name:<28} {int(fig['rows']):>5}" + "".join(f"  {c:>17}" for c in cells))


def by_language(name: str, rows: Sequence[Row], labels: Sequence[str]) -> dict[str, dict]:
    langs = sorted({r.lang for r in rows})
    if len(langs) < 2:
        return {}
    out = {}
    for lang in langs:
        keep = [i for i, r in enumerate(rows) if r.lang == lang]
        if len({rows[i].label for i in keep}) > 1:
            out[f"{name} [{lang}]"] = figures([rows[i] for i in keep], [labels[i] for i in keep])
    return out


# The sets live here while folds run, so worker processes forked from this one read them
# without copying them through a pipe.
_SETS: dict[str, list[Row]] = {}
_ARGS: list[argparse.Namespace] = []


def _fold_job(job: tuple[str, object]) -> dict[str, list[str]]:
    """Train on everything but the held-out part, label the held-out part."""
    kind, key = job
    sets, args = _SETS, _ARGS[0]
    if kind == "fold":
        assert isinstance(key, dict)
        held = {name: set(idx) for name, idx in key.items()}
        rows = [r for n, rs in sets.items() for i, r in enumerate(rs) if i not in held[n]]
        model = train(rows, args)
        return {n: [model.predict(sets[n][i])[2] for i in sorted(held[n])] for n in sets}
    rows = [r for n, rs in sets.items() if n != key for r in rs]
    try:
        model = train(rows, args)
    except SystemExit as exc:  # a set that alone carries a class cannot be left out
        print(f"  without {key}: {exc}", file=sys.stderr)
        return {}
    return {str(key): [model.predict(r)[2] for r in sets[str(key)]]}


def run_jobs(jobs: list[tuple[str, object]], args: argparse.Namespace) -> list[dict]:
    if args.jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(min(args.jobs, len(jobs))) as pool:
            return pool.map(_fold_job, jobs, chunksize=1)
    return [_fold_job(job) for job in jobs]


def cross_validate(sets: dict[str, list[Row]], args: argparse.Namespace) -> dict[str, dict]:
    splitter = StratifiedKFold(args.folds, shuffle=True, random_state=SEED)
    folds = {
        name: [test for _, test in splitter.split(np.zeros(len(rows)), [r.label for r in rows])]
        for name, rows in sets.items()
    }
    jobs: list[tuple[str, object]] = [
        ("fold", {name: folds[name][k].tolist() for name in sets}) for k in range(args.folds)
    ]
    labels: dict[str, list[str]] = {name: [""] * len(rows) for name, rows in sets.items()}
    for job, found in zip(jobs, run_jobs(jobs, args), strict=True):
        held = job[1]
        assert isinstance(held, dict)
        for name, predicted in found.items():
            for i, label in zip(sorted(held[name]), predicted, strict=True):
                labels[name][i] = label
    results = {}
    for name, rows in sets.items():
        results[name] = figures(rows, labels[name])
        results |= by_language(name, rows, labels[name])
    return results


def cross_set(sets: dict[str, list[Row]], args: argparse.Namespace) -> dict[str, dict]:
    jobs: list[tuple[str, object]] = [("without", name) for name in sets]
    results = {}
    for found in run_jobs(jobs, args):
        for name, labels in found.items():
            results[f"{name} (unseen)"] = figures(sets[name], labels)
    return results


# --- the weight file --------------------------------------------------------------------


def weight_file(model: Model, sets: dict[str, list[Row]], args: argparse.Namespace) -> bytes:
    keys = sorted(set(model.criticism.weights) | set(model.provocation.weights))
    data = {
        "format": learned.FORMAT,
        "heads": list(learned.HEADS),
        "bias": [round(model.criticism.bias, 5), round(model.provocation.bias, 5)],
        "thresholds": [model.threshold, 0.5],
        "weights": {
            k: [model.criticism.weights.get(k, 0.0), model.provocation.weights.get(k, 0.0)]
            for k in keys
        },
        "meta": {
            "trained_on": {name: len(rows) for name, rows in sets.items()},
            "settings": {
                "C": args.C,
                "min_count": args.min_count,
                "keep": args.keep,
                "side_weight": SIDE_WEIGHT,
                "seed": SEED,
                "sign_bounds": not args.free,
            },
            "scikit-learn": sklearn.__version__,
            "scipy": scipy.__version__,
        },
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
    """The shipped reader must agree with the script: the largest probability gap."""
    reader = learned.LearnedModel.load(path, rules)
    worst = 0.0
    for row in rows:
        pc, pp, _ = model.predict(row)
        got = reader.score(row.text, row.rating, row.lang, explain=False).probabilities
        worst = max(worst, abs(got["criticism"] - pc), abs(got["provocation"] - pp))
    return worst


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="folder of dev-*.jsonl sets")
    ap.add_argument("--out", type=Path, default=OUT, help="where weights.json.gz goes")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--cross-set", action="store_true", help="also leave each set out in turn")
    ap.add_argument("--C", type=float, default=1.0, help="inverse L2 strength")
    ap.add_argument("--min-count", type=int, default=2, help="rows a feature must occur in")
    ap.add_argument("--keep", type=int, default=20_000, help="text features kept per decision")
    ap.add_argument("--jobs", type=int, default=2, help="processes for the folds")
    ap.add_argument("--free", action="store_true", help="no sign bounds on the rules' evidence")
    ap.add_argument("--no-cv", action="store_true", help="train and write only")
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    t0 = time.perf_counter()
    rules = Rules()
    sets = load(args.data, rules)
    total = sum(len(rows) for rows in sets.values())
    print(f"read {total:,} rows from {len(sets)} sets in {time.perf_counter() - t0:.1f} s")
    _SETS.clear()
    _SETS.update(sets)
    _ARGS[:] = [args]
    if not args.no_cv:
        show(f"{args.folds}-fold cross-validation", cross_validate(sets, args))
        if args.cross_set:
            show("each set left out of training", cross_set(sets, args))
    everything = [r for rows in sets.values() for r in rows]
    model = train(everything, args)
    ctc = args.data / CTC
    if ctc.exists():  # measured only, after training; nothing from it is written
        rows = read_set(ctc, rules)
        show(
            "ctc-dev, report only",
            {CTC: figures(rows, [model.predict(r)[2] for r in rows])},
        )
    path = write(weight_file(model, sets, args), args.out)
    gap = check_parity(path, model, everything[:: max(1, total // 500)], rules)
    size = path.stat().st_size
    print(
        f"\nwrote {path} ({size / 1e6:.2f} MB; criticism {len(model.criticism.weights):,} and "
        f"provocation {len(model.provocation.weights):,} weights); reader agrees within "
        f"{gap:.1e}; {time.perf_counter() - t0:.0f} s in all"
    )
    if gap > 1e-3:
        print("the package's reader disagrees with the trained model", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
