"""``replydesk triage``: label the untriaged queue, classify a JSONL file as a filter, or
explain one review's verdict.

Labels come from ``triage.Triager`` (the rules and the learned model together). A person's
override is stored apart and always wins; re-running triage never touches it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from typing import Any

from replydesk.config import Config
from replydesk.domain.errors import Conflict, NotFound, UsageError
from replydesk.domain.models import LABELS, Label, Triage
from replydesk.domain.text import inert
from replydesk.ingest import BODY_ALIASES
from replydesk.languages.detect import detect
from replydesk.services.workspace import Workspace
from replydesk.triage.second_opinion import second_opinions
from replydesk.triage.triager import Reading, Triager

__all__ = [
    "Reading",
    "Triager",
    "classify_lines",
    "explain",
    "override",
    "triage_pending",
    "triager_for",
    "verdicts",
]

BATCH = 1000


def triager_for(config: Config) -> Triager:
    """The rules and the learned model as ``[triage]`` configures them."""
    return Triager.from_config(config.triage)


def triage_pending(
    ws: Workspace, triager: Triager | None = None, progress: Callable[[int], None] | None = None
) -> Counter[str]:
    """Label every review without a machine verdict; returns counts per label. Unsure
    verdicts go to the model's second opinion when ``[triage] llm_second_opinion`` is on."""
    triager = triager or triager_for(ws.config)
    languages = tuple(ws.config.style.languages)
    counts: Counter[str] = Counter()
    ids = ws.store.triage.untriaged_ids()
    tri = ws.config.triage
    client = ws.llm if tri.llm_second_opinion else None
    for i in range(0, len(ids), BATCH):
        found: dict[int, Triage] = {}
        unsure = []
        for review in ws.store.reviews.many(ids[i : i + BATCH]):
            lang = review.language or detect(review.text[: tri.max_chars], languages)
            verdict = triager.classify(review.text, review.rating, lang)
            found[review.id] = verdict
            if client is not None and verdict.unsure:
                unsure.append((review.id, review.text, review.rating, verdict))
        if unsure and client is not None:
            found.update(second_opinions(client, unsure, ws.config.llm.concurrency))
        counts.update(v.effective for v in found.values())
        ws.store.triage.save(list(found.items()))
        if progress:
            progress(sum(counts.values()))
    ws.store.after_many_changes("triage", sum(counts.values()))
    return counts


def override(ws: Workspace, review_id: int, label: str) -> Label:
    """A person's label: it always wins, and re-running triage never touches it."""
    if label not in LABELS:
        raise UsageError(f"unknown label {label!r}; use one of: {', '.join(LABELS)}")
    if ws.store.reviews.get(review_id) is None:
        raise NotFound(f"no review {review_id}")
    ws.store.triage.override(review_id, Label(label), ws.user)
    return Label(label)


def no_reply(ws: Workspace, review_id: int, needed: bool = False) -> bool:
    """A person's call that this review needs no reply (a troll, a duplicate, already
    answered elsewhere): it leaves the queue and `draft --all` skips it. ``needed=True``
    takes the call back. Returns whether anything changed. A review with an approved or
    posted reply cannot be set aside: that reply would still go out, or already has."""
    holder = ws.store.claims.holder(review_id)
    if holder and holder.user != ws.user:
        raise Conflict(
            f"{inert(holder.user)} is working on review {review_id}; only they can set it "
            "aside until their claim expires"
        )
    before = ws.store.reviews.set_no_reply(review_id, not needed, ws.user)
    if before is None:
        raise NotFound(f"no review {review_id}")
    if not needed and before in ("approved", "replied"):
        what = "has an approved reply waiting to post" if before == "approved" else "is answered"
        raise Conflict(f"review {review_id} {what}: it cannot be set aside as needing no reply")
    return (before == "ignored") == needed


def verdicts(ws: Workspace) -> dict[int, Triage]:
    """Every stored verdict by review id (``replydesk triage --json``)."""
    return ws.store.triage.all()


def explain(ws: Workspace, review_id: int) -> tuple[Triage | None, Reading]:
    """The stored verdict of one review (None before triage) and a fresh reading of it
    with everything behind it: the rules' evidence, every learned feature that counted,
    the probabilities and the thresholds. Nothing is stored."""
    review = ws.store.reviews.get(review_id)
    if review is None:
        raise NotFound(f"no review {review_id}: use an id the inbox or `replydesk export` shows")
    tri = ws.config.triage
    lang = review.language or detect(review.text[: tri.max_chars], tuple(ws.config.style.languages))
    reading = triager_for(ws.config).read(review.text, review.rating, lang)
    return ws.store.triage.get(review_id), reading


def verdict_json(ident: Any, t: Triage) -> dict[str, Any]:
    return {
        "id": ident,
        "label": t.effective,
        "score": t.score,
        "unsure": t.unsure,
        "scores": t.scores,
        "reasons": [
            {k: v for k, v in asdict(e).items() if k != "weight" or e.rule.startswith("learned:")}
            for e in t.reasons
        ],
    }


TEXT_KEYS = ("text", "body", *(a for a in BODY_ALIASES if a != "text"))


def classify_lines(
    lines: Iterable[str], triager: Triager, languages: tuple[str, ...] = ()
) -> Iterator[dict[str, Any] | str]:
    """One verdict per JSONL line ``{"id","text"[,"rating","lang"]}``, or an error string
    naming the line; nothing is stored."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if any("\udc80" <= ch <= "\udcff" for ch in line):  # undecodable bytes, kept apart
            yield f"line {number}: not UTF-8 text (save the file as UTF-8)"
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict) or "id" not in obj:
                raise ValueError('expected {"id", "text"[, "rating", "lang"]}')
            # the body under the names import accepts too, never silently empty
            key = next((k for k in TEXT_KEYS if k in obj), None)
            rating = obj.get("rating")
            if (key is None and rating is None) or (key and not isinstance(obj[key], str)):
                raise ValueError(
                    'no "text" to classify (a string; "body", "content" or "review" also do)'
                )
            if rating is not None and (not isinstance(rating, int | float) or not 1 <= rating <= 5):
                raise ValueError(f"rating {rating!r} is not 1-5")
            text = obj[key] if key else ""
            lang = obj.get("lang") or (detect(text, languages) if languages else "")
            yield verdict_json(
                obj["id"],
                triager.classify(text, int(rating) if rating is not None else None, lang),
            )
        except json.JSONDecodeError as exc:
            yield f"line {number}: not valid JSON: {exc.msg} at column {exc.colno}"
        except ValueError as exc:
            yield f"line {number}: {exc}"
