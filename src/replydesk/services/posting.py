"""``replydesk post``: publish approved replies, exactly once.

The intent is recorded before sending (a 'pending' reply keyed by the draft), and
confirmed after. If a run dies between the two, the next run asks the platform what it
shows now where the API allows, and confirms instead of sending again. Where the API
cannot tell, the reply is left for a person to check rather than risk a second post.
Platform length limits are checked before anything is sent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from replydesk.config import SourceConfig
from replydesk.domain.errors import SecretError, SourceError
from replydesk.domain.models import Draft
from replydesk.domain.redact import redact
from replydesk.domain.text import fold
from replydesk.services.sync import http_for, make_source
from replydesk.services.workspace import Workspace
from replydesk.sources.base import ReplyLimit, Source
from replydesk.sources.http import Http
from replydesk.sources.registry import source_class


@dataclass
class PostOutcome:
    draft_id: int
    review_id: int
    source: str
    status: str  # posted, confirmed (found already posted), copy (cannot post), failed, check
    message: str = ""

    def line(self) -> str:
        return f"draft {self.draft_id} (review {self.review_id}, {self.source}): {self.status}" + (
            f": {self.message}" if self.message else ""
        )


def reply_limit(ws: Workspace, cfg: SourceConfig) -> ReplyLimit | None:
    override = ws.config.style.platform_limits.get(cfg.kind)
    base = source_class(cfg.kind).reply_limit
    if override:
        return ReplyLimit(override, base.unit if base else "characters")
    return base


@dataclass(frozen=True)
class Target:
    """Where a review's reply would go, and whether replydesk can put it there."""

    source: str
    kind: str
    can_post: bool
    limit: ReplyLimit | None
    why_not: str = ""

    def describe_length(self, text: str) -> str:
        if self.limit is None:
            return f"{len(text)} characters"
        return f"{self.limit.measure(text)} of {self.limit.size} {self.limit.unit}"


def target(ws: Workspace, review_id: int) -> Target:
    review = ws.store.reviews.get(review_id)
    if review is None:
        raise ValueError(f"no review {review_id}")
    cfg = ws.config.source(review.source)
    if cfg is None:
        return Target(
            review.source,
            "?",
            False,
            None,
            f"{review.source} is not a configured source: copy the reply instead",
        )
    if not source_class(cfg.kind).can_post:
        return Target(
            cfg.name,
            cfg.kind,
            False,
            reply_limit(ws, cfg),
            f"{cfg.kind} has no API for replies: copy it and post it by hand",
        )
    return Target(cfg.name, cfg.kind, True, reply_limit(ws, cfg))


def _same(a: str | None, b: str) -> bool:
    return a is not None and " ".join(fold(a).split()) == " ".join(fold(b).split())


async def post_approved(
    ws: Workspace, draft_ids: list[int] | None = None, resend: bool = False
) -> list[PostOutcome]:
    outcomes: list[PostOutcome] = []
    drafts = [d for d in ws.store.drafts.approved() if draft_ids is None or d.id in draft_ids]
    clients: dict[str, tuple[Http, Source]] = {}
    try:
        for draft in drafts:
            outcomes.append(await _post_one(ws, draft, clients, resend))
    finally:
        for http, _src in clients.values():
            await http.__aexit__(None, None, None)
    return outcomes


async def _post_one(
    ws: Workspace, draft: Draft, clients: dict[str, tuple[Http, Source]], resend: bool
) -> PostOutcome:
    review = ws.store.reviews.get(draft.review_id)
    assert review is not None
    out = PostOutcome(draft.id, review.id, review.source, "failed")
    if not draft.approved_by:
        out.message = "not approved by a person"
        return out
    cfg = ws.config.source(review.source)
    if cfg is None or not source_class(cfg.kind).can_post:
        out.status = "copy"
        out.message = "this source cannot publish replies: copy it and mark it copied"
        return out
    limit = reply_limit(ws, cfg)
    try:
        if limit:
            limit.check(draft.text, cfg.kind)
        if cfg.name not in clients:
            http = await http_for(cfg).__aenter__()
            clients[cfg.name] = (http, make_source(cfg, http))
        source = clients[cfg.name][1]
        key = f"draft:{draft.id}"
        earlier = ws.store.replies.by_key(key)
        if earlier and earlier.state == "posted":
            out.status, out.message = "posted", "already posted"
            return out
        reply = ws.store.replies.begin(review.id, draft.id, draft.text, key, ws.user)
        if earlier and earlier.state == "pending" and not resend:
            remote = await source.remote_reply(review)
            if _same(remote, draft.text):
                ws.store.replies.confirm(reply.id, ws.user)
                _link_promises(ws, draft.id, reply.id)
                out.status, out.message = "confirmed", "the platform already shows this reply"
                return out
            if remote is None and type(source).remote_reply is Source.remote_reply:
                out.status = "check"
                out.message = (
                    "an earlier attempt may have reached the platform, which "
                    "cannot be asked: check it, then run `replydesk post --resend "
                    f"{draft.id}` if the reply is missing"
                )
                return out
        external = await source.post_reply(review, draft.text)
        ws.store.replies.confirm(reply.id, ws.user, external_id=external or None)
        _link_promises(ws, draft.id, reply.id)
        out.status = "posted"
        return out
    except (SourceError, SecretError) as exc:
        out.message = redact(str(exc))
        reply_row = ws.store.replies.by_key(f"draft:{draft.id}")
        if reply_row and reply_row.state == "pending":
            ws.store.replies.fail(reply_row.id, ws.user, out.message, state="pending")
        return out


def post(
    ws: Workspace, draft_ids: list[int] | None = None, resend: bool = False
) -> list[PostOutcome]:
    return asyncio.run(post_approved(ws, draft_ids, resend))


def mark_copied(ws: Workspace, draft_id: int) -> None:
    """The user copied an approved reply to post it by hand."""
    draft = ws.store.drafts.get(draft_id)
    if draft is None or draft.state not in ("approved", "posted"):
        raise SourceError(f"draft {draft_id} is not approved")
    reply = ws.store.replies.add(
        draft.review_id,
        draft.text,
        channel="copy",
        state="copied",
        by_user=ws.user,
        draft_id=draft.id,
    )
    _link_promises(ws, draft.id, reply.id)


def _link_promises(ws: Workspace, draft_id: int, reply_id: int) -> None:
    """The promises extracted at approval now belong to the published reply."""
    for p in ws.store.promises.for_draft(draft_id):
        ws.store.promises.update(p.id, ws.user, reply_id=reply_id)
