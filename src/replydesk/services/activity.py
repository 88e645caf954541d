"""What colleagues did a moment ago, for a workstation left open: the TUI asks every few
seconds and refreshes, with a toast naming who did what.

Asking is cheap on both engines: SQLite's ``PRAGMA data_version`` moves only when another
connection commits, and on PostgreSQL every write notifies the store's channel
(LISTEN/NOTIFY). Only then is the audit log read, from the last event seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from replydesk.domain.errors import shown
from replydesk.domain.text import one_line
from replydesk.services.audit import what
from replydesk.services.workspace import Workspace

MOST = 50  # events read per look; more are summed up


@dataclass(frozen=True)
class Mark:
    """How far this workstation has seen: the engine's change mark and the last event."""

    data: object
    event_id: int


@dataclass(frozen=True)
class News:
    changed: bool  # something was written by another process: refresh what is shown
    lines: list[str] = field(default_factory=list)  # "ana approved · review 42", oldest first
    more: int = 0  # events past the lines (only the newest MOST are read)


def start(ws: Workspace) -> Mark:
    _changed, data = ws.store.db.changed_since(None)
    return Mark(data, ws.store.events.last_id())


def news(ws: Workspace, mark: Mark) -> tuple[News, Mark]:
    """What others did since ``mark`` (never this person on this login), and the new mark."""
    changed, data = ws.store.db.changed_since(mark.data)
    if not changed:
        return News(False), Mark(data, mark.event_id)
    last = ws.store.events.last_id()
    events = ws.store.events.after(mark.event_id, MOST)
    others = [e for e in events if (e.user, e.login) != (ws.user, ws.store.db.login)]
    more = last - events[-1].id if events else 0  # past the ones read: summed up, not shown
    lines = [_line(e.user, e.action, e.review_id) for e in others]
    return News(True, lines, more), Mark(data, last)


def _line(user: str, action: str, review_id: int | None) -> str:
    who = one_line(shown(user), 30) or "someone"
    where = f" · review {review_id}" if review_id is not None else ""
    return f"{who}: {what(action)}{where}"
