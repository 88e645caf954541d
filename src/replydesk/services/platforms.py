"""Where a review's reply goes, what that platform allows, and the house-style check.

Shared by drafting, editing, posting and the promise follow-ups, so it sits below them
all: each use case asks here for a review's reply limit and lint context instead of
asking another use case.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from replydesk import secrets
from replydesk.config import Config, SourceConfig
from replydesk.domain.errors import NotFound, UsageError
from replydesk.domain.findings import Finding
from replydesk.domain.models import LABELS, DraftKind, Label, Review
from replydesk.drafting.voice import voice_for
from replydesk.languages import codes as language_codes
from replydesk.languages import known
from replydesk.services.workspace import Workspace
from replydesk.sources.base import ReplyLimit, Source
from replydesk.sources.registry import kinds, source_class
from replydesk.style.linter import LintContext, lint

FOLLOWUP_LABEL = "followup"  # the linter's rules for a follow-up: thanks and a question
DEMO_OFFLINE = "the demo workspace is offline: nothing is posted from it, copy the reply instead"


def reply_limit(ws: Workspace, cfg: SourceConfig) -> ReplyLimit | None:
    override = ws.config.style.platform_limits.get(cfg.kind)
    base = source_class(cfg.kind).reply_limit
    if override:
        return ReplyLimit(override, base.unit if base else "characters")
    return base


def limit_for(ws: Workspace, review: Review) -> tuple[ReplyLimit | None, str]:
    """The review's platform limit and kind (its source name when not configured)."""
    cfg = ws.config.source(review.source)
    if cfg is None:
        return None, review.source
    return reply_limit(ws, cfg), cfg.kind


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
        raise NotFound(f"no review {review_id}")
    cfg = ws.config.source(review.source)
    if ws.demo:
        return Target(review.source, cfg.kind if cfg else "?", False, None, DEMO_OFFLINE)
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


def label_of(ws: Workspace, review_id: int) -> Label:
    """The effective label; an untriaged review is answered as criticism (the safe side)."""
    triage = ws.store.triage.get(review_id)
    return triage.effective if triage else Label.CRITICISM


def lint_context(ws: Workspace, review: Review, language: str, label: str) -> LintContext:
    limit, _kind = limit_for(ws, review)
    style = ws.config.style
    voice = voice_for(ws.config, language)
    return LintContext(
        language=language,
        limit=limit.size if limit else None,
        limit_unit=limit.unit if limit else "characters",
        # the bonus in the reply's own words only: English wording in a Russian reply
        # is not the catalogue
        catalogue=voice.catalogue,
        allow_dated_promises=style.allow_dated_promises,
        review_text=review.text,
        label=label,
        signature=voice.signature if voice.chosen else "",
    )


def check(
    ws: Workspace, review_id: int, text: str, language: str, kind: DraftKind = DraftKind.REPLY
) -> list[Finding]:
    """The house-style findings for a reply (or follow-up) to this review."""
    review = ws.store.reviews.get(review_id)
    if review is None:
        raise NotFound(f"no review {review_id}")
    label = FOLLOWUP_LABEL if kind == DraftKind.FOLLOWUP else label_of(ws, review_id)
    return lint(text, lint_context(ws, review, language or "en", label))


def lint_text(
    config: Config,
    text: str,
    *,
    language: str = "en",
    platform: str | None = None,
    label: str = "criticism",
) -> list[Finding]:
    """``replydesk lint``: a reply on its own, against a platform kind's limit, in the
    language given (its pack's phrases, its catalogue wording)."""
    language = _language(language)
    if label not in (*LABELS, "followup"):
        raise UsageError(
            f"no label {label!r}: use one of {', '.join(LABELS)} (or followup, for a "
            "message telling a reviewer a promise was kept)"
        )
    limit = None
    if platform:
        try:
            limit = source_class(platform).reply_limit
        except KeyError:
            raise UsageError(
                f"unknown platform {platform!r}; use a source kind: {', '.join(kinds())}"
            ) from None
        if platform in config.style.platform_limits:
            size = config.style.platform_limits[platform]
            limit = ReplyLimit(size, limit.unit if limit else "characters")
    if not text.strip():  # after the options are checked: each mistake is named
        raise UsageError("nothing to check: the reply is empty")
    return lint(
        text.strip(),
        LintContext(
            language=language,
            limit=limit.size if limit else None,
            limit_unit=limit.unit if limit else "characters",
            catalogue=voice_for(config, language).catalogue,
            allow_dated_promises=config.style.allow_dated_promises,
            label=label,
        ),
    )


def _language(code: str) -> str:
    """A language code as people type it ("DE", "de-DE"); one line when there is no pack."""
    lang = code.strip().lower().replace("_", "-").split("-")[0]
    if not known(lang):
        raise UsageError(f"no language pack for {code!r}: use one of {', '.join(language_codes())}")
    return lang


@contextmanager
def open_source(ws: Workspace, cfg: SourceConfig) -> Iterator[Source]:
    """A source with its own HTTP client (so its request count is its own)."""
    http = ws.http(float(cfg.options.get("timeout", 20.0)), int(cfg.options.get("retries", 3)))
    with http:
        yield source_class(cfg.kind)(cfg, http, secrets.get)
