"""The PostgreSQL engine: team mode for managers on several hosts, one queue.

The repositories' SQL is the same as on SQLite; ``translate`` turns its ``?`` and ``:name``
placeholders into psycopg's. Connections come from a small pool, so a TUI worker reads
while another writes. Every write transaction first takes a transaction-scoped advisory
lock, the same promise SQLite's ``BEGIN IMMEDIATE`` gives: writers take turns, so each
read-check-write step (approve once, lease a reply once) stays one step, whichever host
runs it. Claims lock the review's row instead (``lock_row``): hosts claim side by side,
and a batch skips a review another run is claiming (``FOR UPDATE SKIP LOCKED``) rather
than wait for it. Every write also sends a notification on commit, which a
TUI listens for to refresh when a colleague acts.

One database holds one replydesk store in the schema its URL's ``search_path`` selects
(``?options=-csearch_path%3Dteam``), ``public`` by default.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from replydesk.domain.errors import StoreError
from replydesk.domain.location import StoreUrl
from replydesk.domain.redact import redact
from replydesk.domain.timeutil import now
from replydesk.store.db import Clock, Conn, Cursor, Database, Params
from replydesk.store.dialect import POSTGRESQL
from replydesk.store.schema import MIGRATIONS

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

LISTENING = "listening"  # changed_since's mark once the store's channel is listened to
POOL_SIZE = 4
STATISTICS_AFTER_ROWS = 10_000  # a bulk change this big refreshes the planner's statistics
LOCK_TIMEOUT_S = 30
IDLE_IN_WRITE_S = 300
CONNECT_TIMEOUT_S = 10
VERSION_TABLE = "replydesk_schema"

_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$\$.*?\$\$|--[^\n]*|::|:(\w+)|\?|%", re.S)


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """SQLite's placeholders (``?``, ``:name``) as psycopg's (``%s``, ``%(name)s``); every
    literal ``%`` is doubled (psycopg reads quoted text for placeholders too). Quoted
    text, comments and ``::`` casts keep their ``?`` and ``:``."""

    def sub(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if m.group(1):
            return f"%({m.group(1)})s"
        return token.replace("%", "%%")  # quoted text or a comment: psycopg reads it too

    return _TOKEN.sub(sub, sql)


class Row:
    """A row read by column name or by position, like ``sqlite3.Row``."""

    __slots__ = ("_names", "_values")

    def __init__(self, values: Sequence[Any], names: dict[str, int]) -> None:
        self._values = values
        self._names = names

    def __getitem__(self, key: int | str) -> Any:
        return self._values[self._names[key] if isinstance(key, str) else key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._names)


def _rows(cursor: Any) -> Any:
    names = {c.name: i for i, c in enumerate(cursor.description or ())}
    return lambda values: Row(values, names)


class PgConn:
    """A pooled connection inside a transaction, speaking the repositories' SQL."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Params = (), /) -> Cursor:
        if not params:
            return self.raw.execute(sql.encode())
        return self.raw.execute(translate(sql).encode(), params)

    def executemany(self, sql: str, params: Iterable[Params], /) -> Cursor:
        cursor = self.raw.cursor()
        cursor.executemany(translate(sql).encode(), params)
        return cursor


def _psycopg() -> Any:
    try:
        import psycopg
        import psycopg_pool
    except ImportError:
        raise StoreError(
            "a postgresql:// store needs psycopg: pip install 'replydesk[postgresql]'"
        ) from None
    return psycopg, psycopg_pool


