"""Trustpilot business API: OAuth2 client credentials, business-unit reviews, replies.

Access tokens last about 100 hours and refreshing too often is rate limited, so a token
is kept (per API key, in memory) until shortly before it expires, or until refused.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import httpx

from replydesk.domain.errors import SourceError
from replydesk.domain.models import NewReview, Review
from replydesk.domain.redact import remember
from replydesk.sources.base import Cutoff, FetchResult, Source, dig, stars, take_page, text_of, when
from replydesk.sources.http import parse_json

DEFAULT_BASE = "https://api.trustpilot.com"
TOKEN_PATH = "/v1/oauth/oauth-business-users-for-applications/accesstoken"


class Trustpilot(Source):
    kind = "trustpilot"
    can_post = True
    _tokens: ClassVar[dict[tuple[str, str], tuple[str, float]]] = {}

    def _auth(self, force: bool = False) -> dict[str, str]:
        key = self.secret(self.options["api_key_secret"])
        cache_key = (self.base_url(DEFAULT_BASE), key)
        cached = self._tokens.get(cache_key)
        if cached and not force and cached[1] > time.time() + 60:
            return {"Authorization": f"Bearer {cached[0]}", "apikey": key}
        secret = self.secret(self.options["api_secret_secret"])
        remember(f"{key}:{secret}")  # HTTP Basic sends it in base64; an echo must not leak it
        resp = self.http.request(
            "POST",
            self.base_url(DEFAULT_BASE) + TOKEN_PATH,
            auth=httpx.BasicAuth(key, secret),
            data={"grant_type": "client_credentials"},
        )
        data = parse_json(resp)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not token:
            raise SourceError("Trustpilot's token endpoint answered without an access_token")
        remember(token)
        expires = time.time() + float(data.get("expires_in") or 3600)
        self._tokens[cache_key] = (token, expires)
        return {"Authorization": f"Bearer {token}", "apikey": key}

    def _get(self, url: str, **kwargs: Any) -> Any:
        try:
            return self.http.get_json(url, headers=self._auth(), **kwargs)
        except SourceError as exc:
            if exc.status != 401:
                raise
        # the cached token was revoked or expired early: one fresh token, one more try
        return self.http.get_json(url, headers=self._auth(force=True), **kwargs)

    def fetch(self, cursor: dict[str, str]) -> FetchResult:
        result = FetchResult()
        cut = Cutoff(cursor.get("since"))
        stars_filter = ",".join(str(s) for s in self.options.get("stars") or [1, 2, 3])
        url: str | None = (
            f"{self.base_url(DEFAULT_BASE)}/v1/private/business-units/"
            f"{self.options['business_unit_id']}/reviews"
        )
        params: dict[str, Any] | None = {
            "stars": stars_filter,
            "orderBy": "createdat.desc",
            "perPage": 100,
            "page": 1,
        }
        while url:
            data = self._get(url, params=params)
            saw_old = take_page(
                result, cut, data.get("reviews"), self._review, stamp=lambda r: r.created_at
            )
            nxt = next(
                (
                    link.get("href")
                    for link in data.get("links") or []
                    if isinstance(link, dict) and link.get("rel") == "next-page"
                ),
                None,
            )
            url = None if saw_old or not nxt else str(httpx.URL(url).join(nxt))
            params = None  # the next-page link carries its own query
        if cut.value:
            result.cursor["since"] = cut.value
        return result

    def _review(self, item: dict[str, Any]) -> NewReview:
        consumer = item.get("consumer") or {}
        return NewReview(
            source=self.name,
            external_id=text_of(item["id"]),
            author=text_of(consumer.get("displayName")),
            author_key=text_of(consumer.get("id")) or text_of(consumer.get("displayName")),
            rating=stars(item.get("stars")),
            title=text_of(item.get("title")),
            body=text_of(item.get("text")),
            language=text_of(item.get("language")).split("-")[0].lower() or self.config.language,
            created_at=when(item.get("createdAt")),
            updated_at=when(item.get("updatedAt") or item.get("createdAt")),
            url=text_of(dig(item, "links.0.href")) if isinstance(item.get("links"), list) else "",
            raw={"status": item.get("status"), "item": item},
        )

    def prepare(self) -> None:
        self._auth()

    def post_reply(self, review: Review, text: str) -> str:
        body = {"message": text}
        if self.options.get("business_user_id"):
            body["authorBusinessUserId"] = self.options["business_user_id"]
        url = f"{self.base_url(DEFAULT_BASE)}/v1/private/reviews/{review.external_id}/reply"
        try:
            self.http.request("POST", url, json=body, headers=self._auth(), ok=(200, 201))
        except SourceError as exc:
            if exc.status != 401:
                raise
            # the cached token was refused, so nothing was stored: one fresh token, once
            self.http.request("POST", url, json=body, headers=self._auth(force=True), ok=(200, 201))
        return review.external_id
