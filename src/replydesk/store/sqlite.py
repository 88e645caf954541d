"""The SQLite engine: one file, opened safely for several processes and users at once.

WAL lets readers (a colleague's TUI) run while one writer writes; every write goes through
``Database.write()``, a ``BEGIN IMMEDIATE`` transaction that waits on the busy timeout instead
of failing.

Files. The process umask is never changed. A new database is created ``0600`` (only you)
before SQLite writes a byte, and SQLite gives its ``-wal`` and ``-shm`` files the database
file's permissions. In team mode (``[workspace] team_group``) the database's folder is a
setgid folder of that group (``02770``, created so if missing, checked if not) and the
files are ``0660`` in that group, so everyone in it, and no one else, reads and writes.

Identity. Every audit event records the OS login the ``Database`` was given next to the
display name the caller passes (which anyone can set).
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from replydesk.domain.errors import StoreError
from replydesk.domain.timeutil import now
from replydesk.store.db import Clock, Database, Params
from replydesk.store.dialect import SQLITE
from replydesk.store.schema import MIGRATIONS

BUSY_TIMEOUT_MS = 30_000
# 16 KB pages (SQLite's default is 4 KB): a big import writes fewer, fuller pages, and
# its index pages split less often (a million reviews: 18,800/s -> 20,900/s); set when
# the file is made, before its first table (an older store keeps its own)
PAGE_SIZE = 16384
SOLO_FILE_MODE = 0o600  # the database, its -wal and -shm: only you
TEAM_FILE_MODE = 0o660  # team mode: you and the team group
TEAM_DIR_MODE = 0o2770  # team mode's folder: setgid, so new files take the folder's group
SIDE_FILES = ("-wal", "-shm")


def connect(path: Path | str, team_group: str = "", *, create: bool = True) -> sqlite3.Connection:
    """Open the database at ``path``, creating it only when ``create`` (a command that only
    reads must not leave an empty database behind a mistyped ``--db``); ``team_group``
    shares it."""
    target = str(path)
    if target != ":memory:":
        db = Path(path)
        if not create and not db.is_file():
            what = f"{db} is a folder, not a database" if db.is_dir() else f"no database at {db}"
            raise StoreError(
                f"{what}; check --db (or REPLYDESK_DB), or import reviews first "
                "with `replydesk import FILE`"
            )
        if team_group:
            gid = team_folder(db.parent, team_group)
            _create(db, TEAM_FILE_MODE, gid)
            share_files(db, gid)
        else:
            try:
                db.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder for {db}: {exc.strerror}") from None
            _create(db, SOLO_FILE_MODE, None)
    try:
        conn = sqlite3.connect(
            target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not create and target != ":memory:" and not _ours(conn):
            conn.close()  # before WAL or a migration writes a byte to someone else's file
            raise StoreError(
                f"{target} is not a replydesk database (an empty file, or another program's); "
                "check --db (or REPLYDESK_DB)"
            )
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # a new file's; else a no-op
        _enable_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA cache_size = -65536")  # 64 MB: big inboxes stay in memory
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{target} is not a usable replydesk database: {exc}") from None
    conn.row_factory = sqlite3.Row
    return conn


def _ours(conn: sqlite3.Connection) -> bool:
    """Does this file hold a replydesk schema (any version: older ones are migrated)?"""
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version > 0


def _create(db: Path, mode: int, gid: int | None) -> None:
    """Create an empty ``db`` with ``mode`` (and group ``gid``) unless it exists. It is
    created ``0600`` whatever the umask, so it is never more open than asked, even for a
    moment; the group and mode are set before SQLite writes anything."""
    try:
        fd = os.open(db, os.O_CREAT | os.O_EXCL | os.O_WRONLY, SOLO_FILE_MODE)
    except FileExistsError:
        return  # an existing database, or another process created it just now
    except OSError as exc:
        raise StoreError(f"cannot create {db}: {exc.strerror}") from None
    try:
        if gid is not None:
            os.fchown(fd, -1, gid)
        os.fchmod(fd, mode)
    except OSError as exc:
        os.close(fd)
        db.unlink(missing_ok=True)
        raise StoreError(f"cannot set the permissions of {db}: {exc.strerror}") from None
    os.close(fd)


# ---------------------------------------------------------------- team mode


def group_id(group: str) -> int:
    """The id of the unix group ``group``; a ``StoreError`` if there is none, or if this
    user is not in it (the files could not be given to it)."""
    import grp

    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise StoreError(
            f"there is no group {group!r} on this box (team_group); create it with "
            f"`sudo groupadd {group}` and add each teammate with "
            f"`sudo usermod -aG {group} LOGIN`, or leave [workspace] team_group empty "
            "for a database of your own"
        ) from None
    if not _member(gid):
        login = _login()
        raise StoreError(
            f"you ({login}) are not in the group {group!r} (team_group), so replydesk cannot "
            f"share the database with it; ask an admin to run `sudo usermod -aG {group} "
            f"{login}`, then log in again (or start a shell with `newgrp {group}`)"
        )
    return gid


def _member(gid: int) -> bool:
    return os.geteuid() == 0 or gid == os.getegid() or gid in os.getgroups()


def _login() -> str:
    from replydesk.config.identity import os_login

    return os_login()


def _group_name(gid: int) -> str:
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def folder_problems(folder: Path, gid: int) -> list[str]:
    """What keeps ``folder`` from being a team folder of group ``gid`` (empty: nothing)."""
    st = folder.stat()
    if not stat.S_ISDIR(st.st_mode):
        return ["it is not a folder"]
    problems: list[str] = []
    if st.st_gid != gid:
        problems.append(f"its group is {_group_name(st.st_gid)!r}")
    if not st.st_mode & stat.S_ISGID:
        problems.append("it is not setgid (new files would not get the group)")
    if st.st_mode & 0o070 != 0o070:
        mode = f"{stat.S_IMODE(st.st_mode):04o}"
        problems.append(f"the group cannot read, write and enter it (mode {mode})")
    return problems


def team_folder(folder: Path, group: str) -> int:
    """Make ``folder`` the team's: create it setgid ``02770`` in ``group`` if it does not
    exist, else check it is so and say what is wrong. Returns the group's id."""
    gid = group_id(group)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir()
    except FileExistsError:
        pass
    except OSError as exc:
        raise StoreError(f"cannot create the folder {folder}: {exc.strerror}") from None
    else:
        try:
            os.chown(folder, -1, gid)
            os.chmod(folder, TEAM_DIR_MODE)  # after chown: chown clears the setgid bit
        except OSError as exc:
            raise StoreError(f"cannot give {folder} to group {group!r}: {exc.strerror}") from None
    try:
        problems = folder_problems(folder, gid)
    except OSError as exc:
        raise StoreError(f"cannot read {folder}: {exc.strerror}") from None
    if problems:
        where = shlex.quote(str(folder))
        raise StoreError(
            f"{folder} is not a team folder for group {group!r}: {'; '.join(problems)}. "
            f"Fix it with `chgrp {group} {where} && chmod 2770 {where}`"
        )
    return gid


