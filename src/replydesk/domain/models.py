"""The domain, as plain typed values: what the store returns and the services pass around.

The store turns rows into these in one place (``store/rows.py``); nothing else knows
column names. Every closed set of values is an enum (a ``StrEnum``, so it is stored and
exported as the same word it always was).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from replydesk.domain.findings import Finding


class Label(StrEnum):
    """What triage says a review is (house style T1-T3)."""

    CRITICISM = "criticism"
    VAGUE = "vague"
    PROVOCATION = "provocation"
    PRAISE = "praise"


UNTRIAGED = "untriaged"  # the inbox group of reviews with no label yet (not a label)
LABELS: tuple[Label, ...] = tuple(Label)


class ReviewStatus(StrEnum):
    NEW = "new"
    DRAFTED = "drafted"
    APPROVED = "approved"
    REPLIED = "replied"
    IGNORED = "ignored"


REVIEW_STATUSES: tuple[ReviewStatus, ...] = tuple(ReviewStatus)


class DraftKind(StrEnum):
    REPLY = "reply"
    FOLLOWUP = "followup"  # tells the reviewer a promise was delivered


class DraftState(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    POSTED = "posted"
    DISCARDED = "discarded"
    FAILED = "failed"


class ReplyState(StrEnum):
    PENDING = "pending"  # the intent to post is recorded; the platform's answer is not
    POSTED = "posted"
    COPIED = "copied"
    FAILED = "failed"


class Channel(StrEnum):
    POST = "post"  # through the platform's API
    COPY = "copy"  # copied and posted by hand
    IMPORT = "import"  # a reply that existed before replydesk


class PromiseKind(StrEnum):
    FIX = "fix"
    REFUND = "refund"
    BONUS = "bonus"
    CALLBACK = "callback"
    INFO = "info"


class PromiseStatus(StrEnum):
    OPEN = "open"
    DELIVERED = "delivered"
    BROKEN = "broken"
    WITHDRAWN = "withdrawn"


class PromiseOrigin(StrEnum):
    """Who read the promise: the rules (always run), the model (an addition the rules
    missed) or a person (``replydesk promise add``)."""

    RULES = "rules"
    MODEL = "model"
    PERSON = "person"


PROMISE_KINDS: tuple[PromiseKind, ...] = tuple(PromiseKind)
PROMISE_STATUSES: tuple[PromiseStatus, ...] = tuple(PromiseStatus)


@dataclass(frozen=True)
class NewPromise:
    """A promise about to be recorded (what the store's ``add_for_draft`` takes)."""

    what: str
    kind: PromiseKind
    due_date: str | None
    origin: PromiseOrigin = PromiseOrigin.RULES
    dispute: str | None = None  # the model's reason for doubting a rules promise


@dataclass(frozen=True)
class NewReview:
    """A review as a source or an import file hands it over, before it is stored."""

    source: str
    external_id: str
    body: str = ""
    title: str = ""
    author: str = ""
    author_key: str = ""
    rating: int | None = None
    language: str = ""
    url: str = ""
    product_version: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}".strip()


@dataclass(frozen=True)
class Evidence:
    """One reason behind a triage label: the rule and the text span that matched."""

    rule: str
    quote: str = ""
    start: int = -1
    end: int = -1
    weight: float = 0.0


@dataclass(frozen=True)
class Triage:
    """A review's label, how sure the machine is, and why (``docs/triage.md``).

    ``score`` is the confidence in ``label`` (0-1); ``scores`` holds each learned
    decision's calibrated probability ("criticism", "provocation"); ``unsure`` is set when
    ``score`` fell below ``[triage] unsure_below``: such a review is the one a person (or
    the model's second opinion) should look at first.
    """

    label: Label | None  # None when only a person's override is recorded
    score: float
    reasons: list[Evidence] = field(default_factory=list)
    method: str = "rules"
    decided_by: str = ""
    decided_at: datetime | None = None
    override_label: Label | None = None
    override_by: str | None = None
    override_at: datetime | None = None
    second_opinion: str | None = None
    scores: dict[str, float] = field(default_factory=dict)
    unsure: bool = False

    @property
    def effective(self) -> Label:
        """A person's override always wins over the machine."""
        label = self.override_label or self.label
        assert label is not None, "a triage row holds a machine label, an override or both"
        return label

    @property
    def opinion(self) -> dict[str, Any]:
        """The model's second opinion ({} when none was asked)."""
        data = json.loads(self.second_opinion) if self.second_opinion else {}
        return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class Review:
    id: int
    source: str
    external_id: str
    author: str
    author_key: str
    author_id: int | None
    rating: int | None
    title: str
    body: str
    language: str
    url: str
    product_version: str
    created_at: datetime | None
    updated_at: datetime | None
    fetched_at: datetime | None
    version: int
    edited: bool
    status: ReviewStatus
    label: Label | None = None
    score: float | None = None
    claimed_by: str | None = None
    unsure: bool = False  # the machine's label is a guess (confidence below unsure_below)

    @property
    def text(self) -> str:
        """Title and body together, as triage and search see them."""
        return f"{self.title}\n{self.body}".strip() if self.title else self.body


