"""Triage verdicts: the machine's label, and a person's override that always wins."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from replydesk.domain.models import Triage
from replydesk.domain.timeutil import to_iso
from replydesk.store import rows
from replydesk.store.db import Database

PLAIN = (
    "label effective score reasons method second_opinion override_label override_by override_at"
).split()


SAVE = (
    "INSERT INTO triage (review_id, label, score, reasons, method, decided_by, decided_at, "
    "second_opinion, scores, unsure) {values} "
    "ON CONFLICT (review_id) DO UPDATE SET label = excluded.label, "
    "score = excluded.score, reasons = excluded.reasons, method = excluded.method, "
    "decided_by = excluded.decided_by, decided_at = excluded.decided_at, "
    "second_opinion = excluded.second_opinion, scores = excluded.scores, "
    "unsure = excluded.unsure"
)
UNNEST = (
    "SELECT * FROM unnest(?::integer[], ?::text[], ?::double precision[], ?::text[], "
    "?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::integer[])"
)


class TriageRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, review_id: int) -> Triage | None:
        row = self.db.one("SELECT * FROM triage WHERE review_id = ?", (review_id,))
        return rows.triage(row) if row else None

    def all(self) -> dict[int, Triage]:
        return {r["review_id"]: rows.triage(r) for r in self.db.query("SELECT * FROM triage")}

    def plain(self, lo: int, hi: int, *, reasons: bool = True) -> dict[int, dict[str, Any]]:
        """The verdicts of reviews ``lo`` to ``hi`` as plain values (``Triage``'s field
        names, ``effective`` too, times as stored text), for an export of a million.
        ``reasons=False`` leaves them out (an empty list), for a file without them."""
        out: dict[int, dict[str, Any]] = {}
        for r in self.db.query(
            f"SELECT review_id, {', '.join(PLAIN)} FROM triage WHERE review_id BETWEEN ? AND ?",
            (lo, hi),
        ):
            values = dict(zip(PLAIN, r[1:], strict=True))
            values["reasons"] = json.loads(values["reasons"] or "[]") if reasons else []
            out[r[0]] = values
        return out

    def untriaged_ids(self, limit: int = 1_000_000) -> list[int]:
        return [
            r[0]
            for r in self.db.query(
                "SELECT r.id FROM reviews r LEFT JOIN triage t ON t.review_id = r.id "
                "WHERE t.label IS NULL ORDER BY r.id LIMIT ?",
                (limit,),
            )
        ]

    def save(self, verdicts: list[tuple[int, Triage]], decided_at: datetime | None = None) -> None:
        """Store machine verdicts; an existing human override is kept untouched. One
        statement for the batch where the engine takes lists (its triggers then run once)."""
        at = to_iso(decided_at or self.db.now())
        rows = {
            rid: (
                rid,
                t.label,
                t.score,
                json.dumps([asdict(e) for e in t.reasons], ensure_ascii=False),
                t.method,
                t.decided_by,
                at,
                t.second_opinion,
                json.dumps(t.scores, sort_keys=True),
                int(t.unsure),
            )
            for rid, t in verdicts
        }  # the last verdict per review
        if not rows:
            return
        with self.db.write() as c:
            if self.db.sql.arrays:
                columns = [list(column) for column in zip(*rows.values(), strict=True)]
                c.execute(SAVE.format(values=UNNEST), tuple(columns))
            else:
                c.executemany(
                    SAVE.format(values="VALUES (?,?,?,?,?,?,?,?,?,?)"), list(rows.values())
                )

    def override(self, review_id: int, label: str, user: str) -> None:
        at = to_iso(self.db.now())
        with self.db.write() as c:
            before = c.execute(
                "SELECT effective FROM triage WHERE review_id = ?", (review_id,)
            ).fetchone()
            c.execute(
                "INSERT INTO triage (review_id, override_label, override_by, override_at) "
                "VALUES (?,?,?,?) ON CONFLICT (review_id) DO UPDATE SET "
                "override_label = excluded.override_label, override_by = excluded.override_by,"
                " override_at = excluded.override_at",
                (review_id, label, user, at),
            )
            detail = {"label": str(label)}
            if before is not None and before["effective"]:  # what it was labelled before
                detail["from"] = before["effective"]
            self.db.log(c, user, "triage.override", review_id, detail)
