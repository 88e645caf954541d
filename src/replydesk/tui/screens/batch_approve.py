"""One last look at several picked drafts before approving them together.

Every reply is shown in full, so a person reads what will be approved; drafts that cannot
be approved as they stand (house-style errors, a colleague's claim, no draft) are listed
with the reason and left alone. Dismissed with True to approve the ready ones.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from replydesk.services.editing import Candidate
from replydesk.tui.widgets.footer import KeyFooter
from replydesk.tui.widgets.render import plain


class BatchLastLook(ModalScreen[bool]):
    DEFAULT_CSS = """
    BatchLastLook { align: center middle; }
    BatchLastLook > Vertical {
        width: 95%; max-width: 120; height: 90%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    BatchLastLook VerticalScroll { height: 1fr; margin: 1 0; }
    BatchLastLook .hint { color: $text-muted; }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Approve ready ones"),
        Binding("n,escape", "answer(False)", "Not now"),
    ]

    def __init__(self, picked: list[Candidate]) -> None:
        super().__init__()
        self.picked = picked
        self.ready = [c for c in picked if c.ready]

    def compose(self) -> ComposeResult:
        left = len(self.picked) - len(self.ready)
        title = Text(f"Approve {len(self.ready)} of {len(self.picked)} picked replies?", "bold")
        if left:
            title.append(f"  ({left} cannot be approved as they stand: see below)", "yellow")
        with Vertical():
            yield Label(title)
            with VerticalScroll(id="batch-look"):
                yield Static(Group(*self._each()))
            yield Label(
                "y approves the ready ones, then their promises · n/Esc: none (picks stay)",
                classes="hint",
            )
        yield KeyFooter()

    def _each(self) -> list[RenderableType]:
        parts: list[RenderableType] = []
        for c in sorted(self.picked, key=lambda c: not c.ready):
            head = Text(f"#{c.review_id}  ", "bold")
            if c.ready:
                head.append("✓ ready", "bold green")
            elif c.problem:
                head.append(f"✗ skipped: {c.problem}", "bold red")
            else:
                rules = ", ".join(sorted({f.rule for f in c.failing}))
                head.append(f"✗ skipped: breaks the house style ({rules})", "bold red")
            parts.append(head)
            if c.draft is not None:
                parts.append(plain(c.draft.text, "" if c.ready else "dim"))
            parts.append(Text(""))
        return parts

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes and bool(self.ready))
