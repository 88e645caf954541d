"""An optional second opinion from the model, only on unsure verdicts.

The review goes to the model as delimited data, never as instructions. The answer must be
JSON with a known label; evidence quotes that are not in the review are dropped (a model
inventing quotes is not evidence). When the model disagrees with the machine's verdict,
both are kept and shown, and the verdict stays unsure (a person decides); when it agrees,
the verdict is no longer unsure; when it fails, the verdict stands and the failure is
recorded.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from replydesk.domain.errors import LLMError
from replydesk.domain.models import LABELS, Evidence, Label, Triage
from replydesk.llm.client import LLMClient
from replydesk.llm.data_block import seal
from replydesk.llm.prompts import load


def review_block(text: str, rating: int | None, limit: int) -> str:
    """The review and its rating as one sealed data block (``llm/data_block.py``): nothing
    inside can open or close a tag, and the text is cut to ``limit`` characters."""
    return seal("review", {"rating": f"{rating} of 5" if rating else "none", "text": text}, limit)


def ask(client: LLMClient, text: str, rating: int | None, machine: Triage) -> Triage:
    prompt = load("triage")
    messages = [
        {"role": "system", "content": prompt.text},
        {"role": "user", "content": review_block(text, rating, client.config.llm.max_review_chars)},
    ]
    try:
        data, done = client.complete_json(messages)
        answer = data.get("label")
        if answer not in LABELS:
            raise LLMError(f"the model answered an unknown label {answer!r}")
        label = Label(answer)
        reasons = [str(r)[:200] for r in data.get("reasons") or [] if isinstance(r, str)][:5]
        evidence: list[Evidence] = []
        for quote in data.get("evidence") or []:
            if isinstance(quote, str) and quote.strip() and quote in text:
                start = text.index(quote)
                evidence.append(
                    Evidence("model: evidence", quote[:80], start, start + len(quote), 1.0)
                )
    except LLMError as exc:
        failure = {"error": str(exc), "model": client.model}
        return replace(machine, second_opinion=json.dumps(failure, ensure_ascii=False))
    opinion: dict[str, object] = {
        "label": label,
        "rules_label": machine.label,
        "agrees": label == machine.label,
        "reasons": reasons,
        "model": done.model,
        "prompt": prompt.version,
    }
    notes = [Evidence(f"model: {r}") for r in reasons[:2]]
    return Triage(
        label=label,
        score=machine.score,
        method=f"{machine.method}+llm",
        reasons=(notes + evidence + machine.reasons)[:12],
        decided_by=done.model,
        second_opinion=json.dumps(opinion, ensure_ascii=False),
        scores=machine.scores,
        unsure=label != machine.label,
    )


def second_opinions(
    client: LLMClient, items: list[tuple[int, str, int | None, Triage]], concurrency: int
) -> dict[int, Triage]:
    """Ask about each item, ``concurrency`` at a time; a failure keeps the machine's verdict."""
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        results = list(pool.map(lambda item: ask(client, item[1], item[2], item[3]), items))
    return {item[0]: result for item, result in zip(items, results, strict=True)}
