"""What ``replydesk sources`` and the TUI's sources screen show for each source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from replydesk.domain.errors import shown
from replydesk.domain.timeutil import age
from replydesk.services.workspace import Workspace
from replydesk.sources.registry import source_class


@dataclass(frozen=True)
class SourceRow:
    name: str
    kind: str
    enabled: bool
    reviews: int
    last_sync: str
    status: str
    report: dict[str, Any]
    note: str

    def line(self) -> str:
        """One source, with its last error or counts: redacted and inert, whatever the
        platform answered (a line break in the error stays, indented)."""
        head = (
            f"{self.name:<18} {self.kind:<18} {'on ' if self.enabled else 'off'} "
            f"{self.reviews:>6} reviews  last sync {self.last_sync:<8} {self.status}"
        )
        details = []
        if self.report.get("error"):
            details.append(f"error: {self.report['error']}".replace("\n", "\n" + " " * 27))
        elif self.status in ("ok", "partial"):
            details.append(
                f"last: {self.report.get('new', 0)} new, "
                f"{self.report.get('updated', 0)} updated, "
                f"{self.report.get('malformed', 0)} malformed"
            )
        if self.note:
            details.append(self.note)
        return shown(head + "".join(f"\n{'':<20}{d}" for d in details))


def _shown(report: dict[str, Any]) -> dict[str, Any]:
    """The stored report with its texts redacted and inert (stored before a secret was
    known, or by an older version, it may not be)."""
    out = dict(report)
    if isinstance(out.get("error"), str):
        out["error"] = shown(out["error"])
    reasons = out.get("malformed_reasons")
    if isinstance(reasons, list):
        out["malformed_reasons"] = [shown(r) if isinstance(r, str) else r for r in reasons]
    return out


def source_rows(ws: Workspace) -> list[SourceRow]:
    states = ws.store.sources.states()
    t = ws.now()
    out = []
    for cfg in ws.config.sources:
        st = states.get(cfg.name)
        note = source_class(cfg.kind).health
        out.append(
            SourceRow(
                name=cfg.name,
                kind=cfg.kind,
                enabled=cfg.enabled,
                reviews=st.reviews if st else 0,
                last_sync=age(st.last_sync_at, t) + " ago" if st and st.last_sync_at else "never",
                status=(st.last_status or "never synced") if st else "never synced",
                report=_shown(st.last_report) if st else {},
                note=note,
            )
        )
    return out
