"""The promises board, a worklist: overdue first, then open, delivered, broken, withdrawn.

j/k or the arrows move, Enter opens the review and its reply in the editor. `d` delivers
after a one-key confirmation; `w` withdraws, `b` marks broken, `u` undoes; `e` corrects
the wording, the due date or the tracker link in a small form. 1-4 choose a view (all,
open, overdue, due this week), `o`, `K` and `P` step through the owners, kinds and
products; `n` writes down a promise extraction missed. The counts
above the list are the whole ledger's, with how many the filter shows.

Every change goes through `services.promising`, which checks the life cycle and says in
one line why not. Delivering and checking trackers run in thread workers: a delivery
drafts the follow-up, which may ask the model, and a tracker is asked over HTTP. The other
changes are short local writes, made on the UI thread.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Header, Label, Static

from replydesk.domain.errors import ReplydeskError
from replydesk.domain.models import PROMISE_KINDS, Promise, PromiseStatus
from replydesk.domain.text import one_line
from replydesk.services import promising
from replydesk.services.workspace import Workspace
from replydesk.tui.screens.add_promise import AddPromise
from replydesk.tui.screens.base import BACK, WorkspaceScreen, call_service
from replydesk.tui.screens.dialogs import Confirm
from replydesk.tui.widgets.footer import KeyFooter
from replydesk.tui.widgets.promises.edit_form import PromiseForm
from replydesk.tui.widgets.promises.summary import BoardSummary, PromiseDetail
from replydesk.tui.widgets.promises.table import PromiseTable, when
from replydesk.tui.widgets.render import plain

STYLES = Path(__file__).parent.parent / "styles"
# the keys that act on promises on the board, hidden while there are none
NEEDS_PROMISES = {
    "deliver",
    "undo",
    "withdraw",
    "broken",
    "edit",
    "view",
    "cycle_owner",
    "cycle_kind",
    "cycle_product",
    "followup",
    "link",
    "check",
}
EMPTY = (
    "No promises yet: when an approved reply promises a fix, refund or callback, it is "
    "tracked here until it is kept.\nPress n to add one by hand."
)


class View(StrEnum):
    ALL = "all"
    OPEN = "open"
    OVERDUE = "overdue"
    WEEK = "due this week"


@dataclass(frozen=True)
class BoardFilter:
    """Which promises the board shows; ``None`` means any owner, any kind."""

    view: View = View.ALL
    owner: str | None = None
    kind: str | None = None
    product: str | None = None  # the source of the promise's review

    def keeps(self, p: Promise, today: date, product: str = "") -> bool:
        if self.owner is not None and p.owner != self.owner:
            return False
        if self.kind is not None and p.kind != self.kind:
            return False
        if self.product is not None and product != self.product:
            return False
        if self.view == View.OPEN:
            return p.status == PromiseStatus.OPEN
        if self.view == View.OVERDUE:
            return p.is_overdue(today.isoformat())
        if self.view == View.WEEK:  # still to do by Sunday, the overdue ones included
            return (
                p.status == PromiseStatus.OPEN
                and bool(p.due_date)
                and (p.due_date or "") <= week_end(today).isoformat()
            )
        return True

    def describe(self, today: date) -> list[tuple[str, str]]:
        view = str(self.view)
        if self.view == View.WEEK:
            view += f" (by Sun {week_end(today).isoformat()})"
        return [
            ("view", view),
            ("owner", self.owner or "any"),
            ("kind", self.kind or "any"),
            ("product", self.product or "any"),
        ]


def week_end(today: date) -> date:
    """The Sunday of this week (the workspace's today)."""
    return today + timedelta(days=6 - today.weekday())


def tally(promises: list[Promise], today: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for p in promises:
        if p.is_overdue(today):
            counts["overdue"] += 1
        elif p.status == PromiseStatus.OPEN:
            counts["open on time"] += 1
        else:
            counts[str(p.status)] += 1
    return counts


class PromisesScreen(WorkspaceScreen):
    CSS_PATH = STYLES / "promises.tcss"
    AUTO_FOCUS = "#promises"
    LEGEND = (  # shown under the keys in help
        ("OVERDUE", "open and past its due date"),
        (
            "?",
            "the model doubts this promise was made (the lines below say why): e edits, w drops it",
        ),
        ("⚑", "the customer wrote again after delivery: read what they said"),
    )
    BINDINGS = [
        # the footer keeps the daily keys (80 columns); help (?) lists them all
        Binding("d", "deliver", "Deliver", tooltip="Delivered: queue the follow-up (asks)"),
        Binding("u", "undo", "Undo", tooltip="Undo the last delivery, withdrawal or break"),
        Binding("w", "withdraw", "Withdraw", show=False, tooltip="Not a promise after all"),
        Binding("x", "withdraw", show=False),  # the key it had before w
        Binding("b", "broken", "Broken", show=False, tooltip="We will not keep it"),
        Binding("e", "edit", "Edit", tooltip="Correct the wording, due date or tracker"),
        Binding("1", "view('all')", "Views", key_display="1-4", tooltip="Views: 1 all"),
        Binding("2", "view('open')", "Open only", show=False),
        Binding("3", "view('overdue')", "Overdue only", show=False),
        Binding("4", "view('due this week')", "Due this week", show=False),
        Binding("o", "cycle_owner", "Owner filter", show=False),
        Binding("K", "cycle_kind", "Kind filter", key_display="K", show=False),
        Binding("P", "cycle_product", "Product filter", key_display="P", show=False),
        Binding("n", "new", "New", tooltip="Write down a promise by hand"),
        Binding("f", "followup", "Follow-up", tooltip="Open the follow-up to the reviewer"),
        Binding("t", "link", "Link tracker", show=False),
        Binding("c", "check", "Check trackers", show=False),
        BACK,
    ]

    def __init__(self, ws: Workspace) -> None:
        super().__init__(ws)
        self.filter = BoardFilter()
        self.all: list[Promise] = []
        self.products: dict[int, str] = {}
        self.last_changed: int | None = None  # what `u` undoes when the cursor is on an open one

    def compose(self) -> ComposeResult:
        yield Header()
        yield BoardSummary(id="promises-summary")
        yield PromiseTable(id="promises")
        yield Static(Text(EMPTY), id="promises-empty")
        yield PromiseDetail(id="promise-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.reload()

    # ------------------------------------------------------------ showing

    def reload(self) -> None:
        today = self.ws.today()
        found = promising.board(self.ws)
        self.all, self.products = found.promises, found.products
        shown = [p for p in self.all if self.filter.keeps(p, today, self.products.get(p.id, ""))]
        table = self.query_one(PromiseTable)
        table.show(shown, today.isoformat(), self.ws.tz)
        # an empty ledger says what appears here; a filter that hides all says 1 shows all
        table.display = table.can_focus = bool(self.all)
        self.query_one("#promises-empty").display = not self.all
        self.query_one(PromiseDetail).display = bool(self.all)
        if table.display and self.focused is None:
            table.focus()
        elif not table.display and self.focused is table:
            self.set_focus(None)  # nothing to open: the footer offers no Enter
        self.refresh_bindings()
        filters = self.filter.describe(today)
        self.query_one(BoardSummary).show(tally(self.all, today.isoformat()), len(shown), filters)
        f = self.filter
        active = [
            str(f.view) if f.view != View.ALL else "",
            f.owner or "",
            f.kind or "",
            f.product or "",
        ]
        self.sub_title = " · ".join(["promises", *(a for a in active if a)])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """An empty ledger offers only what starts one (n) and the way back: the footer
        then fits at 80 columns and says what can be done."""
        return bool(self.all) or action not in NEEDS_PROMISES

    @on(PromiseTable.Highlighted, "#promises")
    def _highlighted(self, event: PromiseTable.Highlighted) -> None:
        self.query_one(PromiseDetail).show(event.promise, self.ws.today().isoformat(), self.ws.tz)

    def _current(self) -> Promise | None:
        return self.query_one(PromiseTable).current

    # ------------------------------------------------------------ filters

    def refilter(self, **changes: object) -> None:
        self.filter = replace(self.filter, **changes)  # type: ignore[arg-type]
        self.reload()

    def action_view(self, view: str) -> None:
        if view == View.ALL:  # 1: everything, no owner or kind either
            self.filter = BoardFilter()
            self.reload()
            return
        self.refilter(view=View(view))

    def _cycle(self, current: str | None, values: list[str]) -> str | None:
        cycle: list[str | None] = [None, *values]
        return cycle[(cycle.index(current) + 1) % len(cycle)] if current in cycle else None

    def action_cycle_owner(self) -> None:
        """Step through the owners on the board (yours first), then any."""
        owners = sorted({p.owner for p in self.all})
        if self.ws.user in owners:
            owners.remove(self.ws.user)
            owners.insert(0, self.ws.user)
        self.refilter(owner=self._cycle(self.filter.owner, owners))

    def action_cycle_kind(self) -> None:
        kinds = [str(k) for k in PROMISE_KINDS if any(p.kind == k for p in self.all)]
        self.refilter(kind=self._cycle(self.filter.kind, kinds))

    def action_cycle_product(self) -> None:
        """Step through the products (review sources) on the board, then any."""
        products = sorted(set(self.products.values()))
        self.refilter(product=self._cycle(self.filter.product, products))

    # ------------------------------------------------------------ opening

    @on(PromiseTable.Opened, "#promises")
    def _opened(self, event: PromiseTable.Opened) -> None:
        from replydesk.tui.screens.editor import EditorScreen

        self.app.push_screen(
            EditorScreen(self.ws, event.promise.review_id), lambda _r: self.reload()
        )

    def action_followup(self) -> None:
        from replydesk.tui.screens.editor import EditorScreen

        p = self._current()
        if p is None:
            return
        if not p.followup_draft_id:
            self.notify(
                "its follow-up is still to be written: c (check trackers) writes it"
                if p.followup_pending
                else "no follow-up yet: deliver the promise first",
                severity="warning",
            )
            return
        self.app.push_screen(EditorScreen(self.ws, p.review_id), lambda _r: self.reload())

    # ------------------------------------------------------------ changing

    def action_deliver(self) -> None:
        p = self._current()
        if p is None:
            return
        if p.status != PromiseStatus.OPEN:  # nothing to ask: the service says why not
            self._deliver(p)
            return
        today = self.ws.today().isoformat()
        timing = when(p, today, self.ws.tz)
        detail = plain(one_line(p.what, 200), "italic")
        detail.append(
            f"\nreview {p.review_id} · {p.kind} · owner {one_line(p.owner, 30)}"
            + (f" · due {p.due_date}" if p.due_date else "")
            + (f" ({timing})" if timing else ""),
            "dim",
        )
        if p.tracker_url:
            detail.append(f"\nevidence: {one_line(p.tracker_url, 60)}", "dim")
        detail.append(
            "\nA follow-up to the customer is drafted for your approval; nothing is sent.",
            "dim",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._deliver(p)

        self.app.push_screen(
            Confirm(Text(f"Deliver promise {p.id}?", style="bold"), detail, "Deliver"), answered
        )

    def _deliver(self, p: Promise) -> None:
        evidence = p.tracker_url or "delivered by hand in the TUI"

        def delivered(done: promising.Delivered) -> None:
            self.last_changed = p.id
            self.notify(
                f"promise {p.id} delivered ({done.timing or 'no due date'}); follow-up draft "
                f"{done.followup.id} waits for approval (f opens it) · u undoes",
                title="Promise kept",
            )
            self.reload()

        def failed(exc: ReplydeskError) -> None:
            # one line; the ledger may have moved all the same (delivered, its follow-up
            # still to write), so the board shows what is true now
            self.notify(exc.message, title=f"Promise {p.id}", severity="error", timeout=10)
            self.reload()

        if p.status == PromiseStatus.OPEN:
            self.notify("delivering… (drafting the follow-up)")
        call_service(
            self,
            lambda: promising.deliver(self.ws, p.id, evidence),
            delivered,
            title="Not delivered",
            group="promise",
            failed=failed,
        )

    def _undo_target(self) -> int | None:
        """The promise under the cursor if it has something to undo, else the last one
        changed here (delivered out of an overdue view, say), else the cursor's (the
        service then says there is nothing to undo)."""
        p = self._current()
        if p is not None and p.status != PromiseStatus.OPEN:
            return p.id
        if self.last_changed is not None:
            return self.last_changed
        return p.id if p else None

    def action_undo(self) -> None:
        target = self._undo_target()
        if target is None:
            return
        try:
            undone = promising.undo(self.ws, target)
        except ReplydeskError as exc:
            self.notify(exc.message, title="Nothing undone", severity="error")
            return
        if self.last_changed == target:
            self.last_changed = None
        self.notify(
            f"promise {target} is open again (was {undone.was})"
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
        self.last_changed = p.id
        self.notify(f"promise {p.id} {verb} · u undoes")
        self.reload()

    def action_withdraw(self) -> None:
        self._change(promising.withdraw, "withdrawn")

    def action_broken(self) -> None:
        self._change(promising.mark_broken, "marked broken")

    def action_edit(self, field: str = "what") -> None:
        p = self._current()
        if p is None:
            return

        def edited(updated: Promise | None) -> None:
            if updated is not None:
                self.notify(f"promise {p.id} corrected", title="Edited")
                self.reload()

        self.app.push_screen(EditPromise(self.ws, p, field), edited)

    def action_link(self) -> None:
        self.action_edit("tracker")

    def action_new(self) -> None:
        """Write down a promise extraction missed, on the review under the cursor or any."""
        p = self._current()

        def added(new: Promise | None) -> None:
            if new is not None:
                self.last_changed = None
                self.notify(
                    f"promise {new.id} added to review {new.review_id} ({new.kind}, "
                    f"due {new.due_date or '—'})",
                    title="Added",
                )
                self.reload()
                self.query_one(PromiseTable).select(new.id)

        self.app.push_screen(AddPromise(self.ws, p.review_id if p else None), added)

    def action_check(self) -> None:
        def checked(results: list[promising.WatchResult]) -> None:
            delivered = sum(r.status == promising.WatchStatus.DELIVERED for r in results)
            errors = [r for r in results if r.status == promising.WatchStatus.ERROR]
            self.notify(
                f"{delivered} delivered, {len(errors)} could not be checked"
                + (f": {errors[0].line()}" if errors else ""),
                severity="error" if errors else "information",
            )
            self.reload()

        call_service(
            self, lambda: promising.watch(self.ws), checked, title="Trackers", group="promise"
        )


class EditPromise(ModalScreen[Promise | None]):
    """Correct one promise: what, due date, tracker link. The service validates; an error
    is one line and the form stays open with what was typed. Dismissed with the corrected
    promise, or None."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", key_display="Enter/^s", priority=True),
        Binding("escape", "cancel", "Cancel", key_display="Esc"),
    ]

    def __init__(self, ws: Workspace, promise: Promise, field: str = "what") -> None:
        super().__init__()
        self.ws = ws
        self.promise = promise
        self.field = field

    def compose(self) -> ComposeResult:
        p = self.promise
        with Vertical(id="promise-edit"):
            yield Label(Text(f"Correct promise {p.id} ({p.kind}, review {p.review_id})"))
            yield PromiseForm(p.what, p.due_date or "", p.tracker_url or "")
            yield Static(
                Text("Enter saves · Tab next field · Esc leaves it as it was", style="dim")
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(PromiseForm).focus_field(self.field)

    @on(PromiseForm.Submitted)
    def _save(self, event: PromiseForm.Submitted) -> None:
        p = self.promise
        what = event.what if event.what != p.what else None
        due = event.due if event.due != (p.due_date or "") else None
        tracker = event.tracker if event.tracker != (p.tracker_url or "") else None
        if what is None and due is None and tracker is None:
            self.dismiss(None)
            return
        try:
            updated = promising.edit(self.ws, p.id, what=what, due_date=due, tracker_url=tracker)
        except ReplydeskError as exc:
            self.notify(exc.message, title="Not changed", severity="error")
            return
        self.dismiss(updated)

    def action_save(self) -> None:
        form = self.query_one(PromiseForm)
        form.post_message(form.Submitted(form, {name: form.value(name) for name in form.fields}))

    def action_cancel(self) -> None:
        self.dismiss(None)
