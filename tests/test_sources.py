"""Each source kind against a loopback server speaking its documented shape, quirks
included: paging, incremental re-sync, rating-only reviews, odd shapes, auth."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from conftest import trustpilot_workspace, workspace_with
from fakes.apis import (
    AppStoreConnectApi,
    AppStoreFeed,
    BusinessApi,
    GoogleTokens,
    Item,
    PlayApi,
    TrustpilotApi,
    items,
)
from fakes.server import Scripted
from replydesk import secrets
from replydesk.domain.models import ReviewFilter
from replydesk.services.sync import sync


def only(reports):
    (report,) = reports
    return report


# ------------------------------------------------------------------ App Store RSS


def test_appstore_rss_pages_countries_and_quirks(server, tmp_path):
    feed = AppStoreFeed(
        server,
        {"us": items(120, "us"), "de": [Item("de0", 5, lang="de", body="Stürzt ab")]},
        page_size=50,
    )
    ws = workspace_with(
        tmp_path,
        f"""
[[sources]]
name = "ios"
kind = "appstore_rss"
app_id = "1"
countries = ["us", "de", "fr"]
base_url = "{server.url}"
""",
    )
    report = only(sync(ws))
    assert (report.status, report.new, report.malformed) == ("ok", 121, 0), report
    # us: 3 pages (the 'last' link stops it), de: 1 page with a single-object entry,
    # fr: 1 page, no entries at all
    assert report.requests == 5
    de = ws.store.reviews.by_external("ios", "de0")
    assert de.body == "Stürzt ab" and de.rating == 1 and de.language == "de"
    assert not ws.store.reviews.by_external("ios", "app")  # the app's own entry skipped
    us0 = ws.store.reviews.by_external("ios", "us0")
    assert us0.product_version == "5.2.0" and us0.created_at.isoformat().startswith(
        "2026-11-20T15:00"
    )  # -07:00 read as such

    server.log.clear()
    again = only(sync(ws))
    assert (again.new, again.updated) == (0, 0)
    assert again.requests == 3  # one per country: a quiet sync costs one request per feed

    feed.by_country["us"].insert(0, Item("us-new", -60, body="Crash after update"))
    third = only(sync(ws))
    assert third.new == 1


def test_appstore_rss_malformed_entry_is_counted_not_fatal(server, tmp_path):
    AppStoreFeed(server, {"us": items(3)})
    bad = {
        "feed": {
            "entry": [
                AppStoreFeed.entry(Item("ok1", 1)),
                "junk",
                {"im:rating": {"label": "9"}, "id": {"label": "x"}},
                AppStoreFeed.entry(Item("ok2", 2)),
            ]
        }
    }
    server.script(Scripted(200, {}, bad, path="/us/"))
    ws = workspace_with(
        tmp_path,
        f"""
[[sources]]
name = "ios"
kind = "appstore_rss"
app_id = "1"
pages = 1
base_url = "{server.url}"
""",
    )
    report = only(sync(ws))
    assert report.status == "partial" and report.new == 2 and report.malformed == 2
    assert any("not an object" in m for m in report.malformed_reasons)
    assert any("rating '9'" in m for m in report.malformed_reasons)


# ------------------------------------------------------------------ App Store Connect


@pytest.fixture(scope="module")
def ec_key():
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, key.public_key()


def asc_ws(tmp_path, server):
    return workspace_with(
        tmp_path,
        f"""