class PgDatabase(Database):
    sql = POSTGRESQL

    def __init__(
        self, url: StoreUrl, clock: Clock = now, login: str | None = None, *, create: bool = True
    ) -> None:
        super().__init__(clock, login)
        self.where = self.url = url
        self.token = uuid.uuid4().hex  # this process's writes, told apart from others'
        pg, pg_pool = _psycopg()
        self._errors = pg.Error
        self.errors = (pg.Error, StoreError)
        try:
            first = pg.connect(
                url.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, row_factory=_rows
            )
        except pg.Error as exc:
            raise StoreError(f"cannot open {url}: {_first_line(exc)}") from None
        self.schema = str(first.execute("SELECT current_schema()").fetchone()[0] or "")
        if not self.schema:
            first.close()
            raise StoreError(
                f"{url} has no schema to keep reviews in (search_path is empty); "
                "create one or set ?options=-csearch_path%3DNAME"
            )
        self.channel = f"replydesk_{re.sub(r'[^a-z0-9_]', '_', self.schema.lower())}"[:63]
        try:
            # the trigger functions keep the search_path they are made with: this schema only
            first.execute(
                f'SET search_path = "{self.schema.replace(chr(34), chr(34) * 2)}"'.encode()
            )
            _migrate(first, create, url)
        except pg.Error as exc:
            first.close()
            raise StoreError(f"{url}: {_first_line(exc)}") from None
        except BaseException:
            first.close()
            raise
        first.close()
        self.pool: ConnectionPool[Any] = pg_pool.ConnectionPool(
            url.url,
            min_size=1,
            max_size=POOL_SIZE,
            kwargs={"autocommit": True, "row_factory": _rows},
            configure=_configure,
            check=pg_pool.ConnectionPool.check_connection,  # one that died idle is replaced
            open=True,
            name="replydesk",
        )
        self._local = threading.local()
        self._serial = threading.Lock()
        self._listener: psycopg.Connection[Any] | None = None

    # ------------------------------------------------------------ doors

    @contextmanager
    def write(self, *, serial: bool = True) -> Iterator[PgConn]:
        outer: PgConn | None = getattr(self._local, "conn", None)
        if outer is not None:  # nested: join the outer transaction
            yield outer
            return
        # this process's writers queue here, not on pooled connections: at most one of them
        # waits on the store's lock, and the pool stays free for reads
        with self._serial if serial else nullcontext(), self._connection() as raw:
            conn = PgConn(raw)
            self._local.conn = conn
            try:
                raw.execute(b"BEGIN")
                if serial:
                    raw.execute(b"SELECT pg_advisory_xact_lock(hashtext(current_schema()))")
                yield conn
                raw.execute(
                    b"SELECT pg_notify(%s, %s)", (self.channel, f"{self.token} {self.login}")
                )
                raw.execute(b"COMMIT")
            except BaseException as exc:
                if not raw.closed:
                    raw.execute(b"ROLLBACK")
                if isinstance(exc, self._errors) and not _is_data_error(exc):
                    raise StoreError(f"{self.where}: {_first_line(exc)}") from None
                raise
            finally:
                self._local.conn = None

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self.pool.connection(timeout=CONNECT_TIMEOUT_S * 3) as raw:
                yield raw
        except self._errors as exc:
            if _is_data_error(exc):
                raise
            raise StoreError(f"{self.where}: {_first_line(exc)}") from None

    def query(self, sql: str, params: Params = ()) -> list[Any]:
        outer: PgConn | None = getattr(self._local, "conn", None)
        if outer is not None:
            return outer.execute(sql, params).fetchall()
        with self._connection() as raw:
            return PgConn(raw).execute(sql, params).fetchall()

    def one(self, sql: str, params: Params = ()) -> Any | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def lock_row(self, conn: Conn, table: str, key: int, *, skip: bool = False) -> bool:
        """A lock of its own per row (an advisory one, until the transaction ends): a row
        lock would also be "taken" by anyone inserting a draft for the review (a foreign
        key check) or updating its status, and a batch would skip it for nothing."""
        args = (f"{self.schema}.{table}", key)
        if skip:
            row = conn.execute("SELECT pg_try_advisory_xact_lock(hashtext(?), ?)", args)
            return bool(row.fetchone()[0])
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(?), ?)", args)
        return True

    def bulk_insert(
        self,
        conn: Conn,
        table: str,
        columns: list[str],
        rows: list[tuple[Any, ...]],
        *,
        without_nul: bool = False,
    ) -> None:
        """``COPY``: several times faster than INSERTs. A NUL cannot be stored as text here,
        so one in a row from elsewhere is kept as U+FFFD (as new reviews are)."""
        assert isinstance(conn, PgConn)
        with conn.raw.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                if not without_nul and any(isinstance(v, str) and "\x00" in v for v in row):
                    row = tuple(
                        v.replace("\x00", "\ufffd") if isinstance(v, str) else v for v in row
                    )
                copy.write_row(row)

    def new_ids(self, conn: Conn, table: str, n: int) -> list[int]:
        """From the table's own sequence, so ids made elsewhere never collide."""
        if n == 0:
            return []
        return [
            int(r[0])
            for r in conn.execute(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                "FROM generate_series(1, ?)",
                (n,),
            ).fetchall()
        ]

    def after_bulk_copy(self, tables: list[str]) -> None:
        with self.write() as c:
            for table in tables:
                c.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )

    def after_many_changes(self, tables: list[str], rows: int) -> None:
        """The planner's statistics are refreshed at once after a bulk change. Autovacuum
        would take a minute or more at a million reviews, and meanwhile a plan made for
        "every review untriaged" took 7 s for a page of one label rather than 40 ms."""
        if rows < STATISTICS_AFTER_ROWS:
            return
        try:  # the work is stored: this only speeds plans up, so it never fails the work
            with self._connection() as conn:
                # a table someone holds (a VACUUM, a migration) is left to autovacuum
                conn.execute(f"ANALYZE (SKIP_LOCKED) {', '.join(tables)}")
        except (StoreError, self._errors):
            pass

    def changed_since(self, mark: object) -> tuple[bool, object]:
        """LISTEN on this store's channel; a notification from another process since the
        last call means someone wrote."""
        pg, _pool = _psycopg()
        listener = self._listener
        try:
            if listener is None:  # (again, after a drop: what came meanwhile is unknown)
                listener = pg.connect(
                    self.url.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
                )
                listener.execute(f'LISTEN "{self.channel}"'.encode())
                with self.lock:
                    self._listener = listener
                return mark is not None, LISTENING
            others = False
            for note in listener.notifies(timeout=0.0):
                others = others or not note.payload.startswith(self.token)
            return others, mark
        except pg.Error as exc:
            with self.lock:
                self._listener = None
            if listener is not None:
                listener.close()
            raise StoreError(f"{self.where}: {_first_line(exc)}") from None

    def close(self) -> None:
        with self.lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None
        self.pool.close()


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Flags are INTEGER columns on both engines (SQLite has no boolean): a Python bool is
    sent as 0 or 1, as sqlite3 does."""
    from psycopg.adapt import Dumper

    class BoolAsInt(Dumper):
        oid = conn.adapters.types["int4"].oid

        def dump(self, obj: Any) -> bytes:
            return b"1" if obj else b"0"

    conn.adapters.register_dumper(bool, BoolAsInt)
    # a store grows from nothing to a million rows within one import: a prepared statement's
    # generic plan, made while a table was small, would scan it whole ever after
    conn.execute(b"SET plan_cache_mode = force_custom_plan")
    # as SQLite's busy timeout: a colleague's stuck transaction is an error after this long,
    # not a wait for ever (and a session idle inside a transaction is ended)
    conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT_S}s'".encode())
    conn.execute(f"SET idle_in_transaction_session_timeout = '{IDLE_IN_WRITE_S}s'".encode())
    # every query here answers a person in milliseconds, or is bound by its rows: compiling
    # it (JIT) cost 40-50 ms whenever a plan looked big, and gained nothing on a count of
    # a million
    conn.execute(b"SET jit = off")


def _migrate(conn: psycopg.Connection[Any], create: bool, url: StoreUrl) -> None:
    """Bring the schema up to date, one migration per transaction, under the same lock as
    every write (two hosts starting at once migrate once)."""
    found = conn.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_name = %s",
        (VERSION_TABLE,),
    ).fetchone()
    if found is None and not create:
        raise StoreError(
            f"{url} holds no replydesk store yet; run `replydesk store copy` or "
            "`replydesk import FILE` against it first"
        )
    while True:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema()))")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version INTEGER NOT NULL)")
            row = conn.execute(f"SELECT max(version) FROM {VERSION_TABLE}").fetchone()
            version = int(row[0] or 0) if row else 0
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"this database is at schema {version}, newer than this replydesk knows "
                    f"({len(MIGRATIONS)}); upgrade replydesk"
                )
            if version == len(MIGRATIONS):
                return
            conn.execute(MIGRATIONS[version].script("postgresql").encode())
            conn.execute(f"DELETE FROM {VERSION_TABLE}")
            conn.execute(f"INSERT INTO {VERSION_TABLE} VALUES (%s)", (version + 1,))


def _is_data_error(exc: BaseException) -> bool:
    """A constraint or a bad value (the caller's to handle, like sqlite3.IntegrityError),
    as opposed to the server or the connection failing."""
    sqlstate = getattr(exc, "sqlstate", None) or ""
    return sqlstate[:2] in ("22", "23", "42", "P0")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return redact(text[0] if text else type(exc).__name__)
