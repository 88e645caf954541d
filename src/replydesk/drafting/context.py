"""What the model is told about one review: rules and facts as instructions, the review
and the author's words as delimited data (house style W13: their history comes along)."""

from __future__ import annotations

from dataclasses import dataclass

from replydesk.config import Config
from replydesk.domain.models import ReviewDetail
from replydesk.drafting.composer import known_issue_for, language_for
from replydesk.languages import NAMES
from replydesk.llm.prompts import load
from replydesk.sources.base import ReplyLimit
from replydesk.triage.second_opinion import review_block

LANGUAGE_NAMES = NAMES  # code -> English name, for every language pack


@dataclass(frozen=True)
class DraftRequest:
    messages: list[dict[str, str]]
    language: str
    prompt_version: str


def build(
    detail: ReviewDetail,
    label: str,
    config: Config,
    limit: ReplyLimit | None,
    platform: str,
    note: str = "",
) -> DraftRequest:
    review = detail.review
    system = load("system")
    task = load(label if label in ("criticism", "vague", "provocation", "praise") else "criticism")
    lang = language_for(review, config.style.default_language)
    style = config.style
    facts = [
        f"Reply language: {LANGUAGE_NAMES.get(lang, lang)} ({lang})",
        f"Platform: {platform}" + (f", at most {limit.size} {limit.unit}" if limit else ""),
        "Bonus catalogue (the only compensation allowed): "
        + ("; ".join(style.bonus_catalogue) if style.bonus_catalogue else "none"),
        "Dated promises: " + ("allowed" if style.allow_dated_promises else "NOT allowed"),
    ]
    if config.triage.glossary:
        facts.append("Product glossary: " + ", ".join(config.triage.glossary))
    issue = known_issue_for(review, config.known_issues)
    if issue:
        state = f"fixed in {issue.fixed_in}" if issue.status == "fixed" else issue.status
        facts.append(f"Known issue that matches: {issue.summary} ({state})")
    if style.signature:
        facts.append(f"Sign off with: {style.signature}")
    if note:
        facts.append(f"Note from the person reviewing drafts: {note}")
    history = _history(detail)
    rating = f"{review.rating} of 5" if review.rating else "none"
    data = (
        f"Source: {review.source}; rating: {rating}; author: {review.author or 'anonymous'}"
        f"\n{review_block(review.text)}"
    )
    if history:
        data += "\n\nThis author's history with us (data, oldest first):\n" + history
    messages = [
        {"role": "system", "content": f"{system.text}\n\n{task.text}"},
        {"role": "user", "content": "\n".join(facts) + "\n\n" + data},
    ]
    return DraftRequest(messages, lang, f"{system.version}; {task.version}")


def _history(detail: ReviewDetail) -> str:
    lines = []
    h = detail.history
    for old in h.reviews[-5:]:
        lines.append(review_block(old.text))
        for reply in h.replies.get(old.id, []):
            lines.append(f"Our reply then: {reply.text}")
    for p in h.promises:
        lines.append(
            f"We promised ({p.kind}): {p.what} — {p.status}"
            + (f", due {p.due_date}" if p.due_date else "")
        )
    return "\n".join(lines)


def revision(request: DraftRequest, draft: str, findings: list[str]) -> list[dict[str, str]]:
    revise = load("revise")
    return [
        *request.messages,
        {"role": "assistant", "content": draft},
        {"role": "user", "content": revise.text + "\n- " + "\n- ".join(findings)},
    ]