[[sources]]
name = "asc"
kind = "app_store_connect"
app_id = "1"
issuer_id = "issuer-1"
key_id = "KEY123"
private_key_secret = "asc-key"
base_url = "{server.url}"
""",
    )


def test_app_store_connect_signs_a_valid_jwt_and_pages(server, tmp_path, ec_key):
    pem, public = ec_key
    secrets.set("asc-key", pem)
    api = AppStoreConnectApi(server, items(450), public, page_size=200)
    ws = asc_ws(tmp_path, server)
    report = only(sync(ws))
    assert (report.status, report.new, report.requests) == ("ok", 450, 3), report
    assert api.rejected == []
    again = only(sync(ws))
    assert (again.new, again.requests) == (0, 1)


def test_app_store_connect_wrong_key_is_a_precise_auth_error(server, tmp_path, ec_key):
    _pem, public = ec_key
    other = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    secrets.set("asc-key", other)
    api = AppStoreConnectApi(server, items(3), public)
    report = only(sync(asc_ws(tmp_path, server)))
    assert report.status == "error"
    assert "HTTP 401" in report.error and "credentials were refused" in report.error
    assert "InvalidSignatureError" in api.rejected[0]
    secrets.set("asc-key", "not a key")
    report = only(sync(asc_ws(tmp_path, server)))
    assert "not a valid .p8 EC private key" in report.error


# ------------------------------------------------------------------ Google Play


@pytest.fixture(scope="module")
def rsa_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, key.public_key()


def play_setup(server, tmp_path, rsa_key, reviews):
    pem, public = rsa_key
    tokens = GoogleTokens(server, public_key=public)
    api = PlayApi(server, tokens, reviews, page_size=100)
    secrets.set(
        "play-sa",
        json.dumps(
            {
                "type": "service_account",
                "client_email": "bot@example.iam.gserviceaccount.com",
                "private_key": pem,
                "private_key_id": "k1",
                "token_uri": f"{server.url}/token",
                "project_id": "p",
            }
        ),
    )
    ws = workspace_with(
        tmp_path,
        f"""
[[sources]]
name = "play"
kind = "google_play"
package_name = "com.parcelly.app"
service_account_secret = "play-sa"
base_url = "{server.url}"
""",
    )
    return ws, api, tokens


def test_google_play_service_account_paging_and_missing_token_quirk(server, tmp_path, rsa_key):
    reviews = items(250)
    reviews[0] = Item("ru0", 0, body="Приложение вылетает", lang="ru_RU")
    ws, _api, tokens = play_setup(server, tmp_path, rsa_key, reviews)
    report = only(sync(ws))
    # one token request, then three pages; the last has no nextPageToken at all
    assert (report.status, report.new, report.requests) == ("ok", 250, 3), report
    assert len(tokens.issued) == 1
    ru = ws.store.reviews.by_external("play", "ru0")
    assert ru.language == "ru" and ru.body == "Приложение вылетает"  # tab stripped
    assert (
        "last 7 days"
        in __import__("replydesk.sources.google_play", fromlist=["x"]).GooglePlay.health
    )
    again = only(sync(ws))
    assert (again.new, again.requests) == (0, 1)


def test_google_play_refused_service_account(server, tmp_path, rsa_key):
    ws, _api, tokens = play_setup(server, tmp_path, rsa_key, items(2))
    tokens.public_key = rsa.generate_private_key(65537, 2048).public_key()
    report = only(sync(ws))
    assert report.status == "error" and "Google refused the credentials" in report.error


# ------------------------------------------------------------------ Google Business


def gbp_setup(server, tmp_path, reviews, refresh="refresh-1"):
    tokens = GoogleTokens(server)
    api = BusinessApi(server, tokens, reviews, page_size=50)
    secrets.set(
        "gbp",
        json.dumps(
            {
                "client_id": "cid",
                "client_secret": "csecret",
                "refresh_token": refresh,
                "token_uri": f"{server.url}/token",
            }
        ),
    )
    ws = workspace_with(
        tmp_path,
        f"""
