"""The one protocol every source kind follows, and what they share.

A source fetches pages newest first and stops at the first item its cursor has already
seen, so a sync that finds nothing new costs one request. A malformed item is skipped
and counted with its reason; it never stops the page. Sources that can publish replies
implement ``post_reply`` and, where the API allows, ``remote_reply`` so that a retry after
a crash can see that the reply is already there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from replydesk.config import SourceConfig
from replydesk.domain.errors import SourceError
from replydesk.domain.models import NewReview, Review
from replydesk.domain.timeutil import from_iso, parse_time, to_iso
from replydesk.sources.http import Http

SecretGetter = Callable[[str], str]


@dataclass
class FetchResult:
    reviews: list[NewReview] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)
    cursor: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReplyLimit:
    size: int
    unit: str = "characters"  # or "bytes" (UTF-8)

    def measure(self, text: str) -> int:
        return len(text.encode("utf-8")) if self.unit == "bytes" else len(text)

    def check(self, text: str, where: str) -> None:
        n = self.measure(text)
        if n > self.size:
            raise SourceError(
                f"the reply is {n} {self.unit}; {where} accepts at most "
                f"{self.size} {self.unit}: shorten it by {n - self.size}"
            )


class Source:
    """Base class: a configured source with its HTTP client and secrets."""

    kind: ClassVar[str] = ""
    can_post: ClassVar[bool] = False
    reply_limit: ClassVar[ReplyLimit | None] = None
    # a standing remark about the API's limits, shown with the source's health
    health: ClassVar[str] = ""

    def __init__(self, config: SourceConfig, http: Http, secret: SecretGetter) -> None:
        self.config = config
        self.name = config.name
        self.options: dict[str, Any] = config.options
        self.http = http
        self.secret = secret

    def base_url(self, default: str) -> str:
        return str(self.options.get("base_url") or default).rstrip("/")

    def fetch(self, cursor: dict[str, str]) -> FetchResult:
        raise NotImplementedError

    def prepare(self) -> None:
        """Everything a reply needs before it is sent (secrets, a token): a failure here
        is certain to have sent nothing, so it is not counted as a send."""

    def post_reply(self, review: Review, text: str) -> str:
        raise SourceError(
            f"{self.kind} sources cannot publish replies: copy the reply and mark it copied"
        )

    def remote_reply(self, review: Review) -> str | None:
        """The reply the platform shows now, if the API can tell (None otherwise)."""
        return None


class Cutoff:
    """Tracks the newest timestamp seen and whether an item is older than the cursor."""

    def __init__(self, since: str | None) -> None:
        self.since = from_iso(since) if since else None
        self.newest = self.since

    def is_new(self, when: datetime | None) -> bool:
        if when is not None and (self.newest is None or when > self.newest):
            self.newest = when
        return self.since is None or when is None or when > self.since

    @property
    def value(self) -> str | None:
        return to_iso(self.newest)


def take_page(
    result: FetchResult,
    cut: Cutoff,
    items: Any,
    parse: Callable[[Any], NewReview | None],
    label: str = "review",
    stamp: Callable[[NewReview], datetime | None] = lambda r: r.updated_at,
) -> bool:
    """Parse one page (newest first) into ``result``; a malformed item is counted with its
    reason and skipped, ``None`` from ``parse`` means "not a review". Returns True when the
    page reached reviews the cursor has already seen: no need to fetch further pages."""
    saw_old = False
    for i, item in enumerate(items or []):
        try:
            review = parse(item)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            result.malformed.append(f"{label} {i}: {exc}")
            continue
        if review is None:
            continue
        if cut.is_new(stamp(review)):
            result.reviews.append(review)
        else:
            saw_old = True
    return saw_old


def dig(obj: Any, path: str) -> Any:
    """A dotted path into nested dicts/lists (``"a.b.0.c"``); None when absent."""
    for part in path.split(".") if path else []:
        if isinstance(obj, dict):
            obj = obj.get(part)
        elif isinstance(obj, list) and part.lstrip("-").isdigit():
            i = int(part)
            obj = obj[i] if -len(obj) <= i < len(obj) else None
        else:
            return None
        if obj is None:
            return None
    return obj


def reply_text(value: Any) -> str | None:
    """The reply a platform shows, read back before posting again: ``None`` for none.
    Anything but text is an error, never "no reply": that would risk a second post."""
    if value is None or isinstance(value, str):
        return value
    raise SourceError(f"the platform answered a reply that is not text ({type(value).__name__})")


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str | int | float):
        return str(value)
    raise ValueError(f"expected text, got {type(value).__name__}")


def when(value: Any) -> datetime | None:
    return parse_time(value) if value not in (None, "") else None


def stars(value: Any, scale: float = 5) -> int | None:
    """A rating normalised to whole stars 1-5 from a ``scale``-point rating."""
    if value in (None, ""):
        return None
    number = float(value)
    if not 0 <= number <= scale:
        raise ValueError(f"rating {value!r} outside 0-{scale:g}")
    return max(1, min(5, round(number / scale * 5))) if scale != 5 else max(1, round(number))
