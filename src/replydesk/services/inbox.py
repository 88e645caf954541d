"""What the inbox shows: the filtered list, counts per label, and one review in full."""

from __future__ import annotations

from dataclasses import dataclass, field

from replydesk.models import Claim, Draft, Promise, Reply, Review, ReviewVersion, Triage
from replydesk.services.workspace import Workspace
from replydesk.store import ReviewFilter


@dataclass(frozen=True)
class AuthorHistory:
    """W13: a returning customer's earlier reviews, our replies, and what we promised."""

    reviews: list[Review] = field(default_factory=list)
    replies: dict[int, list[Reply]] = field(default_factory=dict)
    promises: list[Promise] = field(default_factory=list)

    @property
    def returning(self) -> bool:
        return bool(self.reviews)


@dataclass(frozen=True)
class ReviewDetail:
    review: Review
    triage: Triage | None
    drafts: list[Draft]
    replies: list[Reply]
    promises: list[Promise]
    versions: list[ReviewVersion]
    history: AuthorHistory
    claim: Claim | None


def list_reviews(ws: Workspace, f: ReviewFilter | None = None) -> list[Review]:
    return ws.store.reviews.list(f)


def label_counts(ws: Workspace, f: ReviewFilter | None = None) -> dict[str, int]:
    return ws.store.reviews.label_counts(f)


def detail(ws: Workspace, review_id: int) -> ReviewDetail | None:
    store = ws.store
    review = store.reviews.get(review_id)
    if review is None:
        return None
    history = AuthorHistory()
    if review.author_id is not None:
        earlier = store.reviews.by_author(review.author_id, exclude=review.id)
        history = AuthorHistory(
            reviews=earlier,
            replies={r.id: store.replies.for_review(r.id) for r in earlier},
            promises=[p for p in store.promises.for_author(review.author_id)
                      if p.review_id != review.id],
        )
    return ReviewDetail(
        review=review, triage=store.triage.get(review_id),
        drafts=store.drafts.for_review(review_id), replies=store.replies.for_review(review_id),
        promises=store.promises.for_review(review_id),
        versions=store.reviews.versions(review_id), history=history,
        claim=store.claims.holder(review_id),
    )
