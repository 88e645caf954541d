"""The form that corrects or writes down a promise: what was promised, the due date, the
tracker link (and, for a new one, the review and the kind).

It only collects; the screen asks the service, which validates. Enter in any field sends
the values up as ``Submitted``; Tab moves between the fields.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label

FIELDS = {
    "review": ("Review", "the review id, as the inbox shows it"),
    "what": ("What", "what we promised, in the customer's terms"),
    "kind": ("Kind", "fix, refund, bonus, callback or info (empty: read from the words)"),
    "due": ("Due date", "YYYY-MM-DD"),
    "tracker": ("Tracker link", "NAME:REF, e.g. app:812 (empty: none)"),
}
EDIT = ("what", "due", "tracker")


class PromiseForm(Vertical):
    class Submitted(Message):
        def __init__(self, form: PromiseForm, values: dict[str, str]) -> None:
            super().__init__()
            self.form = form
            self.values = values
            self.what = values.get("what", "")
            self.due = values.get("due", "")
            self.tracker = values.get("tracker", "")

        @property
        def control(self) -> PromiseForm:
            return self.form

    def __init__(
        self,
        what: str,
        due: str,
        tracker: str,
        fields: tuple[str, ...] = EDIT,
        review: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.fields = fields
        self.values = {"what": what, "due": due, "tracker": tracker, "review": review}

    def compose(self) -> ComposeResult:
        for name in self.fields:
            title, hint = FIELDS[name]
            with Horizontal(classes="promise-form--row"):
                yield Label(Text(title, style="bold"), classes="promise-form--label")
                yield Input(self.values.get(name, ""), placeholder=hint, id=f"promise-{name}")

    def focus_field(self, name: str) -> None:
        box = self.query_one(f"#promise-{name}", Input)
        box.focus()
        box.cursor_position = len(box.value)

    def value(self, name: str) -> str:
        return self.query_one(f"#promise-{name}", Input).value.strip()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(self, {name: self.value(name) for name in self.fields}))
