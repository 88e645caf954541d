"""What a person does to one review's reply: claim it, edit, approve, copy.

The TUI's editor and ``replydesk approve`` both come here, so the rules (claims between
colleagues, the house style, the promises a reply makes) are kept in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from replydesk.domain.errors import (
    Conflict,
    IllegalTransition,
    LintBlocked,
    NotFound,
    ReplydeskError,
    UsageError,
)
from replydesk.domain.findings import Finding, errors
from replydesk.domain.models import (
    Claim,
    Draft,
    DraftKind,
    DraftState,
    Promise,
    PromiseStatus,
    ReplyState,
    Review,
    ReviewStatus,
)
from replydesk.domain.text import inert
from replydesk.drafting.facts import facts_of
from replydesk.services import platforms, posting
from replydesk.services.promising import record_for_approved
from replydesk.services.workspace import Workspace

CLAIM_MINUTES = 15


def claim(ws: Workspace, review_id: int) -> Claim:
    """Take (or renew) the claim; returns the holder, who may be someone else."""
    return ws.store.claims.claim(review_id, ws.user, CLAIM_MINUTES)


def release(ws: Workspace, review_id: int) -> None:
    ws.store.claims.release(review_id, ws.user)


def check(
    ws: Workspace, review_id: int, text: str, language: str, kind: DraftKind = DraftKind.REPLY
) -> list[Finding]:
    """The house-style findings for this text as a reply to this review."""
    return platforms.check(ws, review_id, text, language, kind)


def given(ws: Workspace, review: Review) -> dict[str, str]:
    """What the reviewer already told us (order number, version, device, what they
    tried), as short labels: the editor shows it so nobody asks for it again."""
    f = facts_of(review)
    found = {"order": f.order, "version": f.version, "device": f.device}
    out = {k: v for k, v in found.items() if v}
    if f.tried:
        out["tried"] = ", ".join(f.tried)
    return out


def snippets(ws: Workspace, language: str) -> dict[str, str]:
    """The team's snippets for a reply in ``language``: that language's own first, then
    the shared ones it does not replace (by name)."""
    voice = ws.config.style.voice.get(language)
    own = dict(voice.snippets) if voice else {}
    return own | {k: v for k, v in ws.config.style.snippets.items() if k not in own}


def get_draft(ws: Workspace, draft_id: int) -> Draft:
    draft = ws.store.drafts.get(draft_id)
    if draft is None:
        raise NotFound(f"no draft {draft_id}")
    return draft


def current_draft(ws: Workspace, review_id: int) -> Draft | None:
    """What a person approves next: an open follow-up first, then the latest reply draft
    still open or approved (None when the review has no draft)."""
    if ws.store.reviews.get(review_id) is None:
        raise NotFound(f"no review {review_id}")
    live = (DraftState.DRAFT, DraftState.APPROVED)
    drafts = ws.store.drafts.for_review(review_id)  # by kind, then version
    followups = [d for d in drafts if d.kind == DraftKind.FOLLOWUP and d.state in live]
    replies = [d for d in drafts if d.kind == DraftKind.REPLY and d.state in live]
    # newest live version: a failed generation after it does not hide a good draft
    if followups and followups[-1].state == DraftState.DRAFT:
        return followups[-1]
    return replies[-1] if replies else (followups[-1] if followups else None)


def save(ws: Workspace, review_id: int, text: str, base: Draft | None) -> Draft:
    """A person's edit becomes a new draft version (the model's stays in history)."""
    if base is not None:  # the editor's copy may be stale: a colleague may have acted
        base = get_draft(ws, base.id)
        if base.state not in (DraftState.DRAFT, DraftState.APPROVED):
            raise IllegalTransition(
                f"draft v{base.version} is {base.state} now: reopen the review to see why"
            )
    kind = base.kind if base else DraftKind.REPLY
    language = base.language if base else ""
    if (
        base is not None
        and base.text == text
        and base.state
        in (
            DraftState.DRAFT,
            DraftState.APPROVED,
        )
    ):
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
    """Approve this text as the reply: the claim holder only, house style respected (or
    overridden on purpose), and the promises it makes recorded for the ledger.

    May call the model (to read the promises): call it from a worker, not a UI loop.
    """
    holder = ws.store.claims.holder(review_id)
    if holder and holder.user != ws.user:
        raise Conflict(
            f"{holder.user} is working on review {review_id}; only they can approve it "
            "until their claim expires"
        )
    if not text.strip():
        raise UsageError("the reply is empty")
    review = ws.store.reviews.get(review_id)
    if review is not None and review.status == ReviewStatus.IGNORED:
        raise Conflict(
            f"review {review_id} is set aside as needing no reply: take that back first "
            "(x in the inbox, F3 here, or `replydesk triage --reply-needed ID`)"
        )
    draft = save(ws, review_id, text, base)
    failing = errors(check(ws, review_id, draft.text, draft.language, draft.kind))
    if failing and not despite_lint:
        rules = ", ".join(sorted({f.rule for f in failing}))
        raise LintBlocked(
            failing,
            f"breaks the house style ({rules}): fix it, or approve again to approve it anyway",
        )
    if draft.kind == DraftKind.FOLLOWUP and draft.promise_id is not None:
        promise = ws.store.promises.get(draft.promise_id)
        if promise is None or promise.status != PromiseStatus.DELIVERED:
            raise IllegalTransition(
                "this follow-up tells the customer a promise was kept, but that promise is "
                f"{promise.status if promise else 'gone'} now: it cannot be approved"
            )
    unsure = [
        r
        for r in ws.store.replies.for_review(review_id)
        if r.state == ReplyState.PENDING and r.attempts > 0 and r.draft_id != draft.id
    ]
    if unsure:  # approving another version now could send the customer two replies
        raise Conflict(
            f"an earlier reply to review {review_id} may have reached the platform "
            f"(unknown): check the review's page first, then `replydesk post --resend "
            f"{unsure[0].draft_id}` or mark it copied"
        )
    approved = ws.store.drafts.approve(draft.id, ws.user)
    if approved is None:
        now = ws.store.reviews.get(review_id)
        if now is not None and now.status == ReviewStatus.IGNORED:
            raise Conflict(f"review {review_id} was just set aside as needing no reply")
        raise Conflict(f"draft {draft.id} changed meanwhile (posted or withdrawn): look again")
    return Approved(approved, record_for_approved(ws, approved))


def approve_latest(ws: Workspace, review_id: int, despite_lint: bool = False) -> Approved:
    """``replydesk approve``: the review's current draft, as it stands."""
    draft = current_draft(ws, review_id)
    if draft is None:
        latest = ws.store.drafts.latest(review_id)
        if latest is None:
            raise UsageError(
                f"review {review_id} has no draft to approve: `replydesk draft {review_id}`"
            )
        raise IllegalTransition(f"draft {latest.id} is {latest.state}; nothing to approve")
    return approve(ws, review_id, draft.text, draft, despite_lint)