@dataclass(frozen=True)
class ReviewVersion:
    version: int
    title: str
    body: str
    rating: int | None
    recorded_at: datetime | None


@dataclass(frozen=True)
class Draft:
    id: int
    review_id: int
    kind: DraftKind
    version: int
    text: str
    language: str
    model: str
    prompt_version: str
    author: str
    state: DraftState
    lint: list[Finding]
    tokens_in: int
    tokens_out: int
    cost: float
    created_at: datetime | None
    approved_by: str | None = None
    approved_at: datetime | None = None
    promise_id: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Reply:
    id: int
    review_id: int
    draft_id: int | None
    text: str
    channel: Channel
    state: ReplyState
    by_user: str
    created_at: datetime | None
    confirmed_at: datetime | None
    external_id: str | None = None
    error: str | None = None
    lease_by: str | None = None  # the run sending it now (see posting)
    lease_until: datetime | None = None
    attempts: int = 0  # sends that may have reached the platform


@dataclass(frozen=True)
class Promise:
    id: int
    review_id: int
    reply_id: int | None
    what: str
    kind: PromiseKind
    due_date: str | None
    owner: str
    status: PromiseStatus
    created_at: datetime | None
    tracker_url: str | None = None
    delivered_at: datetime | None = None
    evidence: str | None = None
    followup_draft_id: int | None = None
    flag: str | None = None
    origin: PromiseOrigin = PromiseOrigin.RULES
    dispute: str | None = None  # the model doubts it (its reason): a person decides
    followup_pending: bool = False  # delivered; its follow-up draft is still to be written
    delivered_in: str | None = None  # the version that delivered it, named in the follow-up
    draft_id: int | None = None  # the approved reply draft it was read from (or added to)

    @property
    def disputed(self) -> bool:
        return bool(self.dispute)

    def is_overdue(self, today: str) -> bool:
        """Open and past its due date (``today`` as YYYY-MM-DD in the workspace zone)."""
        return (
            self.status == PromiseStatus.OPEN
            and bool(self.due_date)
            and (self.due_date or "") < today
        )

    def timing(self, tz: Any) -> str:
        """P3: delivered early, on time or late against the due date (derived, not stored)."""
        if self.status != PromiseStatus.DELIVERED or not self.delivered_at or not self.due_date:
            return ""
        delivered = self.delivered_at.astimezone(tz).date()
        due = date.fromisoformat(self.due_date)
        return "early" if delivered < due else "on time" if delivered == due else "late"


@dataclass(frozen=True)
class Event:
    id: int
    at: datetime | None
    user: str
    action: str
    review_id: int | None
    detail: dict[str, Any]
    login: str = ""  # the OS account that acted; ``user`` is only the display name


@dataclass(frozen=True)
class Claim:
    review_id: int
    user: str
    claimed_at: datetime | None
    expires_at: datetime | None


@dataclass(frozen=True)
class ReviewFilter:
    """What the inbox asks for; empty fields mean 'any'."""

    label: str | None = None  # a Label, or UNTRIAGED
    source: str | None = None
    language: str | None = None
    status: str | None = None
    search: str = ""
    author_id: int | None = None
    sort: str = "newest"  # newest, oldest, rating
    limit: int = 500
    offset: int = 0


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
    """One review with everything known about it, as the editor and the model see it."""

    review: Review
    triage: Triage | None
    drafts: list[Draft]
    replies: list[Reply]
    promises: list[Promise]
    versions: list[ReviewVersion]
    history: AuthorHistory
    claim: Claim | None
