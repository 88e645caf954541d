"""Drafting: the morning batch and the editor's Ctrl+G.

Every queued criticism and vague review gets a draft, several at once; each is committed
the moment it is done, so a rerun after Ctrl-C or kill -9 picks up where the batch
stopped. A model draft that breaks the house style gets one revision round with the
findings; one still failing is stored with its findings and can only be approved on
purpose. With no model configured the offline composer writes the drafts ("offline").
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

from replydesk.domain.errors import LLMError, NotFound, shown
from replydesk.domain.findings import errors
from replydesk.domain.models import DraftKind, DraftState, Label, Review, ReviewFilter
from replydesk.drafting import context
from replydesk.drafting.composer import compose, language_for
from replydesk.drafting.voice import voice_for
from replydesk.llm.client import LLMClient, StopGeneration
from replydesk.services import inbox
from replydesk.services.platforms import label_of, limit_for, lint_context
from replydesk.services.workspace import Workspace, process_gone
from replydesk.style.linter import lint

__all__ = ["DraftOutcome", "DraftStatus", "StopGeneration", "draft", "queue", "redraft"]

BATCH_CLAIM_MINUTES = 3  # longer than one draft; a dead batch's claims lapse by then
QUEUED_LABELS = (Label.CRITICISM, Label.VAGUE)
LIVE_STATES = (DraftState.DRAFT, DraftState.APPROVED, DraftState.POSTED)


class DraftStatus(StrEnum):
    DRAFTED = "drafted"
    REVISED = "revised"  # the first answer broke the house style; the revision does not
    FAILING_LINT = "failing-lint"
    FAILED = "failed"
    SKIPPED = "skipped"


class NoteUse(StrEnum):
    """A person's note for the next draft: read by the model, or not readable at all."""

    NONE = ""
    USED = "your note went to the model with the review"
    IGNORED = "the offline composer cannot read notes: configure a model ([llm]) for that"


@dataclass
class DraftOutcome:
    review_id: int
    status: DraftStatus
    draft_id: int | None = None
    message: str = ""
    note: NoteUse = NoteUse.NONE  # what became of the person's note


Progress = Callable[[DraftOutcome], None]


def queue(ws: Workspace, ids: list[int] | None = None) -> list[Review]:
    """Reviews still waiting for a draft: the given ids, or every queued criticism and
    vague review. Reviews that already have a live draft are left alone (resume)."""
    if ids:
        reviews = ws.store.reviews.many(ids)
        missing = sorted(set(ids) - {r.id for r in reviews})
        if missing:
            raise NotFound(f"no review {', '.join(map(str, missing))}")
    else:
        reviews = [
            r
            for label in QUEUED_LABELS
            for r in ws.store.reviews.list(ReviewFilter(label=label, status="new", limit=1_000_000))
        ]
    return [r for r in sorted(reviews, key=lambda r: r.id) if not _has_live_draft(ws, r.id)]


Stop = Callable[[], bool]


def draft_one(
    ws: Workspace,
    review: Review,
    note: str = "",
    on_token: Callable[[str], None] | None = None,
    stop: Stop | None = None,
) -> DraftOutcome:
    """One draft, by the model when one is configured (streamed to ``on_token`` when
    someone watches), else by the offline composer. When ``stop()`` turns true (or
    ``on_token`` raises ``StopGeneration``) nothing is stored and ``StopGeneration``
    reaches the caller."""
    label = label_of(ws, review.id)
    client = ws.llm
    if client is None:
        outcome = _offline(ws, review, label)
        outcome.note = NoteUse.IGNORED if note.strip() else NoteUse.NONE
        return outcome
    outcome = _with_model(ws, client, review, label, note, on_token, stop or (lambda: False))
    outcome.note = NoteUse.USED if note.strip() else NoteUse.NONE
    return outcome


def _offline(ws: Workspace, review: Review, label: Label) -> DraftOutcome:
    style = ws.config.style
    voice = voice_for(ws.config, language_for(review, style.default_language))
    composed = compose(
        review,
        label,
        catalogue=list(voice.catalogue),
        issues=ws.config.known_issues,
        default_language=style.default_language,
        signature=voice.signature,
        provocation_line=True,
        limit=limit_for(ws, review)[0],
    )
    if composed is None:
        return DraftOutcome(review.id, DraftStatus.SKIPPED, message="provocation: no draft")
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
    status = DraftStatus.FAILING_LINT if errors(findings) else DraftStatus.DRAFTED
    return DraftOutcome(review.id, status, d.id)


