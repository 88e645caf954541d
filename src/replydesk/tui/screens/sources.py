"""Sources: health, last sync and its report; sync now, in a worker, with progress."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, ProgressBar, Static

from replydesk.domain.errors import ReplydeskError
from replydesk.services.sources_view import source_rows
from replydesk.services.sync import SourceReport, SyncRun, sync_all
from replydesk.tui.screens.base import BACK, WorkspaceScreen, busy, call_service
from replydesk.tui.widgets.footer import KeyFooter
from replydesk.tui.widgets.render import cell, plain

STATUS_STYLE = {"ok": "green", "partial": "yellow", "error": "bold red"}


class SourcesScreen(WorkspaceScreen):
    DEFAULT_CSS = "#source-detail.-empty { padding: 1 2; }"
    BINDINGS = [
        Binding("y", "sync", "Sync now"),
        BACK,
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield ProgressBar(id="sync-progress", show_eta=False)
        yield DataTable(id="sources", cursor_type="row", zebra_stripes=True)
        yield Static(id="source-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "sources"
        self.query_one(ProgressBar).display = False
        table = self.query_one(DataTable)
        for name in ("Source", "Kind", "On", "Reviews", "Last sync", "Status"):
            table.add_column(name, key=name.lower())
        self.reload()
        table.focus()

    def reload(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        rows = source_rows(self.ws)
        details = Text()
        for row in rows:
            table.add_row(
                cell(row.name, 18),
                row.kind,
                "yes" if row.enabled else "off",
                str(row.reviews),
                row.last_sync,
                Text(row.status, style=STATUS_STYLE.get(row.status, "dim")),
                key=row.name,
            )
            details.append(f"{row.name}: ", "bold")
            details.append(
                row.report.get("error")
                or (
                    f"{row.report.get('new', 0)} new, {row.report.get('updated', 0)} updated, "
                    f"{row.report.get('malformed', 0)} malformed"
                    if row.report
                    else "never synced"
                )
            )
            if row.note:
                details.append(f" — {row.note}", "dim")
            details.append("\n")
        if not rows:  # say what appears here and how to get there
            details = Text(
                "No sources configured: add [[sources]] to your config (`replydesk init` "
                "writes an example), or import a file with `replydesk import FILE`.\n"
                "Each source then shows here with its health, last sync and reviews; "
                "y syncs them.",
                style="dim",
            )
            where = self.ws.config.path
            if where is not None:
                details.append("\nYour config: ", "dim")
                details.append_text(plain(str(where), "dim"))
        table.display = table.can_focus = bool(rows)
        if not rows and self.focused is table:
            self.set_focus(None)
        detail = self.query_one("#source-detail", Static)
        detail.update(details)
        detail.set_class(not rows, "-empty")

    def action_sync(self) -> None:
        """Sync every enabled source in a thread worker; the bar moves as each one is done
        (a disabled one counts as done at once)."""
        if busy(self, "sync"):
            self.notify("the sync is still running", severity="warning")
            return
        sources = self.ws.config.sources
        if sources and not any(s.enabled for s in sources):
            why = (
                "the demo works offline: its sources are shown, never fetched"
                if self.ws.demo
                else "set enabled = true on one in your config, or `replydesk sync --source "
                "NAME` syncs one that is off"
            )
            self.notify(f"every source is off: nothing to sync ({why})", title="Sync")
            return
        bar = self.query_one(ProgressBar)
        bar.update(total=max(1, len(self.ws.config.sources)), progress=0)
        bar.display = True

        def progress(report: SourceReport) -> None:  # from the worker's thread
            self.app.call_from_thread(bar.advance, 1)

        def finished(run: SyncRun) -> None:
            bar.display = False
            failed = run.failed
            self.notify(
                run.summary() + (f": {failed[0].name}: {failed[0].error}" if failed else ""),
                title="Sync",
                severity="error" if failed else "information",
            )
            self.reload()

        def failed(exc: ReplydeskError) -> None:
            bar.display = False
            self.notify(exc.message, title="Sync", severity="error", timeout=10)

        call_service(
            self,
            lambda: sync_all(self.ws, progress=progress),
            finished,
            title="Sync",
            group="sync",
            failed=failed,
        )
