"""Reviews, their authors and versions: upsert with edit history, listing, search."""

from __future__ import annotations

import builtins
import functools
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal, NamedTuple, cast

from replydesk.domain.models import NewReview, Review, ReviewFilter, ReviewVersion
from replydesk.domain.text import fold
from replydesk.domain.timeutil import from_iso, to_iso
from replydesk.store import rows
from replydesk.store.db import Conn, Database
from replydesk.store.dialect import Dialect

Outcome = Literal["new", "updated", "unchanged"]


def content_hash(r: NewReview) -> str:
    """Title, body and rating, each followed by a NUL: what tells an edit apart."""
    data = f"{r.title}\x00{r.body}\x00{r.rating}\x00".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


_SORTS = {  # the ORDER BY terms of each; each matches an index that starts with label
    "newest": ("r.created_at DESC{nulls_last}", "r.id DESC"),
    "oldest": ("r.created_at ASC{nulls_first}", "r.id ASC"),
    "rating": ("coalesce(r.rating, 6) ASC", "r.created_at DESC{nulls_last}", "r.id ASC"),
}
# With a label filter the order starts with the label, in the direction that sort walks its
# index. It changes no result (one label is listed), but PostgreSQL sees in `label IS NULL`
# no constant, so for "untriaged" it otherwise sorts every match rather than walking the
# index: 430 ms instead of 3 at a million.
_LABEL_FIRST = {"newest": "r.label DESC", "oldest": "r.label ASC", "rating": "r.label ASC"}


_OPPOSITE = {  # longest first: each sort term ends with one of these
    " DESC{nulls_last}": " ASC{nulls_first}",
    " ASC{nulls_first}": " DESC{nulls_last}",
    " DESC": " ASC",
    " ASC": " DESC",
}


def _reversed(term: str) -> str:
    """One ORDER BY term in the opposite direction, NULLs included."""
    end = next(e for e in _OPPOSITE if term.endswith(e))
    return term[: -len(end)] + _OPPOSITE[end]


def folded_text(r: NewReview) -> str:
    """What a review is found by: its author, title and body, case and accents folded."""
    return fold(f"{r.author}\n{r.title}\n{r.body}")


# a search matching fewer reviews is answered from the search index (then sorted); a
# broader one by walking the label index in order and keeping the matches
NARROW_SEARCH = 2000
MATCHES_KEPT_S = 3.0


NEW_COLUMNS = (
    "id source external_id author_id rating title body language url product_version "
    "created_at updated_at fetched_at raw content_hash"
).split()
PLAIN = (
    "id source external_id author author_key rating title body language url product_version "
    "created_at updated_at fetched_at version edited status"
).split()
PLAIN_SELECT = (
    "SELECT r.id, r.source, r.external_id, coalesce(a.name, ''), coalesce(a.author_key, ''), "
    "r.rating, r.title, r.body, r.language, r.url, r.product_version, r.created_at, "
    "r.updated_at, r.fetched_at, r.version, r.edited, r.status FROM reviews r "
    "LEFT JOIN authors a ON a.id = r.author_id WHERE r.id > ? AND r.id <= ? ORDER BY r.id "
    "LIMIT {n}"
)
NUL_FIELDS = (
    "source", "external_id", "author", "author_key", "title", "body", "url",
    "product_version", "language",
)  # fmt: skip


class StoredReview(NamedTuple):
    """A review as the store writes it: times as text, its raw record as JSON, its content
    hash and search text worked out. A big import works these out in its reading process
    (``stored_form`` is a plain function of the review), so the writing process only
    writes."""

    source: str
    external_id: str
    author: str
    author_key: str
    rating: int | None
    title: str
    body: str
    language: str
    url: str
    product_version: str
    created_at: str | None
    updated_at: str | None
    raw: str | None
    content_hash: str
    search_text: str


def stored_form(review: NewReview, sql: Dialect) -> StoredReview:
    """``review`` as ``sql``'s engine stores it (see ``StoredReview``)."""
    r = _without_nul(review)
    return StoredReview(
        r.source,
        r.external_id,
        r.author,
        r.author_key,
        r.rating,
        r.title,
        r.body,
        r.language,
        r.url,
        r.product_version,
        to_iso(r.created_at),
        to_iso(r.updated_at),
        json.dumps(r.raw, ensure_ascii=False) if r.raw is not None else None,
        content_hash(r),
        sql.search_text(folded_text(r)),
    )


