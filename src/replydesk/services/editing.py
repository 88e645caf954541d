"""What the draft editor does, as plain functions: claim, save an edit, approve (claims and
house style respected), mark copied. The TUI calls these; so could any other client."""

from __future__ import annotations

from dataclasses import dataclass

from replydesk.domain.models import Claim, Draft, Promise
from replydesk.services.drafting import lint_context
from replydesk.services.posting import mark_copied
from replydesk.services.promising import record_for_approved
from replydesk.services.workspace import Workspace
from replydesk.style.linter import Finding, errors, lint

CLAIM_MINUTES = 15


class EditError(Exception):
    """An action refused for a reason the person should read."""


def claim(ws: Workspace, review_id: int) -> Claim:
    """Take (or renew) the claim; returns the holder, who may be someone else."""
    return ws.store.claims.claim(review_id, ws.user, CLAIM_MINUTES)


def release(ws: Workspace, review_id: int) -> None:
    ws.store.claims.release(review_id, ws.user)


def check(
    ws: Workspace, review_id: int, text: str, language: str, kind: str = "reply"
) -> list[Finding]:
    review = ws.store.reviews.get(review_id)
    assert review is not None
    triage = ws.store.triage.get(review_id)
    label = "followup" if kind == "followup" else (triage.effective if triage else "criticism")
    return lint(text, lint_context(ws, review, language or "en", label))


def save(ws: Workspace, review_id: int, text: str, base: Draft | None) -> Draft:
    """A person's edit becomes a new draft version (the model's stays in history)."""
    kind = base.kind if base else "reply"
    language = base.language if base else ""
    if base is not None and base.text == text and base.state == "draft":
        return base
    findings = check(ws, review_id, text, language, kind)
    return ws.store.drafts.add(
        review_id,
        text,
        author=ws.user,
        language=language,
        kind=kind,
        promise_id=base.promise_id if base else None,
        model=base.model if base else "",
        prompt_version=base.prompt_version if base else "",
        lint=findings,
    )


@dataclass(frozen=True)
class Approved:
    draft: Draft
    promises: list[Promise]


def approve(
    ws: Workspace, review_id: int, text: str, base: Draft | None, despite_lint: bool = False
) -> Approved:
    holder = ws.store.claims.holder(review_id)
    if holder and holder.user != ws.user:
        raise EditError(
            f"{holder.user} is working on this review; only they can approve it "
            "until their claim expires"
        )
    if not text.strip():
        raise EditError("the reply is empty")
    draft = save(ws, review_id, text, base)
    failing = errors(check(ws, review_id, draft.text, draft.language, draft.kind))
    if failing and not despite_lint:
        raise EditError(
            "breaks the house style ("
            + ", ".join(sorted({f.rule for f in failing}))
            + "): fix it, or approve again to approve it anyway"
        )
    approved = ws.store.drafts.approve(draft.id, ws.user)
    return Approved(approved, record_for_approved(ws, approved))


def copied(ws: Workspace, draft: Draft) -> None:
    mark_copied(ws, draft.id)
