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

    def __reduce__(self) -> tuple[object, tuple[str]]:
        """Unpickled (in a worker process) through ``parse``, so there too its password
        is remembered, and hidden from anything said."""
        return (_reparsed, (self.url,))

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
        text = text.strip()
        userinfo, host = _split(text)
        query = urllib.parse.parse_qs(host.partition("?")[2])
        for password in [userinfo.partition(":")[2], *query.get("password", [])]:
            redact.remember(password)
            redact.remember(urllib.parse.unquote(password))
        return cls(text)

    @property
    def shown(self) -> str:
        """The URL without its password and query: safe to print or log."""
        userinfo, host = _split(self.url)
        user = userinfo.partition(":")[0]
        scheme = self.url.partition("://")[0]
        return f"{scheme}://{user + '@' if user else ''}{host.partition('?')[0]}"

    def __str__(self) -> str:
        return self.shown

    def __repr__(self) -> str:
        return f"StoreUrl({self.shown!r})"


def _split(url: str) -> tuple[str, str]:
    """``user:password`` and ``host:port/db?query`` of a URL. The user part runs to the
    last ``@``, so a password holding an unescaped ``/`` or ``@`` stays in it (a URL
    parser would end it at the ``/`` and print the rest as the path)."""
    rest = url.partition("://")[2]
    at = rest.rfind("@")
    return (rest[:at], rest[at + 1 :]) if at >= 0 else ("", rest)


Location = Path | StoreUrl


def location(text: str | Path) -> Location:
    """A path or a store URL, as given (a ``str`` that is a URL becomes a ``StoreUrl``)."""
    if isinstance(text, Path):
        return text
    url = StoreUrl.parse(text)
    return url if url is not None else Path(text)


def _reparsed(url: str) -> StoreUrl:
    found = StoreUrl.parse(url)
    assert found is not None  # it was parsed once already
    return found
