"""Per-source sync state: the incremental cursor and the last sync's report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from replydesk.domain.timeutil import from_iso, to_iso
from replydesk.store.db import Database


@dataclass(frozen=True)
class SourceState:
    name: str
    kind: str
    cursor: str | None
    last_sync_at: datetime | None
    last_status: str | None
    last_report: dict[str, Any]
    reviews: int = 0


class SourceRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def states(self) -> dict[str, SourceState]:
        counts = {
            r[0]: r[1]
            for r in self.db.query("SELECT source, count(*) FROM reviews GROUP BY source")
        }
        out = {}
        for r in self.db.query("SELECT * FROM sources"):
            out[r["name"]] = SourceState(
                r["name"],
                r["kind"],
                r["cursor"],
                from_iso(r["last_sync_at"]),
                r["last_status"],
                json.loads(r["last_report"] or "{}"),
                counts.get(r["name"], 0),
            )
        for name, n in counts.items():
            out.setdefault(name, SourceState(name, "", None, None, None, {}, n))
        return out

    def record(
        self,
        name: str,
        kind: str,
        *,
        status: str,
        report: dict[str, Any],
        cursor: str | None = None,
        at: datetime | None = None,
    ) -> None:
        with self.db.write() as c:
            c.execute(
                "INSERT INTO sources (name, kind, cursor, last_sync_at, last_status, last_report)"
                " VALUES (?,?,?,?,?,?) ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, "
                "cursor = coalesce(excluded.cursor, sources.cursor), last_sync_at = "
                "excluded.last_sync_at, last_status = excluded.last_status, "
                "last_report = excluded.last_report",
                (name, kind, cursor, to_iso(at or self.db.now()), status, json.dumps(report)),
            )
