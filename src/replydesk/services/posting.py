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

from replydesk.domain.errors import IllegalTransition, NotFound, SecretError, SourceError
from replydesk.domain.models import Channel, Draft, DraftState, ReplyState
from replydesk.domain.text import fold
from replydesk.services.platforms import DEMO_OFFLINE, open_source, reply_limit
from replydesk.services.workspace import Workspace
from replydesk.sources.base import Source
from replydesk.sources.registry import source_class


class PostStatus(StrEnum):
    POSTED = "posted"
    CONFIRMED = "confirmed"  # an earlier attempt had reached the platform: not sent again
    COPY = "copy"  # the platform has no reply API: copy it and post it by hand
    FAILED = "failed"
    CHECK = "check"  # may have reached the platform, which cannot be asked: a person looks


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
    """``replydesk post``: every approved reply (or the given drafts), one at a time."""
    drafts = [d for d in ws.store.drafts.approved() if draft_ids is None or d.id in draft_ids]
    with ExitStack() as stack:
        sources: dict[str, Source] = {}
        return [_post_one(ws, draft, sources, stack, resend) for draft in drafts]


def post_one(ws: Workspace, draft_id: int) -> PostOutcome:
    """One approved reply (the editor's last look said yes). A draft no longer approved
    (posted meanwhile by a colleague or a scheduled run) is reported, not sent."""
    outcomes = post(ws, [draft_id])
    if outcomes:
        return outcomes[0]
    draft = ws.store.drafts.get(draft_id)
    if draft is None:
        raise NotFound(f"no draft {draft_id}")
    review = ws.store.reviews.get(draft.review_id)
    source = review.source if review else "?"
    if draft.state == DraftState.POSTED:
        return PostOutcome(draft.id, draft.review_id, source, PostStatus.POSTED, "already posted")
    return PostOutcome(
        draft.id, draft.review_id, source, PostStatus.FAILED, f"the draft is {draft.state}"
    )


def _post_one(
    ws: Workspace, draft: Draft, sources: dict[str, Source], stack: ExitStack, resend: bool
) -> PostOutcome:
    review = ws.store.reviews.get(draft.review_id)
    if review is None:
        raise NotFound(f"no review {draft.review_id}")
    out = PostOutcome(draft.id, review.id, review.source, PostStatus.FAILED)
    if not draft.approved_by:
        out.message = "not approved by a person"
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
    try:
        if limit:
            limit.check(draft.text, cfg.kind)
        if cfg.name not in sources:
            sources[cfg.name] = stack.enter_context(open_source(ws, cfg))
        source = sources[cfg.name]
        key = f"draft:{draft.id}"
        earlier = ws.store.replies.by_key(key)
        if earlier and earlier.state == ReplyState.POSTED:
            out.status, out.message = PostStatus.POSTED, "already posted"
            return out
        reply = ws.store.replies.begin(review.id, draft.id, draft.text, key, ws.user)
        if earlier and earlier.state == ReplyState.PENDING and not resend:
            remote = source.remote_reply(review)
            if _same(remote, draft.text):
                ws.store.replies.confirm(reply.id, ws.user)
                _link_promises(ws, draft.id, reply.id)
                out.status = PostStatus.CONFIRMED
                out.message = "the platform already shows this reply"
                return out
            if remote is None and type(source).remote_reply is Source.remote_reply:
                out.status = PostStatus.CHECK
                out.message = (
                    "an earlier attempt may have reached the platform, which "
                    "cannot be asked: check it, then run `replydesk post --resend "
                    f"{draft.id}` if the reply is missing"
                )
                return out
        external = source.post_reply(review, draft.text)
        ws.store.replies.confirm(reply.id, ws.user, external_id=external or None)
        _link_promises(ws, draft.id, reply.id)
        out.status = PostStatus.POSTED
        return out
    except (SourceError, SecretError) as exc:
        out.message = exc.message
        reply_row = ws.store.replies.by_key(f"draft:{draft.id}")
        if reply_row and reply_row.state == ReplyState.PENDING:
            ws.store.replies.fail(reply_row.id, ws.user, out.message, state=ReplyState.PENDING)
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
