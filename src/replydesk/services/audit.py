"""The audit log as people read it: who did what, newest first."""

from __future__ import annotations

from replydesk.domain.models import Event
from replydesk.services.workspace import Workspace


def recent(ws: Workspace, limit: int = 500) -> list[Event]:
    return ws.store.events.recent(limit)
