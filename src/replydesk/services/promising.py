"""The promise ledger as the CLI and the TUI use it (house style P1-P4).

Approving a reply extracts what it commits to and records it, owned by the approver, for
the person to confirm, edit or withdraw. Delivering a promise (by hand, or when a tracker
says so) records the evidence and drafts the follow-up to the reviewer, which then goes
through the same approval as any reply. A new review or an edit by the same author after
a promise was delivered flags that promise for a look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from replydesk.domain.errors import LLMError
from replydesk.domain.models import PROMISE_KINDS, Draft, Promise
from replydesk.domain.timeutil import now
from replydesk.drafting.composer import compose_followup
from replydesk.llm.client import LLMClient
from replydesk.llm.prompts import load as load_prompt
from replydesk.promises.extract import Extracted, extract
from replydesk.services.workspace import Workspace
from replydesk.style.linter import lint


def extract_from(ws: Workspace, draft: Draft, at: datetime | None = None) -> list[Extracted]:
    review = ws.store.reviews.get(draft.review_id)
    assert review is not None
    cfg = ws.config
    return extract(
        draft.text,
        draft.language or review.language or "en",
        at or now(),
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
    if existing or draft.kind != "reply":
        return existing
    owner = draft.approved_by or ws.user
    found = extract_from(ws, draft, draft.approved_at)
    if LLMClient.configured(ws.config):
        import asyncio

        try:
            found = asyncio.run(_extract_with_model(ws, draft, found))
        except LLMError as exc:
            ws.store.events.add(
                ws.user,
                "promise.extract.fallback",
                draft.review_id,
                {"draft": draft.id, "error": str(exc)},
            )
    return [
        ws.store.promises.add(
            draft.review_id,
            e.what,
            kind=e.kind,
            owner=owner,
            due_date=e.due_date,
            draft_id=draft.id,
        )
        for e in found
    ]


async def _extract_with_model(
    ws: Workspace, draft: Draft, rules: list[Extracted]
) -> list[Extracted]:
    posted = ws.today(draft.approved_at)
    prompt = load_prompt("promises")
    safe = draft.text.replace("</reply>", "</reply >")
    client = LLMClient(ws.config)
    try:
        data, _done = await client.complete_json(
            [
                {"role": "system", "content": prompt.text},
                {
                    "role": "user",
                    "content": f"today: {posted.isoformat()}\n<reply>\n{safe}\n</reply>",
                },
            ]
        )
    finally:
        await client.close()
    items = data.get("promises")
    if not isinstance(items, list):
        raise LLMError("the model's answer has no 'promises' list")
    default = (posted + timedelta(days=ws.config.promises.default_due_days)).isoformat()
    out = []
    for item in items:
        if not isinstance(item, dict) or item.get("kind") not in PROMISE_KINDS:
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


def timing(p: Promise, tz) -> str:
    """P3: delivered early, on time or late against the due date (derived, not stored)."""
    if p.status != "delivered" or not p.delivered_at or not p.due_date:
        return ""
    delivered = p.delivered_at.astimezone(tz).date()
    due = date.fromisoformat(p.due_date)
    return "early" if delivered < due else "on time" if delivered == due else "late"


@dataclass(frozen=True)
class Delivered:
    promise: Promise
    followup: Draft
    timing: str


def deliver(ws: Workspace, promise_id: int, evidence: str | None = None) -> Delivered:
    promise = ws.store.promises.get(promise_id)
    if promise is None:
        raise ValueError(f"no promise {promise_id}")
    if promise.status != "open":
        raise ValueError(f"promise {promise_id} is {promise.status}, not open")
    delivered = ws.store.promises.deliver(promise_id, ws.user, evidence)
    followup = draft_followup(ws, delivered)
    delivered = ws.store.promises.update(promise_id, ws.user, followup_draft_id=followup.id)
    return Delivered(delivered, followup, timing(delivered, ws.tz))


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
        k: v for k, v in (("what", what), ("due_date", due_date), ("tracker_url", tracker_url)) if v
    }
    if not changes:
        raise ValueError("nothing to change: give what, a due date or a tracker")
    if what is not None and not what.strip():
        raise ValueError("a promise needs words: say what was promised")
    if due_date is not None:
        try:
            date.fromisoformat(due_date)
        except ValueError:
            raise ValueError(f"due date {due_date!r}: write YYYY-MM-DD") from None
    if ws.store.promises.get(promise_id) is None:
        raise ValueError(f"no promise {promise_id}")
    return ws.store.promises.update(promise_id, ws.user, **changes)


def withdraw(ws: Workspace, promise_id: int) -> Promise:
    """Not a promise after all (or no longer one): it leaves the ledger's open list."""
    if ws.store.promises.get(promise_id) is None:
        raise ValueError(f"no promise {promise_id}")
    return ws.store.promises.update(promise_id, ws.user, status="withdrawn")


