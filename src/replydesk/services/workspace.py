"""A workspace: one config, one store, one user. Every service takes one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from replydesk import config as config_mod
from replydesk.config import Config
from replydesk.domain.timeutil import now
from replydesk.store import Store


@dataclass
class Workspace:
    config: Config
    store: Store
    user: str
    demo: bool = False

    @classmethod
    def open(
        cls,
        config: Config,
        db: Path | str | None = None,
        user: str | None = None,
        demo: bool = False,
    ) -> Workspace:
        return cls(
            config=config, store=Store(db or config.db_path), user=user or config.user, demo=demo
        )

    @classmethod
    def from_paths(
        cls, config_path: Path | str | None = None, db: Path | str | None = None
    ) -> Workspace:
        return cls.open(config_mod.load(config_path), db)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.config.workspace.timezone or "UTC")

    def today(self, at: datetime | None = None) -> date:
        """Today in the workspace's zone: due dates are calendar days there."""
        return (at or now()).astimezone(self.tz).date()

    @contextmanager
    def own_connection(self) -> Iterator[Workspace]:
        """This workspace on a connection of its own, for a worker's long read that must not
        hold up the UI's queries on the shared one (WAL lets readers run side by side)."""
        if str(self.store.path) == ":memory:":
            yield self
            return
        store = Store(self.store.path)
        try:
            yield replace(self, store=store)
        finally:
            store.close()

    def close(self) -> None:
        self.store.close()
