"""Copying a whole store from one engine to another (SQLite to PostgreSQL and back).

Every row keeps its id, so promises, drafts, replies and the audit log still point at the
same reviews. Tables go in an order the foreign keys accept; drafts and promises point at
each other, so drafts arrive without their promise and get it once promises are in.

Resumable: each batch is its own transaction, and a table resumes after the highest id
the destination already holds. A destination is taken only when it is empty or holds a
beginning of this very source (its newest review is the source's review of that id).
Counts per table are compared at the end. The search index is written in the
destination's own form; the kept counts per facet are recounted there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from replydesk.domain.errors import StoreError
from replydesk.store.db import Database

BATCH = 5000


@dataclass(frozen=True)
class Table:
    name: str
    key: str  # an integer key, copied in its order
    columns: tuple[str, ...]
    identity: bool = True  # its key is made by the database (set past the copy's highest)


def _cols(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# in an order the foreign keys accept (drafts.promise_id is filled in after promises)
TABLES = (
    Table("authors", "id", _cols("id source author_key name")),
    Table(
        "reviews",
        "id",
        _cols(
            "id source external_id author_id rating title body language url product_version "
            "created_at updated_at fetched_at raw content_hash version edited status label"
        ),
    ),
    Table(
        "review_versions",
        "id",
        _cols("id review_id version rating title body updated_at recorded_at"),
    ),
    Table("reviews_fts", "rowid", _cols("rowid text"), identity=False),
    Table(
        "triage",
        "review_id",
        _cols(
            "review_id label score reasons method decided_by decided_at second_opinion "
            "override_label override_by override_at scores unsure"
        ),
        identity=False,
    ),
    Table(
        "drafts",
        "id",
        _cols(
            "id review_id kind version text language model prompt_version author state lint "
            "tokens_in tokens_out cost error created_at approved_by approved_at"
        ),
    ),
    Table(
        "replies",
        "id",
        _cols(
            "id review_id draft_id text channel state idempotency_key external_id by_user "
            "created_at confirmed_at error lease_by lease_until attempts"
        ),
    ),
    Table(
        "promises",
        "id",
        _cols(
            "id review_id reply_id what kind due_date owner tracker_url status delivered_at "
            "evidence followup_draft_id flag created_at draft_id origin dispute "
            "followup_pending delivered_in"
        ),
    ),
    Table("claims", "review_id", _cols('review_id "user" claimed_at expires_at'), False),
    Table("events", "id", _cols('id at "user" login action review_id detail')),
)
SOURCES = _cols("name kind cursor last_sync_at last_status last_report")


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    copied: int

    @property
    def ok(self) -> bool:
        return self.source == self.copied


Progress = Callable[[str, int, int], None]  # (table, rows done, rows in all)


def copy_store(src: Database, dst: Database, progress: Progress) -> list[TableCount]:
    """Copy every row of ``src`` into ``dst``; returns the count check per table."""
    _check_destination(src, dst)
    with dst.write() as c:
        c.executemany(
            "INSERT INTO sources (name, kind, cursor, last_sync_at, last_status, last_report) "
            "VALUES (?,?,?,?,?,?) ON CONFLICT (name) DO NOTHING",
            [tuple(r) for r in src.query(f"SELECT {', '.join(SOURCES)} FROM sources")],
        )
    for table in TABLES:
        _copy_table(src, dst, table, progress)
    _link_drafts_to_promises(src, dst)
    with dst.write() as c:  # recounted, whatever the copy's triggers did
        c.execute("DELETE FROM facet_counts")
        c.execute(
            "INSERT INTO facet_counts SELECT coalesce(label, 'untriaged'), source, language, "
            "status, count(*) FROM reviews GROUP BY 1, 2, 3, 4"
        )
    dst.after_bulk_copy([t.name for t in TABLES if t.identity])
    counts = [
        TableCount(name, _count(src, name), _count(dst, name))
        for name in ("sources", *(t.name for t in TABLES))
    ]
    everything = ["sources", "facet_counts", *(t.name for t in TABLES)]
    dst.after_many_changes(everything, sum(c.copied for c in counts))
    return counts


def _count(db: Database, table: str) -> int:
    row = db.one(f"SELECT count(*) FROM {table}")
    return int(row[0]) if row else 0


def _check_destination(src: Database, dst: Database) -> None:
    top = dst.one("SELECT id, source, external_id FROM reviews ORDER BY id DESC LIMIT 1")
    if top is None:
        if dst.one("SELECT 1 FROM events LIMIT 1") is not None:
            raise StoreError(
                f"{dst.where} holds an audit log but no reviews; copy into an empty store"
            )
        return
    same = src.one("SELECT source, external_id FROM reviews WHERE id = ?", (top["id"],))
    if same is None or tuple(same) != (top["source"], top["external_id"]):
        raise StoreError(
            f"{dst.where} already holds other reviews; copy into an empty store "
            "(a copy that stopped part-way is resumed by running the same command)"
        )


def _batches(src: Database, table: Table, after: Any) -> Iterator[list[tuple[Any, ...]]]:
    cols = ", ".join(table.columns)
    while True:
        rows = src.query(
            f"SELECT {cols} FROM {table.name} WHERE {table.key} > ? "
            f"ORDER BY {table.key} LIMIT {BATCH}",
            (after,),
        )
        if not rows:
            return
        batch = [tuple(r) for r in rows]
        yield batch
        after = batch[-1][0]


def _copy_table(src: Database, dst: Database, table: Table, progress: Progress) -> None:
    total = _count(src, table.name)
    top = dst.one(f"SELECT coalesce(max({table.key}), 0) FROM {table.name}")
    after = top[0] if top else 0
    done = int(_count(dst, table.name))
    progress(table.name, done, total)
    columns = list(table.columns)
    text_at = columns.index("text") if table.name == "reviews_fts" else -1
    for batch in _batches(src, table, after):
        if text_at >= 0:  # the search index in the destination's own form
            batch = [
                (*row[:text_at], dst.sql.search_text(row[text_at]), *row[text_at + 1 :])
                for row in batch
            ]
        with dst.write() as c:
            dst.bulk_insert(c, table.name, columns, batch)
        done += len(batch)
        progress(table.name, done, total)


def _link_drafts_to_promises(src: Database, dst: Database) -> None:
    after = 0
    while True:
        rows = src.query(
            "SELECT id, promise_id FROM drafts WHERE promise_id IS NOT NULL AND id > ? "
            f"ORDER BY id LIMIT {BATCH}",
            (after,),
        )
        if not rows:
            return
        with dst.write() as c:
            c.executemany(
                "UPDATE drafts SET promise_id = ? WHERE id = ?",
                [(r["promise_id"], r["id"]) for r in rows],
            )
        after = rows[-1]["id"]
