"""Every source kind replydesk knows, and the class that syncs it.

A kind's options (types, required-ness, help) are its model in
``replydesk.config.sources``, so ``replydesk config check`` validates a source without
importing its HTTP code; the classes here are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from replydesk.sources.base import Source

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
    module, name = _CLASSES[kind].split(":")
    cls: type[Source] = getattr(importlib.import_module(f"replydesk.sources.{module}"), name)
    return cls


def kinds() -> tuple[str, ...]:
    """Every source kind replydesk knows."""
    return tuple(_CLASSES)
