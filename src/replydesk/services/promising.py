"""The promise ledger (house style P1-P4): record, correct, deliver, undo, watch.

Approving a reply extracts what it commits to and records it, owned by the approver, for
the person to confirm, edit or withdraw. Delivering a promise (by hand, or when a tracker
says so) records the evidence and drafts the follow-up to the reviewer, which then goes
through the same approval as any reply. Every change of status follows the life-cycle
table in ``domain/lifecycle.py`` and is written as one conditional update, so two people
acting at once cannot both deliver. A new review or an edit by the same author after a
promise was delivered flags that promise for a look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from replydesk.domain import lifecycle
from replydesk.domain.errors import (
    Conflict,
    IllegalTransition,
    LLMError,
    NotFound,
    SecretError,
    SourceError,
    UsageError,
    shown,
)
from replydesk.domain.models import (
    Draft,
    DraftKind,
    Promise,
    PromiseKind,
    PromiseStatus,
    Review,
    ReviewStatus,
)
from replydesk.drafting.composer import compose_followup
from replydesk.drafting.context import LANGUAGE_NAMES, review_fields
from replydesk.llm.client import Completion, LLMClient
from replydesk.llm.data_block import neutralise, seal
from replydesk.llm.prompts import load as load_prompt
from replydesk.promises.extract import Extracted, extract
from replydesk.promises.watchers import check as check_tracker
from replydesk.promises.watchers import parse_link
from replydesk.services.platforms import FOLLOWUP_LABEL, lint_context
from replydesk.services.workspace import Workspace
from replydesk.style.linter import lint

# ------------------------------------------------------------ reading


def get(ws: Workspace, promise_id: int) -> Promise:
    promise = ws.store.promises.get(promise_id)
    if promise is None:
        raise NotFound(f"no promise {promise_id}: `replydesk promises` lists them")
    return promise


def listing(ws: Workspace, *, overdue_only: bool = False) -> list[Promise]:
    """Every promise (status, then due date), or only the open ones past due."""
    return overdue(ws) if overdue_only else ws.store.promises.list()


def board(ws: Workspace) -> list[Promise]:
    """The promises board's order: overdue first, then open, delivered, broken, withdrawn."""
    today = ws.today().isoformat()
    order = {"overdue": 0, "open": 1, "delivered": 2, "broken": 3, "withdrawn": 4}
    found = ws.store.promises.list()
    return sorted(
        found,
        key=lambda p: (order["overdue" if p.is_overdue(today) else p.status], p.due_date or ""),
    )


def overdue(ws: Workspace) -> list[Promise]:
    return ws.store.promises.overdue(ws.today().isoformat())


def timing(ws: Workspace, p: Promise) -> str:
    """P3: delivered early, on time or late (in the workspace's zone)."""
    return p.timing(ws.tz)


# ------------------------------------------------------------ recording


def extract_from(ws: Workspace, draft: Draft, at: datetime | None = None) -> list[Extracted]:
    review = ws.store.reviews.get(draft.review_id)
    if review is None:
        raise NotFound(f"no review {draft.review_id}")
    cfg = ws.config
    return extract(
        draft.text,
        draft.language or review.language or "en",
        at or ws.now(),
        ws.tz,
        cfg.promises.releases,
        cfg.promises.default_due_days,
        cfg.style.bonus_catalogue,
    )


def record_for_approved(ws: Workspace, draft: Draft) -> list[Promise]:
    """Promises of an approved reply, recorded once per draft (re-approval adds none).
    With a model configured its structured reading is used, checked; the rules otherwise,
    and whenever the model fails."""
    existing = ws.store.promises.for_draft(draft.id)
    if existing or draft.kind != DraftKind.REPLY:  # re-approval: what is still to keep
        return [p for p in existing if p.status == PromiseStatus.OPEN]
    owner = draft.approved_by or ws.user
    found = extract_from(ws, draft, draft.approved_at)
    client = ws.llm
    if client is not None:
        try:
            found = _extract_with_model(ws, client, draft)
        except LLMError as exc:
            ws.store.events.add(
                ws.user,
                "promise.extract.fallback",
                draft.review_id,
                {"draft": draft.id, "error": str(exc)},
            )
    recorded = ws.store.promises.add_for_draft(
        draft.id, draft.review_id, owner, [(e.what, e.kind, e.due_date) for e in found]
    )
    return [p for p in recorded if p.status == PromiseStatus.OPEN]


