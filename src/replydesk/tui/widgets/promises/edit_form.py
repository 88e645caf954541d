"""The form that corrects a promise: what was promised, the due date, the tracker link.

It only collects; the screen asks the service, which validates. Enter in any field sends
the three values up as ``Submitted``; Tab moves between the fields.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label

FIELDS = (
    ("what", "What", "what we promised, in the customer's terms"),
    ("due", "Due date", "YYYY-MM-DD"),
    ("tracker", "Tracker link", "NAME:REF, e.g. app:812 (empty: none)"),
)


class PromiseForm(Vertical):
    class Submitted(Message):
        def __init__(self, form: PromiseForm, what: str, due: str, tracker: str) -> None:
            super().__init__()
            self.form = form
            self.what = what
            self.due = due
            self.tracker = tracker

        @property
        def control(self) -> PromiseForm:
            return self.form

    def __init__(self, what: str, due: str, tracker: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.values = {"what": what, "due": due, "tracker": tracker}

    def compose(self) -> ComposeResult:
        for name, title, hint in FIELDS:
            with Horizontal(classes="promise-form--row"):
                yield Label(Text(title, style="bold"), classes="promise-form--label")
                yield Input(self.values[name], placeholder=hint, id=f"promise-{name}")

    def focus_field(self, name: str) -> None:
        box = self.query_one(f"#promise-{name}", Input)
        box.focus()
        box.cursor_position = len(box.value)

    def value(self, name: str) -> str:
        return self.query_one(f"#promise-{name}", Input).value.strip()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(
            self.Submitted(self, self.value("what"), self.value("due"), self.value("tracker"))
        )
