"""The linter's per-rule tables (tests/data/lint_cases/<lang>.jsonl): sentences a support
agent writes, each saying whether one rule must flag it.

One JSON object a line: ``rule`` (W1, W2, W4, W5, W6, W8, W9, W10, W11, W7-catalogue),
``text``, ``flag`` (true: the rule must flag it; false: it must not), and optionally
``catalogue`` (the bonus catalogue, for W7-catalogue) and ``note`` (why). The
must-pass half holds what the house style allows and a string matcher would trip on:
refusals said kindly ("Unfortunately we cannot refund this order"), a refund of the
price paid (not a bonus), "policy" in a sentence that does not hide behind one.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from replydesk.style.linter import LintContext, lint

FOLDER = Path(__file__).parent / "data" / "lint_cases"
LANGUAGES = ("en", "de", "fr", "es", "ru", "el")
TABLED = ("W2", "W4", "W5", "W8", "W9", "W11")  # at least 10 + 10 per language
REQUIRED = ("W1", "W6", "W10")  # at least 5 + 5 per language
PER_RULE, PER_REQUIRED = 10, 5


def load() -> list[dict[str, Any]]:
    out = []
    for path in sorted(FOLDER.glob("*.jsonl")):
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if line.strip():
                case = json.loads(line)
                case["lang"], case["id"] = path.stem, f"{path.stem}-{n:03d}-{case['rule']}"
                out.append(case)
    return out


CASES = load()


def rules_flagged(case: dict[str, Any]) -> set[str]:
    ctx = LintContext(
        language=case["lang"], catalogue=tuple(case.get("catalogue", ())), label="criticism"
    )
    return {f.rule for f in lint(case["text"], ctx)}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_each_case(case):
    flagged = case["rule"] in rules_flagged(case)
    assert flagged == case["flag"], (case["text"], case.get("note", ""))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_rule_has_its_table_in_every_language(lang):
    counts = Counter((c["rule"], c["flag"]) for c in CASES if c["lang"] == lang)
    short = [
        f"{rule} {'flag' if flag else 'pass'}: {counts[(rule, flag)]}"
        for rules, least in ((TABLED, PER_RULE), (REQUIRED, PER_REQUIRED))
        for rule in rules
        for flag in (True, False)
        if counts[(rule, flag)] < least
    ]
    assert not short, short