def _with_model(
    ws: Workspace,
    client: LLMClient,
    review: Review,
    label: Label,
    note: str,
    on_token: Callable[[str], None] | None,
    stop: Stop,
) -> DraftOutcome:
    detail = inbox.detail(ws, review.id)
    limit, kind = limit_for(ws, review)
    request = context.build(detail, label, ws.config, limit, kind, note)
    ctx = lint_context(ws, review, request.language, label)
    try:
        # stream only when someone watches: chunks cost CPU in a batch
        done = (
            client.stream(request.messages, on_token)
            if on_token
            else (client.complete(request.messages))
        )
        text, t_in, t_out, cost = done.text.strip(), done.tokens_in, done.tokens_out, done.cost
        findings = lint(text, ctx)
        status = DraftStatus.DRAFTED
        if stop():
            raise StopGeneration
        if errors(findings):  # one revision round, with the findings
            revised = client.complete(
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
            status = DraftStatus.FAILING_LINT if errors(findings) else DraftStatus.REVISED
            if stop():
                raise StopGeneration
    except LLMError as exc:
        d = ws.store.drafts.add(
            review.id,
            "",
            author="model",
            model=client.model,
            language=request.language,
            prompt_version=request.prompt_version,
            state=DraftState.FAILED,
            error=str(exc),
        )
        return DraftOutcome(review.id, DraftStatus.FAILED, d.id, str(exc))
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


def redraft(
    ws: Workspace,
    review_id: int,
    note: str = "",
    on_token: Callable[[str], None] | None = None,
    stop: Stop | None = None,
) -> DraftOutcome:
    """A new draft for one review whatever it has already (the editor's Ctrl+G / Ctrl+N)."""
    review = ws.store.reviews.get(review_id)
    if review is None:
        raise NotFound(f"no review {review_id}")
    return draft_one(ws, review, note=note, on_token=on_token, stop=stop)


def draft_batch(
    ws: Workspace,
    reviews: list[Review],
    concurrency: int | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> list[DraftOutcome]:
    """Draft each review, ``concurrency`` at a time; one bad review never stops the batch.
    Setting ``stop`` lets the drafts in flight finish and starts no more.

    Each review is claimed before the model is asked, and checked again once claimed: two
    batches at once (two people, or one person twice) split the work instead of paying
    for every draft twice, and a review someone has open in the editor is left to them.
    """
    stop = stop or threading.Event()
    batch = ws.run_token()
    llm = ws.config.llm  # a claim outlives the slowest draft: two answers and their retries
    minutes = max(BATCH_CLAIM_MINUTES, 2 * llm.timeout * (llm.max_retries + 1) / 60 + 1)

    def one(review: Review) -> DraftOutcome:
        if stop.is_set():
            return DraftOutcome(review.id, DraftStatus.SKIPPED, message="stopped")
        holder = ws.store.claims.claim(review.id, batch, minutes, process_gone, audit=False)
        if holder.user != batch:
            outcome = DraftOutcome(
                review.id, DraftStatus.SKIPPED, message=f"{holder.user} is on it"
            )
        elif _has_live_draft(ws, review.id):  # drafted meanwhile by another batch
            ws.store.claims.release(review.id, batch)
            outcome = DraftOutcome(review.id, DraftStatus.SKIPPED, message="already drafted")
        else:
            try:
                outcome = draft_one(ws, review)
            except Exception as exc:  # a bug in one review's draft must not lose the others
                outcome = DraftOutcome(
                    review.id, DraftStatus.FAILED, message=shown(f"{type(exc).__name__}: {exc}")
                )
            finally:
                ws.store.claims.release(review.id, batch)
        if progress:
            progress(outcome)
        return outcome

    workers = max(1, concurrency or ws.config.llm.concurrency)
    if ws.llm is None:
        workers = 1  # the offline composer is local work: threads would only contend
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="replydesk-draft")
    try:
        outcomes = list(pool.map(one, reviews))
    except BaseException:  # Ctrl-C: start nothing new; what was committed stays
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return outcomes


def _has_live_draft(ws: Workspace, review_id: int) -> bool:
    return any(
        d.kind == DraftKind.REPLY and d.state in LIVE_STATES
        for d in ws.store.drafts.for_review(review_id)
    )


def draft(
    ws: Workspace,
    ids: list[int] | None = None,
    concurrency: int | None = None,
    progress: Progress | None = None,
) -> list[DraftOutcome]:
    """``replydesk draft``: the given reviews, or the whole queue."""
    return draft_batch(ws, queue(ws, ids), concurrency, progress)