def _extract_with_model(ws: Workspace, client: LLMClient, draft: Draft) -> list[Extracted]:
    posted = ws.today(draft.approved_at)
    prompt = load_prompt("promises")
    block = seal("reply", {"text": draft.text}, ws.config.llm.max_review_chars)
    data, _done = client.complete_json(
        [
            {"role": "system", "content": prompt.text},
            {"role": "user", "content": f"today: {posted.isoformat()}\n{block}"},
        ]
    )
    items = data.get("promises")
    if not isinstance(items, list):
        raise LLMError("the model's answer has no 'promises' list")
    default = (posted + timedelta(days=ws.config.promises.default_due_days)).isoformat()
    out = []
    kinds = {str(k) for k in PromiseKind}
    for item in items:
        if not isinstance(item, dict) or item.get("kind") not in kinds:
            continue
        what = str(item.get("what") or "").strip()[:200]
        due = item.get("due_date")
        try:
            due = date.fromisoformat(due).isoformat() if isinstance(due, str) else default
        except ValueError:
            due = default
        if what:
            out.append(Extracted(what, item["kind"], max(due, posted.isoformat()), -1, -1))
    return out


# ------------------------------------------------------------ a person's corrections


def edit(
    ws: Workspace,
    promise_id: int,
    *,
    what: str | None = None,
    due_date: str | None = None,
    tracker_url: str | None = None,
) -> Promise:
    """A person corrects what was read from a reply: the wording, the date, the tracker."""
    changes = {
        k: v
        for k, v in (("what", what), ("due_date", due_date), ("tracker_url", tracker_url))
        if v is not None
    }
    if not changes:
        raise UsageError("nothing to change: give what was promised, a due date or a tracker")
    if what is not None and not what.strip():
        raise UsageError("a promise needs words: say what was promised")
    if due_date is not None:
        try:
            date.fromisoformat(due_date)
        except ValueError:
            raise UsageError(f"due date {due_date!r}: write YYYY-MM-DD") from None
    if tracker_url is not None and tracker_url.strip():
        tracker_url = tracker_url.strip()
        try:
            parse_link(tracker_url, ws.config.promises.trackers)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        changes["tracker_url"] = tracker_url
    get(ws, promise_id)
    return ws.store.promises.update(promise_id, ws.user, **changes)


def _move(
    ws: Workspace, promise_id: int, target: PromiseStatus, action: str, **fields: object
) -> Promise:
    current = get(ws, promise_id)
    lifecycle.check(promise_id, current.status, target)
    moved = ws.store.promises.transition(
        promise_id, ws.user, current.status, target, action, **fields
    )  # conditional on the status read above: of two people at once, one moves it
    if moved is None:
        now = get(ws, promise_id)
        raise Conflict(f"promise {promise_id} is {now.status} now: someone changed it meanwhile")
    return moved


def withdraw(ws: Workspace, promise_id: int) -> Promise:
    """Not a promise after all: it leaves the ledger's open list."""
    return _move(ws, promise_id, PromiseStatus.WITHDRAWN, "promise.withdraw")


def mark_broken(ws: Workspace, promise_id: int) -> Promise:
    """We will not keep it (and will say so): it counts against the kept rate."""
    return _move(ws, promise_id, PromiseStatus.BROKEN, "promise.broken")


class UndoNote(StrEnum):
    NONE = ""
    FOLLOWUP_DISCARDED = "the follow-up, not sent yet, was withdrawn"
    FOLLOWUP_SENT = "the follow-up was already sent: tell the customer yourself"


@dataclass(frozen=True)
class Undone:
    promise: Promise
    was: PromiseStatus
    note: UndoNote


def undo(ws: Workspace, promise_id: int) -> Undone:
    """Revert the last transition (a delivery, withdrawal or break made by mistake)."""
    current = get(ws, promise_id)
    target = lifecycle.undo_target(promise_id, current.status)
    moved = ws.store.promises.transition(
        promise_id,
        ws.user,
        current.status,
        target,
        "promise.undo",
        delivered_at=None,
        evidence=None,
        followup_draft_id=None,
    )
    if moved is None:
        raise Conflict(f"promise {promise_id} changed meanwhile: look again before undoing")
    note = UndoNote.NONE
    if current.status == PromiseStatus.DELIVERED and current.followup_draft_id:
        # the customer must not hear "it is done" about a delivery that is undone
        withdrawn = ws.store.drafts.discard(current.followup_draft_id, ws.user)
        note = UndoNote.FOLLOWUP_DISCARDED if withdrawn else UndoNote.FOLLOWUP_SENT
    return Undone(moved, current.status, note)


# ------------------------------------------------------------ delivering


@dataclass(frozen=True)
class Delivered:
    promise: Promise
    followup: Draft
    timing: str


def deliver(ws: Workspace, promise_id: int, evidence: str | None = None) -> Delivered:
    """Record the delivery and draft the follow-up that tells the customer (P2/P4)."""
    delivered = _move(
        ws,
        promise_id,
        PromiseStatus.DELIVERED,
        "promise.deliver",
        delivered_at=ws.now(),
        evidence=evidence,
    )
    followup = draft_followup(ws, delivered)
    delivered = ws.store.promises.update(promise_id, ws.user, followup_draft_id=followup.id)
    return Delivered(delivered, followup, delivered.timing(ws.tz))


