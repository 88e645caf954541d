"""Any HTTP JSON endpoint, described by dotted paths: where the list is, where each of our
fields is in an item, and how to reach the next page (a next link or a page number)."""

from __future__ import annotations

import re
from typing import Any

import httpx

from replydesk.domain.errors import SourceError
from replydesk.domain.models import NewReview
from replydesk.sources.base import Cutoff, FetchResult, Source, dig, stars, take_page, text_of, when

MAX_PAGES = 200
_SECRET_REF = re.compile(r"\{secret:([^}]+)\}")


class JsonApi(Source):
    kind = "json"

    def _headers(self) -> dict[str, str]:
        return {
            k: _SECRET_REF.sub(lambda m: self.secret(m.group(1).strip()), v)
            for k, v in (self.options.get("headers") or {}).items()
        }

    def fetch(self, cursor: dict[str, str]) -> FetchResult:
        result = FetchResult()
        cut = Cutoff(cursor.get("since"))
        fields: dict[str, str] = self.options["fields"]
        if "id" not in fields:
            raise SourceError("the 'fields' mapping needs an 'id' entry")
        url: str | None = self.options["url"]
        page_param = self.options.get("page_param")
        page = 1
        headers = self._headers()
        while url and page <= MAX_PAGES:
            params = {page_param: page} if page_param else None
            data = self.http.get_json(url, headers=headers, params=params)
            items = dig(data, self.options["items"])
            if items is None:
                items = []
            if not isinstance(items, list):
                raise SourceError(f"'{self.options['items']}' is not a list in the response")
            saw_old = take_page(
                result,
                cut,
                items,
                lambda item: self._review(item, fields),
                label=f"page {page} item",
            )
            if saw_old or not items:
                break
            if page_param:
                page += 1
            else:
                nxt = dig(data, self.options["next"]) if self.options.get("next") else None
                url = str(httpx.URL(url).join(nxt)) if isinstance(nxt, str) and nxt else None
                page += 1
        if cut.value:
            result.cursor["since"] = cut.value
        return result

    def _review(self, item: Any, fields: dict[str, str]) -> NewReview:
        if not isinstance(item, dict):
            raise ValueError("not an object")

        def get(name: str) -> Any:
            return dig(item, fields[name]) if name in fields else None

        ext = text_of(get("id"))
        if not ext:
            raise ValueError(f"no id at '{fields['id']}'")
        created = when(get("created_at"))
        return NewReview(
            source=self.name,
            external_id=ext,
            author=text_of(get("author")),
            rating=stars(get("rating"), float(self.options.get("rating_scale", 5))),
            title=text_of(get("title")),
            body=text_of(get("body")),
            language=text_of(get("lang")).lower() or self.config.language,
            url=text_of(get("url")),
            created_at=created,
            updated_at=when(get("updated_at")) or created,
            raw=item,
        )
