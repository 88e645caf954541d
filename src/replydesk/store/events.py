"""The append-only audit log, and claims: who works on which review right now."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from replydesk.domain.models import Claim, Event
from replydesk.domain.timeutil import to_iso
from replydesk.store import rows
from replydesk.store.db import Database


class EventRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
        self,
        user: str,
        action: str,
        review_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        with self.db.write() as c:
            self.db.log(c, user, action, review_id, detail)

    def last_id(self) -> int:
        row = self.db.one("SELECT coalesce(max(id), 0) FROM events")
        return int(row[0]) if row else 0

    def after(self, event_id: int, limit: int = 50) -> list[Event]:
        """Events logged after ``event_id``, oldest first."""
        return [
            rows.event(r)
            for r in self.db.query(
                "SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?", (event_id, limit)
            )
        ]

    def recent(self, limit: int = 200, review_id: int | None = None) -> list[Event]:
        if review_id is None:
            found = self.db.query("SELECT * FROM events ORDER BY id DESC LIMIT ?", (limit,))
        else:
            found = self.db.query(
                "SELECT * FROM events WHERE review_id = ? ORDER BY id DESC LIMIT ?",
                (review_id, limit),
            )
        return [rows.event(r) for r in found]

    def listing(
        self,
        limit: int,
        words: Sequence[str] = (),
        actions: Sequence[Sequence[str]] = (),
        review_id: int | None = None,
    ) -> tuple[list[Event], int]:
        """The newest ``limit`` events (by time, then id) and how many match in all.

        Each of ``words`` must be found (case-insensitive, as typed: ``%`` and ``_`` are
        not wildcards) in the name, the login, the action or a value of the detail, or
        the event's action must be one of the matching ``actions`` given for that word
        (the same position). ``review_id`` keeps one review's events."""
        where: list[str] = []
        args: list[object] = []
        like = self.db.sql.like
        values = self.db.sql.json_values.format(col="events.detail")
        for i, word in enumerate(words):
            pattern = "%" + _escape_like(word) + "%"
            named = list(actions[i]) if i < len(actions) else []
            where.append(
                f"(\"user\" {like} ? ESCAPE '\\' OR login {like} ? ESCAPE '\\' "
                f"OR action {like} ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM {values} j "
                f"WHERE j.value {like} ? ESCAPE '\\')"
                + (f" OR action IN ({','.join('?' * len(named))})" if named else "")
                + ")"
            )
            args += [pattern] * 4 + named
        if review_id is not None:
            where.append("review_id = ?")
            args.append(review_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        found = self.db.query(
            f"SELECT * FROM events{clause} ORDER BY at DESC, id DESC LIMIT ?", (*args, limit)
        )
        total = self.db.one(f"SELECT count(*) AS n FROM events{clause}", tuple(args))
        return [rows.event(r) for r in found], int(total["n"]) if total else 0


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


BUSY = "another run"  # the holder named when a batch skips a review being claimed


class ClaimRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(
        self,
        review_id: int,
        user: str,
        minutes: float = 15,
        stale: Callable[[str], bool] = lambda holder: False,
        audit: bool = True,
    ) -> Claim:
        """Take or renew a claim; returns the holder's claim (someone else's if still live).
        An expired claim, or one ``stale(holder)`` says is a dead process's, is taken over.

        The review's row is locked first, not the whole store: on PostgreSQL several hosts
        claim side by side. A batch's claim (``audit=False``) skips a review another run is
        claiming this very moment (``FOR UPDATE SKIP LOCKED``) and says so; a person's
        waits its turn."""
        t = self.db.now()
        with self.db.write(serial=False) as c:
            if not self.db.lock_row(c, "reviews", review_id, skip=not audit):
                return Claim(review_id, BUSY, t, t)
            row = c.execute("SELECT * FROM claims WHERE review_id = ?", (review_id,)).fetchone()
            if (
                row
                and row["user"] != user
                and row["expires_at"] > to_iso(t)
                and not stale(row["user"])
            ):
                return rows.claim(row)
            c.execute(
                'INSERT INTO claims (review_id, "user", claimed_at, expires_at) VALUES (?,?,?,?) '
                'ON CONFLICT (review_id) DO UPDATE SET "user" = excluded."user", '
                "claimed_at = excluded.claimed_at, expires_at = excluded.expires_at",
                (review_id, user, to_iso(t), to_iso(t + timedelta(minutes=minutes))),
            )
            if audit and (not row or row["user"] != user):  # a person's, not a batch's
                self.db.log(c, user, "claim.take", review_id)
        return self.holder(review_id)  # type: ignore[return-value]

    def release(self, review_id: int, user: str) -> None:
        with self.db.write() as c:
            c.execute('DELETE FROM claims WHERE review_id = ? AND "user" = ?', (review_id, user))

    def holder(self, review_id: int) -> Claim | None:
        row = self.db.one(
            "SELECT * FROM claims WHERE review_id = ? AND expires_at > ?",
            (review_id, to_iso(self.db.now())),
        )
        return rows.claim(row) if row else None
