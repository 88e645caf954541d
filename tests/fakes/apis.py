"""Fake review platforms that speak the shapes each platform documents publicly,
quirks included, on a ``FakeServer``. Each keeps its reviews newest first, pages them as
the real API does, checks credentials as the real API would, and records replies."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from fakes.server import DROP, FakeServer, Req

BASE_TIME = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def iso(minutes_ago: int) -> str:
    return (BASE_TIME - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")


@dataclass
class Item:
    """A platform-neutral review; each fake renders it in its own shape."""

    id: str
    minutes_ago: int
    rating: int = 1
    title: str = "Broken"
    body: str = "The app crashes on login since 5.2.0"
    author: str = "Kim"
    lang: str = "en"


def items(n: int, prefix: str = "r", start: int = 0) -> list[Item]:
    return [
        Item(
            f"{prefix}{i}",
            minutes_ago=start + i * 10,
            rating=1 + i % 5,
            body=f"Review number {i}: the sync fails with error {i}",
        )
        for i in range(n)
    ]


def stored_then(plan: list[str]) -> tuple[int, dict, Any] | None:
    """After storing a reply, the next planned failure: the connection drops ("drop"), a
    503 comes back ("503"), or the answer takes longer than any client waits ("slow")."""
    if not plan:
        return None
    what = plan.pop(0)
    if what == "slow":
        time.sleep(3)
        return None
    return (DROP, {}, None) if what == "drop" else (503, {}, {"error": "unavailable"})


def bearer(req: Req) -> str:
    return req.headers.get("authorization", "").removeprefix("Bearer ")


def unauthorized(message: str = "invalid token") -> tuple[int, dict, Any]:
    return 401, {}, {"error": {"code": 401, "message": message, "status": "UNAUTHENTICATED"}}


# ------------------------------------------------------------------ App Store RSS


@dataclass
class AppStoreFeed:
    server: FakeServer
    by_country: dict[str, list[Item]]
    page_size: int = 50
    metadata_entry: bool = True

    def __post_init__(self) -> None:
        @self.server.route(
            "GET",
            r"/(\w+)/rss/customerreviews/page=(\d+)/id=(\d+)/sortBy="
            r"mostRecent/json",
        )
        def feed(req: Req):
            country, page = req.match.group(1), int(req.match.group(2))
            revs = self.by_country.get(country, [])
            chunk = revs[(page - 1) * self.page_size : page * self.page_size]
            entries: list[dict] = [self.entry(r) for r in chunk]
            if page == 1 and self.metadata_entry and entries:
                entries.insert(0, {"im:name": {"label": "Parcelly"}, "id": {"label": "app"}})
            last = max(1, -(-len(revs) // self.page_size))
            feed: dict[str, Any] = {
                "author": {"name": {"label": "iTunes Store"}},
                "link": [
                    {"attributes": {"rel": "alternate"}},
                    {
                        "attributes": {
                            "rel": "last",
                            "href": f"{self.server.url}/{country}/rss/customer"
                            f"reviews/page={last}/id=1/sortBy=mostRecent/"
                            "xml?urlDesc=/customerreviews",
                        }
                    },
                ],
            }
            if len(entries) == 1:
                feed["entry"] = entries[0]  # the single-object quirk
            elif entries:
                feed["entry"] = entries
            return 200, {}, {"feed": feed}

    @staticmethod
    def entry(r: Item) -> dict[str, Any]:
        return {
            "author": {
                "uri": {"label": f"https://itunes.apple.com/u/{r.author}"},
                "name": {"label": r.author},
                "label": "",
            },
            "updated": {"label": iso(r.minutes_ago).replace("Z", "-07:00")},
            "im:rating": {"label": str(r.rating)},
            "im:version": {"label": "5.2.0"},
            "id": {"label": r.id},
            "title": {"label": r.title},
            "content": {"label": r.body, "attributes": {"type": "text"}},
            "link": {"attributes": {"rel": "related", "href": f"https://apps.apple.com/r/{r.id}"}},
            "im:voteSum": {"label": "0"},
            "im:voteCount": {"label": "0"},
        }


# ------------------------------------------------------------------ App Store Connect


@dataclass
class AppStoreConnectApi:
    server: FakeServer
    reviews: list[Item]
    public_key: Any
    key_id: str = "KEY123"
    issuer: str = "issuer-1"
    page_size: int = 200
    responses: dict[str, str] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)

    def verify(self, req: Req) -> str | None:
        token = bearer(req)
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(
                token,
                self.public_key,
                algorithms=["ES256"],
                audience="appstoreconnect-v1",
                issuer=self.issuer,
            )
        except jwt.PyJWTError as exc:
            return f"{type(exc).__name__}: {exc}"
        if header.get("kid") != self.key_id or header.get("typ") != "JWT":
            return "bad kid/typ"
        if claims["exp"] - claims["iat"] > 20 * 60 or claims["exp"] > time.time() + 20 * 60:
            return "exp more than 20 minutes ahead"
        return None

    def __post_init__(self) -> None:
        s = self.server

        def guard(fn):
            def wrapped(req: Req):
                problem = self.verify(req)
                if problem:
                    self.rejected.append(problem)
                    return (
                        401,
                        {},
                        {
                            "errors": [
                                {
                                    "status": "401",
                                    "code": "NOT_AUTHORIZED",
                                    "title": "Authentication credentials are missing or invalid.",
                                    "detail": problem,
                                }
                            ]
                        },
                    )
                return fn(req)

            return wrapped

        @s.route("GET", r"/v1/apps/(\w+)/customerReviews")
        @guard
        def reviews(req: Req):
            assert req.query.get("sort") == "-createdDate"
            offset = int(req.query.get("cursor", 0))
            limit = int(req.query.get("limit", self.page_size))
            limit = min(limit, self.page_size)
            chunk = self.reviews[offset : offset + limit]
            body: dict[str, Any] = {"data": [self.render(r) for r in chunk], "links": {}}
            if offset + limit < len(self.reviews):
                body["links"]["next"] = (
                    f"{s.url}/v1/apps/1/customerReviews?sort=-createdDate"
                    f"&limit={limit}&cursor={offset + limit}"
                )
            return 200, {}, body

        @s.route("POST", r"/v1/customerReviewResponses")
        @guard
        def respond(req: Req):
            data = req.json()["data"]
            rid = data["relationships"]["review"]["data"]["id"]
            self.responses[rid] = data["attributes"]["responseBody"]
            return (
                201,
                {},
                {
                    "data": {
                        "type": "customerReviewResponses",
                        "id": f"resp-{rid}",
                        "attributes": {
                            "responseBody": self.responses[rid],
                            "state": "PENDING_PUBLISH",
                        },
                    }
                },
            )

        @s.route("GET", r"/v1/customerReviews/([\w-]+)/response")
        @guard
        def response(req: Req):
            rid = req.match.group(1)
            if rid not in self.responses:
                return 404, {}, {"errors": [{"status": "404", "title": "not found"}]}
            return (
                200,
                {},
                {
                    "data": {
                        "id": f"resp-{rid}",
                        "attributes": {"responseBody": self.responses[rid]},
                    }
                },
            )

    @staticmethod
    def render(r: Item) -> dict[str, Any]:
        return {
            "type": "customerReviews",
            "id": r.id,
            "attributes": {
                "rating": r.rating,
                "title": r.title,
                "body": r.body,
                "reviewerNickname": r.author,
                "createdDate": iso(r.minutes_ago).replace("Z", "-07:00"),
                "territory": "USA",
            },
        }


# ------------------------------------------------------------------ Google token endpoint


@dataclass
class GoogleTokens:
    """token_uri for service-account JWT assertions and refresh-token grants."""

    server: FakeServer
    public_key: Any = None  # the service account's, to verify assertions
    refresh_token: str = "refresh-1"
    lifetime: int = 3600
    issued: list[str] = field(default_factory=list)

    def valid(self, token: str) -> bool:
        return token in self.issued

    def __post_init__(self) -> None:
        @self.server.route("POST", r"/token")
        def token(req: Req):
            form = req.form()
            if form.get("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer":
                try:
                    # google-auth always names Google's own endpoint as the audience
                    claims = jwt.decode(
                        form["assertion"],
                        self.public_key,
                        algorithms=["RS256"],
                        audience="https://oauth2.googleapis.com/token",
                    )
                except jwt.PyJWTError as exc:
                    return 400, {}, {"error": "invalid_grant", "error_description": str(exc)}
                assert "androidpublisher" in claims["scope"]
            elif form.get("grant_type") == "refresh_token":
                if form.get("refresh_token") != self.refresh_token:
                    return (
                        400,
                        {},
                        {
                            "error": "invalid_grant",
                            "error_description": "Token has been expired or revoked.",
                        },
                    )
            else:
                return 400, {}, {"error": "unsupported_grant_type"}
            issued = f"ya29.token-{len(self.issued) + 1}"
            self.issued.append(issued)
            return (
                200,
                {},
                {"access_token": issued, "expires_in": self.lifetime, "token_type": "Bearer"},
            )


# ------------------------------------------------------------------ Google Play


@dataclass
class PlayApi:
    server: FakeServer
    tokens: GoogleTokens
    reviews: list[Item]
    page_size: int = 100
    omit_last_token: bool = True  # the "missing nextPageToken" quirk
    replies: dict[str, str] = field(default_factory=dict)
    reply_delay: float = 0.0
    # what goes wrong after a reply is stored, one entry per POST: "drop", "503", "slow"
    after_store: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        s = self.server
        root = r"/androidpublisher/v3/applications/([\w.]+)/reviews"

        @s.route("GET", root)
        def listing(req: Req):
            if not self.tokens.valid(bearer(req)):
                return unauthorized()
            offset = int(req.query.get("token", "0") or 0)
            size = min(int(req.query.get("maxResults", 100)), self.page_size)
            chunk = self.reviews[offset : offset + size]
            body: dict[str, Any] = {"reviews": [self.render(r) for r in chunk]}
            if offset + size < len(self.reviews):
                body["tokenPagination"] = {"nextPageToken": str(offset + size)}
            elif not self.omit_last_token:
                body["tokenPagination"] = {}
            return 200, {}, body

        @s.route("GET", root + r"/([\w-]+)")
        def single(req: Req):
            rid = req.match.group(2)
            item = next((r for r in self.reviews if r.id == rid), None)
            return (200, {}, self.render(item)) if item else (404, {}, {"error": {}})

        @s.route("POST", root + r"/([\w-]+):reply")
        def reply(req: Req):
            if not self.tokens.valid(bearer(req)):
                return unauthorized()
            text = req.json()["replyText"]
            self.replies[req.match.group(2)] = text
            if self.reply_delay:
                time.sleep(self.reply_delay)
            failure = stored_then(self.after_store)
            if failure:
                return failure
            return 200, {}, {"result": {"replyText": text, "lastEdited": {"seconds": "1763600000"}}}

    def render(self, r: Item) -> dict[str, Any]:
        seconds = int((BASE_TIME - timedelta(minutes=r.minutes_ago)).timestamp())
        comments: list[dict] = [
            {
                "userComment": {
                    "text": "\t" + r.body,
                    "lastModified": {"seconds": str(seconds), "nanos": 0},
                    "starRating": r.rating,
                    "reviewerLanguage": r.lang,
                    "device": "a52",
                    "androidOsVersion": 33,
                    "appVersionCode": 520,
                    "appVersionName": "5.2.0",
                }
            }
        ]
        if r.id in self.replies:
            comments.append(
                {
                    "developerComment": {
                        "text": self.replies[r.id],
                        "lastModified": {"seconds": str(seconds)},
                    }
                }
            )
        return {"reviewId": r.id, "authorName": r.author, "comments": comments}


# ------------------------------------------------------------------ Google Business Profile


STAR_WORDS = {1: "ONE", 2: "TWO", 3: "THREE", 4: "FOUR", 5: "FIVE"}


@dataclass
class BusinessApi:
    server: FakeServer
    tokens: GoogleTokens
    reviews: list[Item]
    page_size: int = 50
    replies: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = self.server
        root = r"/v4/accounts/(\w+)/locations/(\w+)/reviews"

        @s.route("GET", root)
        def listing(req: Req):
            if not self.tokens.valid(bearer(req)):
                return unauthorized()
            assert req.query.get("orderBy") == "updateTime desc"
            offset = int(req.query.get("pageToken", "0") or 0)
            size = min(int(req.query.get("pageSize", 50)), self.page_size)
            chunk = self.reviews[offset : offset + size]
            body: dict[str, Any] = {
                "reviews": [self.render(r) for r in chunk],
                "averageRating": 2.1,
                "totalReviewCount": len(self.reviews),
            }
            if offset + size < len(self.reviews):
                body["nextPageToken"] = str(offset + size)
            return 200, {}, body

        @s.route("GET", root + r"/([\w-]+)")
        def single(req: Req):
            item = next((r for r in self.reviews if r.id == req.match.group(3)), None)
            return (200, {}, self.render(item)) if item else (404, {}, {"error": {}})

        @s.route("PUT", root + r"/([\w-]+)/reply")
        def reply(req: Req):
            if not self.tokens.valid(bearer(req)):
                return unauthorized()
            comment = req.json()["comment"]
            if len(comment.encode()) > 4096:
                return 400, {}, {"error": {"message": "comment too long"}}
            self.replies[req.match.group(3)] = comment
            return 200, {}, {"comment": comment, "updateTime": iso(0)}

    def render(self, r: Item) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": f"accounts/1/locations/2/reviews/{r.id}",
            "reviewId": r.id,
            "reviewer": {"displayName": r.author, "isAnonymous": False},
            "starRating": STAR_WORDS[r.rating],
            "createTime": iso(r.minutes_ago + 5),
            "updateTime": iso(r.minutes_ago),
        }
        if r.body:
            out["comment"] = r.body  # absent on rating-only reviews
        if r.id in self.replies:
            out["reviewReply"] = {"comment": self.replies[r.id], "updateTime": iso(0)}
        return out


# ------------------------------------------------------------------ Trustpilot


@dataclass
class TrustpilotApi:
    server: FakeServer
    reviews: list[Item]
    api_key: str = "key-4c1d"
    api_secret: str = "secret-77aa"
    page_size: int = 100
    lifetime: int = 359999
    issued: list[str] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)
    replies: dict[str, str] = field(default_factory=dict)
    after_store: list[str] = field(default_factory=list)  # as PlayApi

    def __post_init__(self) -> None:
        s = self.server

        @s.route("POST", r"/v1/oauth/oauth-business-users-for-applications/accesstoken")
        def token(req: Req):
            expected = (
                "Basic " + base64.b64encode(f"{self.api_key}:{self.api_secret}".encode()).decode()
            )
            if req.headers.get("authorization") != expected:
                return 401, {}, {"fault": {"faultstring": "Invalid ApiKey"}}
            if req.form().get("grant_type") != "client_credentials":
                return 400, {}, {"error": "unsupported_grant_type"}
            token = f"tp-access-{len(self.issued) + 1}"
            self.issued.append(token)
            return (
                200,
                {},
                {
                    "access_token": token,
                    "refresh_token": "r",
                    "expires_in": str(self.lifetime),
                    "token_type": "BearerToken",
                },
            )

        def authorised(req: Req) -> bool:
            t = bearer(req)
            return (
                t in self.issued
                and t not in self.revoked
                and req.headers.get("apikey") == self.api_key
            )

        @s.route("GET", r"/v1/private/business-units/(\w+)/reviews")
        def listing(req: Req):
            if not authorised(req):
                return 401, {}, {"message": "Unauthorized"}
            page = int(req.query.get("page", 1))
            size = min(int(req.query.get("perPage", 100)), self.page_size)
            chunk = self.reviews[(page - 1) * size : page * size]
            links = []
            if page * size < len(self.reviews):
                links.append(
                    {
                        "rel": "next-page",
                        "method": "GET",
                        "href": f"{s.url}/v1/private/business-units/bu1/reviews?stars=1,2,3"
                        f"&orderBy=createdat.desc&perPage={size}&page={page + 1}",
                    }
                )
            return 200, {}, {"reviews": [self.render(r) for r in chunk], "links": links}

        @s.route("POST", r"/v1/private/reviews/([\w-]+)/reply")
        def reply(req: Req):
            if not authorised(req):
                return 401, {}, {"message": "Unauthorized"}
            self.replies[req.match.group(1)] = req.json()["message"]
            failure = stored_then(self.after_store)
            if failure:
                return failure
            return 201, {}, None

    @staticmethod
    def render(r: Item) -> dict[str, Any]:
        return {
            "id": r.id,
            "stars": r.rating,
            "title": r.title,
            "text": r.body,
            "language": r.lang,
            "createdAt": iso(r.minutes_ago),
            "updatedAt": None,
            "consumer": {"id": f"c-{r.author}", "displayName": r.author},
            "status": "active",
        }
