"""Write down a promise extraction missed: on the board (`n`) and in the last look after
approving a reply (`n`).

The person has the last word on what the ledger chases, so a promise the rules and the
model both missed can be added by hand, owned by whoever adds it and audited
(``promise.add``). The form only collects; ``services.promising.add`` validates the review
id, the wording, the kind, the date and the tracker link, and a refusal is one line while
the form stays open with what was typed.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from replydesk.domain.errors import ReplydeskError
from replydesk.domain.models import Promise
from replydesk.services import promising
from replydesk.services.workspace import Workspace
from replydesk.tui.widgets.footer import KeyFooter
from replydesk.tui.widgets.promises.edit_form import PromiseForm

ADD = ("review", "what", "kind", "due", "tracker")


class AddPromise(ModalScreen[Promise | None]):
    """Dismissed with the new promise, or None. With ``review_id`` fixed (the last look)
    the review field is not asked; otherwise it starts on the board's current review."""

    DEFAULT_CSS = """
    AddPromise { align: center middle; }
    AddPromise > Vertical {
        width: 90%; max-width: 90; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    """

    BINDINGS = [
        # Enter in any field adds it too; this shows how in the footer
        Binding("ctrl+s", "save", "Add", key_display="Enter/^s", priority=True),
        Binding("escape", "cancel", "Cancel", key_display="Esc"),
    ]

    def __init__(self, ws: Workspace, review_id: int | None, *, fixed: bool = False) -> None:
        super().__init__()
        self.ws = ws
        self.review_id = review_id
        self.fixed = fixed and review_id is not None

    def compose(self) -> ComposeResult:
        fields = ADD[1:] if self.fixed else ADD
        title = (
            f"A promise this reply makes (review {self.review_id})"
            if self.fixed
            else "Write down a promise we made"
        )
        with Vertical(id="promise-add"):
            yield Label(Text(title, style="bold"))
            review = str(self.review_id) if self.review_id is not None else ""
            yield PromiseForm("", "", "", fields=fields, review=review)
            yield Static(
                Text(
                    "Enter adds it, owned by you · Tab next field · Esc adds nothing\n"
                    "Empty kind or due date: read from the words, else the default delay.",
                    style="dim",
                )
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(PromiseForm).focus_field("what")

    @on(PromiseForm.Submitted)
    def _add(self, event: PromiseForm.Submitted) -> None:
        v = event.values
        review = self.review_id if self.fixed else v.get("review", "")
        try:
            added = promising.add(
                self.ws,
                review if review is not None else "",
                v.get("what", ""),
                kind=v.get("kind") or None,
                due_date=v.get("due") or None,
                tracker_url=v.get("tracker") or None,
            )
        except ReplydeskError as exc:
            self.notify(exc.message, title="Not added", severity="error")
            return
        self.dismiss(added)

    def action_save(self) -> None:
        form = self.query_one(PromiseForm)
        form.post_message(form.Submitted(form, {name: form.value(name) for name in form.fields}))

    def action_cancel(self) -> None:
        self.dismiss(None)
