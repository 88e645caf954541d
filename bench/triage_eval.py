"""Evaluate the rules triage on a labelled JSONL file and time it.

    python bench/triage_eval.py [FILE ...]     (default: tests/data/triage_reviews.jsonl)

Each line: {"id", "text", "label"[, "rating", "lang"]}. Prints precision, recall and F1
per label, macro-F1, and macro-F1 of criticism vs the rest (the product's question: does
this deserve a real answer?). Then rules-only throughput on one core against the budget
of 5,000 reviews a second.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from replydesk.triage.rules import Rules

BUDGET = 5000.0
DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "data" / "triage_reviews.jsonl"


def prf(gold: list[str], pred: list[str], label: str) -> tuple[float, float, float, int]:
    tp = sum(g == p == label for g, p in zip(gold, pred, strict=True))
    fp = sum(p == label and g != label for g, p in zip(gold, pred, strict=True))
    fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp + fn


def report(rows: list[dict], rules: Rules) -> dict[str, float]:
    gold = [r["label"] for r in rows]
    pred = [rules.classify(r["text"], r.get("rating"), r.get("lang", "")).label for r in rows]
    labels = sorted(set(gold) | set(pred))
    print(f"{'label':<12} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}")
    f1s = []
    for label in labels:
        p, r, f, n = prf(gold, pred, label)
        if n:
            f1s.append(f)
        print(f"{label:<12} {p:>9.3f} {r:>7.3f} {f:>6.3f} {n:>8}")
    macro = sum(f1s) / len(f1s)
    bin_gold = ["criticism" if g == "criticism" else "rest" for g in gold]
    bin_pred = ["criticism" if p == "criticism" else "rest" for p in pred]
    binary = (prf(bin_gold, bin_pred, "criticism")[2] + prf(bin_gold, bin_pred, "rest")[2]) / 2
    accuracy = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
    print(
        f"macro-F1 {macro:.3f} · criticism-vs-rest macro-F1 {binary:.3f} · "
        f"accuracy {accuracy:.3f} · predicted {dict(Counter(str(p) for p in pred))}"
    )
    return {"macro_f1": macro, "binary_macro_f1": binary}


def throughput(rows: list[dict], rules: Rules, n: int = 20_000) -> float:
    texts = [(r["text"][:1500], r.get("rating"), r.get("lang", "en")) for r in rows]
    t0 = time.perf_counter()
    for i in range(n):
        text, rating, lang = texts[i % len(texts)]
        rules.classify(text, rating, lang)
    return n / (time.perf_counter() - t0)


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or [DEFAULT]
    rules = Rules()
    all_rows = []
    for path in paths:
        rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        all_rows += rows
        print(f"== {path} ({len(rows)} labelled)")
        report(rows, rules)
    rate = throughput(all_rows, rules)
    print(
        f"throughput: {rate:,.0f} reviews/s on one core; budget {BUDGET:,.0f}/s: "
        f"{'within' if rate >= BUDGET else 'OVER'}"
    )
    return 0 if rate >= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
