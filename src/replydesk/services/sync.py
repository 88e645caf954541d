"""``replydesk sync``: every enabled source at once, incrementally, each failure contained.

Each source fetches in a thread of its own with its own HTTP client (so its request count
is its own), from the cursor its last good sync left. What it brings is stored by the
calling thread as each source finishes; what it reports (new, updated, malformed, error)
is handed to ``progress`` and kept for ``replydesk sources`` and the TUI. A failing source
keeps its old cursor, so nothing between the two syncs is lost.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from replydesk.config import Config, SourceConfig
from replydesk.domain.errors import ReplydeskError, UsageError, shown
from replydesk.domain.models import NewReview, Promise
from replydesk.domain.redact import redact
from replydesk.services.importing import store_reviews, with_language
from replydesk.services.platforms import open_source
from replydesk.services.promising import WatchResult, WatchStatus, overdue, watch
from replydesk.services.triaging import triage_pending
from replydesk.services.workspace import Workspace
from replydesk.sources.base import FetchResult


class SyncStatus(StrEnum):
    OK = "ok"
    PARTIAL = "partial"  # some items were malformed and skipped
    ERROR = "error"
    SKIPPED = "skipped"  # disabled in config


@dataclass
class SourceReport:
    name: str
    kind: str
    status: SyncStatus = SyncStatus.OK
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    malformed: int = 0
    malformed_reasons: list[str] = field(default_factory=list)
    error: str | None = None
    requests: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        """What ``replydesk sync`` prints: redacted and inert, whatever a platform answered
        (a line break in an error or reason stays, indented under its source)."""
        if self.status == SyncStatus.ERROR:
            text = f"{self.name:<18} ERROR    {self._indented(self.error or '', 27)}"
        elif self.status == SyncStatus.SKIPPED:
            text = f"{self.name:<18} skipped  (disabled in config)"
        else:
            text = (
                f"{self.name:<18} {self.status:<8} {self.new} new, {self.updated} updated, "
                f"{self.malformed} malformed skipped ({self.requests} requests, "
                f"{self.seconds:.1f} s)"
            )
            for reason in self.malformed_reasons[:3]:
                text += f"\n{'':<28}malformed: {self._indented(reason, 39)}"
        return shown(text)

    def stored(self) -> dict[str, Any]:
        """What ``replydesk sources`` shows of the last sync (redacted and inert)."""
        out = {k: v for k, v in asdict(self).items() if k not in ("name", "kind")}
        if self.error:
            out["error"] = shown(self.error)
        out["malformed_reasons"] = [shown(r) for r in self.malformed_reasons]
        return out

    @staticmethod
    def _indented(text: str, width: int) -> str:
        return text.replace("\n", "\n" + " " * width)


Progress = Callable[[SourceReport], None]


@dataclass
class _Fetched:
    result: FetchResult | None
    error: str | None
    requests: int
    seconds: float


def _fetch(ws: Workspace, cfg: SourceConfig, cursor: dict[str, str]) -> _Fetched:
    """Network only (runs in a pool thread); storing happens on the caller's thread."""
    t0 = time.perf_counter()
    result, error, requests = None, None, 0
    try:
        with open_source(ws, cfg) as source:
            try:
                result = source.fetch(cursor)
            finally:
                requests = source.http.requests
    except ReplydeskError as exc:
        error = exc.message
    except Exception as exc:  # a bug in one source must not stop the others
        error = redact(f"unexpected {type(exc).__name__}: {exc}")
    return _Fetched(result, error, requests, time.perf_counter() - t0)


def _broken_text(r: NewReview) -> bool:
    """A lone surrogate cannot be encoded (nor stored); the import reports such a line."""
    fields = (r.external_id, r.title, r.body, r.author, r.author_key, r.url, r.language)
    try:
        for value in fields:
            value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def chosen(config: Config, names: list[str] | None = None) -> list[SourceConfig]:
    """The sources a sync of ``names`` (or of all) reaches; one line for an unknown name."""
    configured = config.sources
    if not names:
        return list(configured)
    unknown = [n for n in names if config.source(n) is None]
    if unknown:
        valid = ", ".join(s.name for s in configured) or "none configured"
        raise UsageError(f"no source named {', '.join(unknown)}; configured: {valid}")
    return [s for s in configured if s.name in names]


