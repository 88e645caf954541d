"""Every binding of the screen underneath, with what it does (also in the palette)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 72; max-height: 90%; border: round $accent;
                                   background: $surface; padding: 1 2; }
    """

    def __init__(self, underneath: Screen[Any]) -> None:
        super().__init__()
        self.underneath = underneath

    def compose(self) -> ComposeResult:
        text = Text("Keys\n\n", style="bold")
        seen: set[str] = set()
        focused = self.underneath.focused
        ours = focused is not None and type(focused).__module__.startswith("replydesk.")
        widget = list(type(focused).BINDINGS) if focused is not None and ours else []
        for binding in [*self.underneath.BINDINGS, *widget, *self.app.BINDINGS]:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            if binding.key in seen:
                continue
            seen.add(binding.key)
            shown = ", ".join(
                self.app.get_key_display(Binding(key.strip(), "")) for key in binding.key.split(",")
            )  # "question_mark" reads "?", "ctrl+d" reads "^d"
            text.append(f"{shown:<14}", "bold cyan")
            text.append(f"{binding.description}\n")
        legend: tuple[tuple[str, str], ...] = getattr(self.underneath, "LEGEND", ())
        if legend:  # the symbols this screen draws, and what each asks of the reader
            text.append("\nSymbols\n", style="bold")
            for symbol, meaning in legend:
                text.append(f"{symbol}  ", "bold cyan")
                text.append(f"{meaning}\n")
        text.append(
            "\nReview text is shown as plain text: markup and escape sequences "
            "appear literally.\nCtrl+P opens the command palette.",
            style="dim",
        )
        with VerticalScroll():
            yield Static(text)
