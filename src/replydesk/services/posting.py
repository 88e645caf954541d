"""Publishing approved replies, exactly once.

The intent is recorded before sending (a 'pending' reply keyed by the draft), and
confirmed after. If a run dies between the two, the next run asks the platform what it
shows now where the API allows, and confirms instead of sending again. Where the API
cannot tell, the reply is left for a person to check rather than risk a second post.
Platform length limits are checked before anything is sent.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from enum import StrEnum

from replydesk.domain.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    SecretError,
    SourceError,
)
from replydesk.domain.models import (
    Channel,
    Draft,
    DraftKind,
    DraftState,
    PromiseStatus,
    Reply,
    ReplyState,
    Review,
    ReviewStatus,
)
from replydesk.domain.text import fold
from replydesk.services.platforms import DEMO_OFFLINE, open_source, reply_limit
from replydesk.services.workspace import Workspace, process_gone
from replydesk.sources.base import Source
from replydesk.sources.registry import source_class

LEASE_SECONDS = 600.0  # renewed before every send; a dead run's lease lapses after it
MAX_SENDS = 2  # a second send only after the platform said it has no reply


class PostStatus(StrEnum):
    POSTED = "posted"
    CONFIRMED = "confirmed"  # an earlier attempt had reached the platform: not sent again
    COPY = "copy"  # the platform has no reply API: copy it and post it by hand
    FAILED = "failed"
    CHECK = "check"  # may have reached the platform, which cannot be asked: a person looks
    BUSY = "busy"  # another run holds it right now


@dataclass
class PostOutcome:
    draft_id: int
    review_id: int
    source: str
    status: PostStatus
    message: str = ""

    @property
    def published(self) -> bool:
        return self.status in (PostStatus.POSTED, PostStatus.CONFIRMED)

    def line(self) -> str:
        return f"draft {self.draft_id} (review {self.review_id}, {self.source}): {self.status}" + (
            f": {self.message}" if self.message else ""
        )


def _same(a: str | None, b: str) -> bool:
    return a is not None and " ".join(fold(a).split()) == " ".join(fold(b).split())


def post(
    ws: Workspace, draft_ids: list[int] | None = None, resend: bool = False
) -> list[PostOutcome]:
    """``replydesk post``: every approved reply (or the given drafts), one at a time.
    Several runs at once (a colleague, a scheduled job) share the work: each reply is
    leased to one run, which alone may send it.
    Drafts asked for by id that cannot be sent are each reported (an unknown id is refused
    before anything is sent)."""
    drafts = [d for d in ws.store.drafts.approved() if draft_ids is None or d.id in draft_ids]
    found = {d.id for d in drafts}
    unsendable = [_not_sendable(ws, i) for i in dict.fromkeys(draft_ids or []) if i not in found]
    holder = ws.run_token()
    with ExitStack() as stack:
        sources: dict[str, Source] = {}
        sent = [_post_one(ws, draft, sources, stack, resend, holder) for draft in drafts]
    return unsendable + sent


def _not_sendable(ws: Workspace, draft_id: int) -> PostOutcome:
    """Why a draft asked for by id is not among the approved ones."""
    draft = ws.store.drafts.get(draft_id)
    if draft is None:
        raise NotFound(
            f"no draft {draft_id}; `replydesk draft show REVIEW_ID` shows a review's draft ids"
        )
    review = ws.store.reviews.get(draft.review_id)
    source = review.source if review else "?"
    if draft.state == DraftState.POSTED:
        return PostOutcome(draft.id, draft.review_id, source, PostStatus.POSTED, "already posted")
    return PostOutcome(
        draft.id,
        draft.review_id,
        source,
        PostStatus.FAILED,
        f"the draft is {draft.state}, not approved; approve it first",
    )


def post_one(ws: Workspace, draft_id: int) -> PostOutcome:
    """One approved reply (the editor's last look said yes). A draft no longer approved
    (posted meanwhile by a colleague or a scheduled run) is reported, not sent."""
    return post(ws, [draft_id])[0]


def _post_one(
    ws: Workspace,
    draft: Draft,
    sources: dict[str, Source],
    stack: ExitStack,
    resend: bool,
    holder: str,
) -> PostOutcome:
    review = ws.store.reviews.get(draft.review_id)
    if review is None:
        raise NotFound(f"no review {draft.review_id}")
    out = PostOutcome(draft.id, review.id, review.source, PostStatus.FAILED)
    if not draft.approved_by:
        out.message = "not approved by a person"
        return out
    if review.status == ReviewStatus.IGNORED:  # set aside after approval: nothing goes out
        out.message = "the review is set aside as needing no reply: not posted"
        return out
    if draft.kind == DraftKind.FOLLOWUP and draft.promise_id is not None:
        promise = ws.store.promises.get(draft.promise_id)
        if promise is None or promise.status != PromiseStatus.DELIVERED:
            out.message = (
                f"promise {draft.promise_id} is no longer delivered (undone?): its "
                "follow-up is not sent"
            )
            return out
    cfg = ws.config.source(review.source)
    if ws.demo:
        out.message = DEMO_OFFLINE
        return out
    if cfg is None or not source_class(cfg.kind).can_post:
        out.status = PostStatus.COPY
        out.message = "this source cannot publish replies: copy it and mark it copied"
        return out
    limit = reply_limit(ws, cfg)
    if limit:
        try:
            limit.check(draft.text, cfg.kind)
        except SourceError as exc:
            out.message = exc.message
            return out
    reply, mine = ws.store.replies.lease(
        review.id,
        draft.id,
        draft.text,
        f"draft:{draft.id}",
        ws.user,
        holder,
        LEASE_SECONDS,
        stale=process_gone,
    )
    if reply is None:
        out.message = "the draft is no longer approved (replaced or withdrawn meanwhile)"
        return out
    if not mine:
        if reply.state in (ReplyState.POSTED, ReplyState.COPIED):
            out.status, out.message = PostStatus.POSTED, "already posted"
        else:
            out.status = PostStatus.BUSY
            out.message = f"another run ({reply.lease_by}) is posting it now"
        return out
    try:
        if cfg.name not in sources:
            sources[cfg.name] = stack.enter_context(open_source(ws, cfg))
        return _send(ws, sources[cfg.name], review, draft, reply, holder, resend, out)
    except (SourceError, SecretError) as exc:  # nothing sent this time (see _send)
        out.message = exc.message
        now = ws.store.replies.by_key(f"draft:{draft.id}")
        maybe_sent = now is not None and now.attempts > 0  # by an earlier run or send
        state = ReplyState.PENDING if maybe_sent else ReplyState.FAILED
        ws.store.replies.fail(reply.id, ws.user, out.message, holder, state=state)
        return out
    except BaseException:
        ws.store.replies.release(reply.id, holder)  # interrupted: the next run asks first
        raise


def _send(
    ws: Workspace,
    source: Source,
    review: Review,
    draft: Draft,
    reply: Reply,
    holder: str,
    resend: bool,
    out: PostOutcome,
) -> PostOutcome:
    """With the lease held: reconcile what may already be there, then send at most
    ``MAX_SENDS`` times, asking the platform before every send after the first."""
    readable = type(source).remote_reply is not Source.remote_reply
    sends = reply.attempts
    while True:
        if sends and not resend:  # an earlier send may have landed: ask before sending
            if not readable:
                return _unknown(ws, reply, out, draft.id, holder)
            try:
                remote = source.remote_reply(review)
            except (SourceError, SecretError) as exc:  # cannot tell: never "no reply"
                return _unknown(
                    ws, reply, out, draft.id, holder, f"could not ask the platform: {exc.message}"
                )
            if _same(remote, draft.text):
                _confirmed(ws, reply, draft.id, None)
                out.status = PostStatus.CONFIRMED
                out.message = "the platform already shows this reply"
                return out
            if remote is not None:
                ws.store.replies.fail(
                    reply.id,
                    ws.user,
                    "the platform shows another reply",
                    holder,
                    state=ReplyState.PENDING,
                )
                out.status = PostStatus.CHECK
                out.message = (
                    "the platform shows a different reply for this review: check it; "
                    f"`replydesk post --resend {draft.id}` sends ours anyway"
                )
                return out
            if sends >= MAX_SENDS:
                return _unknown(ws, reply, out, draft.id, holder)
        resend = False
        source.prepare()  # secrets and tokens first: a failure there sends nothing
        if not ws.store.replies.attempt(reply.id, holder, LEASE_SECONDS):
            out.status, out.message = PostStatus.BUSY, "another run took it over"
            return out
        sends += 1
        try:
            external = source.post_reply(review, draft.text)
        except SourceError as exc:
            if not exc.ambiguous:  # refused: nothing was published, the next run sends it
                ws.store.replies.unsent(reply.id, holder)
                raise
            if not readable:
                return _unknown(ws, reply, out, draft.id, holder, exc.message)
            continue  # ask the platform what it has, then decide
        _confirmed(ws, reply, draft.id, external or None)
        out.status = PostStatus.POSTED
        return out


def _confirmed(ws: Workspace, reply: Reply, draft_id: int, external: str | None) -> None:
    ws.store.replies.confirm(reply.id, ws.user, external_id=external)
    _link_promises(ws, draft_id, reply.id)


def _unknown(
    ws: Workspace, reply: Reply, out: PostOutcome, draft_id: int, holder: str, why: str = ""
) -> PostOutcome:
    """It may have reached the platform and the platform cannot say: a person looks."""
    ws.store.replies.fail(
        reply.id, ws.user, why or "outcome unknown", holder, state=ReplyState.PENDING
    )
    out.status = PostStatus.CHECK
    out.message = (
        (f"{why}; " if why else "an earlier attempt may have reached the platform; ")
        + "unknown: check the review's page on the platform, then run "
        f"`replydesk post --resend {draft_id}` only if the reply is missing"
    )
    return out


def mark_copied(ws: Workspace, draft_id: int) -> None:
    """The user copied an approved reply to post it by hand."""
    draft = ws.store.drafts.get(draft_id)
    if draft is None:
        raise NotFound(f"no draft {draft_id}")
    if draft.state not in (DraftState.APPROVED, DraftState.POSTED):
        raise IllegalTransition(f"draft {draft_id} is {draft.state}: approve it first")
    if draft.state == DraftState.POSTED:
        return  # already published or marked copied: one reply on record, not two
    sending = ws.store.replies.by_key(f"draft:{draft.id}")
    if (
        sending is not None
        and sending.state == ReplyState.PENDING
        and (sending.attempts > 0 or sending.lease_by)
    ):
        raise Conflict(
            f"draft {draft_id} is being posted, or may have been: check the review's page; "
            f"if it is missing, `replydesk post --resend {draft_id}`"
        )
    reply = ws.store.replies.add(
        draft.review_id,
        draft.text,
        channel=Channel.COPY,
        state=ReplyState.COPIED,
        by_user=ws.user,
        draft_id=draft.id,
    )
    _link_promises(ws, draft.id, reply.id)


def _link_promises(ws: Workspace, draft_id: int, reply_id: int) -> None:
    """The promises extracted at approval now belong to the published reply."""
    for p in ws.store.promises.for_draft(draft_id):
        ws.store.promises.update(p.id, ws.user, reply_id=reply_id)