def draft_followup(ws: Workspace, promise: Promise) -> Draft:
    """P2/P4: tell the reviewer it is done and ask whether all works now. Offline template;
    the model writes it instead when one is configured (through the same lint)."""
    review = ws.store.reviews.get(promise.review_id)
    assert review is not None
    what = promise.what.removeprefix("Bonus: ")
    composed = compose_followup(
        review, what, ws.config.style.default_language, ws.config.style.signature
    )
    text, author, model, version = composed.text, "offline", "offline", composed.version
    tokens = (0, 0, 0.0)
    if LLMClient.configured(ws.config):
        import asyncio

        try:
            done, version = asyncio.run(
                _followup_with_model(ws, review, promise, composed.language)
            )
            text, author, model = done.text.strip(), "model", done.model
            tokens = (done.tokens_in, done.tokens_out, done.cost)
        except LLMError as exc:  # the template still tells the customer
            ws.store.events.add(ws.user, "followup.fallback", review.id, {"error": str(exc)})
    findings = lint(text, _followup_context(ws, review, composed.language))
    draft = ws.store.drafts.add(
        review.id,
        text,
        author=author,
        model=model,
        kind="followup",
        language=composed.language,
        prompt_version=version,
        promise_id=promise.id,
        lint=findings,
        tokens_in=tokens[0],
        tokens_out=tokens[1],
        cost=tokens[2],
    )
    ws.store.reviews.set_status(review.id, "drafted")
    return draft


async def _followup_with_model(ws: Workspace, review, promise: Promise, language: str):
    from replydesk.drafting.context import LANGUAGE_NAMES
    from replydesk.triage.second_opinion import review_block

    system, task = load_prompt("system"), load_prompt("followup")
    facts = [
        f"Reply language: {LANGUAGE_NAMES.get(language, language)} ({language})",
        f"What we promised, now delivered: {promise.what}",
        f"Evidence: {promise.evidence or 'none'}",
        f"Author: {review.author or 'anonymous'}",
    ]
    if ws.config.style.signature:
        facts.append(f"Sign off with: {ws.config.style.signature}")
    client = LLMClient(ws.config)
    try:
        done = await client.complete(
            [
                {"role": "system", "content": f"{system.text}\n\n{task.text}"},
                {
                    "role": "user",
                    "content": "\n".join(facts) + "\n\nTheir review:\n" + review_block(review.text),
                },
            ]
        )
    finally:
        await client.close()
    return done, f"{system.version}; {task.version}"


def _followup_context(ws: Workspace, review, language: str):
    from replydesk.services.drafting import lint_context

    return lint_context(ws, review, language, "followup")


def flag_returning_authors(ws: Workspace, review_ids: list[int]) -> list[Promise]:
    """A review written or edited after we delivered a promise to its author: flag it."""
    flagged: list[Promise] = []
    if not review_ids or not ws.store.promises.list("delivered"):
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


def overdue(ws: Workspace) -> list[Promise]:
    return ws.store.promises.overdue(ws.today().isoformat())


@dataclass(frozen=True)
class WatchResult:
    promise_id: int
    status: str  # delivered, open, error
    detail: str = ""

    def line(self) -> str:
        return f"promise {self.promise_id}: {self.status}" + (
            f" ({self.detail})" if self.detail else ""
        )


async def watch_async(ws: Workspace) -> list[WatchResult]:
    """Check every open promise linked to a tracker; deliver what has shipped."""
    from replydesk.domain.errors import SecretError, SourceError
    from replydesk.promises.watchers import check, parse_link
    from replydesk.sources.http import Http

    linked = [p for p in ws.store.promises.list("open") if p.tracker_url]
    out: list[WatchResult] = []
    if not linked:
        return out
    async with Http(timeout=20.0, max_retries=2) as http:
        for p in linked:
            try:
                tracker, ref = parse_link(p.tracker_url or "", ws.config.promises.trackers)
                result = await check(http, tracker, ref)
            except (ValueError, SourceError, SecretError) as exc:
                out.append(WatchResult(p.id, "error", str(exc)))
                continue
            if result.delivered:
                deliver(ws, p.id, result.evidence or p.tracker_url)
                out.append(WatchResult(p.id, "delivered", result.detail))
            else:
                out.append(WatchResult(p.id, "open", result.detail))
    return out


def watch(ws: Workspace) -> list[WatchResult]:
    import asyncio

    return asyncio.run(watch_async(ws))