def draft_followup(ws: Workspace, promise: Promise) -> Draft:
    """P2/P4: tell the reviewer it is done and ask whether all works now. The offline
    template; the model writes it instead when one is configured (through the same lint)."""
    review = ws.store.reviews.get(promise.review_id)
    if review is None:
        raise NotFound(f"no review {promise.review_id}")
    what = promise.what.removeprefix("Bonus: ")
    composed = compose_followup(
        review, what, ws.config.style.default_language, ws.config.style.signature
    )
    text, author, model, version = composed.text, "offline", "offline", composed.version
    tokens = (0, 0, 0.0)
    client = ws.llm
    if client is not None:
        try:
            done, version = _followup_with_model(ws, client, review, promise, composed.language)
            text, author, model = done.text.strip(), "model", done.model
            tokens = (done.tokens_in, done.tokens_out, done.cost)
        except LLMError as exc:  # the template still tells the customer
            ws.store.events.add(ws.user, "followup.fallback", review.id, {"error": str(exc)})
    findings = lint(text, lint_context(ws, review, composed.language, FOLLOWUP_LABEL))
    draft = ws.store.drafts.add(
        review.id,
        text,
        author=author,
        model=model,
        kind=DraftKind.FOLLOWUP,
        language=composed.language,
        prompt_version=version,
        promise_id=promise.id,
        lint=findings,
        tokens_in=tokens[0],
        tokens_out=tokens[1],
        cost=tokens[2],
    )
    ws.store.reviews.set_status(review.id, ReviewStatus.DRAFTED)
    return draft


def _followup_with_model(
    ws: Workspace, client: LLMClient, review: Review, promise: Promise, language: str
) -> tuple[Completion, str]:
    system, task = load_prompt("system"), load_prompt("followup")
    facts = [
        f"Reply language: {LANGUAGE_NAMES.get(language, language)} ({language})",
        f"What we promised, now delivered: {neutralise(promise.what)}",
        f"Evidence: {neutralise(promise.evidence or 'none')}",
    ]
    if ws.config.style.signature:
        facts.append(f"Sign off with: {ws.config.style.signature}")
    block = seal("review", review_fields(review), ws.config.llm.max_review_chars)
    messages = [
        {"role": "system", "content": f"{system.text}\n\n{task.text}"},
        {
            "role": "user",
            "content": "\n".join(facts) + "\n\nTheir review, as data:\n" + block,
        },
    ]
    return client.complete(messages), f"{system.version}; {task.version}"


# ------------------------------------------------------------ watching


def flag_returning_authors(ws: Workspace, review_ids: list[int]) -> list[Promise]:
    """A review written or edited after we delivered a promise to its author: flag it."""
    flagged: list[Promise] = []
    if not review_ids or not ws.store.promises.list(PromiseStatus.DELIVERED):
        return flagged
    for review in ws.store.reviews.many(review_ids):
        if review.author_id is None:
            continue
        stamp = review.updated_at or review.created_at
        for p in ws.store.promises.delivered_for_author(review.author_id):
            if p.review_id == review.id and not review.edited:
                continue
            if p.delivered_at and stamp and stamp > p.delivered_at and not p.flag:
                flagged.append(
                    ws.store.promises.update(
                        p.id,
                        ws.user,
                        flag=f"the customer wrote again after delivery "
                        f"(review {review.id}): check the fix holds",
                    )
                )
    return flagged


class WatchStatus(StrEnum):
    DELIVERED = "delivered"
    OPEN = "open"
    ERROR = "error"


@dataclass(frozen=True)
class WatchResult:
    promise_id: int
    status: WatchStatus
    detail: str = ""

    def line(self) -> str:
        """A tracker's words are the tracker's: redacted and made inert before shown."""
        return f"promise {self.promise_id}: {self.status}" + (
            f" ({shown(self.detail)})" if self.detail else ""
        )


def watch(ws: Workspace) -> list[WatchResult]:
    """Check every open promise linked to a tracker; deliver what has shipped."""
    linked = [p for p in ws.store.promises.list(PromiseStatus.OPEN) if p.tracker_url]
    out: list[WatchResult] = []
    if not linked:
        return out
    with ws.http(20.0, 2) as http:
        for p in linked:
            try:
                tracker, ref = parse_link(p.tracker_url or "", ws.config.promises.trackers)
                result = check_tracker(http, tracker, ref)
            except ValueError as exc:
                out.append(WatchResult(p.id, WatchStatus.ERROR, str(exc)))
                continue
            except (SourceError, SecretError) as exc:
                out.append(WatchResult(p.id, WatchStatus.ERROR, exc.message))
                continue
            if not result.delivered:
                out.append(WatchResult(p.id, WatchStatus.OPEN, result.detail))
                continue
            try:
                deliver(ws, p.id, result.evidence or p.tracker_url)
            except (Conflict, IllegalTransition):  # a colleague acted meanwhile: leave it
                out.append(WatchResult(p.id, WatchStatus.OPEN, "changed meanwhile"))
                continue
            out.append(WatchResult(p.id, WatchStatus.DELIVERED, result.detail))
    return out
