"""``replydesk sync``: every enabled source at once, incrementally, each failure contained.

Each source runs with its own HTTP client (so its request count is its own), from the
cursor its last good sync left. What it brings is stored at once; what it reports (new,
updated, malformed, error) is printed and kept for ``replydesk sources`` and the TUI. A
failing source keeps its old cursor, so nothing between the two syncs is lost.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from replydesk import secrets
from replydesk.config import SourceConfig
from replydesk.domain.errors import SecretError, SourceError
from replydesk.domain.redact import redact
from replydesk.language import detect
from replydesk.services.importing import store_reviews
from replydesk.services.workspace import Workspace
from replydesk.sources.base import Source
from replydesk.sources.http import Http
from replydesk.sources.registry import source_class


@dataclass
class SourceReport:
    name: str
    kind: str
    status: str = "ok"  # ok, partial (some items malformed), error, skipped
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    malformed: int = 0
    malformed_reasons: list[str] = field(default_factory=list)
    error: str | None = None
    requests: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        if self.status == "error":
            return f"{self.name:<18} ERROR    {self.error}"
        if self.status == "skipped":
            return f"{self.name:<18} skipped  (disabled in config)"
        text = (
            f"{self.name:<18} {self.status:<8} {self.new} new, {self.updated} updated, "
            f"{self.malformed} malformed skipped ({self.requests} requests, "
            f"{self.seconds:.1f} s)"
        )
        for reason in self.malformed_reasons[:3]:
            text += f"\n{'':<28}malformed: {reason}"
        return text


Progress = Callable[[SourceReport], None]


def make_source(cfg: SourceConfig, http: Http) -> Source:
    return source_class(cfg.kind)(cfg, http, secrets.get)


def http_for(cfg: SourceConfig) -> Http:
    return Http(
        timeout=float(cfg.options.get("timeout", 20.0)),
        max_retries=int(cfg.options.get("retries", 3)),
    )


async def sync_sources(
    ws: Workspace,
    names: list[str] | None = None,
    progress: Progress | None = None,
    http_factory: Callable[[SourceConfig], Http] | None = None,
) -> list[SourceReport]:
    configured = ws.config.sources
    if names:
        unknown = [n for n in names if ws.config.source(n) is None]
        if unknown:
            valid = ", ".join(s.name for s in configured) or "none configured"
            raise SourceError(f"no source named {', '.join(unknown)}; configured: {valid}")
        configured = [s for s in configured if s.name in names]
    states = ws.store.sources.states()
    factory = http_factory or http_for

    async def one(cfg: SourceConfig) -> SourceReport:
        report = SourceReport(cfg.name, cfg.kind)
        if not cfg.enabled and not names:
            report.status = "skipped"
        else:
            state = states.get(cfg.name)
            cursor = json.loads(state.cursor) if state and state.cursor else {}
            await _run(ws, cfg, cursor, report, factory(cfg))
        if progress:
            progress(report)
        return report

    return list(await asyncio.gather(*(one(cfg) for cfg in configured)))


async def _run(
    ws: Workspace, cfg: SourceConfig, cursor: dict[str, str], report: SourceReport, http: Http
) -> None:
    t0 = time.perf_counter()
    new_cursor = None
    try:
        async with http:
            result = await make_source(cfg, http).fetch(cursor)
        languages = tuple(ws.config.style.languages)
        reviews = [
            r if r.language else replace(r, language=detect(r.text, languages))
            for r in result.reviews
        ]
        store_reviews(ws, reviews, report)
        report.malformed = len(result.malformed)
        report.malformed_reasons = [redact(m) for m in result.malformed[:20]]
        report.status = "partial" if result.malformed else "ok"
        new_cursor = json.dumps({**cursor, **result.cursor}) if result.cursor else None
    except (SourceError, SecretError) as exc:
        report.status, report.error = "error", redact(str(exc))
    except Exception as exc:  # a bug in one source must not stop the others
        report.status = "error"
        report.error = redact(f"unexpected {type(exc).__name__}: {exc}")
    report.requests = http.requests
    report.seconds = time.perf_counter() - t0
    stored = {k: v for k, v in asdict(report).items() if k not in ("name", "kind")}
    ws.store.sources.record(
        cfg.name, cfg.kind, status=report.status, report=stored, cursor=new_cursor
    )


def sync(
    ws: Workspace, names: list[str] | None = None, progress: Progress | None = None
) -> list[SourceReport]:
    return asyncio.run(sync_sources(ws, names, progress))
