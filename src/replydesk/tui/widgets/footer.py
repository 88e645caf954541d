"""The footer every screen shares: compact, without the palette hint (Ctrl+P still opens
the palette, and help names it), so a screen's own keys fit in 80 columns."""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer


class KeyFooter(Footer):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        kwargs.setdefault("show_command_palette", False)
        super().__init__(**kwargs)
