"""Every binding of the screen underneath, with what it does (also in the palette)."""

from __future__ import annotations

import textwrap
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static, TextArea


def key_names(app: App[Any], binding: Binding) -> str:
    """A binding's keys as people read them: "question_mark" is "?", "ctrl+d" is "^d";
    several keys for one action are joined with commas."""
    if binding.key_display:
        return binding.key_display
    return ", ".join(
        app.get_key_display(Binding(key.strip(), "")) for key in binding.key.split(",")
    )


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q,f1", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; max-height: 90%;
                                   border: round $accent; background: $surface;
                                   padding: 1 2; }
    """

    def __init__(self, underneath: Screen[Any]) -> None:
        super().__init__()
        self.underneath = underneath

    def compose(self) -> ComposeResult:
        text = Text("Keys\n\n", style="bold")
        focused = self.underneath.focused
        ours = focused is not None and type(focused).__module__.startswith("replydesk.")
        widget = list(type(focused).BINDINGS) if focused is not None and ours else []
        # where text is typed (the editor), a plain key types itself: the app's one-letter
        # keys do nothing there, so help does not offer them
        typing = isinstance(focused, TextArea | Input)
        rows: dict[str, tuple[str, str]] = {}  # by key: one key doing two things says both
        for binding in [*self.underneath.BINDINGS, *widget, *self.app.BINDINGS]:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            printable = len(key_names(self.app, binding)) == 1  # "q", "?" (question_mark)
            if typing and binding in self.app.BINDINGS and printable:
                continue
            meaning = binding.tooltip or binding.description
            if binding.key not in rows:
                rows[binding.key] = (key_names(self.app, binding), meaning)
            elif binding not in self.app.BINDINGS:  # the screen's own: both meanings
                keys, said = rows[binding.key]
                if meaning not in said:
                    rows[binding.key] = (keys, f"{said}; else {meaning[:1].lower()}{meaning[1:]}")
        width = _inside(self.app.size.width)
        _table(text, list(rows.values()), width)
        legend: tuple[tuple[str, str], ...] = getattr(self.underneath, "LEGEND", ())
        if legend:  # the symbols this screen draws, and what each asks of the reader
            text.append("\nSymbols\n", style="bold")
            _table(text, list(legend), width)
        text.append(
            "\nReview text is shown as plain text: markup and escape sequences "
            "appear literally.\nCtrl+P opens the command palette.",
            style="dim",
        )
        with VerticalScroll():
            yield Static(text)


def _inside(screen_width: int) -> int:
    """The text width inside the help box: 90% of the screen, at most 100, less its
    border, padding and scroll bar."""
    return min(100, screen_width * 9 // 10) - 8


def _table(text: Text, rows: list[tuple[str, str]], width: int) -> None:
    """Key (or symbol) and meaning in two columns; a long meaning wraps under itself."""
    left = min(12, max((cell_len(k) for k, _ in rows), default=0) + 2)
    for key, meaning in rows:
        text.append(set_cell_size(key, left), "bold cyan")
        lines = textwrap.wrap(meaning, width - left) or [""]
        text.append(lines[0] + "\n")
        for more in lines[1:]:
            text.append(" " * left + more + "\n")
