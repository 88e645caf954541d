"""Google Play Developer API v3: reviews with token paging, and replies."""

from __future__ import annotations

from typing import Any

from replydesk.domain.errors import SourceError
from replydesk.domain.models import NewReview, Review
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
from replydesk.sources.google_auth import GoogleToken
from replydesk.sources.http import parse_json

DEFAULT_BASE = "https://androidpublisher.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/androidpublisher"


class GooglePlay(Source):
    kind = "google_play"
    health = (
        "Google's API returns only reviews with text from the last 7 days: sync at least weekly"
    )
    can_post = True
    reply_limit = ReplyLimit(350)
    _token: GoogleToken | None = None

    def _root(self) -> str:
        return (
            f"{self.base_url(DEFAULT_BASE)}/androidpublisher/v3/applications/"
            f"{self.options['package_name']}/reviews"
        )

    def _auth(self) -> dict[str, str]:
        if self._token is None:
            name = self.options["service_account_secret"]
            self._token = GoogleToken(
                self.secret(name),
                name,
                SCOPE,
                "service_account",
                self.http.session(),
                self.http.timeout,
            )
        return self._token.header()

    def fetch(self, cursor: dict[str, str]) -> FetchResult:
        result = FetchResult()
        cut = Cutoff(cursor.get("since"))
        token: str | None = None
        while True:
            params: dict[str, Any] = {"maxResults": 100}
            if token:
                params["token"] = token
            data = self.http.get_json(self._root(), params=params, headers=self._auth())
            saw_old = take_page(result, cut, data.get("reviews"), self._review)
            token = dig(data, "tokenPagination.nextPageToken")
            if saw_old or not token:  # a missing token simply means the last page
                break
        if cut.value:
            result.cursor["since"] = cut.value
        return result

    def _review(self, item: dict[str, Any]) -> NewReview:
        comments = item.get("comments") or []
        user = next((c["userComment"] for c in comments if "userComment" in c), None)
        if user is None:
            raise ValueError("no userComment")
        seconds = dig(user, "lastModified.seconds")
        modified = when(int(seconds)) if seconds not in (None, "") else None
        replied = any("developerComment" in c for c in comments)
        return NewReview(
            source=self.name,
            external_id=text_of(item["reviewId"]),
            author=text_of(item.get("authorName")),
            rating=stars(user.get("starRating")),
            body=text_of(user.get("text")).strip(),
            language=text_of(user.get("reviewerLanguage")).split("_")[0].split("-")[0].lower()
            or self.config.language,
            product_version=text_of(user.get("appVersionName")),
            created_at=modified,
            updated_at=modified,
            raw={
                "device": user.get("device"),
                "androidOsVersion": user.get("androidOsVersion"),
                "hasDeveloperReply": replied,
                "item": item,
            },
        )

    def prepare(self) -> None:
        self._auth()

    def post_reply(self, review: Review, text: str) -> str:
        resp = self.http.request(
            "POST",
            f"{self._root()}/{review.external_id}:reply",
            json={"replyText": text},
            headers=self._auth(),
        )
        try:  # it was accepted (2xx): an unreadable answer must not make it look unsent
            return text_of(dig(parse_json(resp), "result.lastEdited.seconds"))
        except (SourceError, ValueError):
            return ""

    def remote_reply(self, review: Review) -> str | None:
        data = self.http.get_json(f"{self._root()}/{review.external_id}", headers=self._auth())
        for c in data.get("comments") or []:
            if "developerComment" in c:
                return reply_text(dig(c, "developerComment.text"))
        return None
