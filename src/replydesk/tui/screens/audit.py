"""The audit log: who did what, newest first (approvals, posts, overrides, claims).

Each event shows the display name and the OS login that acted.
"""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Header

from replydesk.domain.timeutil import age
from replydesk.services import audit
from replydesk.tui.screens.base import BACK, WorkspaceScreen
from replydesk.tui.widgets.render import cell


class AuditScreen(WorkspaceScreen):
    BINDINGS = [BACK]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="events", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "audit log"
        table = self.query_one(DataTable)
        # Who is the display name (anyone can set it); Login is the OS account that acted
        # (empty for events older than schema 6)
        for name in ("When", "Who", "Login", "What", "Review", "Detail"):
            table.add_column(name)
        t = self.ws.now()
        for e in audit.recent(self.ws, 500):
            table.add_row(
                age(e.at, t),
                cell(e.user, 12),
                cell(e.login, 12),
                e.action,
                str(e.review_id or ""),
                cell(json.dumps(e.detail, ensure_ascii=False), 70),
            )
        table.focus()
