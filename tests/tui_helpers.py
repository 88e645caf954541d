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


async def settle(pilot, timeout: float = 20.0) -> None:
    """Let the app finish what a key started: thread workers (model calls, posting, sync)
    and the messages they send back to the UI."""
    import asyncio

    await pilot.pause()
    await asyncio.wait_for(pilot.app.workers.wait_for_complete(), timeout)
    await pilot.pause()


def notifications(app: App) -> str:
    """Every notification the app has shown so far, as one string."""
    return " ".join(str(n.message) for n in app._notifications)
