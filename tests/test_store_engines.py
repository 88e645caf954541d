"""What each engine must agree on: search, hostile text, flags, placeholders."""

from __future__ import annotations

from dataclasses import replace

import pytest

from replydesk.domain.models import NewReview, ReviewFilter
from replydesk.store.postgres import translate


def test_placeholders_become_psycopgs_outside_quoted_text():
    assert translate("SELECT ? , :name FROM t WHERE a LIKE '%?:x' AND b::text = ?") == (
        "SELECT %s , %(name)s FROM t WHERE a LIKE '%%?:x' AND b::text = %s"
    )  # psycopg reads quoted text for placeholders too: its % is doubled, its ? kept
    assert translate("SELECT 1 -- it's ? 100%\n, :a") == "SELECT 1 -- it's ? 100%%\n, %(a)s"
    assert translate('SELECT "user" FROM events WHERE x = 5 % 2') == (
        'SELECT "user" FROM events WHERE x = 5 %% 2'
    )


def test_hostile_words_are_stored_and_ordinary_ones_found(ws):
    giant = "x" * 5000  # longer than PostgreSQL can index as one word
    many = " ".join(f"w{i}" for i in range(120_000))  # far past one index entry's size
    ws.store.reviews.upsert(
        [
            NewReview("s", "1", body=f"{giant} parcel crushed"),
            NewReview("s", "2", body=f"{many} courier lost"),
            NewReview("s", "3", body="nul\x00 inside, then ERROR 503"),
        ]
    )
    found = {r.external_id for r in ws.store.reviews.list(ReviewFilter(search="crushed"))}
    assert found == {"1"}
    assert {r.external_id for r in ws.store.reviews.list(ReviewFilter(search="w119"))} == {"2"}
    assert ws.store.reviews.by_external("s", "1").body.startswith(giant)  # kept whole
    assert ws.store.reviews.by_external("s", "3").body == "nul\ufffd inside, then ERROR 503"
    assert ws.store.reviews.match_count("503") == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("strasse", {"de"}),  # folded: Straße
        ("STRAẞE", {"de"}),
        ("v2", {"en"}),  # a word made of letters and digits, as a prefix
        ("2", {"en"}),  # "2.3.1" is three words
        ("απο", {"el"}),  # Greek, accents folded, as a prefix
        ("dostavka доставк", set()),  # every word must appear
        ("доставк", {"ru"}),
        ("foo_bar", {"en"}),  # the underscore splits words, as the index does
        ("", {"de", "en", "el", "ru"}),
    ],
)
def test_search_means_the_same_on_both_engines(ws, query, expected):
    ws.store.reviews.upsert(
        [
            NewReview("s", "de", body="Die Straße war gesperrt", language="de"),
            NewReview("s", "en", body="Crashes in v2 since 2.3.1, see foo_bar", language="en"),
            NewReview("s", "el", body="Η αποστολή άργησε", language="el"),
            NewReview("s", "ru", body="Доставка опоздала", language="ru"),
        ]
    )
    found = {r.external_id for r in ws.store.reviews.list(ReviewFilter(search=query))}
    assert found == expected
    assert ws.store.reviews.count(ReviewFilter(search=query)) == len(expected)


def test_flags_are_written_as_numbers(ws):
    ((_, rid),) = ws.store.reviews.upsert([NewReview("s", "1", body="late")])
    ws.store.reviews.set_no_reply(rid, True, "ann")
    assert ws.store.reviews.get(rid).status == "ignored"
    ws.store.reviews.set_no_reply(rid, False, "ann")
    assert ws.store.reviews.get(rid).status == "new"