[[sources]]
name = "maps"
kind = "google_business"
account = "1"
location = "2"
credentials_secret = "gbp"
token_url = "{server.url}/token"
language = "el"
base_url = "{server.url}"
""",
    )
    return ws, api, tokens


def test_google_business_rating_only_and_page_tokens(server, tmp_path):
    reviews = items(120)
    reviews[1] = Item("stars-only", 10, rating=2, body="")
    ws, _api, _tokens = gbp_setup(server, tmp_path, reviews)
    report = only(sync(ws))
    assert (report.status, report.new, report.requests) == ("ok", 120, 3), report
    rating_only = ws.store.reviews.by_external("maps", "stars-only")
    assert rating_only.rating == 2 and rating_only.body == ""
    assert rating_only.language == "el"  # the source's configured language
    assert ws.store.reviews.by_external("maps", "r0").rating == 1


def test_google_business_revoked_refresh_token(server, tmp_path):
    ws, _api, _tokens = gbp_setup(server, tmp_path, items(2), refresh="stale")
    report = only(sync(ws))
    assert report.status == "error"
    assert "Google refused the credentials" in report.error and "revoked" in report.error


# ------------------------------------------------------------------ Trustpilot


def tp_ws(tmp_path, server, name="tp"):
    return trustpilot_workspace(tmp_path, server, name)


def test_trustpilot_token_cached_refreshed_and_next_page_links(server, tmp_path):
    api = TrustpilotApi(server, items(230), page_size=100)
    ws = tp_ws(tmp_path, server)
    report = only(sync(ws))
    assert (report.status, report.new) == ("ok", 230), report
    assert report.requests == 4 and len(api.issued) == 1  # 1 token + 3 pages
    again = only(sync(ws))
    assert (again.new, again.requests) == (0, 1)  # the token is still good: one request
    api.revoked.add(api.issued[-1])  # revoked early: one refresh, then on
    api.reviews.insert(0, Item("fresh", -60))
    third = only(sync(ws))
    assert (third.new, len(api.issued)) == (1, 2)


def test_trustpilot_429_on_token_refresh_is_respected(server, tmp_path):
    TrustpilotApi(server, items(2))
    server.script(
        Scripted(429, {"Retry-After": "1"}, {"message": "Too Many Requests"}, path="accesstoken")
    )
    ws = tp_ws(tmp_path, server, name="tp-429")
    report = only(sync(ws))
    assert report.status == "ok" and report.new == 2
    token_calls = server.requests("POST", "accesstoken")
    assert len(token_calls) == 2


def test_trustpilot_bad_api_secret(server, tmp_path):
    TrustpilotApi(server, items(2), api_secret="other")
    report = only(sync(tp_ws(tmp_path, server, name="tp-bad")))
    assert report.status == "error" and "HTTP 401" in report.error
    assert "secret-77aa" not in report.error


# ------------------------------------------------------------------ feeds


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Google Alert - parcelly</title>
<id>tag:google.com,2005:reference:1</id><updated>2026-11-20T08:00:00Z</updated>
<entry><id>tag:google.com,2013:googlealerts/feed:1</id>
<title type="html">Why I left &lt;b&gt;Parcelly&lt;/b&gt; &amp;amp; never came back</title>
<link href="https://blog.example.com/left-parcelly"/>
<published>2026-11-20T07:00:00Z</published><updated>2026-11-20T07:00:00Z</updated>
<content type="html">Tracking froze for &lt;b&gt;three days&lt;/b&gt; &amp;mdash;
support never answered.</content>
</entry>
<entry><id>tag:google.com,2013:googlealerts/feed:2</id>
<title type="html">&lt;b&gt;Parcelly&lt;/b&gt; locker map review</title>
<link href="https://forum.example.org/t/99"/>
<updated>2026-11-19T07:00:00Z</updated>
<content type="html">Nice map.</content></entry></feed>"""

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Forum</title>
<language>es-ES</language>
<item><title>Parcelly cobra dos veces</title><link>https://foro.example.es/1</link>
<guid>foro-1</guid><pubDate>Fri, 20 Nov 2026 07:00:00 GMT</pubDate>
<description>El cargo urgente aparece dos veces.</description></item></channel></rss>"""


def feed_ws(tmp_path, server, path="/alerts"):
    return workspace_with(
        tmp_path,
        f"""