@dataclass(frozen=True)
class Candidate:
    """One review picked for a batch approval, as the last look shows it: its current
    draft and house-style errors, or why it cannot be approved (``problem``)."""

    review_id: int
    draft: Draft | None
    failing: list[Finding]
    problem: str = ""

    @property
    def ready(self) -> bool:
        return self.draft is not None and not self.failing and not self.problem


@dataclass
class BatchApproval:
    approved: list[Approved] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (review id, why)


def candidates(ws: Workspace, review_ids: list[int]) -> list[Candidate]:
    """The last look of a batch: each review's current draft and whether it may be
    approved as it stands (a draft, passing the house style, not held by a colleague)."""
    out = []
    for review_id in dict.fromkeys(review_ids):
        review = ws.store.reviews.get(review_id)
        if review is None:
            raise NotFound(f"no review {review_id}")
        draft = current_draft(ws, review_id)
        holder = ws.store.claims.holder(review_id)
        problem = ""
        if review.status == ReviewStatus.IGNORED:
            problem = "set aside: no reply needed"
        elif draft is None:
            problem = "no draft yet"
        elif draft.state != DraftState.DRAFT:
            problem = f"already {draft.state}"
        elif holder and holder.user != ws.user:
            problem = f"{inert(holder.user)} is working on it"
        failing = (
            errors(check(ws, review_id, draft.text, draft.language, draft.kind))
            if (draft and not problem)
            else []
        )
        out.append(Candidate(review_id, draft, failing, problem))
    return out


def approve_batch(ws: Workspace, looked: list[Candidate]) -> BatchApproval:
    """Approve the drafts a person just looked at (``candidates``), each as it was shown:
    one changed since (a colleague's new version, a redraft) is skipped, never approved
    unseen. Each still passes every check of a single approval (house style, claims, an
    unsure earlier reply); one that does not is skipped with the reason, never forced.
    May call the model (promises): call it from a worker."""
    done = BatchApproval()
    for c in looked:
        if not c.ready or c.draft is None:
            why = (
                c.problem
                or "breaks the house style (" + ", ".join(sorted({f.rule for f in c.failing})) + ")"
            )
            done.skipped.append((c.review_id, why))
            continue
        now = current_draft(ws, c.review_id)
        if now is None or now.id != c.draft.id or now.text != c.draft.text:
            done.skipped.append((c.review_id, "its draft changed since you looked: look again"))
            continue
        try:
            done.approved.append(approve(ws, c.review_id, c.draft.text, c.draft))
        except ReplydeskError as exc:
            done.skipped.append((c.review_id, exc.message))
    return done


def copied(ws: Workspace, draft: Draft) -> None:
    posting.mark_copied(ws, draft.id)
