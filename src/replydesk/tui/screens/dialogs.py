"""Two questions asked after approving: are these the promises we made, and post it now?

Both are modal and keyboard-first. Nothing reaches a customer until a person has approved
the reply and, for posting, said yes here. ``Confirm`` is the one-key question other
actions ask first (delivering a promise on the board).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Static

from replydesk.domain.errors import ReplydeskError
from replydesk.domain.models import Promise
from replydesk.domain.text import one_line
from replydesk.services import promising
from replydesk.services.platforms import Target
from replydesk.services.workspace import Workspace
from replydesk.tui.screens.add_promise import AddPromise
from replydesk.tui.widgets.footer import KeyFooter
from replydesk.tui.widgets.render import plain

PROMISES_HINT = (
    "Enter confirms · e edits the wording or date · w: not a promise · n: one we missed · u undoes"
)


class ConfirmPromises(ModalScreen[list[Promise]]):
    """The promises read from an approved reply, to confirm, correct or withdraw.

    Dismissed with the promises still open, after the person's changes.
    """

    DEFAULT_CSS = """
    ConfirmPromises { align: center middle; }
    ConfirmPromises > Vertical {
        width: 90%; max-width: 110; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    ConfirmPromises DataTable { height: auto; max-height: 12; }
    ConfirmPromises Input { display: none; }
    ConfirmPromises .hint { color: $text-muted; }
    ConfirmPromises #promise-full { margin: 1 0 0 0; }
    """

    BINDINGS = [
        Binding("enter", "confirm", "Confirm all", priority=True),
        Binding("e", "edit", "Edit"),
        Binding("w", "withdraw", "Not a promise"),
        Binding("n", "new", "Add one"),
        Binding("u", "undo", "Undo"),
        Binding("escape", "cancel_edit", "Back", show=False),
    ]

    def __init__(self, ws: Workspace, promises: list[Promise]) -> None:
        super().__init__()
        self.ws = ws
        self.promises = list(promises)
        reviews = {p.review_id for p in promises}  # several after a batch approval
        self.several = len(reviews) > 1
        self.review_id = reviews.pop() if len(reviews) == 1 else None
        self.editing: Promise | None = None
        self.withdrawn: list[Promise] = []  # what `u` puts back, last first

    def compose(self) -> ComposeResult:
        with Vertical():
            whose = "" if self.several or self.review_id is None else f"Review #{self.review_id}: "
            yield Label(
                Text(
                    f"{whose}this reply makes promises, each tracked until delivered."
                    if whose
                    else "These replies make promises, each tracked until delivered.",
                    style="bold",
                )
            )
            yield DataTable(cursor_type="row", id="promised")
            disputed = [p for p in self.promises if p.disputed or p.origin == "model"]
            if disputed:  # the rules and the model read the reply differently
                yield Static(
                    Text(
                        f"The model reads {len(disputed)} of these differently (the "
                        "Model column): Enter keeps them all as shown, w drops one.",
                        style="bold yellow",
                    ),
                    id="promise-disagree",
                )
            yield Static(id="promise-full")  # the highlighted promise, whole, wrapped
            yield Input(placeholder="what we promised", id="what")
            yield Input(placeholder="due date YYYY-MM-DD", id="due")
            yield Static(PROMISES_HINT, classes="hint", id="promise-hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        columns = [("Kind", 9), ("Due", 11), ("What we promised", 60)]
        if any(p.disputed or p.origin == "model" for p in self.promises):
            columns[2:] = [("Model", 28), ("What we promised", 44)]
        if self.several:
            columns.insert(0, ("Review", 7))
        # the wording takes what the dialog has left (90% of the screen, at most 110,
        # less its border and padding, and 2 cells between columns): no sideways scrolling
        room = min(110, self.app.size.width * 9 // 10) - 4
        fixed = sum(width + 2 for _, width in columns[:-1])
        model = next((i for i, (name, _) in enumerate(columns) if name == "Model"), None)
        if model is not None and room - fixed < 30:  # narrow: the model's view shrinks first
            columns[model] = ("Model", max(12, columns[model][1] - (30 - (room - fixed))))
            fixed = sum(width + 2 for _, width in columns[:-1])
        columns[-1] = (columns[-1][0], max(20, room - fixed - 2))
        for name, width in columns:
            table.add_column(name, width=width)
        self._fill()
        table.focus()

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        p = self._current()
        self.query_one("#promise-full", Static).update(
            Text.assemble((f"{p.kind}, due {p.due_date or '—'}: ", "bold"), plain(p.what))
            if p is not None
            else ""
        )

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        if not self.promises:  # the last one withdrawn: nothing highlighted to show whole
            self.query_one("#promise-full", Static).update("")
        views = len(table.columns) > 3 + self.several
        for p in self.promises:
            cells: list[str | Text] = [f"#{p.review_id}"] if self.several else []
            cells += [p.kind, p.due_date or "—"]
            if views:
                view = (
                    f"doubts it: {p.dispute}"
                    if p.disputed
                    else "found by the model"
                    if p.origin == "model"
                    else "added by you"
                    if p.origin == "person"
                    else "agrees"
                )
                cells.append(plain(one_line(view, 120)))
            cells.append(plain(one_line(p.what, 200)))
            table.add_row(*cells, key=str(p.id))

    def _current(self) -> Promise | None:
        table = self.query_one(DataTable)
        if not self.promises or table.cursor_row >= len(self.promises):
            return None
        return self.promises[table.cursor_row]

    def action_confirm(self) -> None:
        if self.editing is not None:  # Enter in a field saves the edit
            self._save_edit()
            return
        kept = []
        for p in self.promises:  # the person saw the model's doubt and keeps the promise
            try:
                kept.append(promising.confirm(self.ws, p.id) if p.disputed else p)
            except ReplydeskError as exc:
                self.notify(exc.message, severity="error")
                kept.append(p)
        self.dismiss(kept)

    def action_edit(self) -> None:
        p = self._current()
        if p is None:
            return
        self.editing = p
        what, due = self.query_one("#what", Input), self.query_one("#due", Input)
        what.value, due.value = p.what, p.due_date or ""
        what.display = due.display = True
        self.query_one("#promise-hint", Static).update("Enter saves · Esc leaves it as it was")
        what.focus()

    def _save_edit(self) -> None:
        assert self.editing is not None
        what = self.query_one("#what", Input).value.strip()
        due = self.query_one("#due", Input).value.strip()
        try:
            updated = promising.edit(self.ws, self.editing.id, what=what, due_date=due or None)
        except ReplydeskError as exc:
            self.notify(exc.message, severity="error")
            return
        self.promises = [updated if p.id == updated.id else p for p in self.promises]
        self.action_cancel_edit()
        self._fill()

    def action_cancel_edit(self) -> None:
        self.editing = None
        for box in self.query(Input):
            box.display = False
        self.query_one("#promise-hint", Static).update(PROMISES_HINT)
        self.query_one(DataTable).focus()

    def action_withdraw(self) -> None:
        p = self._current()
        if p is None or self.editing is not None:
            return
        try:
            promising.withdraw(self.ws, p.id)
        except ReplydeskError as exc:
            self.notify(exc.message, severity="error")
            return
        self.promises = [x for x in self.promises if x.id != p.id]
        self.withdrawn.append(p)
        self.notify(f"withdrawn: {one_line(p.what, 60)} · u puts it back")
        self._fill()

    def action_undo(self) -> None:
        """Put back the last promise withdrawn here (audited as ``promise.undo``)."""
        if self.editing is not None:
            return
        if not self.withdrawn:
            self.notify("nothing withdrawn here to put back", severity="warning")
            return
        p = self.withdrawn.pop()
        try:
            back = promising.undo(self.ws, p.id).promise
        except ReplydeskError as exc:
            self.notify(exc.message, severity="error")
            return
        self.promises.append(back)
        self.notify(f"kept again: {one_line(back.what, 60)}")
        self._fill()

    def action_new(self) -> None:
        """A promise the reply makes that neither the rules nor the model saw."""
        if self.editing is not None:
            return
        if self.review_id is None:
            self.notify(
                "these are several reviews' promises: add a missed one from its review "
                "(n on the promises board, or `replydesk promise add`)",
                severity="warning",
            )
            return

        def added(new: Promise | None) -> None:
            if new is not None:
                self.promises.append(new)
                self._fill()
                self.notify(f"added: {one_line(new.what, 60)} ({new.kind}, due {new.due_date})")

        self.app.push_screen(AddPromise(self.ws, self.review_id, fixed=True), added)


class ConfirmPost(ModalScreen[bool]):
    """The last look before a reply goes public. Dismissed with True to post."""

    DEFAULT_CSS = """
    ConfirmPost { align: center middle; }
    ConfirmPost > Vertical {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: thick $error; background: $surface; padding: 0 1;
    }
    ConfirmPost #post-text { max-height: 14; overflow-y: auto; margin: 1 0; }
    ConfirmPost Horizontal { height: auto; align-horizontal: right; }
    ConfirmPost Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Post it"),
        Binding("n,escape", "answer(False)", "Not now"),
    ]

    def __init__(self, target: Target, text: str) -> None:
        super().__init__()
        self.target = target
        self.text = text

    def compose(self) -> ComposeResult:
        t = self.target
        with Vertical():
            yield Label(
                Text.assemble(
                    ("Post this reply publicly on ", "bold"),
                    (f"{t.source} ({t.kind})", "bold yellow"),
                    ("?", "bold"),
                )
            )
            yield Static(plain(self.text), id="post-text")
            yield Static(
                Text(
                    t.describe_length(self.text) + " · posted replies cannot be "
                    "taken back from here",
                    style="dim",
                )
            )
            with Horizontal():
                yield Button("Not now (n)", id="no")
                yield Button("Post it (y)", id="yes", variant="error")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe answer is the default

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class Confirm(ModalScreen[bool]):
    """A one-key question before an action: y or Enter says yes, n or Esc says no.

    Dismissed with True for yes. ``question`` and ``detail`` are ``Text``, so untrusted
    words inside them stay plain.
    """

    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > Vertical {
        width: 90%; max-width: 76; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    Confirm #confirm-detail { margin: 1 0 0 0; }
    Confirm Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    Confirm Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", key_display="y/Enter", priority=True),
        Binding("n,escape", "answer(False)", "No", key_display="n/Esc", priority=True),
    ]

    def __init__(self, question: Text, detail: Text | None = None, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            if self.detail is not None:
                yield Static(self.detail, id="confirm-detail")
            with Horizontal():
                for button in (
                    Button("No (n)", id="no"),
                    Button(f"{self.yes} (y)", id="yes", variant="warning"),
                ):
                    button.can_focus = False  # keys answer; the buttons are for the mouse
                    yield button
        yield KeyFooter()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ConfirmLoss(Confirm):
    """A question whose yes loses work: only y says yes; Enter, n and Esc keep it."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", priority=True),
        Binding("n,escape,enter", "answer(False)", "No", key_display="n/Esc/Enter", priority=True),
    ]
