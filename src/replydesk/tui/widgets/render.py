"""Turning untrusted review data into Rich ``Text``: never markup, never escapes.

Everything a reviewer wrote goes through ``plain()``: ``Text`` does not parse markup,
and ``visible_controls`` turns escape sequences into visible symbols.
"""

from __future__ import annotations

from rich.text import Text

from replydesk.domain.text import one_line, visible_controls

LABEL_COLOURS = {
    "criticism": "dark_orange",
    "vague": "deep_sky_blue1",
    "provocation": "grey50",
    "praise": "green3",
    "untriaged": "grey62",
}


def plain(text: str, style: str = "") -> Text:
    return Text(visible_controls(text), style=style)


def cell(text: str, width: int = 60, style: str = "") -> Text:
    return Text(one_line(text, width), style=style, no_wrap=True, overflow="ellipsis")


def stars(rating: int | None) -> Text:
    if rating is None:
        return Text("  —  ", style="dim")
    colour = "red" if rating <= 2 else "yellow" if rating == 3 else "green"
    return Text("★" * rating + "☆" * (5 - rating), style=colour)


def label(name: str | None) -> Text:
    name = name or "untriaged"
    return Text(name, style=LABEL_COLOURS.get(name, ""))