def sync(
    ws: Workspace, names: list[str] | None = None, progress: Progress | None = None
) -> list[SourceReport]:
    """Sync the named sources (a disabled one too, when named), or every enabled one."""
    configured = chosen(ws.config, names)
    states = ws.store.sources.states()
    reports = {cfg.name: SourceReport(cfg.name, cfg.kind) for cfg in configured}
    running: dict[Future[_Fetched], tuple[SourceConfig, dict[str, str]]] = {}
    with ThreadPoolExecutor(
        max_workers=max(1, len(configured)), thread_name_prefix="replydesk-sync"
    ) as pool:
        for cfg in configured:
            if not cfg.enabled and not names:
                reports[cfg.name].status = SyncStatus.SKIPPED
                if progress:
                    progress(reports[cfg.name])
                continue
            state = states.get(cfg.name)
            cursor = json.loads(state.cursor) if state and state.cursor else {}
            running[pool.submit(_fetch, ws, cfg, cursor)] = (cfg, cursor)
        for future in as_completed(running):
            cfg, cursor = running[future]
            report = reports[cfg.name]
            _store(ws, cfg, cursor, future.result(), report)
            if progress:
                progress(report)
    return [reports[cfg.name] for cfg in configured]


def _store(
    ws: Workspace,
    cfg: SourceConfig,
    cursor: dict[str, str],
    fetched: _Fetched,
    report: SourceReport,
) -> None:
    report.requests, report.seconds = fetched.requests, fetched.seconds
    new_cursor = None
    if fetched.result is None:
        report.status, report.error = SyncStatus.ERROR, fetched.error
    else:
        result = fetched.result
        reviews = []
        for r in result.reviews:
            if _broken_text(r):  # a platform sent text no database can store: skip it
                result.malformed.append(f"review {r.external_id!r}: text has an invalid character")
                continue
            reviews.append(with_language(ws, r))
        store_reviews(ws, reviews, report)
        report.malformed = len(result.malformed)
        report.malformed_reasons = [redact(m) for m in result.malformed[:20]]
        report.status = SyncStatus.PARTIAL if result.malformed else SyncStatus.OK
        new_cursor = json.dumps({**cursor, **result.cursor}) if result.cursor else None
    ws.store.sources.record(
        cfg.name, cfg.kind, status=report.status, report=report.stored(), cursor=new_cursor
    )


@dataclass(frozen=True)
class SyncRun:
    """What one sync did: per source, the new reviews' labels, trackers checked, and the
    promises now overdue (``replydesk sync`` and the sources screen show the same)."""

    reports: list[SourceReport]
    triaged: Counter[str]
    watched: list[WatchResult]
    overdue: list[Promise]

    @property
    def failed(self) -> list[SourceReport]:
        return [r for r in self.reports if r.status == SyncStatus.ERROR]

    def summary(self) -> str:
        delivered = sum(w.status == WatchStatus.DELIVERED for w in self.watched)
        return (
            f"{sum(r.new for r in self.reports)} new, {sum(r.updated for r in self.reports)} "
            f"updated, {sum(r.malformed for r in self.reports)} malformed, "
            f"{len(self.failed)} source(s) failed"
            + (f", {delivered} promise(s) delivered" if delivered else "")
        )


def sync_all(
    ws: Workspace, names: list[str] | None = None, progress: Progress | None = None
) -> SyncRun:
    """The whole morning sync: fetch and store, label what is new, check the trackers
    (delivering what shipped), and count what is overdue."""
    reports = sync(ws, names, progress)
    triaged = triage_pending(ws)
    return SyncRun(reports, triaged, watch(ws), overdue(ws))