def test_a_batch_skips_a_review_another_host_is_claiming(ws, engine):
    """PostgreSQL: a review whose row another transaction holds is skipped by a batch at
    once (SKIP LOCKED), and claimed once it is free; nothing waits on the whole store."""
    if engine != "postgresql":
        pytest.skip("SQLite has one writer at a time: there is no row to skip")
    import psycopg

    ((_, rid), (_, other_id)) = ws.store.reviews.upsert(
        [NewReview("s", "1", body="late"), NewReview("s", "2", body="lost")]
    )
    key = f"{ws.store.db.schema}.reviews"
    with psycopg.connect(ws.store.db.url.url) as other:  # another host, mid-claim
        other.execute("SELECT pg_advisory_xact_lock(hashtext(%s), %s)", (key, rid))
        busy = ws.store.claims.claim(rid, "batch-a", audit=False)
        assert busy.user == "another run" and ws.store.claims.holder(rid) is None
    took = ws.store.claims.claim(rid, "batch-a", audit=False)
    assert took.user == "batch-a" and ws.store.claims.holder(rid).user == "batch-a"
    # a colleague merely touching a review (a draft's foreign key check, a status change)
    # does not make a batch skip it
    with psycopg.connect(ws.store.db.url.url) as other:
        other.execute("UPDATE reviews SET status = %s WHERE id = %s", ("drafted", other_id))
        assert ws.store.claims.claim(other_id, "batch-a", audit=False).user == "batch-a"


def test_reviews_without_a_date_and_promises_without_a_due_date_sort_alike(ws):
    """NULL sorts before any value on SQLite; PostgreSQL is told the same."""
    from datetime import UTC, datetime

    ws.store.reviews.upsert(
        [
            NewReview("s", "dated", body="a", created_at=datetime(2026, 11, 1, tzinfo=UTC)),
            NewReview("s", "undated", body="b"),
        ]
    )
    newest = [r.external_id for r in ws.store.reviews.list(ReviewFilter(sort="newest"))]
    oldest = [r.external_id for r in ws.store.reviews.list(ReviewFilter(sort="oldest"))]
    assert newest == ["dated", "undated"] and oldest == ["undated", "dated"]
    rid = ws.store.reviews.by_external("s", "dated").id
    from replydesk.domain.models import NewPromise, PromiseKind

    ws.store.promises.add_for_draft(
        ws.store.drafts.add(rid, "We will fix it.", author="x").id,
        rid,
        "ann",
        [
            NewPromise("fix it", PromiseKind.FIX, "2026-12-01"),
            NewPromise("call back", PromiseKind.CALLBACK, None),
        ],
    )
    assert [p.what for p in ws.store.promises.list("open")] == ["call back", "fix it"]


async def test_the_inbox_header_keeps_both_lines_with_every_group(ws):
    """With all five groups the counts line never wraps over "N shown" (it did at 120
    columns with a million reviews); large counts shorten to fit ("250k")."""
    from replydesk.tui.app import make_app
    from replydesk.tui.screens.inbox import _compact
    from tui_helpers import screen_text, settle

    assert [_compact(n) for n in (9_999, 12_345, 250_000, 999_499, 1_234_567)] == [
        "9,999", "12k", "250k", "999k", "1.2M",
    ]  # fmt: skip
    ids = [
        rid
        for _, rid in ws.store.reviews.upsert(
            [NewReview("s", str(i), body=f"review {i}") for i in range(5)]
        )
    ]
    for rid, name in zip(ids, ("criticism", "vague", "provocation", "praise"), strict=False):
        ws.store.triage.override(rid, name, "ann")
    for width in (80, 120):
        app = make_app(ws)
        async with app.run_test(size=(width, 30)) as pilot:
            await settle(pilot)
            lines = screen_text(app).splitlines()
            header = next(i for i, line in enumerate(lines) if "criticism 1" in line)
            assert "5 shown" in lines[header + 1], lines[: header + 2]


def test_the_same_review_twice_in_one_batch_is_stored_once(ws):
    r = NewReview("s", "1", body="late parcel")
    edited = NewReview("s", "1", body="late parcel, and rude courier")
    out = ws.store.reviews.upsert([r, r, edited])
    assert [o for o, _ in out] == ["new", "unchanged", "updated"]
    assert len({rid for _, rid in out}) == 1
    assert ws.store.reviews.get(out[0][1]).body == "late parcel, and rude courier"
    assert ws.store.reviews.count() == 1


def test_a_password_with_a_slash_or_a_keyword_string_never_shows(capsys, tmp_path, monkeypatch):
    from replydesk import cli
    from replydesk.domain.location import StoreUrl
    from replydesk.domain.redact import redact

    url = StoreUrl.parse("postgresql://anna:Abcd1234/efgh5678@127.0.0.1:1/db?sslmode=require")
    assert str(url) == "postgresql://anna@127.0.0.1:1/db"
    assert "efgh5678" not in redact("failed: anna/efgh5678@127.0.0.1")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--db", "host=db password=Sup3rSecretPw dbname=x", "stats"]) == 2
    err = capsys.readouterr().err
    assert "key=value connection string" in err and "Sup3rSecretPw" not in err
    assert list(tmp_path.iterdir()) == []  # no file named after it


