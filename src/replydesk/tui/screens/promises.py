"""The promises board: open, overdue and delivered; deliver, undo, withdraw, mark broken,
link a tracker item, open the follow-up draft. Overdue rows come first (P1).

Delivering and checking trackers run in thread workers: a delivery drafts the follow-up,
which may ask the model, and a tracker is asked over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Footer, Header, Input, Static

from replydesk.domain.errors import ReplydeskError
from replydesk.domain.models import Promise, PromiseStatus
from replydesk.services import promising
from replydesk.services.workspace import Workspace
from replydesk.tui.screens.base import BACK, WorkspaceScreen, call_service
from replydesk.tui.widgets.render import cell


class PromisesScreen(WorkspaceScreen):
    BINDINGS = [
        Binding("d", "deliver", "Deliver"),
        Binding("u", "undo", "Undo"),
        Binding("x", "withdraw", "Withdraw"),
        Binding("b", "broken", "Broken"),
        Binding("t", "link", "Tracker"),
        Binding("f", "followup", "Follow-up"),
        Binding("w", "watch", "Check"),
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

    def reload(self) -> None:
        table = self.query_one(DataTable)
        current = self._current()
        keep = table.cursor_row
        table.clear()
        today = self.ws.today().isoformat()
        rows = promising.board(self.ws)
        for p in rows:
            if p.is_overdue(today):
                state = Text("OVERDUE", style="bold red")
            elif p.status == "delivered":
                when = p.timing(self.ws.tz)
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
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return promising.get(self.ws, int(key)) if key else None

    def action_deliver(self) -> None:
        p = self._current()
        if p is None:
            return

        def delivered(done: promising.Delivered) -> None:
            self.notify(
                f"delivered ({done.timing or 'no due date'}); follow-up draft "
                f"{done.followup.id} is waiting for approval (u undoes)",
                title="Promise kept",
            )
            self.reload()

        if p.status == PromiseStatus.OPEN:  # else the service says why not, at once
            self.notify("delivering… (drafting the follow-up)")
        call_service(
            self,
            lambda: promising.deliver(self.ws, p.id, "delivered by hand in the TUI"),
            delivered,
            title="Not delivered",
            group="promise",
        )

    def action_undo(self) -> None:
        p = self._current()
        if p is None:
            return
        try:
            undone = promising.undo(self.ws, p.id)
        except ReplydeskError as exc:
            self.notify(exc.message, title="Nothing undone", severity="error")
            return
        self.notify(
            f"promise {p.id} is open again (was {undone.was})"
            + (f"; {undone.note}" if undone.note else ""),
            title="Undone",
        )
        self.reload()

    def _change(self, change: Callable[[Workspace, int], Promise], verb: str) -> None:
        p = self._current()
        if p is None:
            return
        try:
            change(self.ws, p.id)
        except ReplydeskError as exc:
            self.notify(exc.message, title=f"Not {verb}", severity="error")
            return
        self.notify(f"promise {p.id} {verb} (u undoes)")
        self.reload()

    def action_withdraw(self) -> None:
        self._change(promising.withdraw, "withdrawn")

    def action_broken(self) -> None:
        self._change(promising.mark_broken, "marked broken")

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
            try:
                promising.edit(self.ws, p.id, tracker_url=event.value.strip())
            except ReplydeskError as exc:
                self.notify(exc.message, title="Not linked", severity="error")
            else:
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
        def checked(results: list[promising.WatchResult]) -> None:
            delivered = sum(r.status == promising.WatchStatus.DELIVERED for r in results)
            errors = [r for r in results if r.status == promising.WatchStatus.ERROR]
            self.notify(
                f"{delivered} delivered, {len(errors)} could not be checked"
                + (f": {errors[0].detail}" if errors else ""),
                severity="error" if errors else "information",
            )
            self.reload()

        call_service(
            self, lambda: promising.watch(self.ws), checked, title="Trackers", group="promise"
        )
