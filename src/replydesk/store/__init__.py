"""The store: SQLite or PostgreSQL, and the only package that writes SQL.

``Store`` bundles one ``Database`` with a repository per concept, so callers write
``store.reviews.upsert(...)`` or ``store.promises.overdue(today)``.
"""

from __future__ import annotations

from typing import Literal

from replydesk.domain.errors import StoreError
from replydesk.domain.location import Location
from replydesk.domain.timeutil import now
from replydesk.store.db import Clock
from replydesk.store.drafts import DraftRepo, ReplyRepo
from replydesk.store.engines import open_database
from replydesk.store.events import ClaimRepo, EventRepo
from replydesk.store.promises import PromiseRepo
from replydesk.store.reviews import ReviewRepo
from replydesk.store.sources import SourceRepo, SourceState
from replydesk.store.triage import TriageRepo

__all__ = ["SourceState", "Store", "StoreError"]


class Store:
    """``login`` is the OS account acting (default: this process's), recorded in the audit
    log next to each display name; ``team_group`` (``[workspace] team_group``) shares the
    database with that unix group, else it is yours alone."""

    def __init__(
        self,
        path: Location | str,
        clock: Clock = now,
        *,
        login: str | None = None,
        team_group: str = "",
        create: bool = True,
    ) -> None:
        self.db = open_database(path, clock, login=login, team_group=team_group, create=create)
        self.path = self.db.where
        self.reviews = ReviewRepo(self.db)
        self.triage = TriageRepo(self.db)
        self.drafts = DraftRepo(self.db)
        self.replies = ReplyRepo(self.db)
        self.promises = PromiseRepo(self.db)
        self.claims = ClaimRepo(self.db)
        self.events = EventRepo(self.db)
        self.sources = SourceRepo(self.db)

    def after_many_changes(self, what: Literal["reviews", "triage"], rows: int) -> None:
        """``rows`` reviews were just imported, or labelled, in bulk: the engine is told,
        with the tables that changed (a label is kept in ``reviews`` too)."""
        tables = {
            "reviews": ["reviews", "reviews_fts", "authors", "facet_counts"],
            "triage": ["triage", "reviews", "facet_counts"],
        }
        self.db.after_many_changes(tables[what], rows)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