def _author_id(author_ids: dict[tuple[str, str], int], r: StoredReview) -> int | None:
    key = r.author_key or r.author
    return author_ids.get((r.source, key)) if key else None


def _without_nul(r: NewReview) -> NewReview:
    """A NUL character is never text a person wrote, and PostgreSQL cannot store one:
    on either engine it is kept as U+FFFD, the mark of a character that could not be
    read, so a review reads the same whichever engine holds it."""
    if "\x00" not in "".join([getattr(r, f) for f in NUL_FIELDS]):  # the usual review
        return r
    found = {f: getattr(r, f) for f in NUL_FIELDS if "\x00" in getattr(r, f)}
    return replace(r, **{f: text.replace("\x00", "\ufffd") for f, text in found.items()})


class ReviewRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        # a narrow search's matching ids, for a few seconds (one screenful's queries)
        self._narrow: dict[str, tuple[float, builtins.list[int] | None]] = {}
        # authors are never deleted, so their ids can be remembered across batches
        self._author_ids: dict[tuple[str, str], int] = {}

    # ------------------------------------------------------------ writing

    def former(self) -> Callable[[NewReview], StoredReview]:
        """``stored_form`` for this store's engine, as a function another process can be
        given (it holds no connection)."""
        return functools.partial(stored_form, sql=self.db.sql)

    def upsert(
        self,
        reviews: Iterable[NewReview | StoredReview],
        fetched_at: datetime | None = None,
        user: str = "system",
    ) -> list[tuple[Outcome, int]]:
        """Insert new reviews, record edits as versions; one transaction for the batch.
        Reviews may come in the stored form already (``stored_form``), worked out
        elsewhere for this engine."""
        fetched = to_iso(fetched_at or self.db.now())
        batch = [r if isinstance(r, StoredReview) else stored_form(r, self.db.sql) for r in reviews]
        try:
            return self._upsert(batch, fetched, user)
        except BaseException:
            self._author_ids.clear()  # ids made in a rolled-back transaction are gone
            raise

    def _upsert(
        self, batch: list[StoredReview], fetched: str | None, user: str
    ) -> list[tuple[Outcome, int]]:
        """New reviews go in together, the engine's fastest way (ids taken first, so the
        search index and the outcome know them); an edit is rare and goes one by one."""
        out: list[tuple[Outcome, int]] = []
        with self.db.write() as c:
            existing_rows = self._existing(c, batch)
            author_ids = self._authors(c, batch)
            news = [
                r for r in {(r.source, r.external_id): r for r in batch}.values()
                if (r.source, r.external_id) not in existing_rows
            ]  # fmt: skip
            new_ids = dict(
                zip(
                    ((r.source, r.external_id) for r in news),
                    self.db.new_ids(c, "reviews", len(news)),
                    strict=True,
                )
            )
            pending: list[StoredReview] = []  # new rows not written yet
            made, written = set(new_ids.values()), set[int]()
            taken: set[tuple[str, str]] = set()  # new keys given their row (the first time)
            for r in batch:
                key = (r.source, r.external_id)
                digest = r.content_hash
                if key in new_ids and key not in taken:
                    taken.add(key)
                    rid = new_ids[key]
                    pending.append(r)
                    out.append(("new", rid))
                    existing_rows[key] = {
                        "id": rid,
                        "content_hash": digest,
                        "version": 1,
                        "title": r.title,
                        "body": r.body,
                        "rating": r.rating,
                        "updated_at": None,
                    }
                    continue
                existing = existing_rows[key]
                rid = existing["id"]
                if existing["content_hash"] == digest:
                    out.append(("unchanged", rid))
                    continue
                if rid in made and rid not in written:  # new, and edited in this batch
                    written |= self._insert_new(c, pending, new_ids, author_ids, fetched)
                    pending = []
                self._edit(c, r, existing, author_ids, fetched, user)
                out.append(("updated", rid))
                existing_rows[key] = {
                    "id": rid,
                    "content_hash": digest,
                    "version": existing["version"] + 1,
                    "title": r.title,
                    "body": r.body,
                    "rating": r.rating,
                    "updated_at": r.updated_at or fetched,
                }
            self._insert_new(c, pending, new_ids, author_ids, fetched)
        return out

    def _authors(self, c: Conn, batch: list[StoredReview]) -> dict[tuple[str, str], int]:
        """The id of every author in the batch, new ones made in one statement; a name
        given now replaces the one known (a key alone keeps it)."""
        wanted: dict[tuple[str, str], str] = {}
        for r in batch:
            key = r.author_key or r.author
            if key and (r.source, key) not in self._author_ids:
                wanted[(r.source, key)] = r.author or wanted.get((r.source, key)) or key
        if wanted and self.db.sql.arrays:  # one statement, the ids coming back with it
            for row in c.execute(
                "INSERT INTO authors (source, author_key, name) "
                "SELECT * FROM unnest(?::text[], ?::text[], ?::text[]) "
                "ON CONFLICT (source, author_key) DO UPDATE SET name = CASE "
                "WHEN excluded.name != '' THEN excluded.name ELSE authors.name END "
                "RETURNING id, source, author_key",
                (
                    [source for source, _key in wanted],
                    [key for _source, key in wanted],
                    list(wanted.values()),
                ),
            ):
                self._author_ids[(row["source"], row["author_key"])] = row["id"]
        elif wanted:
            c.executemany(
                "INSERT INTO authors (source, author_key, name) VALUES (?, ?, ?) "
                "ON CONFLICT (source, author_key) DO UPDATE SET name = CASE "
                "WHEN excluded.name != '' THEN excluded.name ELSE authors.name END",
                [(*key, name) for key, name in wanted.items()],
            )
            by_source: dict[str, list[str]] = {}
            for source, key in wanted:
                by_source.setdefault(source, []).append(key)
            for source, keys in by_source.items():
                for i in range(0, len(keys), 500):
                    chunk = keys[i : i + 500]
                    marks = ",".join("?" * len(chunk))
                    for row in c.execute(
                        "SELECT id, author_key FROM authors WHERE source = ? "
                        f"AND author_key IN ({marks})",
                        (source, *chunk),
                    ):
                        self._author_ids[(source, row["author_key"])] = row["id"]
        return self._author_ids

    def _insert_new(
        self,
        c: Conn,
        pending: list[StoredReview],
        new_ids: dict[tuple[str, str], int],
        author_ids: dict[tuple[str, str], int],
        fetched: str | None,
    ) -> set[int]:
        if not pending:
            return set()
        rows: list[tuple[Any, ...]] = []
        fts: list[tuple[Any, ...]] = []
        facets: dict[tuple[str, str], int] = {}
        for r in pending:
            rid = new_ids[(r.source, r.external_id)]
            rows.append(
                (
                    rid,
                    r.source,
                    r.external_id,
                    _author_id(author_ids, r),
                    r.rating,
                    r.title,
                    r.body,
                    r.language,
                    r.url,
                    r.product_version,
                    r.created_at,
                    r.updated_at or r.created_at,
                    fetched,
                    r.raw,
                    r.content_hash,
                )
            )
            fts.append((rid, r.search_text))
            facet = (r.source, r.language or "")
            facets[facet] = facets.get(facet, 0) + 1
        self.db.bulk_insert(c, "reviews", NEW_COLUMNS, rows, without_nul=True)
        self.db.bulk_insert(c, "reviews_fts", ["rowid", "text"], fts, without_nul=True)
        c.executemany(  # new reviews are untriaged and 'new' (schema 4)
            "INSERT INTO facet_counts VALUES ('untriaged', ?, ?, 'new', ?) "
            "ON CONFLICT (label, source, language, status) "
            "DO UPDATE SET n = facet_counts.n + excluded.n",
            [(*key, n) for key, n in facets.items()],
        )
        return {row[0] for row in rows}

    def _edit(
        self,
        c: Conn,
        r: StoredReview,
        existing: Any,
        author_ids: dict[tuple[str, str], int],
        fetched: str | None,
        user: str,
    ) -> None:
        """A review changed at its source: the old text is kept as a version."""
        rid = existing["id"]
        c.execute(
            "INSERT INTO review_versions (review_id, version, rating, title, body, "
            "updated_at, recorded_at) VALUES (?,?,?,?,?,?,?)",
            (
                rid,
                existing["version"],
                existing["rating"],
                existing["title"],
                existing["body"],
                existing["updated_at"],
                fetched,
            ),
        )
        c.execute(
            "UPDATE reviews SET rating = ?, title = ?, body = ?, "
            "language = coalesce(nullif(?, ''), language), url = coalesce(nullif(?, ''),"
            " url), product_version = coalesce(nullif(?, ''), product_version), "
            "updated_at = ?, fetched_at = ?, raw = ?, content_hash = ?, "
            "version = version + 1, edited = 1, author_id = coalesce(?, author_id) "
            "WHERE id = ?",
            (
                r.rating,
                r.title,
                r.body,
                r.language,
                r.url,
                r.product_version,
                r.updated_at or fetched,
                fetched,
                r.raw,
                r.content_hash,
                _author_id(author_ids, r),
                rid,
            ),
        )
        c.execute("UPDATE reviews_fts SET text = ? WHERE rowid = ?", (r.search_text, rid))
        # the machine's verdict was about the old text; a person's override stands
        c.execute("DELETE FROM triage WHERE review_id = ? AND override_label IS NULL", (rid,))
        self.db.log(
            c,
            user,
            "review.edited",
            rid,
            {"version": existing["version"] + 1},
            at=from_iso(fetched),
        )

    def _existing(self, c: Conn, batch: list[StoredReview]) -> dict[tuple[str, str], Any]:
        """The stored state of every review in the batch, in a few queries (one per
        source where the engine takes a list as one parameter)."""
        found: dict[tuple[str, str], Any] = {}
        by_source: dict[str, list[str]] = {}
        for r in batch:
            by_source.setdefault(r.source, []).append(r.external_id)
        select = (
            "SELECT id, external_id, content_hash, version, title, body, rating, updated_at "
            "FROM reviews WHERE source = ? AND external_id "
        )
        for source, ids in by_source.items():
            if self.db.sql.arrays:
                chunks = [c.execute(select + "= ANY(?)", (source, ids))]
            else:
                chunks = [
                    c.execute(select + f"IN ({','.join('?' * len(chunk))})", (source, *chunk))
                    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500))
                ]
            for rows_found in chunks:
                for row in rows_found:
                    found[(source, row["external_id"])] = row
        return found

    def set_no_reply(self, review_id: int, no_reply: bool, user: str) -> str | None:
        """A person's call that a review needs no reply (status ``ignored``), or that it
        does after all (back to ``drafted`` or ``new``). Only a review not yet answered or
        approved changes; returns its status before (``None``: no such review)."""
        with self.db.write() as c:
            row = c.execute("SELECT status FROM reviews WHERE id = ?", (review_id,)).fetchone()
            if row is None:
                return None
            before = str(row["status"])
            if no_reply and before in ("new", "drafted"):
                c.execute("UPDATE reviews SET status = 'ignored' WHERE id = ?", (review_id,))
                self.db.log(c, user, "review.no_reply", review_id, {"was": before})
            elif not no_reply and before == "ignored":
                c.execute(
                    "UPDATE reviews SET status = CASE WHEN EXISTS (SELECT 1 FROM drafts WHERE "
                    "review_id = :id AND state = 'draft') THEN 'drafted' ELSE 'new' END "
                    "WHERE id = :id",
                    {"id": review_id},
                )
                self.db.log(c, user, "review.reply_needed", review_id, {})
            return before

    def set_status(self, review_id: int, status: str) -> None:
        with self.db.write() as c:
            c.execute("UPDATE reviews SET status = ? WHERE id = ?", (status, review_id))

    # ------------------------------------------------------------ reading

    def get(self, review_id: int) -> Review | None:
        row = self.db.one(
            rows.REVIEW_SELECT + " WHERE r.id = :id",
            {"id": review_id, "now": to_iso(self.db.now())},
        )
        return rows.review(row) if row else None

    def many(self, ids: list[int]) -> list[Review]:
        out: list[Review] = []
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = rows.REVIEW_SELECT.replace(":now", "?") + f" WHERE r.id IN ({marks})"
            out += [rows.review(r) for r in self.db.query(sql, (to_iso(self.db.now()), *chunk))]
        return out

    def by_external(self, source: str, external_id: str) -> Review | None:
        row = self.db.one(
            rows.REVIEW_SELECT + " WHERE r.source = :s AND r.external_id = :e",
            {"s": source, "e": external_id, "now": to_iso(self.db.now())},
        )
        return rows.review(row) if row else None

    def list(self, f: ReviewFilter | None = None) -> list[Review]:
        f = f or ReviewFilter()
        where, params = self._where(f)
        params.update(limit=f.limit, offset=f.offset)
        if "ids" in params or not f.offset:  # a narrow search (its few ids), or a first page
            select = rows.REVIEW_SELECT
            if "ids" in params and self.db.sql.ids_first:
                assert select.count("FROM reviews r\n") == 1
                select = select.replace("FROM reviews r\n", f"FROM {self.db.sql.ids_first}\n")
            sql = select + where + f" ORDER BY {self._order(f)} LIMIT :limit OFFSET :offset"
            return [rows.review(r) for r in self.db.query(sql, params)]
        # a page further down (End, the scroll bar dragged): the reviews it skips cost an
        # index entry each, not a joined row; past the middle the page is read from the
        # other end. At a million, End took 12.9 s on SQLite (3.4 s on PostgreSQL)
        counted = f.author_id is None and not self.db.sql.search(f.search)  # facet_counts
        backwards = counted and f.offset * 2 > self.count(f)
        cut = "LIMIT :limit OFFSET :offset"
        if backwards:
            # cut by the count this statement reads itself: one snapshot, whoever writes
            # in between
            total, total_params = self._facet_total(f)
            params.update(total_params)
            rest = f"(({total}) - :offset)"  # from the page's first review to the end
            cut = (
                f"LIMIT CASE WHEN {rest} < :limit THEN (CASE WHEN {rest} > 0 THEN {rest} "
                f"ELSE 0 END) ELSE :limit END "
                f"OFFSET CASE WHEN {rest} > :limit THEN {rest} - :limit ELSE 0 END"
            )
        order = self._order(f, backwards=backwards)
        sql = f"SELECT r.id FROM reviews r{where} ORDER BY {order} {cut}"
        ids = [r[0] for r in self.db.query(sql, params)]
        found = {r.id: r for r in self.many(ids)}
        return [found[i] for i in (reversed(ids) if backwards else ids) if i in found]

    def _order(self, f: ReviewFilter, *, backwards: bool = False) -> str:
        """The list's ORDER BY, or its exact reverse."""
        sort = f.sort if f.sort in _SORTS else "newest"
        terms = ((_LABEL_FIRST[sort],) if f.label else ()) + _SORTS[sort]
        if backwards:
            terms = tuple(_reversed(term) for term in terms)
        return self.db.sql.order(", ".join(terms))

    def count(self, f: ReviewFilter | None = None) -> int:
        f = f or ReviewFilter()
        counts = self.label_counts(f)
        return counts.get(f.label, 0) if f.label else sum(counts.values())

    def label_counts(self, f: ReviewFilter | None = None) -> dict[str, int]:
        """How many reviews match per label ('untriaged' too), ignoring ``f.label``."""
        f = f or ReviewFilter()
        if f.author_id is None and not self.db.sql.search(f.search):
            # kept by triggers (schema 3): a sum over a few hundred rows, whatever the size
            where, params = self._facet_where(replace(f, label=None))
            return {
                r[0]: r[1]
                for r in self.db.query(
                    f"SELECT label, sum(n) FROM facet_counts{where} GROUP BY label "
                    "HAVING sum(n) > 0",
                    params,
                )
            }
        where, params = self._where(f, skip_label=True)
        sql = "SELECT r.label, count(*) FROM reviews r" + where + " GROUP BY r.label"
        return {r[0] or "untriaged": r[1] for r in self.db.query(sql, params)}

    def _facet_where(self, f: ReviewFilter) -> tuple[str, dict[str, Any]]:
        """The facet_counts rows that count ``f`` (no author, no search)."""
        clauses, params = ["n > 0"], {}
        for col in ("label", "source", "language", "status"):
            if getattr(f, col):
                clauses.append(f"{col} = :facet_{col}")
                params[f"facet_{col}"] = getattr(f, col)
        return " WHERE " + " AND ".join(clauses), params

    def _facet_total(self, f: ReviewFilter) -> tuple[str, dict[str, Any]]:
        """How many reviews ``f`` lists, as a scalar query on facet_counts."""
        where, params = self._facet_where(f)
        return f"SELECT coalesce(sum(n), 0) FROM facet_counts{where}", params

    def match_count(self, search: str) -> int:
        """How many reviews a search matches, whatever the other filters (a few ms)."""
        query = self.db.sql.search(search)
        if not query:
            total = self.db.one("SELECT count(*) FROM reviews")
            assert total is not None  # an aggregate always returns a row
            return cast(int, total[0])
        row = self.db.one(f"SELECT count(*) FROM ({self.db.sql.fts_ids}) matched", {"q": query})
        assert row is not None  # an aggregate always returns a row
        return cast(int, row[0])

    def is_narrow(self, search: str) -> bool:
        """Does a search match few reviews (at most ``NARROW_SEARCH``)?"""
        return self._matches(search) is not None

    def _matches(self, search: str) -> builtins.list[int] | None:
        """The ids a narrow search matches; ``None`` for a broad one (or no search). Read
        only that far, so a search matching half a million answers as fast as one matching
        ten; kept a few seconds, so each group of one screenful does not search again."""
        query = self.db.sql.search(search)
        if not query:
            return None
        now = time.monotonic()
        at, ids = self._narrow.get(query, (0.0, None))
        if now - at > MATCHES_KEPT_S:
            if len(self._narrow) > 64:
                self._narrow.clear()
            found = [
                int(r[0])
                for r in self.db.query(
                    f"{self.db.sql.fts_ids} LIMIT {NARROW_SEARCH + 1}", {"q": query}
                )
            ]
            ids = found if len(found) <= NARROW_SEARCH else None
            self._narrow[query] = (now, ids)
        return ids

    def facets(self) -> dict[str, builtins.list[str]]:
        """Distinct sources and languages, for the filter menus."""
        return {
            "source": [
                r[0] for r in self.db.query("SELECT DISTINCT source FROM reviews ORDER BY 1")
            ],
            "language": [
                r[0]
                for r in self.db.query(
                    "SELECT DISTINCT language FROM reviews WHERE language != '' ORDER BY 1"
                )
            ],
        }

    def _where(self, f: ReviewFilter, skip_label: bool = False) -> tuple[str, dict[str, Any]]:
        clauses: list[str] = []
        params: dict[str, Any] = {"now": to_iso(self.db.now())}
        if f.label and not skip_label:
            # reviews (label, created_at) and (label, rating, created_at) serve the filter
            # and the order at once: a page costs the same for 10 or 100,000 reviews
            if f.label == "untriaged":
                clauses.append("r.label IS NULL")
            else:
                clauses.append("r.label = :label")
                params["label"] = f.label
        for col in ("source", "language", "status"):
            value = getattr(f, col)
            if value:
                # "+": filter while walking the label index rather than sorting a source
                clauses.append(f"{self.db.sql.hint}r.{col} = :{col}")
                params[col] = value
        if f.author_id is not None:
            clauses.append("r.author_id = :author_id")
            params["author_id"] = f.author_id
        query = self.db.sql.search(f.search)
        if query:
            # few matches: their ids, found once, then sorted; many: the list is walked in
            # its order, each review checked, until a page is full
            ids = self._matches(f.search)
            if ids is None:
                clauses.append(self.db.sql.fts_broad)
                params["q"] = query
            else:
                clauses.append(self.db.sql.id_in)
                params["ids"] = self.db.sql.id_list(ids)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def versions(self, review_id: int) -> builtins.list[ReviewVersion]:
        return [
            rows.version(r)
            for r in self.db.query(
                "SELECT * FROM review_versions WHERE review_id = ? ORDER BY version", (review_id,)
            )
        ]

    def by_author(self, author_id: int, exclude: int | None = None) -> builtins.list[Review]:
        return [
            r
            for r in self.list(ReviewFilter(author_id=author_id, sort="oldest", limit=200))
            if r.id != exclude
        ]

    def last_id(self) -> int:
        row = self.db.one("SELECT coalesce(max(id), 0) FROM reviews")
        return int(row[0]) if row else 0

    def plain_batches(
        self, batch: int = 2000, after: int = 0, upto: int = 2**62
    ) -> Iterator[builtins.list[dict[str, Any]]]:
        """Every review (with an id after ``after``, up to ``upto``) as plain values, a
        batch at a time in id order: ``Review``'s field names, times as the stored ISO
        text. For an export of a million reviews, where making a million domain objects
        costs more than writing the file."""
        last = after
        sql = PLAIN_SELECT.replace("{n}", str(batch))
        while True:
            chunk = [dict(zip(PLAIN, r, strict=True)) for r in self.db.query(sql, (last, upto))]
            if not chunk:
                return
            for values in chunk:
                values["edited"] = bool(values["edited"])
            yield chunk
            last = chunk[-1]["id"]

    def iter_all(self, batch: int = 2000) -> Iterator[Review]:
        last = 0
        while True:
            chunk = [
                rows.review(r)
                for r in self.db.query(
                    rows.REVIEW_SELECT + " WHERE r.id > :last ORDER BY r.id LIMIT :n",
                    {"last": last, "n": batch, "now": to_iso(self.db.now())},
                )
            ]
            if not chunk:
                return
            yield from chunk
            last = chunk[-1].id

    def raw(self, review_id: int) -> dict[str, Any] | None:
        row = self.db.one("SELECT raw FROM reviews WHERE id = ?", (review_id,))
        return json.loads(row["raw"]) if row and row["raw"] else None
