"""The public App Store customer-reviews JSON feed: no auth, read-only, per country.

Quirks handled: ``feed.entry`` may be a list, one object or absent; the
first entry on page 1 may describe the app itself; every value is wrapped in ``label``.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from replydesk.domain.models import NewReview
from replydesk.sources.base import (
    Cutoff,
    FetchResult,
    Source,
    dig,
    stars,
    take_page,
    text_of,
    when,
)

DEFAULT_BASE = "https://itunes.apple.com"


def _label(entry: dict[str, Any], path: str) -> Any:
    return dig(entry, f"{path}.label")


class AppStoreRss(Source):
    kind = "appstore_rss"
    health = "public feed: the newest ~500 reviews per country, no replies"

    def fetch(self, cursor: dict[str, str]) -> FetchResult:
        result = FetchResult()
        app_id = self.options["app_id"]
        pages = max(1, min(10, int(self.options.get("pages", 10))))
        for country in self.options.get("countries") or ["us"]:
            cut = Cutoff(cursor.get(country))
            last_page = pages
            for page in range(1, pages + 1):
                if page > last_page:
                    break
                url = (
                    f"{self.base_url(DEFAULT_BASE)}/{country}/rss/customerreviews/"
                    f"page={page}/id={app_id}/sortBy=mostRecent/json"
                )
                data = self.http.get_json(url)
                feed = data.get("feed") if isinstance(data, dict) else None
                if not isinstance(feed, dict):
                    result.malformed.append(f"{country} page {page}: no 'feed' object")
                    break
                last_page = min(last_page, _last_page(feed) or last_page)
                entries = feed.get("entry")
                if isinstance(entries, dict):
                    entries = [entries]
                if not entries:
                    break
                saw_old = take_page(
                    result,
                    cut,
                    entries,
                    partial(self._review, country=country),
                    label=f"{country} page {page} entry",
                )
                if saw_old:
                    break
            if cut.value:
                result.cursor[country] = cut.value
        return result

    def _review(self, e: Any, country: str) -> NewReview | None:
        if not isinstance(e, dict):
            raise ValueError("not an object")
        if "im:rating" not in e and "im:name" in e:
            return None  # the app's own metadata entry
        ext = text_of(_label(e, "id"))
        if not ext:
            raise ValueError("missing id")
        updated = when(_label(e, "updated"))
        return NewReview(
            source=self.name,
            external_id=ext,
            author=text_of(_label(e, "author.name")),
            author_key=text_of(_label(e, "author.uri")) or text_of(_label(e, "author.name")),
            rating=stars(_label(e, "im:rating")),
            title=text_of(_label(e, "title")),
            body=text_of(_label(e, "content")),
            language=self.config.language,
            url=text_of(dig(e, "link.attributes.href")),
            product_version=text_of(_label(e, "im:version")),
            created_at=updated,
            updated_at=updated,
            raw={"country": country, "entry": e},
        )


def _last_page(feed: dict[str, Any]) -> int | None:
    links = feed.get("link")
    if isinstance(links, dict):
        links = [links]
    for link in links or []:
        attrs = link.get("attributes", {}) if isinstance(link, dict) else {}
        if attrs.get("rel") == "last":
            m = re.search(r"page=(\d+)", attrs.get("href", ""))
            if m:
                return int(m.group(1))
    return None