def test_a_narrow_search_reads_its_few_ids_not_a_whole_label(tmp_path):
    """SQLite's planner walked the label's whole index in list order looking for the
    few matches (100 ms at a million reviews, for a search matching nothing); the list
    now starts from the matching ids. The last page is as cheap as the first. Counted in
    SQLite's own steps, not in time."""
    from replydesk.store import Store

    with Store(tmp_path / "big.db") as store:
        store.reviews.upsert(
            NewReview("shop", str(i), body=f"parcel late {i}", author=f"user{i}")
            for i in range(20_000)
        )
        steps = []
        store.db.conn.set_progress_handler(lambda: steps.append(1), 100)
        for search, expected in (("zyzzyva", []), ("user4242", ["4242"])):
            steps.clear()
            found = store.reviews.list(ReviewFilter(label="untriaged", search=search))
            assert [r.external_id for r in found] == expected
            assert len(steps) < 50, f"{search}: {len(steps) * 100} steps"
        steps.clear()
        found = store.reviews.list(ReviewFilter(label="untriaged", search="parcel", limit=5))
        assert len(found) == 5  # a broad search still walks the list in order
        for label in (None, "untriaged"):  # End: the last page is read from the other end
            steps.clear()
            last = store.reviews.list(ReviewFilter(label=label, offset=19_990, limit=64))
            assert [r.external_id for r in last][-1] == "0" and len(last) == 10
            assert len(steps) < 50, f"End: {len(steps) * 100} steps"


def test_a_new_sqlite_store_has_big_pages_and_an_older_one_keeps_its_own(tmp_path):
    import sqlite3

    from replydesk.store import Store
    from replydesk.store.sqlite import PAGE_SIZE

    with Store(tmp_path / "new.db") as store:
        store.reviews.upsert([NewReview("shop", "1", body="late parcel")])
    old = tmp_path / "old.db"
    sqlite3.connect(old).execute("PRAGMA page_size = 4096").execute("VACUUM").close()
    with Store(old) as store:  # an empty file of 4 KB pages, as older versions made
        store.reviews.upsert([NewReview("shop", "1", body="late parcel")])
        assert store.reviews.count() == 1
    sizes = [sqlite3.connect(p).execute("PRAGMA page_size").fetchone()[0] for p in
             (tmp_path / "new.db", old)]  # fmt: skip
    assert sizes == [PAGE_SIZE, 4096] and PAGE_SIZE == 16384


def test_a_store_url_sent_to_a_worker_process_still_hides_its_password():
    """An export's workers get the URL pickled; there too the password is remembered,
    so nothing the worker says can carry it."""
    import pickle
    import subprocess
    import sys

    from replydesk.domain.location import StoreUrl

    url = StoreUrl.parse("postgresql://ann:s3cr%2Ft@db.example/reviews")
    code = (
        "import pickle, sys; from replydesk.domain import redact; "
        "u = pickle.loads(sys.stdin.buffer.read()); print(u); "
        "print(redact.redact('failed with s3cr/t and s3cr%2Ft'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=pickle.dumps(url), capture_output=True, timeout=60
    )
    said = done.stdout.decode()
    assert "s3cr" not in said and "postgresql://ann@db.example/reviews" in said, said


