"""Google Business Profile v4: location reviews with page tokens, and PUT replies."""

from __future__ import annotations

from typing import Any

from replydesk.domain.models import NewReview, Review
from replydesk.sources.base import (
    Cutoff,
    FetchResult,
    ReplyLimit,
    Source,
    dig,
    reply_text,
    take_page,
    text_of,
    when,
)
from replydesk.sources.google_auth import GoogleToken

DEFAULT_BASE = "https://mybusiness.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/business.manage"
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}


class GoogleBusiness(Source):
    kind = "google_business"
    can_post = True
    reply_limit = ReplyLimit(4096, "bytes")
    _token: GoogleToken | None = None

    def _root(self) -> str:
        return (
            f"{self.base_url(DEFAULT_BASE)}/v4/accounts/{self.options['account']}"
            f"/locations/{self.options['location']}/reviews"
        )

    def _auth(self) -> dict[str, str]:
        if self._token is None:
            name = self.options["credentials_secret"]
            self._token = GoogleToken(
                self.secret(name),
                name,
                SCOPE,
                "authorized_user",
                self.http.session(),
                self.http.timeout,
                self.options.get("token_url"),
            )
        return self._token.header()

    def fetch(self, cursor: dict[str, str]) -> FetchResult:
        result = FetchResult()
        cut = Cutoff(cursor.get("since"))
        page_token: str | None = None
        while True:
            params: dict[str, Any] = {"pageSize": 50, "orderBy": "updateTime desc"}
            if page_token:
                params["pageToken"] = page_token
            data = self.http.get_json(self._root(), params=params, headers=self._auth())
            saw_old = take_page(result, cut, data.get("reviews"), self._review)
            page_token = data.get("nextPageToken")
            if saw_old or not page_token:
                break
        if cut.value:
            result.cursor["since"] = cut.value
        return result

    def _review(self, item: dict[str, Any]) -> NewReview:
        rating = item.get("starRating")
        if rating not in STARS and rating not in (None, "STAR_RATING_UNSPECIFIED"):
            raise ValueError(f"unknown starRating {rating!r}")
        reviewer = item.get("reviewer") or {}
        anonymous = reviewer.get("isAnonymous")
        return NewReview(
            source=self.name,
            external_id=text_of(item["reviewId"]),
            author="" if anonymous else text_of(reviewer.get("displayName")),
            rating=STARS.get(rating or ""),
            body=text_of(item.get("comment")),  # rating-only
            language=self.config.language,
            created_at=when(item.get("createTime")),
            updated_at=when(item.get("updateTime") or item.get("createTime")),
            raw={"name": item.get("name"), "hasReply": "reviewReply" in item, "item": item},
        )

    def prepare(self) -> None:
        self._auth()

    def post_reply(self, review: Review, text: str) -> str:
        self.http.request(
            "PUT",
            f"{self._root()}/{review.external_id}/reply",
            json={"comment": text},
            headers=self._auth(),
        )
        return review.external_id

    def remote_reply(self, review: Review) -> str | None:
        # a failed read is an error, never "no reply": that would send it a second time
        data = self.http.get_json(f"{self._root()}/{review.external_id}", headers=self._auth())
        return reply_text(dig(data, "reviewReply.comment"))