[[sources]]
name = "alerts"
kind = "feed"
url = "{server.url}{path}"
retries = 0
""",
    )


def test_atom_alerts_strip_html_and_resync_incrementally(server, tmp_path):
    server.route("GET", "/alerts")(
        lambda req: (200, {"Content-Type": "application/atom+xml"}, ATOM)
    )
    ws = feed_ws(tmp_path, server)
    report = only(sync(ws))
    assert (report.status, report.new) == ("ok", 2)
    first = ws.store.reviews.list(ReviewFilter(sort="newest"))[0]
    assert first.title == "Why I left Parcelly & never came back"
    assert first.body == "Tracking froze for three days — support never answered."
    assert first.author == "blog.example.com" and first.rating is None
    assert first.language == "en"  # detected
    assert only(sync(ws)).new == 0


def test_rss_feed_language_from_channel(server, tmp_path):
    server.route("GET", "/rss")(lambda req: (200, {"Content-Type": "application/rss+xml"}, RSS))
    ws = feed_ws(tmp_path, server, "/rss")
    assert only(sync(ws)).new == 1
    assert ws.store.reviews.by_external("alerts", "foro-1").language == "es"


def test_a_feed_that_is_an_html_page_fails_with_that_reason(server, tmp_path):
    server.route("GET", "/alerts")(
        lambda req: (200, {"Content-Type": "text/html"}, "<!DOCTYPE html><html><body>Sign in")
    )
    report = only(sync(feed_ws(tmp_path, server)))
    assert report.status == "error"
    assert "not an RSS or Atom feed (text/html" in report.error


# ------------------------------------------------------------------ generic JSON and files


def test_json_endpoint_with_field_mapping_next_links_and_secret_header(server, tmp_path):
    data = [
        {
            "uuid": f"j{i}",
            "who": {"name": f"N{i}"},
            "score": 2 * (i % 5) + 1,
            "text": f"Sync fails with error {i}",
            "ts": f"2026-11-{20 - i // 10:02d}T10:00:00Z",
        }
        for i in range(45)
    ]

    @server.route("GET", "/api/reviews")
    def listing(req):
        if req.headers.get("x-token") != "Bearer s3cret":
            return 401, {}, {"message": "bad token"}
        page = int(req.query.get("p", 1))
        chunk = data[(page - 1) * 20 : page * 20]
        body = {
            "data": {"items": chunk},
            "next": f"/api/reviews?p={page + 1}" if page * 20 < len(data) else None,
        }
        return 200, {}, body

    secrets.set("api", "s3cret")
    ws = workspace_with(
        tmp_path,
        f"""
[[sources]]
name = "shop"
kind = "json"
url = "{server.url}/api/reviews"
items = "data.items"
next = "next"
rating_scale = 10.0
headers = {{ X-Token = "Bearer {{secret:api}}" }}
fields = {{ id = "uuid", author = "who.name", rating = "score", body = "text", created_at = "ts" }}
""",
    )
    report = only(sync(ws))
    assert (report.status, report.new, report.requests) == ("ok", 45, 3), report
    j1 = ws.store.reviews.by_external("shop", "j1")
    assert j1.author == "N1" and j1.rating == 2  # 3 of 10 -> 2 of 5 (rounded)


def test_file_source_rereads_and_skips_when_unchanged(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": "1", "body": "Crash on start", "rating": 1}\n{"id": 2}\n')
    ws = workspace_with(tmp_path, f'[[sources]]\nname = "f"\nkind = "file"\npath = "{path}"\n')
    report = only(sync(ws))
    assert (report.status, report.new, report.malformed) == ("partial", 1, 1)
    assert "line 2: no body, title or rating" in report.malformed_reasons[0]
    assert only(sync(ws)).new == 0
    path.write_text('{"id": "1", "body": "Crash on start, v5.2", "rating": 1}\n')
    assert only(sync(ws)).updated == 1
