"""The promise ledger: every commitment a reply made, until it is delivered."""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from replydesk.domain.errors import StoreError
from replydesk.domain.models import Draft, NewPromise, Promise, PromiseOrigin, PromiseStatus
from replydesk.domain.timeutil import to_iso
from replydesk.store import rows
from replydesk.store.db import Database


@dataclass(frozen=True)
class Reopened:
    """An undone promise, and what became of the follow-up its delivery had drafted."""

    promise: Promise
    followup_draft_id: int | None
    followup_withdrawn: bool  # some version of it was withdrawn here
    followup_live: bool = False  # a version was sent, or a post run holds it


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
        origin: PromiseOrigin = PromiseOrigin.RULES,
        action: str = "promise.create",
    ) -> Promise:
        """One promise owned by ``owner``; ``origin`` says who read it (``PERSON`` for one
        written down by hand); audited as ``action``."""
        with self.db.write() as c:
            row = c.execute(
                "INSERT INTO promises (review_id, reply_id, what, kind, due_date, owner, "
                "tracker_url, created_at, draft_id, origin) VALUES (?,?,?,?,?,?,?,?,?,?) "
                "RETURNING *",
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
                    str(origin),
                ),
            ).fetchone()
            detail: dict[str, object] = {"promise": row["id"], "what": what, "kind": kind}
            detail.update(
                (k, v)
                for k, v in (("due_date", due_date), ("tracker_url", tracker_url))
                if v is not None
            )
            self.db.log(c, owner, action, review_id, detail, at=created_at)
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
        allowed = {
            "delivered_at",
            "evidence",
            "followup_draft_id",
            "followup_pending",
            "delivered_in",
        }
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

    def update(
        self, promise_id: int, user: str, action: str = "promise.update", **fields: object
    ) -> Promise:
        """Change what/due_date/tracker_url/flag/followup_draft_id/reply_id/dispute/
        delivered_in; logged as ``action``. A change of status goes through ``transition``
        (the life-cycle table)."""
        allowed = {
            "what",
            "due_date",
            "tracker_url",
            "flag",
            "followup_draft_id",
            "reply_id",
            "dispute",
            "delivered_in",
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
                action,
                row["review_id"],
                {"promise": promise_id, **{k: v for k, v in fields.items()}},
            )
        return rows.promise(row)

    def flag_delivered(self, promise_id: int, user: str, flag: str) -> Promise | None:
        """Flag a delivered promise once (the customer wrote again); ``None`` when it is
        not delivered any more (undone meanwhile) or was flagged already."""
        with self.db.write() as c:
            row = c.execute(
                "UPDATE promises SET flag = ? WHERE id = ? AND status = 'delivered' "
                "AND flag IS NULL RETURNING *",
                (flag, promise_id),
            ).fetchone()
            if row is None:
                return None
            self.db.log(c, user, "promise.flag", row["review_id"], {"promise": promise_id})
        return rows.promise(row)

    def add_for_draft(
        self,
        draft_id: int,
        review_id: int,
        owner: str,
        found: Sequence[NewPromise],
    ) -> list[Promise]:
        """The promises read from one approved draft, recorded once. In one transaction,
        so of several approvals at once only the first records them (a promise a person
        added to the draft by hand does not count as read)."""
        with self.db.write() as c:
            existing = c.execute(
                "SELECT * FROM promises WHERE draft_id = ? AND origin != 'person' ORDER BY id",
                (draft_id,),
            ).fetchall()
            if existing:
                return [rows.promise(r) for r in existing]
            out = []
            for p in found:
                row = c.execute(
                    "INSERT INTO promises (review_id, what, kind, due_date, owner, created_at, "
                    "draft_id, origin, dispute) VALUES (?,?,?,?,?,?,?,?,?) RETURNING *",
                    (
                        review_id,
                        p.what,
                        str(p.kind),
                        p.due_date,
                        owner,
                        to_iso(self.db.now()),
                        draft_id,
                        str(p.origin),
                        p.dispute,
                    ),
                ).fetchone()
                detail: dict[str, object] = {
                    "promise": row["id"],
                    "what": p.what,
                    "origin": str(p.origin),
                }
                if p.dispute:
                    detail["dispute"] = p.dispute
                self.db.log(c, owner, "promise.create", review_id, detail)
                out.append(rows.promise(row))
        return out

    def attach_followup(
        self, promise_id: int, user: str, make: Callable[[], Draft]
    ) -> Draft | None:
        """Write a delivered promise's follow-up exactly once. In one transaction: if the
        promise is still delivered and waiting for its follow-up, ``make()`` adds the draft
        (its writes join this transaction) and the promise is linked to it. ``None``, with
        nothing written, when another run wrote it first or the delivery was undone."""
        try:
            with self.db.write() as c:
                row = c.execute(
                    "SELECT review_id FROM promises WHERE id = ? AND status = 'delivered' "
                    "AND followup_pending = 1",
                    (promise_id,),
                ).fetchone()
                if row is None:
                    return None
                draft = make()
                c.execute(
                    "UPDATE promises SET followup_draft_id = ?, followup_pending = 0 WHERE id = ?",
                    (draft.id, promise_id),
                )
                self.db.log(
                    c,
                    user,
                    "promise.followup",
                    row["review_id"],
                    {"promise": promise_id, "draft": draft.id},
                )
        except self.db.errors as exc:
            raise StoreError(f"the follow-up of promise {promise_id} was not saved: {exc}") from exc
        return draft

    def reopen(self, promise_id: int, user: str, expected: PromiseStatus) -> Reopened | None:
        """Undo: back to open from ``expected``, in one transaction with what the delivery
        left behind (its follow-up, if not sent yet and no post run holds it, is withdrawn;
        the review goes back to where it stood). ``None`` when the promise was not
        ``expected`` any more."""
        with self.db.write() as c:
            before = c.execute(
                "SELECT followup_draft_id FROM promises WHERE id = ? AND status = ?",
                (promise_id, str(expected)),
            ).fetchone()
            if before is None:
                return None
            clear_flag = ", flag = NULL" if expected == PromiseStatus.DELIVERED else ""
            row = c.execute(
                "UPDATE promises SET status = 'open', delivered_at = NULL, evidence = NULL, "
                "followup_draft_id = NULL, followup_pending = 0, delivered_in = NULL"
                f"{clear_flag} WHERE id = ? RETURNING *",
                (promise_id,),
            ).fetchone()
            followup: int | None = before["followup_draft_id"]
            # every version of its follow-up (an edit is a new draft), unless a post run
            # holds it or may have reached the platform with it: then it is too late
            gone = [
                r["id"]
                for r in c.execute(
                    "UPDATE drafts SET state = 'discarded' WHERE promise_id = :p "
                    "AND kind = 'followup' AND state IN ('draft', 'approved') AND NOT EXISTS ("
                    "  SELECT 1 FROM replies WHERE draft_id = drafts.id AND (state IN "
                    "  ('posted', 'copied') OR (state = 'pending' AND (attempts > 0 "
                    "  OR lease_until > :now)))) RETURNING id",
                    {"p": promise_id, "now": to_iso(self.db.now())},
                ).fetchall()
            ]
            for draft_id in gone:
                self.db.log(c, user, "draft.discard", row["review_id"], {"draft": draft_id})
            if gone:
                c.execute(_SETTLE_REVIEW, {"id": row["review_id"]})
            live = c.execute(
                "SELECT 1 FROM drafts WHERE promise_id = ? AND kind = 'followup' "
                "AND state IN ('draft', 'approved', 'posted') LIMIT 1",
                (promise_id,),
            ).fetchone()
            withdrawn = bool(gone)
            self.db.log(
                c,
                user,
                "promise.undo",
                row["review_id"],
                {"promise": promise_id, "from": str(expected), "followup_withdrawn": withdrawn},
            )
        return Reopened(rows.promise(row), followup, withdrawn, live is not None)

    def awaiting_followup(self) -> builtins.list[Promise]:
        """Delivered promises whose follow-up draft is not written yet."""
        return [
            rows.promise(r)
            for r in self.db.query(
                "SELECT * FROM promises WHERE followup_pending = 1 AND status = 'delivered' "
                "ORDER BY id"
            )
        ]

    def with_source(self) -> builtins.list[tuple[Promise, str]]:
        """Every promise with the source of its review (the product it is about)."""
        return [
            (rows.promise(r), r["source"])
            for r in self.db.query(
                "SELECT p.*, r.source AS source FROM promises p "
                "JOIN reviews r ON r.id = p.review_id ORDER BY p.id"
            )
        ]

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
                self.db.sql.order(
                    "SELECT * FROM promises WHERE status = ? ORDER BY due_date{nulls_first}, id"
                ),
                (status,),
            )
        else:
            found = self.db.query(
                self.db.sql.order(
                    "SELECT * FROM promises ORDER BY status, due_date{nulls_first}, id"
                )
            )
        return [rows.promise(r) for r in found]

    def overdue(self, today: str) -> builtins.list[Promise]:
        return [
            rows.promise(r)
            for r in self.db.query(
                "SELECT * FROM promises WHERE status = 'open' AND due_date < ? "
                "ORDER BY due_date, id",
                (today,),
            )
        ]

    def for_review(self, review_id: int) -> builtins.list[Promise]:
        return [
            rows.promise(r)
            for r in self.db.query(
                "SELECT * FROM promises WHERE review_id = ? ORDER BY created_at, id", (review_id,)
            )
        ]

    def for_author(self, author_id: int) -> builtins.list[Promise]:
        return [
            rows.promise(r)
            for r in self.db.query(
                "SELECT p.* FROM promises p JOIN reviews r ON r.id = p.review_id "
                "WHERE r.author_id = ? ORDER BY p.created_at, p.id",
                (author_id,),
            )
        ]

    def by_review(self, lo: int = 0, hi: int = 2**62) -> dict[int, builtins.list[Promise]]:
        """Per review, for the reviews with ids ``lo`` to ``hi`` (all by default)."""
        out: dict[int, builtins.list[Promise]] = defaultdict(list)
        for r in self.db.query(
            "SELECT * FROM promises WHERE review_id BETWEEN ? AND ? "
            "ORDER BY review_id, created_at, id",
            (lo, hi),
        ):
            out[r["review_id"]].append(rows.promise(r))
        return out


# Where a review stands once a follow-up not sent yet is withdrawn: drafted or approved
# while another follow-up waits, answered if a reply went out, else as its reply stands.
_SETTLE_REVIEW = """
UPDATE reviews SET status = CASE
    WHEN EXISTS (SELECT 1 FROM drafts WHERE review_id = :id AND kind = 'followup'
                 AND state = 'draft') THEN 'drafted'
    WHEN EXISTS (SELECT 1 FROM drafts WHERE review_id = :id AND kind = 'followup'
                 AND state = 'approved') THEN 'approved'
    WHEN EXISTS (SELECT 1 FROM replies WHERE review_id = :id AND state IN ('posted','copied'))
        THEN 'replied'
    WHEN EXISTS (SELECT 1 FROM drafts WHERE review_id = :id AND state = 'approved')
        THEN 'approved'
    WHEN EXISTS (SELECT 1 FROM drafts WHERE review_id = :id AND state = 'draft')
        THEN 'drafted'
    ELSE 'new' END
WHERE id = :id AND status IN ('drafted', 'approved')
"""
