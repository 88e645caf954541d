"""One database, either engine: what every repository may ask of it.

``store/engines.open_database`` picks the engine from where the reviews are: a path is an
SQLite file (``store/sqlite.py``), a ``postgresql://`` URL a PostgreSQL server
(``store/postgres.py``). Both give the same doors: ``write()`` (one transaction, writers
one at a time), ``query``/``one`` (reads), ``log`` (an audit event inside the caller's
transaction) and ``changed_since`` (has a colleague written?). They speak the same SQL
(``?`` and ``:name`` placeholders); ``sql`` holds the few pieces each engine spells its
own way.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from replydesk.domain.location import Location
from replydesk.domain.timeutil import to_iso
from replydesk.store.dialect import Dialect

Clock = Callable[[], datetime]
Params = tuple[Any, ...] | dict[str, Any]


class Cursor(Protocol):
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Conn(Protocol):
    """A connection inside a transaction; rows read by column name or by position."""

    def execute(self, sql: str, params: Params = (), /) -> Cursor: ...
    def executemany(self, sql: str, params: Iterable[Params], /) -> Cursor: ...


class Database:
    """``clock`` stamps every row and event: the workspace passes its own, so a test or the
    demo decides what "now" is in one place. ``login`` is the OS account acting, written
    into every event."""

    sql: Dialect
    where: Location
    # the engine's own errors, for a caller that turns a failed step into a StoreError
    errors: tuple[type[Exception], ...] = ()

    def __init__(self, clock: Clock, login: str | None) -> None:
        self.clock = clock
        self.login = _login() if login is None else login
        self.lock = threading.RLock()

    @property
    def engine(self) -> str:
        return self.sql.name

    def now(self) -> datetime:
        return self.clock()

    def log(
        self,
        conn: Conn,
        user: str,
        action: str,
        review_id: int | None = None,
        detail: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> None:
        """Append an audit event inside the caller's transaction: ``user`` is the display
        name; the OS login this database was opened with goes next to it."""
        conn.execute(
            'INSERT INTO events (at, "user", login, action, review_id, detail) '
            "VALUES (?,?,?,?,?,?)",
            (
                to_iso(at or self.clock()),
                user,
                self.login,
                action,
                review_id,
                json.dumps(detail or {}, ensure_ascii=False),
            ),
        )

    def write(self, *, serial: bool = True) -> AbstractContextManager[Conn]:
        """A write transaction; writers take turns (no lost updates between
        read-check-write steps), a nested one joins the outer transaction. ``serial=False``
        is for a step that locks the rows it reads itself (``lock_row``): on PostgreSQL it
        then runs beside other writers; SQLite has one writer at a time whatever."""
        raise NotImplementedError

    def lock_row(self, conn: Conn, table: str, key: int, *, skip: bool = False) -> bool:
        """Lock one row of ``table`` (by ``id``) until the transaction ends; with ``skip``,
        False at once if another transaction holds it. SQLite's writer holds every row."""
        return True

    def query(self, sql: str, params: Params = ()) -> list[Any]:
        raise NotImplementedError

    def one(self, sql: str, params: Params = ()) -> Any | None:
        raise NotImplementedError

    def bulk_insert(
        self,
        conn: Conn,
        table: str,
        columns: list[str],
        rows: list[tuple[Any, ...]],
        *,
        without_nul: bool = False,
    ) -> None:
        """Insert many rows at once, the fastest way this engine has. ``without_nul``:
        the rows are known to hold no NUL character (reviews in their stored form)."""
        marks = ", ".join("?" * len(columns))
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def new_ids(self, conn: Conn, table: str, n: int) -> list[int]:
        """``n`` ids for new rows of ``table``, taken now (inside a write: no one else
        takes the same ones)."""
        row = conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()
        top = int(row[0]) if row else 0
        return list(range(top + 1, top + 1 + n))

    def after_bulk_copy(self, tables: list[str]) -> None:
        """Rows arrived with their ids: the next id each table makes must come after them."""

    def after_many_changes(self, tables: list[str], rows: int) -> None:
        """``rows`` rows of ``tables`` were just written in bulk (an import, a triage run).
        SQLite plans without statistics; PostgreSQL refreshes its own, see there."""

    def changed_since(self, mark: object) -> tuple[bool, object]:
        """Has anyone (another process included) written since ``mark``? Cheap enough to
        ask every second; returns the new mark."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def _login() -> str:
    from replydesk.config.identity import os_login

    return os_login()
