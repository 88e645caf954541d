"""The promises board: open, overdue and delivered; deliver, link a tracker item, open the
follow-up draft. Overdue rows come first (P1)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Static

from replydesk.domain.models import Promise
from replydesk.services import promising
from replydesk.tui.screens.base import BACK, WorkspaceScreen
from replydesk.tui.widgets.render import cell


class PromisesScreen(WorkspaceScreen):
    BINDINGS = [
        Binding("d", "deliver", "Deliver"),
        Binding("t", "link", "Link tracker"),
        Binding("f", "followup", "Open follow-up"),
        Binding("w", "watch", "Check trackers"),
        BACK,
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="promises-summary")
        yield Input(placeholder="tracker link NAME:REF, e.g. app:812 (Enter)", id="tracker")
        yield DataTable(id="promises", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "promises"
        self.query_one("#tracker").display = False
        table = self.query_one(DataTable)
        for name in ("State", "Due", "Kind", "Owner", "Review", "What", "Tracker"):
            table.add_column(name, key=name.lower())
        self.reload()
        table.focus()

    def _rows(self) -> list[Promise]:
        today = self.ws.today().isoformat()
        order = {"overdue": 0, "open": 1, "delivered": 2, "broken": 3, "withdrawn": 4}
        found = self.ws.store.promises.list()
        return sorted(
            found,
            key=lambda p: (order["overdue" if p.is_overdue(today) else p.status], p.due_date or ""),
        )

    def reload(self) -> None:
        table = self.query_one(DataTable)
        current = self._current()
        keep = table.cursor_row
        table.clear()
        today = self.ws.today().isoformat()
        rows = self._rows()
        for p in rows:
            if p.is_overdue(today):
                state = Text("OVERDUE", style="bold red")
            elif p.status == "delivered":
                when = promising.timing(p, self.ws.tz)
                state = Text(f"delivered{' ' + when if when else ''}", style="green")
            else:
                state = Text(p.status, style="yellow" if p.status == "open" else "dim")
            if p.flag:
                state.append(" ⚑", style="bold magenta")
            table.add_row(
                state,
                p.due_date or "—",
                p.kind,
                cell(p.owner, 10),
                str(p.review_id),
                cell(p.what, 50),
                cell(p.tracker_url or "", 18),
                key=str(p.id),
            )
        if rows:  # stay on the same promise, wherever it moved to
            ids = [p.id for p in rows]
            table.move_cursor(
                row=ids.index(current.id)
                if current and current.id in ids
                else min(keep, len(rows) - 1)
            )
        overdue = sum(p.is_overdue(today) for p in rows)
        on_time = sum(p.status == "open" for p in rows) - overdue
        summary = Text.assemble(
            (f"{overdue} overdue", "bold red" if overdue else "dim"),
            f" · {on_time} open on time · ",
            (f"{sum(p.status == 'delivered' for p in rows)} delivered", "green"),
        )
        self.query_one("#promises-summary", Static).update(summary)

    def _current(self) -> Promise | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return self.ws.store.promises.get(int(key)) if key else None

    def action_deliver(self) -> None:
        p = self._current()
        if p is None:
            return
        try:
            done = promising.deliver(self.ws, p.id, "delivered by hand in the TUI")
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(
            f"delivered ({done.timing or 'no due date'}); follow-up draft "
            f"{done.followup.id} is waiting for approval",
            title="Promise kept",
        )
        self.reload()

    def action_link(self) -> None:
        if self._current() is None:
            return
        box = self.query_one("#tracker", Input)
        box.display = True
        box.focus()

    @on(Input.Submitted, "#tracker")
    def _linked(self, event: Input.Submitted) -> None:
        event.input.display = False
        p = self._current()
        if p and event.value.strip():
            self.ws.store.promises.update(p.id, self.ws.user, tracker_url=event.value.strip())
            self.notify(f"promise {p.id} now watches {event.value.strip()}")
        self.reload()
        self.query_one(DataTable).focus()

    def action_followup(self) -> None:
        from replydesk.tui.screens.editor import EditorScreen

        p = self._current()
        if p is None or not p.followup_draft_id:
            self.notify("no follow-up yet: deliver the promise first", severity="warning")
            return
        self.app.push_screen(EditorScreen(self.ws, p.review_id), lambda _r: self.reload())

    def action_watch(self) -> None:
        self.run_worker(self._watch(), exclusive=True, group="watch")

    async def _watch(self) -> None:
        results = await promising.watch_async(self.ws)
        delivered = sum(r.status == "delivered" for r in results)
        errors = [r for r in results if r.status == "error"]
        self.notify(
            f"{delivered} delivered, {len(errors)} could not be checked"
            + (f": {errors[0].detail}" if errors else ""),
            severity="error" if errors else "information",
        )
        self.reload()
