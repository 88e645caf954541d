"""Store: migrations from an empty file, pragmas, search, edits, overrides."""

from __future__ import annotations

import sqlite3

import pytest

from replydesk.domain.errors import StoreError
from replydesk.domain.models import Evidence, NewReview, ReviewFilter, Triage
from replydesk.store import Store
from replydesk.store.schema import MIGRATIONS


def test_migrates_an_empty_file_and_reopens(tmp_path):
    path = tmp_path / "x.db"
    path.touch()
    Store(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {
        "reviews",
        "review_versions",
        "authors",
        "triage",
        "drafts",
        "replies",
        "promises",
        "claims",
        "events",
        "sources",
        "reviews_fts",
    } <= tables
    conn.close()
    with Store(path) as again:  # second open is a no-op
        assert again.reviews.count() == 0


def test_refuses_a_newer_schema_and_a_non_database(tmp_path):
    path = tmp_path / "x.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this replydesk"):
        Store(path)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable replydesk database"):
        Store(junk)


def test_foreign_keys_are_enforced(ws):
    with pytest.raises(ws.store.db.errors), ws.store.db.write() as c:
        c.execute(
            "INSERT INTO drafts (review_id, version, author, created_at) "
            "VALUES (999, 1, 'x', 'now')"
        )


def test_full_text_search_in_several_scripts(ws):
    ws.store.reviews.upsert(
        [
            NewReview("s", "1", body="Приложение вылетает при открытии карты"),
            NewReview("s", "2", body="Η εφαρμογή κλείνει στον χάρτη"),
            NewReview("s", "3", body="Tracking is frozen", title="Lost parcel"),
        ]
    )

    def ids(q: str) -> set[str]:
        return {r.external_id for r in ws.store.reviews.list(ReviewFilter(search=q))}

    assert ids("вылетает") == {"1"}
    assert ids("εφαρμογη") == {"2"}  # accents folded
    assert ids("track") == {"3"}  # prefix
    assert ids("parcel frozen") == {"3"}  # all words, title and body
    assert ids('"()*:') == {"1", "2", "3"}  # punctuation alone filters nothing
    assert ids('frozen") OR ("x') == set()  # and never breaks the query
    assert ids("marta") == set()


def test_edit_keeps_history_and_drops_machine_verdict_but_not_override(ws):
    store = ws.store
    [(_, rid)] = store.reviews.upsert([NewReview("s", "1", body="bad", rating=2)])
    [(_, rid2)] = store.reviews.upsert([NewReview("s", "2", body="meh", rating=2)])
    verdict = Triage("vague", 0.5, [Evidence("no specifics")])
    store.triage.save([(rid, verdict), (rid2, verdict)])
    store.triage.override(rid2, "criticism", "anna")
    out = store.reviews.upsert(
        [
            NewReview("s", "1", body="bad: crash on 5.2", rating=1),
            NewReview("s", "2", body="meh, sync fails", rating=2),
        ]
    )
    assert [o for o, _ in out] == ["updated", "updated"]
    review = store.reviews.get(rid)
    assert review.edited and review.version == 2 and review.body == "bad: crash on 5.2"
    assert [(v.version, v.body, v.rating) for v in store.reviews.versions(rid)] == [(1, "bad", 2)]
    assert store.triage.get(rid) is None  # re-triage the new text
    kept = store.triage.get(rid2)
    assert kept.effective == "criticism" and kept.override_by == "anna"
    # a machine re-run never overwrites the override
    store.triage.save([(rid2, Triage("provocation", 0.9))])
    assert store.triage.get(rid2).effective == "criticism"
    assert any(e.action == "review.edited" for e in store.events.recent())


def test_label_counts_and_filters(ws):
    store = ws.store
    res = store.reviews.upsert(
        [
            NewReview("a", str(i), body=f"text {i}", language="en" if i % 2 else "de")
            for i in range(6)
        ]
    )
    store.triage.save(
        [
            (rid, Triage("criticism" if i < 4 else "praise", 0.7))
            for i, (_, rid) in enumerate(res[:5])
        ]
    )
    assert store.reviews.label_counts() == {"criticism": 4, "praise": 1, "untriaged": 1}
    assert store.reviews.count(ReviewFilter(label="criticism", language="en")) == 2
    assert store.reviews.count(ReviewFilter(label="untriaged")) == 1


