"""Which engine keeps the reviews: chosen from where they are, in one place."""

from __future__ import annotations

from pathlib import Path

from replydesk.domain.location import Location, StoreUrl, location
from replydesk.domain.timeutil import now
from replydesk.store.db import Clock, Database
from replydesk.store.postgres import PgDatabase
from replydesk.store.sqlite import SqliteDatabase


def open_database(
    where: Location | str,
    clock: Clock = now,
    *,
    login: str | None = None,
    team_group: str = "",
    create: bool = True,
) -> Database:
    """The database at ``where``: an SQLite file, or the PostgreSQL server a URL names
    (``team_group`` shares an SQLite file's folder; a server shares itself)."""
    if isinstance(where, str) and where != ":memory:":
        where = location(where)
    if isinstance(where, StoreUrl):
        return PgDatabase(where, clock, login=login, create=create)
    return SqliteDatabase(
        where if isinstance(where, Path) or where == ":memory:" else Path(where),
        clock,
        login=login,
        team_group=team_group,
        create=create,
    )
