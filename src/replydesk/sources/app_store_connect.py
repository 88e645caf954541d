"""App Store Connect: customer reviews and replies, with an ES256-signed JWT per request."""

from __future__ import annotations

import time
from typing import Any

import jwt

from replydesk.domain.errors import SourceError
from replydesk.domain.models import NewReview, Review
from replydesk.domain.redact import remember
from replydesk.sources.base import (
    Cutoff,
    FetchResult,
    ReplyLimit,
    Source,
    dig,
    reply_text,
    stars,
    take_page,
    text_of,
    when,
)
from replydesk.sources.http import parse_json

DEFAULT_BASE = "https://api.appstoreconnect.apple.com"
TOKEN_LIFETIME = 15 * 60  # Apple refuses tokens that live longer than 20 minutes


class AppStoreConnect(Source):
    kind = "app_store_connect"
    can_post = True
    reply_limit = ReplyLimit(5970)

    def _headers(self) -> dict[str, str]:
        now = int(time.time())
        try:
            token = jwt.encode(
                {
                    "iss": self.options["issuer_id"],
                    "iat": now,
                    "exp": now + TOKEN_LIFETIME,
                    "aud": "appstoreconnect-v1",
                },
                self.secret(self.options["private_key_secret"]),
                algorithm="ES256",
                headers={"kid": self.options["key_id"], "typ": "JWT"},
            )
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            raise SourceError(
                f"cannot sign the App Store Connect token: the secret "
                f"{self.options['private_key_secret']!r} is not a valid .p8 "
                f"EC private key ({type(exc).__name__})"
            ) from None
        remember(token)
        return {"Authorization": f"Bearer {token}"}

    def fetch(self, cursor: dict[str, str]) -> FetchResult:
        result = FetchResult()
        cut = Cutoff(cursor.get("since"))
        url: str | None = (
            f"{self.base_url(DEFAULT_BASE)}/v1/apps/{self.options['app_id']}"
            "/customerReviews?sort=-createdDate&limit=200"
        )
        while url:
            data = self.http.get_json(url, headers=self._headers())
            saw_old = take_page(
                result, cut, data.get("data"), self._review, stamp=lambda r: r.created_at
            )
            url = None if saw_old else dig(data, "links.next")
        if cut.value:
            result.cursor["since"] = cut.value
        return result

    def _review(self, item: dict[str, Any]) -> NewReview:
        attrs = item["attributes"]
        created = when(attrs.get("createdDate"))
        nickname = text_of(attrs.get("reviewerNickname"))
        return NewReview(
            source=self.name,
            external_id=text_of(item["id"]),
            author=nickname,
            rating=stars(attrs.get("rating")),
            title=text_of(attrs.get("title")),
            body=text_of(attrs.get("body")),
            language=self.config.language,
            created_at=created,
            updated_at=created,
            raw={"territory": attrs.get("territory"), "item": item},
        )

    def prepare(self) -> None:
        self._headers()

    def post_reply(self, review: Review, text: str) -> str:
        body = {
            "data": {
                "type": "customerReviewResponses",
                "attributes": {"responseBody": text},
                "relationships": {
                    "review": {"data": {"type": "customerReviews", "id": review.external_id}}
                },
            }
        }
        resp = self.http.request(
            "POST",
            f"{self.base_url(DEFAULT_BASE)}/v1/customerReviewResponses",
            json=body,
            headers=self._headers(),
            ok=(200, 201),
        )
        try:  # it was accepted (2xx): an unreadable answer must not make it look unsent
            return text_of(dig(parse_json(resp), "data.id"))
        except (SourceError, ValueError):
            return ""

    def remote_reply(self, review: Review) -> str | None:
        resp = self.http.request(
            "GET",
            f"{self.base_url(DEFAULT_BASE)}/v1/customerReviews/{review.external_id}/response",
            headers=self._headers(),
            ok=(200, 404),
        )
        if resp.status_code == 404:
            return None
        return reply_text(dig(parse_json(resp), "data.attributes.responseBody"))
