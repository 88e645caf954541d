"""Reading what a Textual app shows, as a person would see it."""

from __future__ import annotations

import html
import re

from textual.app import App


def screen_text(app: App) -> str:
    """The visible characters of the current screen (from its SVG screenshot)."""
    svg = app.export_screenshot()
    parts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(parts)).replace("\xa0", " ")
