"""The ``[[sources]]`` schema: one model per source kind, chosen by ``kind``.

Every kind's options live here, with their types and help, so ``replydesk config check``
validates a source without importing its HTTP code; ``replydesk.sources.registry`` maps
a kind to the class that syncs it. A new kind is a model here (added to ``KIND_MODELS``
and ``AnySource``) and a class there.

Optional options default to ``None``: "not set", so the source module's own default
applies (the help says what it is). ``SourceConfig.options`` holds the options that are set.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field

# the order of the docs and of "valid kinds: ..."
KINDS = (
    "appstore_rss",
    "app_store_connect",
    "google_play",
    "google_business",
    "trustpilot",
    "feed",
    "json",
    "file",
)


class SourceConfig(BaseModel):
    """What every ``[[sources]]`` entry has; each kind's model adds its own options."""

    # strict: TOML has types, so "8" is a mistake to report, not a number to guess
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: str = Field(description="a short unique name, shown in the inbox")
    kind: str = Field(description="one of: " + ", ".join(KINDS))
    enabled: bool = Field(
        default=True, description="false keeps the source configured but skips it in sync"
    )
    language: str = Field(
        default="", description="language of its reviews when the payload does not say"
    )

    @property
    def options(self) -> dict[str, Any]:
        """The kind's own options that are set (``timeout``, ``app_id``...), by name."""
        values = {name: getattr(self, name) for name in option_names(type(self))}
        return {name: value for name, value in values.items() if value is not None}


COMMON_OPTIONS: tuple[str, ...] = tuple(SourceConfig.model_fields)


class _HttpSource(SourceConfig):
    timeout: float | None = Field(
        default=None, description="seconds before a request is abandoned (default 20)"
    )
    retries: int | None = Field(
        default=None, description="retries on timeouts, 429 and 5xx, with backoff (default 3)"
    )
    base_url: str | None = Field(
        default=None, description="override the API's base URL (proxies, tests)"
    )


class AppStoreRssSource(_HttpSource):
    kind: Literal["appstore_rss"] = "appstore_rss"
    app_id: str = Field(description='the numeric App Store id, e.g. "284882215"')
    countries: list[str] | None = Field(
        default=None, description='two-letter storefronts to read, default ["us"]'
    )
    pages: int | None = Field(default=None, description="pages per country, 1-10 (default 10)")


class AppStoreConnectSource(_HttpSource):
    kind: Literal["app_store_connect"] = "app_store_connect"
    app_id: str = Field(description="the App Store Connect app id")
    issuer_id: str = Field(description="the API key's issuer id")
    key_id: str = Field(description="the API key id (JWT kid)")
    private_key_secret: str = Field(description="name of the secret holding the .p8 key")


class GooglePlaySource(_HttpSource):
    kind: Literal["google_play"] = "google_play"
    package_name: str = Field(description='the Android package, e.g. "com.example.app"')
    service_account_secret: str = Field(description="name of the secret holding the JSON key")


class GoogleBusinessSource(_HttpSource):
    kind: Literal["google_business"] = "google_business"
    account: str = Field(description="the account id (accounts/{account})")
    location: str = Field(description="the location id (locations/{location})")
    credentials_secret: str = Field(description="name of the secret holding OAuth credentials")
    token_url: str | None = Field(
        default=None, description="OAuth token endpoint, if not Google's (proxies, tests)"
    )


class TrustpilotSource(_HttpSource):
    kind: Literal["trustpilot"] = "trustpilot"
    business_unit_id: str = Field(description="the Trustpilot business unit id")
    api_key_secret: str = Field(description="name of the secret holding the API key")
    api_secret_secret: str = Field(description="name of the secret holding the API secret")
    business_user_id: str | None = Field(
        default=None, description="author of replies (authorBusinessUserId)"
    )
    stars: list[int] | None = Field(
        default=None, description="which star ratings to fetch, default [1, 2, 3]"
    )


class FeedSource(_HttpSource):
    kind: Literal["feed"] = "feed"
    url: str = Field(description="an RSS or Atom feed URL (Google Alerts, blog search, forums)")


class JsonSource(_HttpSource):
    kind: Literal["json"] = "json"
    url: str = Field(description="the first page's URL")
    items: str = Field(description='dotted path to the list of reviews, e.g. "data.reviews"')
    fields: dict[str, str] = Field(
        description='our field -> dotted path in each item, e.g. id = "uuid"'
    )
    next: str | None = Field(default=None, description="dotted path to the next page's URL")
    page_param: str | None = Field(
        default=None, description="query parameter to page by number instead of a next link"
    )
    headers: dict[str, str] | None = Field(
        default=None, description='extra headers; "{secret:NAME}" inserts a secret'
    )
    rating_scale: float | None = Field(
        default=None, description="the endpoint's best rating, e.g. 10 (default 5)"
    )


class FileSource(SourceConfig):
    kind: Literal["file"] = "file"
    path: str = Field(description="a CSV or JSONL file, re-read on each sync")


if TYPE_CHECKING:
    # to the type checker every entry is a SourceConfig: callers read the common fields
    # and ``options``, and a list of the base class is what they pass around
    AnySource: TypeAlias = SourceConfig
else:
    AnySource = Annotated[
        AppStoreRssSource
        | AppStoreConnectSource
        | GooglePlaySource
        | GoogleBusinessSource
        | TrustpilotSource
        | FeedSource
        | JsonSource
        | FileSource,
        Field(discriminator="kind"),
    ]

KIND_MODELS: dict[str, type[SourceConfig]] = {
    "appstore_rss": AppStoreRssSource,
    "app_store_connect": AppStoreConnectSource,
    "google_play": GooglePlaySource,
    "google_business": GoogleBusinessSource,
    "trustpilot": TrustpilotSource,
    "feed": FeedSource,
    "json": JsonSource,
    "file": FileSource,
}
assert tuple(KIND_MODELS) == KINDS


def option_names(model: type[SourceConfig]) -> list[str]:
    """A kind's own options, those it declares first (``app_id``), then shared (``timeout``)."""
    names = [n for n in model.model_fields if n not in COMMON_OPTIONS]
    own = inspect.get_annotations(model)
    return sorted(names, key=lambda n: n not in own)
