"""Small keyboard pickers: a review's label, and a snippet to insert into a reply.

Each is a modal list: a digit picks at once, arrows and Enter pick the highlighted one,
Esc leaves without a choice (dismissed with ``None``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from replydesk.domain.errors import ReplydeskError
from replydesk.domain.models import LABELS
from replydesk.domain.text import one_line
from replydesk.services import inbox, triaging
from replydesk.services.workspace import Workspace
from replydesk.tui.widgets.footer import KeyFooter
from replydesk.tui.widgets.render import label, plain

LABEL_MEANING = {
    "criticism": "a real problem: answer it",
    "vague": "unhappy, no details yet: ask what happened",
    "provocation": "hostile and generic: no reply needed",
    "praise": "happy: thank them",
}

PICKER_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 90%; max-width: 80; height: auto; max-height: 90%;
    border: thick $accent; background: $surface; padding: 0 1;
}}
{name} OptionList {{ height: auto; max-height: 16; border: none; }}
{name} .hint {{ color: $text-muted; }}
"""


class _Picker(ModalScreen[str | None]):
    """A titled list of (key, prompt) options; digits 1-9 pick directly."""

    BINDINGS = [
        Binding("escape", "dismiss_none", "Cancel"),
        *(Binding(str(n), f"pick({n - 1})", show=False) for n in range(1, 10)),
    ]

    def __init__(self, title: Text, options: list[tuple[str, Text]], hint: str) -> None:
        super().__init__()
        self.title_text = title
        self.choices = options
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield OptionList(*(Option(prompt, id=key) for key, prompt in self.choices))
            yield Label(self.hint, classes="hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_pick(self, index: int) -> None:
        if index < len(self.choices):
            self.dismiss(self.choices[index][0])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class LabelPicker(_Picker):
    """Set a review's label by hand (it always wins over triage)."""

    DEFAULT_CSS = PICKER_CSS.format(name="LabelPicker")

    def __init__(self, review_id: int, current: str | None, machine: str | None) -> None:
        title = Text.assemble(("Label for review #", "bold"), (str(review_id), "bold"))
        if machine:
            title.append(f"   (triage said {machine})", "dim")
        options = []
        for n, name in enumerate(LABELS, 1):
            prompt = Text.assemble(
                (f"{n}  ", "bold"), label(name), (f"  {LABEL_MEANING[name]}", "dim")
            )
            if name == current:
                prompt.append("  ← now", "bold")
            options.append((str(name), prompt))
        super().__init__(title, options, "1-4 or Enter picks · Esc leaves it as it is")


class SnippetPicker(_Picker):
    """Insert one of the team's snippets (``[style.snippets]``) at the cursor."""

    DEFAULT_CSS = PICKER_CSS.format(name="SnippetPicker")

    def __init__(self, snippets: dict[str, str]) -> None:
        options = []
        for n, (name, text) in enumerate(snippets.items(), 1):
            key = f"{n}  " if n < 10 else "   "
            prompt = Text.assemble((key, "bold"), plain(name, "bold cyan"), "  ")
            prompt.append_text(plain(one_line(text, 70), "dim"))
            options.append((name, prompt))
        super().__init__(
            Text("Insert a snippet", style="bold"),
            options,
            "1-9 or Enter inserts at the cursor · Esc: none",
        )


def relabel(screen: Screen[Any], ws: Workspace, review_id: int, then: Callable[[], object]) -> None:
    """Ask for the review's label and set it by hand (the inbox's ``c``, the editor's F2);
    ``then`` shows the change."""
    detail = inbox.detail(ws, review_id)
    now = detail.triage.effective if detail.triage else None
    machine = detail.triage.label if detail.triage else None

    def chosen(name: str | None) -> None:
        if name is None or name == now:
            return
        try:
            triaging.override(ws, review_id, name)
        except ReplydeskError as exc:
            screen.notify(exc.message, title="Label not changed", severity="error")
            return
        screen.notify(f"review #{review_id} is now {name} (set by you; triage never changes it)")
        then()

    screen.app.push_screen(LabelPicker(review_id, now, machine), chosen)