def test_every_label_and_sort_is_listed_in_index_order_not_sorted(ws, monkeypatch):
    """A page of one label costs the same at a million reviews as at ten only if the
    engine walks an index in the list's whole order, ties included (these reviews have no
    date: one tie). PostgreSQL saw no constant in `label IS NULL` and sorted all of
    "untriaged" (430 ms at a million). Read from each engine's plan, with sorting priced
    out on PostgreSQL so only a real index path wins."""
    store = ws.store
    ids = [rid for _, rid in store.reviews.upsert(
        NewReview("shop", str(i), body=f"parcel late {i}", rating=i % 5 + 1) for i in range(300)
    )]  # fmt: skip
    with store.db.write() as c:
        c.execute(
            "INSERT INTO triage (review_id, label, score, method, decided_by, decided_at) "
            "SELECT id, 'criticism', 0.8, 'rules', 'machine', '2026-11-30T10:00:00Z' "
            "FROM reviews WHERE id <= ?",
            (ids[150],),
        )
    seen: list[tuple[str, object]] = []
    query = store.db.query
    monkeypatch.setattr(store.db, "query", lambda sql, p=(): seen.append((sql, p)) or query(sql, p))
    for label in ("criticism", "untriaged"):
        for sort in ("newest", "oldest", "rating"):
            for status in ("", "new"):
                seen.clear()
                f = ReviewFilter(label=label, sort=sort, status=status or None, limit=20)
                assert len(store.reviews.list(f)) == 20
                ((sql, params),) = seen
                if store.db.engine == "postgresql":
                    with store.db.write(serial=False) as c:
                        c.execute("SET LOCAL enable_sort = off")
                        plan = [r[0] for r in c.execute("EXPLAIN " + sql, params).fetchall()]
                    sorted_all = [p for p in plan if "Sort  (" in p]
                else:
                    plan = [r[-1] for r in query("EXPLAIN QUERY PLAN " + sql, params)]
                    sorted_all = [p for p in plan if p.startswith("USE TEMP B-TREE")]
                assert not sorted_all, f"{label} {sort} {status}: {plan}"


def test_a_bulk_import_or_triage_refreshes_postgresqls_statistics(
    ws, engine, tmp_path, monkeypatch
):
    """Right after a million reviews were labelled, PostgreSQL still planned for "all
    untriaged" until autovacuum came round (a minute or more): 7 s for a page of one label.
    A bulk import or triage run now refreshes the statistics itself; a small one does not."""
    if engine != "postgresql":
        pytest.skip("SQLite plans without statistics")
    from conftest import pg_row_estimates, write_jsonl
    from replydesk.services.importing import import_file
    from replydesk.services.triaging import triage_pending
    from replydesk.store import postgres

    def analysed() -> dict[str, int]:
        return pg_row_estimates(ws.store)

    monkeypatch.setattr(postgres, "STATISTICS_AFTER_ROWS", 20)
    few = write_jsonl(tmp_path / "few.jsonl", [{"id": str(i), "body": "late"} for i in range(5)])
    import_file(ws, few)
    triage_pending(ws)
    assert analysed()["reviews"] == -1 and analysed()["triage"] == -1
    many = write_jsonl(
        tmp_path / "many.jsonl", [{"id": f"m{i}", "body": f"parcel {i} late"} for i in range(30)]
    )
    import_file(ws, many)
    counts = analysed()
    assert counts["reviews"] == 35 and counts["reviews_fts"] == 35 and counts["triage"] == -1
    triage_pending(ws)
    assert analysed()["triage"] == 35


def test_statistics_never_hold_up_or_fail_the_import_they_follow(ws, engine, tmp_path, monkeypatch):
    """A table another session holds (a VACUUM, say) is skipped: the import is stored,
    reported and audited at once, not failed after the fact by a lock timeout."""
    if engine != "postgresql":
        pytest.skip("SQLite plans without statistics")
    import psycopg

    from conftest import pg_row_estimates, write_jsonl
    from replydesk.services.importing import import_file
    from replydesk.store import postgres

    monkeypatch.setattr(postgres, "STATISTICS_AFTER_ROWS", 5)
    monkeypatch.setattr(postgres, "LOCK_TIMEOUT_S", 1)
    rows = [{"id": str(i), "body": "late", "author": f"a{i}"} for i in range(20)]
    with psycopg.connect(ws.store.db.url.url) as vacuum:
        vacuum.execute("LOCK TABLE authors IN SHARE UPDATE EXCLUSIVE MODE")
        report = import_file(ws, write_jsonl(tmp_path / "a.jsonl", rows))
        estimates = pg_row_estimates(ws.store)
    assert report.new == 20 and ws.store.reviews.count() == 20
    assert [e.action for e in ws.store.events.recent(5)].count("import") == 1
    assert estimates["reviews"] == 20 and estimates["authors"] == -1  # held: left alone


