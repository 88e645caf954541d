"""Every source kind replydesk knows, with the options its ``[[sources]]`` entry takes.

The option specs live here so that ``replydesk config check`` can validate a source
without importing its HTTP code. Each value is ``(type, required, help)``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from replydesk.sources.base import Source

Option = tuple[Any, bool, str]

_HTTP: dict[str, Option] = {
    "timeout": (float, False, "seconds before a request is abandoned (default 20)"),
    "retries": (int, False, "retries on timeouts, 429 and 5xx, with backoff (default 3)"),
    "base_url": (str, False, "override the API's base URL (proxies, tests)"),
}

KIND_OPTIONS: dict[str, dict[str, Option]] = {
    "appstore_rss": {
        "app_id": (str, True, 'the numeric App Store id, e.g. "284882215"'),
        "countries": (list[str], False, 'two-letter storefronts to read, default ["us"]'),
        "pages": (int, False, "pages per country, 1-10 (default 10)"),
        **_HTTP,
    },
    "app_store_connect": {
        "app_id": (str, True, "the App Store Connect app id"),
        "issuer_id": (str, True, "the API key's issuer id"),
        "key_id": (str, True, "the API key id (JWT kid)"),
        "private_key_secret": (str, True, "name of the secret holding the .p8 key"),
        **_HTTP,
    },
    "google_play": {
        "package_name": (str, True, 'the Android package, e.g. "com.example.app"'),
        "service_account_secret": (str, True, "name of the secret holding the JSON key"),
        **_HTTP,
    },
    "google_business": {
        "account": (str, True, "the account id (accounts/{account})"),
        "location": (str, True, "the location id (locations/{location})"),
        "credentials_secret": (str, True, "name of the secret holding OAuth credentials"),
        "token_url": (str, False, "OAuth token endpoint, if not Google's (proxies, tests)"),
        **_HTTP,
    },
    "trustpilot": {
        "business_unit_id": (str, True, "the Trustpilot business unit id"),
        "api_key_secret": (str, True, "name of the secret holding the API key"),
        "api_secret_secret": (str, True, "name of the secret holding the API secret"),
        "business_user_id": (str, False, "author of replies (authorBusinessUserId)"),
        "stars": (list[int], False, "which star ratings to fetch, default [1, 2, 3]"),
        **_HTTP,
    },
    "feed": {
        "url": (str, True, "an RSS or Atom feed URL (Google Alerts, blog search, forums)"),
        **_HTTP,
    },
    "json": {
        "url": (str, True, "the first page's URL"),
        "items": (str, True, 'dotted path to the list of reviews, e.g. "data.reviews"'),
        "fields": (dict[str, str], True, 'our field -> dotted path in each item, e.g. id = "uuid"'),
        "next": (str, False, "dotted path to the next page's URL"),
        "page_param": (str, False, "query parameter to page by number instead of a next link"),
        "headers": (dict[str, str], False, 'extra headers; "{secret:NAME}" inserts a secret'),
        "rating_scale": (float, False, "the endpoint's best rating, e.g. 10 (default 5)"),
        **_HTTP,
    },
    "file": {
        "path": (str, True, "a CSV or JSONL file, re-read on each sync"),
    },
}

COMMON_OPTIONS: dict[str, Option] = {
    "name": (str, True, "a short unique name, shown in the inbox"),
    "kind": (str, True, "one of: " + ", ".join(KIND_OPTIONS)),
    "enabled": (bool, False, "false keeps the source configured but skips it in sync"),
    "language": (str, False, "language of its reviews when the payload does not say"),
}

# kind -> "module:Class"; imported on first use so `config check` stays light
_CLASSES = {
    "appstore_rss": "appstore_rss:AppStoreRss",
    "app_store_connect": "app_store_connect:AppStoreConnect",
    "google_play": "google_play:GooglePlay",
    "google_business": "google_business:GoogleBusiness",
    "trustpilot": "trustpilot:Trustpilot",
    "feed": "feed:Feed",
    "json": "json_api:JsonApi",
    "file": "file_source:FileSource",
}


def source_class(kind: str) -> type[Source]:
    module, cls = _CLASSES[kind].split(":")
    return getattr(importlib.import_module(f"replydesk.sources.{module}"), cls)
