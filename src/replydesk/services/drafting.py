"""``replydesk draft``: the morning batch. Every queued criticism and vague review gets a
draft, in parallel; each is committed the moment it is done, so a rerun after Ctrl-C or
kill -9 picks up where the batch stopped. A model draft that breaks the house style gets
one revision round with the findings; one still failing is stored with its findings and
can only be approved on purpose. With no model configured the offline composer writes the
drafts (marked "offline").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from replydesk.config import Config
from replydesk.domain.errors import LLMError
from replydesk.domain.models import Draft, Review, ReviewFilter
from replydesk.drafting import context
from replydesk.drafting.composer import compose
from replydesk.llm.client import LLMClient
from replydesk.services import inbox
from replydesk.services.posting import reply_limit
from replydesk.services.workspace import Workspace
from replydesk.sources.base import ReplyLimit
from replydesk.style.linter import Finding, LintContext, errors, lint

QUEUED_LABELS = ("criticism", "vague")
DONE_STATES = ("draft", "approved", "posted")


@dataclass
class DraftOutcome:
    review_id: int
    status: str  # drafted, revised, failing-lint, failed, skipped
    draft_id: int | None = None
    message: str = ""


Progress = Callable[[DraftOutcome], None]


def queue(ws: Workspace, ids: list[int] | None = None) -> list[Review]:
    """Reviews still waiting for a draft: the given ids, or every queued criticism and
    vague review. Reviews that already have a live draft are left alone (resume)."""
    if ids:
        reviews = ws.store.reviews.many(ids)
    else:
        reviews = [
            r
            for label in QUEUED_LABELS
            for r in ws.store.reviews.list(ReviewFilter(label=label, status="new", limit=1_000_000))
        ]
    out = []
    for review in sorted(reviews, key=lambda r: r.id):
        drafts = ws.store.drafts.for_review(review.id)
        if any(d.kind == "reply" and d.state in DONE_STATES for d in drafts):
            continue
        out.append(review)
    return out


def limit_for(ws: Workspace, review: Review) -> tuple[ReplyLimit | None, str]:
    cfg = ws.config.source(review.source)
    if cfg is None:
        return None, review.source
    return reply_limit(ws, cfg), cfg.kind


def lint_context(ws: Workspace, review: Review, language: str, label: str) -> LintContext:
    limit, _kind = limit_for(ws, review)
    style = ws.config.style
    return LintContext(
        language=language,
        limit=limit.size if limit else None,
        limit_unit=limit.unit if limit else "characters",
        catalogue=tuple(style.bonus_catalogue),
        allow_dated_promises=style.allow_dated_promises,
        review_text=review.text,
        label=label,
    )


def lint_draft(ws: Workspace, draft: Draft) -> list[Finding]:
    review = ws.store.reviews.get(draft.review_id)
    assert review is not None
    label = (
        ws.store.triage.get(review.id).effective if ws.store.triage.get(review.id) else "criticism"
    )
    return lint(draft.text, lint_context(ws, review, draft.language or "en", label))


async def draft_one(
    ws: Workspace,
    review: Review,
    client: LLMClient | None,
    note: str = "",
    on_token: Callable[[str], None] | None = None,
    gate: asyncio.Semaphore | None = None,
) -> DraftOutcome:
    """One draft. ``gate`` bounds only the model calls, not the local work around them."""
    gate = gate or asyncio.Semaphore(1)
    triage = ws.store.triage.get(review.id)
    label = triage.effective if triage else "criticism"
    style = ws.config.style
    if client is None:
        composed = compose(
            review,
            label,
            catalogue=style.bonus_catalogue,
            issues=ws.config.known_issues,
            default_language=style.default_language,
            signature=style.signature,
            provocation_line=True,
            limit=limit_for(ws, review)[0],
        )
        if composed is None:
            return DraftOutcome(review.id, "skipped", message="provocation: no draft")
        findings = lint(composed.text, lint_context(ws, review, composed.language, label))
        d = ws.store.drafts.add(
            review.id,
            composed.text,
            author="offline",
            language=composed.language,
            model="offline",
            prompt_version=composed.version,
            lint=findings,
        )
        return DraftOutcome(review.id, "failing-lint" if errors(findings) else "drafted", d.id)
    detail = inbox.detail(ws, review.id)
    assert detail is not None
    limit, kind = limit_for(ws, review)
    request = context.build(detail, label, ws.config, limit, kind, note)
    ctx = lint_context(ws, review, request.language, label)
    try:
        async with gate:  # stream only when someone watches: chunks cost CPU in a batch
            done = await (
                client.stream(request.messages, on_token)
                if on_token
                else client.complete(request.messages)
            )
        text, t_in, t_out, cost = done.text.strip(), done.tokens_in, done.tokens_out, done.cost
        findings = lint(text, ctx)
        status = "drafted"
        if errors(findings):  # one revision round, with the findings
            async with gate:
                revised = await client.complete(
                    context.revision(
                        request,
                        text,
                        [f"{f.rule}: {f.message} (fix: {f.fix})" for f in errors(findings)],
                    )
                )
            text = revised.text.strip()
            t_in, t_out = t_in + revised.tokens_in, t_out + revised.tokens_out
            cost += revised.cost
            findings = lint(text, ctx)
            status = "failing-lint" if errors(findings) else "revised"
    except LLMError as exc:
        d = ws.store.drafts.add(
            review.id,
            "",
            author="model",
            model=client.model,
            language=request.language,
            prompt_version=request.prompt_version,
            state="failed",
            error=str(exc),
        )
        return DraftOutcome(review.id, "failed", d.id, str(exc))
    d = ws.store.drafts.add(
        review.id,
        text,
        author="model",
        language=request.language,
        model=done.model,
        prompt_version=request.prompt_version,
        lint=findings,
        tokens_in=t_in,
        tokens_out=t_out,
        cost=cost,
    )
    return DraftOutcome(review.id, status, d.id)


def make_client(config: Config) -> LLMClient | None:
    return LLMClient(config) if LLMClient.configured(config) else None


async def draft_batch(
    ws: Workspace, reviews: list[Review], concurrency: int, progress: Progress | None = None
) -> list[DraftOutcome]:
    client = make_client(ws.config)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(review: Review) -> DraftOutcome:
        try:
            outcome = await draft_one(ws, review, client, gate=gate)
        except Exception as exc:  # one bad review never stops the batch
            outcome = DraftOutcome(review.id, "failed", message=f"{type(exc).__name__}: {exc}")
        if progress:
            progress(outcome)
        return outcome

    try:
        return list(await asyncio.gather(*(one(r) for r in reviews)))
    finally:
        if client:
            await client.close()


def draft(
    ws: Workspace,
    ids: list[int] | None = None,
    concurrency: int | None = None,
    progress: Progress | None = None,
) -> list[DraftOutcome]:
    reviews = queue(ws, ids)
    return asyncio.run(draft_batch(ws, reviews, concurrency or ws.config.llm.concurrency, progress))
