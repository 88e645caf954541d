"""The composition root: one config, one store, one clock, one HTTP factory, one model client.

Every service takes a ``Workspace`` and finds what it needs on it; nothing below the
services builds its own model client or HTTP client, and the config read the environment
once, when it was loaded (credentials come from ``secrets`` when first needed). Tests and
the demo swap a part here, in one place (``Workspace.open(..., clock=..., http=...,
llm=...)``).

Services are plain synchronous functions. The CLI calls them directly; the TUI calls the
ones that touch the network or the model from thread workers, so no event loop is ever
nested and the UI never waits on a request. Concurrency inside a service (a batch of
drafts, several sources at once) uses a thread pool.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from replydesk import config as config_mod
from replydesk.config import Config
from replydesk.domain.location import Location
from replydesk.domain.timeutil import now
from replydesk.sources.http import Http
from replydesk.store import Store

if TYPE_CHECKING:
    from replydesk.llm.client import LLMClient

Clock = Callable[[], datetime]
HttpFactory = Callable[[float, int], Http]  # (timeout seconds, retries) -> a client


def default_http(timeout: float, retries: int) -> Http:
    return Http(timeout=timeout, max_retries=retries)


@functools.cache
def machine() -> str:
    """This machine, told apart from others sharing a database even when their host names
    match (containers named "localhost"): the host name and the systemd machine id."""
    try:
        ident = Path("/etc/machine-id").read_text(encoding="ascii").strip()[:12]
    except OSError:
        ident = ""
    return f"{socket.gethostname()}/{ident}" if ident else socket.gethostname()


def process_gone(token: str) -> bool:
    """Is ``token`` (see ``Workspace.run_token``) a process of this machine that no longer
    runs? Its lease or claim is then stale whatever its expiry says."""
    rest, _, _nonce = token.rpartition(":")
    rest, _, pid = rest.rpartition(":")
    if rest.rpartition("@")[2] != machine() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


@dataclass
class Workspace:
    config: Config
    store: Store
    user: str
    demo: bool = False
    clock: Clock = now
    http: HttpFactory = default_http
    _llm: LLMClient | None = field(default=None, repr=False)
    _llm_built: bool = field(default=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(
        cls,
        config: Config,
        db: Location | str | None = None,
        user: str | None = None,
        demo: bool = False,
        *,
        clock: Clock = now,
        http: HttpFactory = default_http,
        llm: LLMClient | None = None,
        create: bool = True,
    ) -> Workspace:
        """``llm`` replaces the client the config would build (a test's own). ``user`` (else
        ``config.user``) is the display name; the audit log also records the OS login.
        ``create=False`` refuses a database that does not exist yet (commands that only
        read, or act on ids, must not leave an empty one behind a mistyped path)."""
        store = Store(
            db or config.db_path,
            clock,
            login=config_mod.os_login(),
            team_group=config.workspace.team_group,
            create=create,
        )
        return cls(
            config=config,
            store=store,
            user=user or config.user,
            demo=demo,
            clock=clock,
            http=http,
            _llm=llm,
            _llm_built=llm is not None,
        )

    @classmethod
    def from_paths(
        cls,
        config_path: Path | str | None = None,
        db: Location | str | None = None,
        *,
        create: bool = True,
    ) -> Workspace:
        return cls.open(config_mod.load(config_path), db, create=create)

    # ------------------------------------------------------------ parts

    @property
    def llm(self) -> LLMClient | None:
        """The model client, built on first use and shared by every thread; ``None`` when
        no model is configured (the offline composer and the rules do the work)."""
        with self._lock:
            if not self._llm_built:
                if self.config.llm_model and not self.demo:
                    from replydesk.llm.client import LLMClient

                    self._llm = LLMClient(self.config)
                self._llm_built = True
            return self._llm

    @property
    def path(self) -> Location | str:
        """The database file (":memory:" in some tests), or the PostgreSQL server's URL."""
        return self.store.path

    @property
    def location(self) -> str:
        """Where the data lives, to show a person."""
        return "demo workspace" if self.demo else str(self.store.path)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.config.workspace.timezone or "UTC")

    def now(self) -> datetime:
        return self.clock()

    def run_token(self) -> str:
        """Who is doing something right now, down to the process: ``user@host:pid:nonce``.
        Leases and batch claims carry it, so ``process_gone`` can tell a dead run's."""
        return f"{self.user}@{machine()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def today(self, at: datetime | None = None) -> date:
        """Today in the workspace's zone: due dates are calendar days there."""
        return (at or self.clock()).astimezone(self.tz).date()

    @contextmanager
    def own_connection(self) -> Iterator[Workspace]:
        """This workspace on a connection of its own, for a worker's long read that must not
        hold up the UI's queries on the shared one (WAL lets readers run side by side).
        It shares the model client as it is now and never builds one of its own. On
        PostgreSQL the store's pool already gives each worker a connection of its own."""
        if str(self.store.path) == ":memory:" or self.store.db.engine == "postgresql":
            yield self
            return
        store = Store(self.store.path, self.clock)
        try:
            yield replace(self, store=store, _lock=threading.Lock(), _llm_built=True)
        finally:
            store.close()

    def close(self) -> None:
        with self._lock:
            if self._llm is not None:
                self._llm.close()
                self._llm = None
        self.store.close()
