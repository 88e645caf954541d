"""`replydesk store copy SRC DST`: a whole store to the other engine and back, losslessly,
resumable, with a count check at the end."""

from __future__ import annotations

import pytest

from conftest import db_arg
from replydesk import cli
from replydesk.domain.models import NewReview
from replydesk.services import moving
from replydesk.store import Store, copying

pytestmark = pytest.mark.usefixtures("engine")  # each test on SQLite, then PostgreSQL

# every table, every column (the search index in each engine's own form aside)
DUMP = {t.name: (t.key, t.columns) for t in copying.TABLES if t.name != "reviews_fts"}


def dump(store: Store) -> dict[str, list[tuple]]:
    out = {}
    for name, (key, cols) in DUMP.items():
        out[name] = [
            tuple(r) for r in store.db.query(f"SELECT {', '.join(cols)} FROM {name} ORDER BY {key}")
        ]
    out["drafts.promise_id"] = [
        tuple(r) for r in store.db.query("SELECT id, promise_id FROM drafts ORDER BY id")
    ]
    out["sources"] = [tuple(r) for r in store.db.query("SELECT * FROM sources ORDER BY name")]
    out["facet_counts"] = [
        tuple(r)
        for r in store.db.query("SELECT * FROM facet_counts WHERE n > 0 ORDER BY 1, 2, 3, 4")
    ]
    return out


def quiet(_table: str, _done: int, _total: int) -> None:
    pass


@pytest.fixture
def demo_db(tmp_path):
    from replydesk.services.demo import build_demo

    ws = build_demo(tmp_path / "demo")
    path = ws.store.path
    ws.close()
    return path


def test_a_store_goes_there_and_back_unchanged(demo_db, db_at, tmp_path):
    there = db_at("there.db")
    counts = moving.copy(demo_db, there, quiet)
    assert all(c.ok for c in counts) and {c.table for c in counts} >= {"reviews", "events"}
    back = tmp_path / "back.db"
    assert all(c.ok for c in moving.copy(there, back, quiet))
    with Store(demo_db, create=False) as a, Store(there) as b, Store(back) as c:
        original = dump(a)
        assert original["reviews"] and original["promises"] and original["events"]
        assert dump(b) == original
        assert dump(c) == original
        # search works in the destination's own index
        word = a.reviews.list()[0].body.split()[0]
        assert b.reviews.match_count(word) == a.reviews.match_count(word) > 0
        # the next review gets a new id after the copied ones, on either engine
        top = max(r[0] for r in original["reviews"])
        [(outcome, rid)] = b.reviews.upsert([NewReview(source="x", external_id="new", body="b")])
        assert outcome == "new" and rid == top + 1


def test_a_copy_into_postgresql_leaves_its_statistics_fresh(demo_db, db_at, engine, monkeypatch):
    """A store copied in is used at once: its planner must not think it empty."""
    if engine != "postgresql":
        pytest.skip("SQLite plans without statistics")
    from conftest import pg_row_estimates
    from replydesk.store import postgres

    monkeypatch.setattr(postgres, "STATISTICS_AFTER_ROWS", 50)
    there = db_at("there.db")
    moving.copy(demo_db, there, quiet)
    with Store(demo_db, create=False) as a, Store(there) as b:
        estimates = pg_row_estimates(b)
        assert estimates["reviews"] == a.reviews.count() == 86
        assert estimates["events"] > 0 and estimates["triage"] > 0


def test_a_copy_that_stopped_resumes_without_duplicates(demo_db, db_at, monkeypatch):
    there = db_at("there.db")
    monkeypatch.setattr(copying, "BATCH", 7)
    calls = 0

    def stop_midway(table: str, done: int, total: int) -> None:
        nonlocal calls
        calls += 1
        if table == "drafts" and done >= 14:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        moving.copy(demo_db, there, stop_midway)
    with Store(there) as partial:
        assert 0 < len(partial.db.query("SELECT id FROM drafts")) < 58
    counts = moving.copy(demo_db, there, quiet)
    assert all(c.ok for c in counts), counts
    with Store(demo_db, create=False) as a, Store(there) as b:
        assert dump(b) == dump(a)


def test_a_store_holding_other_reviews_is_refused(demo_db, db_at, capsys):
    there = db_at("there.db")
    with Store(there) as other:
        other.reviews.upsert([NewReview(source="elsewhere", external_id="1", body="mine")])
    assert cli.main(["store", "copy", db_arg(demo_db), db_arg(there)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already holds other reviews" in err
    with Store(there) as other:
        assert [r.source for r in other.reviews.list()] == ["elsewhere"]


def test_the_cli_reports_each_table_and_the_check(demo_db, db_at, capsys):
    there = db_at("there.db")
    assert cli.main(["store", "copy", db_arg(demo_db), db_arg(there)]) == 0
    out = capsys.readouterr()
    assert "every count matches" in out.out and "reviews" in out.out
    assert "reviews: 86/86" in out.err  # not a terminal: a line per finished table
    # a missing source is one line, and nothing is made at the destination's path
    assert cli.main(["store", "copy", "nowhere.db", db_arg(there)]) == 2
    assert "no database at nowhere.db" in capsys.readouterr().err


def test_same_source_and_destination_is_refused(demo_db, capsys):
    assert cli.main(["store", "copy", str(demo_db), str(demo_db)]) == 2
    assert "same store" in capsys.readouterr().err
