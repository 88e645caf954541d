"""RSS and Atom feeds (Google Alerts, blog search, forums) through feedparser.

Titles and summaries arrive with HTML (Google Alerts bolds the brand): tags are stripped
and entities unescaped. A URL that answers with an HTML page instead of a feed fails with
that reason, not with an empty sync.
"""

from __future__ import annotations

import calendar
import html
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from replydesk.domain.errors import SourceError
from replydesk.domain.models import NewReview
from replydesk.domain.redact import redact
from replydesk.sources.base import Cutoff, FetchResult, Source
from replydesk.sources.http import where

_TAG = re.compile(r"<[^>]+>")


def strip_html(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", text or "")).split())


def _time(entry: Any) -> datetime | None:
    # plain dict lookups: feedparser's own get() maps keys with a deprecation warning
    parsed = dict.get(entry, "updated_parsed") or dict.get(entry, "published_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


class Feed(Source):
    kind = "feed"
    health = "alert feed: mentions, not reviews; no rating, reply where it was posted"

    def fetch(self, cursor: dict[str, str]) -> FetchResult:
        url = self.options["url"]
        resp = self.http.request("GET", url)
        parsed = feedparser.parse(resp.content, response_headers=dict(resp.headers))
        if not parsed.entries and (parsed.bozo or not parsed.get("version")):
            kind = resp.headers.get("content-type", "").split(";")[0] or "unknown content"
            start = redact(resp.text)[:40].strip().replace("\n", " ")
            raise SourceError(f"{where(url)} is not an RSS or Atom feed ({kind}, starts {start!r})")
        result = FetchResult()
        cut = Cutoff(cursor.get("since"))
        for i, entry in enumerate(parsed.entries):
            ext = entry.get("id") or entry.get("link")
            if not ext:
                result.malformed.append(f"entry {i}: no id or link")
                continue
            stamp = _time(entry)
            if not cut.is_new(stamp):
                continue
            link = entry.get("link", "")
            site = urlsplit(link).netloc or urlsplit(url).netloc
            author = entry.get("author") or site
            result.reviews.append(
                NewReview(
                    source=self.name,
                    external_id=str(ext),
                    author=strip_html(author),
                    author_key=site or strip_html(author),
                    title=strip_html(entry.get("title", "")),
                    body=strip_html(entry.get("summary", "")),
                    language=(
                        entry.get("language")
                        or parsed.feed.get("language")
                        or self.config.language
                        or ""
                    )
                    .split("-")[0]
                    .lower(),
                    url=link,
                    created_at=stamp,
                    updated_at=stamp,
                    raw={"id": str(ext), "link": link},
                )
            )
        if cut.value:
            result.cursor["since"] = cut.value
        return result