def share_files(db: Path, gid: int) -> None:
    """Give the database and its -wal and -shm files that this user owns to group ``gid``,
    mode ``0660`` (others' files are theirs to fix; SQLite says if it cannot open them)."""
    uid = os.geteuid()
    for path in (db, *(Path(f"{db}{suffix}") for suffix in SIDE_FILES)):
        try:
            st = path.stat()
            if st.st_uid != uid:
                continue
            if st.st_gid != gid:
                os.chown(path, -1, gid)
            if stat.S_IMODE(st.st_mode) != TEAM_FILE_MODE:
                os.chmod(path, TEAM_FILE_MODE)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise StoreError(f"cannot share {path} with the team: {exc.strerror}") from None


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
            for statement in _statements(MIGRATIONS[version].script("sqlite")):
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


class SqliteDatabase(Database):
    """One connection with a lock, so TUI workers and the UI thread can share it.

    ``team_group`` shares the files with a unix group (team mode on one box)."""

    sql = SQLITE
    errors = (sqlite3.Error,)

    def __init__(
        self,
        path: Path | str,
        clock: Clock = now,
        login: str | None = None,
        team_group: str = "",
        *,
        create: bool = True,
    ) -> None:
        super().__init__(clock, login)
        self.path = path
        self.where = Path(path)
        self.team_group = team_group
        self.conn = connect(path, team_group, create=create)
        migrate(self.conn)
        if team_group and str(path) != ":memory:":
            share_files(Path(path), group_id(team_group))  # the -wal and -shm just made

    @contextmanager
    def write(self, *, serial: bool = True) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` takes the database lock at once (no upgrade deadlocks) and
        waits on the busy timeout for another process's writer instead of failing."""
        with self.lock:
            if self.conn.in_transaction:  # nested: join the outer transaction
                yield self.conn
                return
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise self._refused(exc) from None
            try:
                yield self.conn
            except sqlite3.OperationalError as exc:
                self._rollback()
                raise self._refused(exc) from None
            except BaseException:
                self._rollback()
                raise
            self.conn.execute("COMMIT")

    def _rollback(self) -> None:
        """Roll back what is still open: after a full disk or an I/O error SQLite may
        have rolled back itself, and a second ROLLBACK would hide the real error."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def _refused(self, exc: sqlite3.OperationalError) -> Exception:
        """A database this account may read but not change is said in one line."""
        if "readonly" in str(exc):
            return StoreError(
                f"{self.path} is read-only for you ({self.login}): ask its owner for write "
                "access (or, in team mode, to add you to the team group)"
            )
        if "disk is full" in str(exc) or "disk I/O error" in str(exc):
            return StoreError(f"{self.path}: {exc}; nothing of this step was saved")
        return exc

    def query(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        with self.lock:
            return cast("sqlite3.Row | None", self.conn.execute(sql, params).fetchone())

    def changed_since(self, mark: object) -> tuple[bool, object]:
        """``PRAGMA data_version`` moves when another connection commits."""
        with self.lock:
            version = int(self.conn.execute("PRAGMA data_version").fetchone()[0])
        return version != mark, version

    def close(self) -> None:
        with self.lock:
            self.conn.close()