def test_a_page_anywhere_in_the_list_is_that_slice_of_the_whole_list(ws):
    """Pages past the middle are read from the other end of the list (End at a million
    took 12.9 s): every page, at every offset, is still exactly that slice of the list,
    with ties, missing dates and missing ratings where the forward order puts them."""
    import random
    from datetime import UTC, datetime, timedelta

    rng = random.Random(7)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    stored = ws.store.reviews.upsert(
        NewReview(
            "shop",
            str(i),
            body=f"parcel {i}",
            rating=rng.choice([None, 1, 2, 5]),
            created_at=rng.choice([None, start + timedelta(days=rng.randrange(6))]),
        )
        for i in range(61)
    )
    ids = [rid for _, rid in stored]
    with ws.store.db.write() as c:
        for rid in ids[:40]:
            c.execute(
                "INSERT INTO triage (review_id, label, score, method, decided_by, decided_at) "
                "VALUES (?, ?, 0.8, 'rules', 'machine', '2026-11-30T10:00:00Z')",
                (rid, "criticism" if rid % 3 else "provocation"),
            )
        c.execute("UPDATE reviews SET status = 'ignored' WHERE id % 4 = 0")
    for label in (None, "criticism", "untriaged"):
        for sort in ("newest", "oldest", "rating"):
            for status in (None, "new"):
                f = ReviewFilter(label=label, sort=sort, status=status, limit=1000)
                whole = ws.store.reviews.list(f)
                assert len(whole) == ws.store.reviews.count(f) > 5
                for offset in range(1, len(whole) + 2):
                    page = ws.store.reviews.list(replace(f, offset=offset, limit=4))
                    assert page == whole[offset : offset + 4], (f, offset)  # whole rows


def test_a_page_read_from_the_other_end_is_cut_by_what_its_own_query_sees(ws, monkeypatch):
    """A colleague's import landing between the count and the page must not shift a page
    read from the other end: it shows a slice of the list as it is now, not a mix."""
    from datetime import UTC, datetime, timedelta

    from replydesk.store.reviews import ReviewRepo

    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    ws.store.reviews.upsert(
        NewReview("shop", str(i), body="x", created_at=t0 + timedelta(days=i)) for i in range(10)
    )
    counted = ReviewRepo.count

    def count_then_a_colleague_imports(self, f=None):
        n = counted(self, f)
        monkeypatch.setattr(ReviewRepo, "count", counted)
        self.upsert([NewReview("shop", "old", body="x", created_at=t0 - timedelta(days=1))])
        return n

    monkeypatch.setattr(ReviewRepo, "count", count_then_a_colleague_imports)
    page = ws.store.reviews.list(ReviewFilter(sort="newest", limit=3, offset=6))
    now = ws.store.reviews.list(ReviewFilter(sort="newest", limit=100))
    assert [r.external_id for r in page] == [r.external_id for r in now[6:9]] == ["3", "2", "1"]


def test_emptying_the_reviews_by_hand_empties_their_search_rows(ws, engine):
    """PostgreSQL's search rows follow their reviews by trigger (no foreign key since
    schema 10), for a DELETE and for a TRUNCATE someone runs by hand: the same reviews
    can then be imported again."""
    if engine != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    ws.store.reviews.upsert([NewReview("s", "1", body="late parcel")])
    with ws.store.db.write() as c:
        c.execute("TRUNCATE reviews CASCADE")
    assert ws.store.db.one("SELECT count(*) FROM reviews_fts")[0] == 0
    ((outcome, _),) = ws.store.reviews.upsert([NewReview("s", "1", body="late parcel")])
    assert outcome == "new" and ws.store.reviews.match_count("parcel") == 1


def test_each_postgresql_connection_is_set_for_people_waiting_on_it(ws, engine):
    """Plans per query (a store grows within one import), a colleague's stuck transaction
    is an error in 30 s, and no query is compiled: JIT cost 40-50 ms on the last page of
    a long list, whenever a plan looked big."""
    if engine != "postgresql":
        pytest.skip("PostgreSQL's session settings")
    settings = {
        name: ws.store.db.one(f"SHOW {name}")[0]
        for name in ("jit", "plan_cache_mode", "lock_timeout")
    }
    assert settings == {"jit": "off", "plan_cache_mode": "force_custom_plan", "lock_timeout": "30s"}
