"""The shared promise table (tests/data/promise_cases.jsonl): reply sentences in every
pack's language, as a support agent writes them, each with what the rules must find.

One JSON object a line: ``lang``, ``text`` and ``expect``, a list of ``{"kind", "due"?}``
(empty: the reply promises nothing; no ``due``: the default due date). About half the
cases promise something; the other half are hedges, refusals, conditionals, past facts,
questions, apologies and thanks, which must yield nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from replydesk.config import Release
from replydesk.languages import codes
from replydesk.promises.extract import extract

TABLE = Path(__file__).parent / "data" / "promise_cases.jsonl"
BERLIN = ZoneInfo("Europe/Berlin")
# Wednesday 30 December 2026, 23:30 in Berlin: due dates cross the year end
POSTED = datetime(2026, 12, 30, 22, 30, tzinfo=UTC)
RELEASES = [
    Release("5.3", "2027-01-12"),  # "the next update"
    Release("5.2.1", "2026-11-26"),  # out already
    Release("5.4", "2027-02-09"),  # "in 5.4"
]
DEFAULT_DAYS = 14
DEFAULT_DUE = (POSTED.astimezone(BERLIN).date() + timedelta(days=DEFAULT_DAYS)).isoformat()


def load() -> list[dict[str, Any]]:
    return [json.loads(line) for line in TABLE.read_text("utf-8").splitlines() if line.strip()]


CASES = load()


def ident(case: dict[str, Any]) -> str:
    n = sum(1 for c in CASES[: CASES.index(case)] if c["lang"] == case["lang"])
    return f"{case['lang']}-{n:02d}"


def found(case: dict[str, Any]) -> list[tuple[str, str]]:
    got = extract(case["text"], case["lang"], POSTED, BERLIN, RELEASES, DEFAULT_DAYS)
    return sorted((e.kind, e.due_date) for e in got)


def expected(case: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((e["kind"], e.get("due", DEFAULT_DUE)) for e in case["expect"])


@pytest.mark.parametrize("case", CASES, ids=[ident(c) for c in CASES])
def test_each_case(case):
    assert found(case) == expected(case), case["text"]


def test_the_table_is_balanced():
    per_lang = Counter(c["lang"] for c in CASES)
    without = Counter(c["lang"] for c in CASES if not c["expect"])
    assert set(per_lang) == set(codes())
    for lang, n in per_lang.items():
        assert n >= 40, (lang, n)
        assert 0.35 <= without[lang] / n <= 0.65, (lang, without[lang], n)
    kinds = {e["kind"] for c in CASES for e in c["expect"]}
    assert kinds == {"fix", "refund", "callback", "info"}
    assert all(set(e) <= {"kind", "due"} for c in CASES for e in c["expect"])


def scores(cases: list[dict[str, Any]]) -> tuple[float, float]:
    """Precision and recall over (case, kind) pairs."""
    tp = fp = fn = 0
    for case in cases:
        want = {e["kind"] for e in case["expect"]}
        got = {kind for kind, _due in found(case)}
        tp, fp, fn = tp + len(want & got), fp + len(got - want), fn + len(want - got)
    return tp / ((tp + fp) or 1), tp / ((tp + fn) or 1)


@pytest.mark.parametrize("lang", sorted({c["lang"] for c in CASES}))
def test_precision_and_recall_per_language(lang):
    precision, recall = scores([c for c in CASES if c["lang"] == lang])
    print(f"{lang}: precision {precision:.2f} recall {recall:.2f}")
    assert precision >= 0.9 and recall >= 0.9, (lang, precision, recall)
