"""The domain, as plain dataclasses: what the store returns and the services pass around.

The store turns rows into these in one place (``store/rows.py``); nothing else knows
column names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Label = Literal["criticism", "vague", "provocation", "praise"]
LABELS: tuple[str, ...] = ("criticism", "vague", "provocation", "praise")
REVIEW_STATUSES = ("new", "drafted", "approved", "replied", "ignored")
DRAFT_STATES = ("draft", "approved", "posted", "discarded", "failed")
PROMISE_KINDS = ("fix", "refund", "bonus", "callback", "info")
PROMISE_STATUSES = ("open", "delivered", "broken", "withdrawn")


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
    label: str
    score: float
    reasons: list[Evidence] = field(default_factory=list)
    method: str = "rules"
    decided_by: str = ""
    decided_at: datetime | None = None
    override_label: str | None = None
    override_by: str | None = None
    override_at: datetime | None = None
    second_opinion: str | None = None

    @property
    def effective(self) -> str:
        return self.override_label or self.label

    @property
    def opinion(self) -> dict[str, Any]:
        """The model's second opinion ({} when none was asked)."""
        import json

        return json.loads(self.second_opinion) if self.second_opinion else {}


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
    status: str
    label: str | None = None
    score: float | None = None
    claimed_by: str | None = None

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
    kind: str
    version: int
    text: str
    language: str
    model: str
    prompt_version: str
    author: str
    state: str
    lint: list[dict[str, Any]]
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
    channel: str
    state: str
    by_user: str
    created_at: datetime | None
    confirmed_at: datetime | None
    external_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Promise:
    id: int
    review_id: int
    reply_id: int | None
    what: str
    kind: str
    due_date: str | None
    owner: str
    status: str
    created_at: datetime | None
    tracker_url: str | None = None
    delivered_at: datetime | None = None
    evidence: str | None = None
    followup_draft_id: int | None = None
    flag: str | None = None

    def is_overdue(self, today: str) -> bool:
        """Open and past its due date (``today`` as YYYY-MM-DD in the workspace zone)."""
        return self.status == "open" and bool(self.due_date) and self.due_date < today


@dataclass(frozen=True)
class Event:
    id: int
    at: datetime | None
    user: str
    action: str
    review_id: int | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class Claim:
    review_id: int
    user: str
    claimed_at: datetime | None
    expires_at: datetime | None
