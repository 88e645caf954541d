"""Measure triage as the product runs it (rules + learned model) beside the rules alone.

    python bench/triage_eval.py [FILE ...]   (default: the hand-written sets in tests/data)

Each line: {"id", "text", "label"[, "rating", "lang"]}, label one of criticism, vague,
praise, provocation, or "other" (not provocation; nothing more known). Per file (and per
language where a file holds several) prints what the file's labels support:
criticism-vs-rest macro-F1 (does this deserve a real answer?), provocation precision and
recall, how many verdicts were unsure, and for four-label files the per-label macro-F1.
Then the rate of the product's path on one core over every text given, against the
budget of 5,000 reviews a second (texts whole: the rules read up to max_chars).

These are development figures: the learned model was trained on the public sets its
README names, so measuring on those sets here flatters it; the cross-validated figures
are the ones ``tools/train_triage.py`` prints.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from replydesk.domain.models import Label
from replydesk.triage.rules import Rules
from replydesk.triage.triager import Triager

BUDGET = 5000.0
DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
DEFAULT = sorted(DATA.glob("triage_*.jsonl"))


def prf(gold: Sequence[bool], pred: Sequence[bool]) -> tuple[float, float, float]:
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    fp = sum(p and not g for g, p in zip(gold, pred, strict=True))
    fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def binary_macro_f1(gold: Sequence[str], pred: Sequence[str], label: str) -> float:
    g = [x == label for x in gold]
    p = [x == label for x in pred]
    return (prf(g, p)[2] + prf([not x for x in g], [not x for x in p])[2]) / 2


def figures(gold: Sequence[str], pred: Sequence[str]) -> str:
    out = []
    if "criticism" in gold:
        out.append(f"crit-vs-rest mF1 {binary_macro_f1(gold, pred, 'criticism'):.3f}")
    if "provocation" in gold:
        p, r, _ = prf([g == "provocation" for g in gold], [x == "provocation" for x in pred])
        out.append(f"prov P {p:.3f} R {r:.3f}")
    present = [lab for lab in map(str, Label) if lab in gold]
    if len(present) == 4:
        f1s = [prf([g == lab for g in gold], [x == lab for x in pred])[2] for lab in present]
        out.append(f"4-label mF1 {sum(f1s) / 4:.3f}")
    return " · ".join(out)


def evaluate(name: str, rows: list[dict], triager: Triager, rules: Rules) -> None:
    verdicts = [triager.classify(r["text"], r.get("rating"), r.get("lang", "")) for r in rows]
    both = [str(v.label) for v in verdicts]
    alone = [str(rules.classify(r["text"], r.get("rating"), r.get("lang", "")).label) for r in rows]
    unsure = sum(v.unsure for v in verdicts)
    print(f"== {name}: {len(rows)} rows, unsure {unsure} ({unsure / len(rows):.0%})")
    print(f"   rules + learned: {figures([r['label'] for r in rows], both)}")
    print(f"   rules alone:     {figures([r['label'] for r in rows], alone)}")
    langs = Counter(r.get("lang", "") for r in rows)
    if len(langs) > 1:
        for lang in sorted(langs):
            idx = [i for i, r in enumerate(rows) if r.get("lang", "") == lang]
            gold = [rows[i]["label"] for i in idx]
            print(f"   [{lang or '?'}] {figures(gold, [both[i] for i in idx])}")


def throughput(rows: list[dict], triager: Triager) -> float:
    items = [(r["text"], r.get("rating"), r.get("lang", "en")) for r in rows]
    t0 = time.perf_counter()
    for item in items:
        triager.classify(*item)
    return len(items) / (time.perf_counter() - t0)


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or DEFAULT
    rules = Rules()
    triager = Triager(rules)
    every = []
    for path in paths:
        rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        every += rows
        evaluate(path.name, rows, triager, rules)
    rate = throughput(every, triager)
    print(
        f"rules + learned: {rate:,.0f} reviews/s on one core over {len(every):,} texts; "
        f"budget {BUDGET:,.0f}/s: {'within' if rate >= BUDGET else 'OVER'}"
    )
    return 0 if rate >= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
