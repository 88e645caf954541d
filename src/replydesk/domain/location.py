"""Where the reviews are kept: an SQLite file (a ``Path``) or a PostgreSQL server (a
``StoreUrl``). A URL carries a password more often than not, so it is never printed whole:
``str()`` and ``repr()`` leave the password (and the query, which may hold one) out, and the
password is remembered by ``redact`` so no error message can carry it either."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from replydesk.domain import redact
from replydesk.domain.text import url_scheme

POSTGRES_SCHEMES = ("postgresql", "postgres")


class NotAStoreUrl(ValueError):
    """A URL of a scheme replydesk cannot keep reviews in; the message says which."""


@dataclass(frozen=True)
class StoreUrl:
    """A ``postgresql://`` URL (libpq's own form: host, port, user, password, database,
    options). Keep the password out of it where you can: libpq also reads ``PGPASSWORD``
    and ``~/.pgpass``."""

    url: str = field(repr=False)

    @classmethod
    def parse(cls, text: str) -> StoreUrl | None:
        """The store URL ``text`` names; ``None`` when it is not a URL (a path). A URL of
        another scheme is refused by name, repeating nothing else of it."""
        scheme = url_scheme(text)
        if not scheme:
            return None
        if scheme.lower() not in POSTGRES_SCHEMES:
            raise NotAStoreUrl(
                f"a {scheme}:// URL names no store replydesk knows; give an SQLite path "
                "or a postgresql:// URL"
            )
        parts = urllib.parse.urlsplit(text.strip())
        query = urllib.parse.parse_qs(parts.query)
        for password in [parts.password or "", *query.get("password", [])]:
            redact.remember(password)
            redact.remember(urllib.parse.unquote(password))
        return cls(text.strip())

    @property
    def shown(self) -> str:
        """The URL without its password and query: safe to print or log."""
        parts = urllib.parse.urlsplit(self.url)
        user = f"{parts.username}@" if parts.username else ""
        try:
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            port = ""
        return f"{parts.scheme}://{user}{parts.hostname or ''}{port}{parts.path}"

    def __str__(self) -> str:
        return self.shown

    def __repr__(self) -> str:
        return f"StoreUrl({self.shown!r})"


Location = Path | StoreUrl


def location(text: str | Path) -> Location:
    """A path or a store URL, as given (a ``str`` that is a URL becomes a ``StoreUrl``)."""
    if isinstance(text, Path):
        return text
    url = StoreUrl.parse(text)
    return url if url is not None else Path(text)
