"""Opening the SQLite database safely for several processes and users at once.

WAL lets readers (a colleague's TUI) run while one writer writes; every write goes through
``Database.write()``, a ``BEGIN IMMEDIATE`` transaction that waits on the busy timeout instead
of failing. The file is created group-writable so a team can share it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from replydesk.domain.errors import StoreError
from replydesk.domain.timeutil import now, to_iso
from replydesk.store.schema import MIGRATIONS

BUSY_TIMEOUT_MS = 30_000


def connect(path: Path | str) -> sqlite3.Connection:
    target = str(path)
    if target != ":memory:":
        db = Path(path)
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for {db}: {exc.strerror}") from None
        if not db.exists():
            old = os.umask(0o002)  # group-writable: a team shares one database
            try:
                db.touch()
            except OSError as exc:
                raise StoreError(f"cannot create {db}: {exc.strerror}") from None
            finally:
                os.umask(old)
    try:
        conn = sqlite3.connect(
            target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _enable_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA cache_size = -65536")  # 64 MB: big inboxes stay in memory
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{target} is not a usable replydesk database: {exc}") from None
    conn.row_factory = sqlite3.Row
    return conn


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL once; when two processes create the file at the same moment the
    switch can report "locked" without waiting, so try again for a while."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date; returns the version reached."""
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(
            f"this database is at schema {version}, newer than this replydesk knows "
            f"({len(MIGRATIONS)}); upgrade replydesk"
        )
    while version < len(MIGRATIONS):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # another process may have migrated while we waited for the lock
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version >= len(MIGRATIONS):
                conn.execute("COMMIT")
                break
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version += 1
    return version


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                yield buf.strip()
            buf = ""
    if buf.strip():
        yield buf.strip()


Clock = Callable[[], datetime]


class Database:
    """One connection with a lock, so TUI workers and the UI thread can share it.

    ``clock`` stamps every row and event: the workspace passes its own, so a test or the
    demo decides what "now" is in one place.
    """

    def __init__(self, path: Path | str, clock: Clock = now) -> None:
        self.path = path
        self.clock = clock
        self.conn = connect(path)
        self.lock = threading.RLock()
        migrate(self.conn)

    def now(self) -> datetime:
        return self.clock()

    def log(
        self,
        conn: sqlite3.Connection,
        user: str,
        action: str,
        review_id: int | None = None,
        detail: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> None:
        """Append an audit event inside the caller's transaction."""
        conn.execute(
            "INSERT INTO events (at, user, action, review_id, detail) VALUES (?,?,?,?,?)",
            (
                to_iso(at or self.clock()),
                user,
                action,
                review_id,
                json.dumps(detail or {}, ensure_ascii=False),
            ),
        )

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the database lock at once (no upgrade deadlocks)."""
        with self.lock:
            if self.conn.in_transaction:  # nested: join the outer transaction
                yield self.conn
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        with self.lock:
            return cast("sqlite3.Row | None", self.conn.execute(sql, params).fetchone())

    def close(self) -> None:
        with self.lock:
            self.conn.close()
