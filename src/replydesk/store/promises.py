"""The promise ledger: every commitment a reply made, until it is delivered."""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from replydesk.domain.models import Promise, PromiseStatus
from replydesk.domain.timeutil import to_iso
from replydesk.store import rows
from replydesk.store.db import Database


class PromiseRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
        self,
        review_id: int,
        what: str,
        *,
        kind: str,
        owner: str,
        due_date: str | None = None,
        reply_id: int | None = None,
        tracker_url: str | None = None,
        created_at: datetime | None = None,
        draft_id: int | None = None,
    ) -> Promise:
        with self.db.write() as c:
            row = c.execute(
                "INSERT INTO promises (review_id, reply_id, what, kind, due_date, owner, "
                "tracker_url, created_at, draft_id) VALUES (?,?,?,?,?,?,?,?,?) RETURNING *",
                (
                    review_id,
                    reply_id,
                    what,
                    kind,
                    due_date,
                    owner,
                    tracker_url,
                    to_iso(created_at or self.db.now()),
                    draft_id,
                ),
            ).fetchone()
            self.db.log(
                c,
                owner,
                "promise.create",
                review_id,
                {"promise": row["id"], "what": what},
                at=created_at,
            )
        return rows.promise(row)

    def transition(
        self,
        promise_id: int,
        user: str,
        expected: PromiseStatus,
        status: PromiseStatus,
        action: str,
        **fields: object,
    ) -> Promise | None:
        """Move a promise from ``expected`` to ``status`` in one conditional write; ``None``
        when it was not in ``expected`` any more (a colleague acted first)."""
        allowed = {"delivered_at", "evidence", "followup_draft_id"}
        assert set(fields) <= allowed, fields
        sets = "".join(f", {k} = ?" for k in fields)
        values = [to_iso(v) if isinstance(v, datetime) else v for v in fields.values()]
        with self.db.write() as c:
            row = c.execute(
                f"UPDATE promises SET status = ?{sets} WHERE id = ? AND status = ? RETURNING *",
                (str(status), *values, promise_id, str(expected)),
            ).fetchone()
            if row is None:
                return None
            detail: dict[str, object] = {"promise": promise_id, "from": str(expected)}
            detail.update(
                (k, to_iso(v) if isinstance(v, datetime) else v) for k, v in fields.items()
            )
            self.db.log(c, user, action, row["review_id"], detail)
        return rows.promise(row)

    def update(self, promise_id: int, user: str, **fields: object) -> Promise:
        """Change what/due_date/tracker_url/flag/followup_draft_id/reply_id; logged.
        A change of status goes through ``transition`` (the life-cycle table)."""
        allowed = {
            "what",
            "due_date",
            "tracker_url",
            "flag",
            "followup_draft_id",
            "reply_id",
        }
        assert set(fields) <= allowed, fields
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.db.write() as c:
            row = c.execute(
                f"UPDATE promises SET {sets} WHERE id = ? RETURNING *",
                (*fields.values(), promise_id),
            ).fetchone()
            if row is None:
                raise KeyError(promise_id)
            self.db.log(
                c,
                user,
                "promise.update",
                row["review_id"],
                {"promise": promise_id, **{k: v for k, v in fields.items()}},
            )
        return rows.promise(row)

    def add_for_draft(
        self,
        draft_id: int,
        review_id: int,
        owner: str,
        found: Sequence[tuple[str, str, str | None]],
    ) -> list[Promise]:
        """The promises of one approved draft, recorded once: (what, kind, due) each. In
        one transaction, so of several approvals at once only the first records them."""
        with self.db.write() as c:
            existing = c.execute(
                "SELECT * FROM promises WHERE draft_id = ? ORDER BY id", (draft_id,)
            ).fetchall()
            if existing:
                return [rows.promise(r) for r in existing]
            out = []
            for what, kind, due in found:
                row = c.execute(
                    "INSERT INTO promises (review_id, what, kind, due_date, owner, created_at, "
                    "draft_id) VALUES (?,?,?,?,?,?,?) RETURNING *",
                    (review_id, what, kind, due, owner, to_iso(self.db.now()), draft_id),
                ).fetchone()
                self.db.log(
                    c, owner, "promise.create", review_id, {"promise": row["id"], "what": what}
                )
                out.append(rows.promise(row))
        return out

    def for_draft(self, draft_id: int) -> list[Promise]:
        return [
            rows.promise(r)
            for r in self.db.query(
                "SELECT * FROM promises WHERE draft_id = ? ORDER BY id", (draft_id,)
            )
        ]

    def delivered_for_author(self, author_id: int) -> list[Promise]:
        return [
            rows.promise(r)
            for r in self.db.query(
                "SELECT p.* FROM promises p JOIN reviews r ON r.id = p.review_id "
                "WHERE r.author_id = ? AND p.status = 'delivered'",
                (author_id,),
            )
        ]

    def get(self, promise_id: int) -> Promise | None:
        row = self.db.one("SELECT * FROM promises WHERE id = ?", (promise_id,))
        return rows.promise(row) if row else None

    def list(self, status: str | None = None) -> list[Promise]:
        if status:
            found = self.db.query(
                "SELECT * FROM promises WHERE status = ? ORDER BY due_date", (status,)
            )
        else:
            found = self.db.query("SELECT * FROM promises ORDER BY status, due_date")
        return [rows.promise(r) for r in found]

    def overdue(self, today: str) -> builtins.list[Promise]:
        return [
            rows.promise(r)
            for r in self.db.query(
                "SELECT * FROM promises WHERE status = 'open' AND due_date < ? ORDER BY due_date",
                (today,),
            )
        ]

    def for_review(self, review_id: int) -> builtins.list[Promise]:
        return [
            rows.promise(r)
            for r in self.db.query(
                "SELECT * FROM promises WHERE review_id = ? ORDER BY created_at", (review_id,)
            )
        ]

    def for_author(self, author_id: int) -> builtins.list[Promise]:
        return [
            rows.promise(r)
            for r in self.db.query(
                "SELECT p.* FROM promises p JOIN reviews r ON r.id = p.review_id "
                "WHERE r.author_id = ? ORDER BY p.created_at",
                (author_id,),
            )
        ]

    def by_review(self) -> dict[int, builtins.list[Promise]]:
        out: dict[int, builtins.list[Promise]] = defaultdict(list)
        for r in self.db.query("SELECT * FROM promises ORDER BY review_id, created_at"):
            out[r["review_id"]].append(rows.promise(r))
        return out
