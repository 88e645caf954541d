"""The schema, as numbered migrations applied in order and recorded in ``user_version``.

Never edit a released migration: append a new one. Each runs in one transaction.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the whole domain (docs/architecture.md)
    """
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        cursor TEXT,
        last_sync_at TEXT,
        last_status TEXT,
        last_report TEXT NOT NULL DEFAULT '{}'
    );

    CREATE TABLE authors (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        author_key TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        UNIQUE (source, author_key)
    );

    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        external_id TEXT NOT NULL,
        author_id INTEGER REFERENCES authors(id),
        rating INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
        title TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT '',
        language TEXT NOT NULL DEFAULT '',
        url TEXT NOT NULL DEFAULT '',
        product_version TEXT NOT NULL DEFAULT '',
        created_at TEXT,
        updated_at TEXT,
        fetched_at TEXT NOT NULL,
        raw TEXT,
        content_hash TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        edited INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'new'
            CHECK (status IN ('new','drafted','approved','replied','ignored')),
        UNIQUE (source, external_id)
    );
    CREATE INDEX reviews_created ON reviews (created_at DESC);
    CREATE INDEX reviews_author ON reviews (author_id);

    CREATE TABLE review_versions (
        id INTEGER PRIMARY KEY,
        review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        rating INTEGER,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        updated_at TEXT,
        recorded_at TEXT NOT NULL,
        UNIQUE (review_id, version)
    );

    -- search text is folded by the store (case, accents: Greek tonos too) and written
    -- by it; author names are searchable as well
    CREATE VIRTUAL TABLE reviews_fts USING fts5 (text, tokenize='unicode61');
    CREATE TRIGGER reviews_fts_delete AFTER DELETE ON reviews BEGIN
        DELETE FROM reviews_fts WHERE rowid = old.id;
    END;

    CREATE TABLE triage (
        review_id INTEGER PRIMARY KEY REFERENCES reviews(id) ON DELETE CASCADE,
        label TEXT CHECK (label IN ('criticism','vague','provocation','praise')),
        score REAL,
        reasons TEXT NOT NULL DEFAULT '[]',
        method TEXT,
        decided_by TEXT,
        decided_at TEXT,
        second_opinion TEXT,
        override_label TEXT CHECK (override_label IN ('criticism','vague','provocation','praise')),
        override_by TEXT,
        override_at TEXT,
        effective TEXT GENERATED ALWAYS AS (coalesce(override_label, label)) STORED
    );
    CREATE INDEX triage_effective ON triage (effective);

    CREATE TABLE drafts (
        id INTEGER PRIMARY KEY,
        review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        kind TEXT NOT NULL DEFAULT 'reply' CHECK (kind IN ('reply','followup')),
        promise_id INTEGER REFERENCES promises(id),
        version INTEGER NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        language TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL DEFAULT '',
        prompt_version TEXT NOT NULL DEFAULT '',
        author TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'draft'
            CHECK (state IN ('draft','approved','posted','discarded','failed')),
        lint TEXT NOT NULL DEFAULT '[]',
        tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0,
        cost REAL NOT NULL DEFAULT 0,
        error TEXT,
        created_at TEXT NOT NULL,
        approved_by TEXT,
        approved_at TEXT,
        UNIQUE (review_id, kind, version)
    );
    CREATE INDEX drafts_review ON drafts (review_id);

    CREATE TABLE replies (
        id INTEGER PRIMARY KEY,
        review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        draft_id INTEGER REFERENCES drafts(id),
        text TEXT NOT NULL,
        channel TEXT NOT NULL CHECK (channel IN ('post','copy','import')),
        state TEXT NOT NULL CHECK (state IN ('pending','posted','copied','failed')),
        idempotency_key TEXT UNIQUE,
        external_id TEXT,
        by_user TEXT NOT NULL,
        created_at TEXT NOT NULL,
        confirmed_at TEXT,
        error TEXT
    );
    CREATE INDEX replies_review ON replies (review_id);

    CREATE TABLE promises (
        id INTEGER PRIMARY KEY,
        review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
        reply_id INTEGER REFERENCES replies(id),
        what TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('fix','refund','bonus','callback','info')),
        due_date TEXT,
        owner TEXT NOT NULL,
        tracker_url TEXT,
        status TEXT NOT NULL DEFAULT 'open'
            CHECK (status IN ('open','delivered','broken','withdrawn')),
        delivered_at TEXT,
        evidence TEXT,
        followup_draft_id INTEGER REFERENCES drafts(id),
        flag TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX promises_status ON promises (status, due_date);

    CREATE TABLE claims (
        review_id INTEGER PRIMARY KEY REFERENCES reviews(id) ON DELETE CASCADE,
        user TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );

    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        action TEXT NOT NULL,
        review_id INTEGER,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX events_review ON events (review_id);
    """,
    # 2: promises remember the draft that made them (extracted on approval, before any
    # reply exists), and a follow-up draft is found from its promise
    """
    ALTER TABLE promises ADD COLUMN draft_id INTEGER REFERENCES drafts(id);
    CREATE INDEX promises_draft ON promises (draft_id);
    CREATE INDEX drafts_promise ON drafts (promise_id);
    """,
    # 3: the inbox lists and counts by label without joining triage. reviews.label mirrors
    # the effective label (kept by triggers); facet_counts keeps how many reviews there are
    # per label, source, language and status, so counts cost nothing at 100,000 reviews
    """
    ALTER TABLE reviews ADD COLUMN label TEXT;
    UPDATE reviews SET label = (SELECT effective FROM triage WHERE review_id = reviews.id);
    CREATE INDEX reviews_label_created ON reviews (label, created_at);
    CREATE INDEX reviews_label_rating ON reviews (label, coalesce(rating, 6), created_at DESC);
    DROP INDEX triage_effective;

    CREATE TRIGGER triage_label_insert AFTER INSERT ON triage BEGIN
        UPDATE reviews SET label = new.effective WHERE id = new.review_id;
    END;
    CREATE TRIGGER triage_label_update AFTER UPDATE ON triage
    WHEN new.effective IS NOT old.effective BEGIN
        UPDATE reviews SET label = new.effective WHERE id = new.review_id;
    END;
    CREATE TRIGGER triage_label_delete AFTER DELETE ON triage BEGIN
        UPDATE reviews SET label = NULL WHERE id = old.review_id;
    END;

    CREATE TABLE facet_counts (
        label TEXT NOT NULL,  -- 'untriaged' when reviews.label is NULL
        source TEXT NOT NULL,
        language TEXT NOT NULL,
        status TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (label, source, language, status)
    ) WITHOUT ROWID;
    INSERT INTO facet_counts
        SELECT coalesce(label, 'untriaged'), source, language, status, count(*)
        FROM reviews GROUP BY 1, 2, 3, 4;
    CREATE TRIGGER facet_counts_insert AFTER INSERT ON reviews BEGIN
        INSERT INTO facet_counts VALUES
            (coalesce(new.label, 'untriaged'), new.source, new.language, new.status, 1)
        ON CONFLICT (label, source, language, status) DO UPDATE SET n = n + 1;
    END;
    -- 4 drops this one: the store counts a batch of new reviews at once (far cheaper)
    CREATE TRIGGER facet_counts_delete AFTER DELETE ON reviews BEGIN
        UPDATE facet_counts SET n = n - 1 WHERE label = coalesce(old.label, 'untriaged')
            AND source = old.source AND language = old.language AND status = old.status;
    END;
    CREATE TRIGGER facet_counts_update AFTER UPDATE OF label, source, language, status
    ON reviews WHEN old.label IS NOT new.label OR old.source != new.source
        OR old.language != new.language OR old.status != new.status BEGIN
        UPDATE facet_counts SET n = n - 1 WHERE label = coalesce(old.label, 'untriaged')
            AND source = old.source AND language = old.language AND status = old.status;
        INSERT INTO facet_counts VALUES
            (coalesce(new.label, 'untriaged'), new.source, new.language, new.status, 1)
        ON CONFLICT (label, source, language, status) DO UPDATE SET n = n + 1;
    END;
    """,
    # 4: new reviews are counted per batch by ReviewRepo.upsert, not one trigger per row
    """
    DROP TRIGGER facet_counts_insert;
    """,
    # 5: a reply being sent is leased to one process (who, until when), so concurrent
    # `post` runs send it once; attempts counts the sends that may have reached the platform
    """
    ALTER TABLE replies ADD COLUMN lease_by TEXT;
    ALTER TABLE replies ADD COLUMN lease_until TEXT;
    ALTER TABLE replies ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    """,
    # 6: the audit log records the OS login next to the display name (events.user, which
    # anyone can set); events from before have login ''
    """
    ALTER TABLE events ADD COLUMN login TEXT NOT NULL DEFAULT '';
    """,
    # 7: triage v2 keeps each learned decision's probability (JSON) and whether the
    # verdict was unsure (confidence below [triage] unsure_below); rows from before: {} / 0
    """
    ALTER TABLE triage ADD COLUMN scores TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE triage ADD COLUMN unsure INTEGER NOT NULL DEFAULT 0;
    """,
    # 8: a promise says who read it (the rules, the model, a person) and whether the model
    # disputes it (its reason); a delivery waits for its follow-up draft until it is written
    # (so a run that stopped in between is finished by the next), and may name the version
    # that delivered it. Rows from before: read by the rules, undisputed, nothing waiting.
    """
    ALTER TABLE promises ADD COLUMN origin TEXT NOT NULL DEFAULT 'rules'
        CHECK (origin IN ('rules','model','person'));
    ALTER TABLE promises ADD COLUMN dispute TEXT;
    ALTER TABLE promises ADD COLUMN followup_pending INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE promises ADD COLUMN delivered_in TEXT;
    CREATE INDEX promises_followup_pending ON promises (id) WHERE followup_pending = 1;
    """,
]