def test_claims_expire_and_block_others(ws, time_machine):
    time_machine.move_to("2026-11-20T09:00:00Z", tick=False)
    [(_, rid)] = ws.store.reviews.upsert([NewReview("s", "1", body="x")])
    assert ws.store.claims.claim(rid, "anna").user == "anna"
    assert ws.store.claims.claim(rid, "ben").user == "anna"  # still anna's
    time_machine.move_to("2026-11-20T09:20:00Z", tick=False)
    assert ws.store.claims.holder(rid) is None
    assert ws.store.claims.claim(rid, "ben").user == "ben"


def _counted_the_slow_way(ws) -> dict[tuple, int]:
    return {
        (r[0], r[1], r[2], r[3]): r[4]
        for r in ws.store.db.query(
            "SELECT coalesce(t.effective, 'untriaged'), r.source, r.language, r.status, count(*) "
            "FROM reviews r LEFT JOIN triage t ON t.review_id = r.id GROUP BY 1, 2, 3, 4"
        )
    }


def _kept_counts(ws) -> dict[tuple, int]:
    return {
        (r[0], r[1], r[2], r[3]): r[4]
        for r in ws.store.db.query(
            "SELECT label, source, language, status, n FROM facet_counts WHERE n > 0"
        )
    }


def test_label_counts_kept_by_the_store_match_a_full_count(ws):
    """Inbox counts come from a table the triggers keep: every write path must keep it."""
    reviews = ws.store.reviews
    reviews.upsert(
        [NewReview("a", str(i), body=f"crash {i}", language="en") for i in range(6)]
        + [NewReview("b", "x", body="Ужасно", language="ru")]
    )
    assert _kept_counts(ws) == _counted_the_slow_way(ws)
    ids = {r.external_id: r.id for r in reviews.list()}
    ws.store.triage.save([(ids[str(i)], Triage(label="criticism", score=0.9)) for i in range(4)])
    ws.store.triage.override(ids["0"], "provocation", "ann")  # a person's label wins
    ws.store.triage.override(ids["5"], "praise", "ann")  # override without a machine label
    reviews.set_status(ids["1"], "ignored")
    reviews.upsert([NewReview("a", "2", body="crash 2, edited", language="de")])  # re-triage
    assert _kept_counts(ws) == _counted_the_slow_way(ws)
    assert reviews.label_counts() == {"criticism": 2, "provocation": 1, "praise": 1, "untriaged": 3}
    assert reviews.label_counts(ReviewFilter(language="de")) == {"untriaged": 1}
    assert reviews.label_counts(ReviewFilter(status="ignored")) == {"criticism": 1}
    assert reviews.label_counts(ReviewFilter(source="a", search="crash")) == {
        "criticism": 2,
        "provocation": 1,
        "praise": 1,
        "untriaged": 2,
    }
    with ws.store.db.write() as c:  # reviews are never deleted by replydesk, but if they are
        c.execute("DELETE FROM reviews WHERE id = ?", (ids["0"],))
    assert _kept_counts(ws) == _counted_the_slow_way(ws)
    assert ws.store.db.one("SELECT count(*) FROM reviews_fts WHERE rowid = ?", (ids["0"],))[0] == 0
    assert (
        reviews.count(ReviewFilter(label="criticism"))
        == len(reviews.list(ReviewFilter(label="criticism")))
        == 2
    )


def test_schema_3_fills_labels_and_counts_for_an_existing_store(tmp_path):
    from replydesk.store.sqlite import _statements

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:2]:  # a store as the previous release left it
        for statement in _statements(migration.script("sqlite")):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    for i, label in enumerate(["criticism", "criticism", "praise", None]):
        conn.execute(
            "INSERT INTO reviews (id, source, external_id, body, fetched_at, "
            "content_hash, language) VALUES (?, 's', ?, 'x', ?, 'h', 'en')",
            (i + 1, str(i), "2026-11-01T00:00:00+00:00"),
        )
        if label:
            conn.execute("INSERT INTO triage (review_id, label) VALUES (?, ?)", (i + 1, label))
    conn.commit()
    conn.close()
    with Store(path) as store:
        assert store.reviews.label_counts() == {"criticism": 2, "praise": 1, "untriaged": 1}
        assert [r.label for r in store.reviews.list(ReviewFilter(label="praise"))] == ["praise"]
        store.triage.override(4, "vague", "ann")  # and the triggers keep it from here on
        assert store.reviews.label_counts(ReviewFilter(language="en"))["vague"] == 1
