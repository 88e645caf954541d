"""Turning untrusted review data into Rich ``Text``: never markup, never escapes.

Everything a reviewer wrote goes through ``plain()``: ``Text`` does not parse markup,
and ``visible_controls`` turns escape sequences into visible symbols.
"""

from __future__ import annotations

from rich.text import Text

from replydesk.domain.text import one_line, search_spans, visible_controls

MATCH_STYLE = "bold underline yellow"  # a search match, in the list and the review

LABEL_COLOURS = {
    "criticism": "dark_orange",
    "vague": "deep_sky_blue1",
    "provocation": "grey50",
    "praise": "green3",
    "untriaged": "grey62",
}


def plain(text: str, style: str = "") -> Text:
    return Text(visible_controls(text), style=style)


def marked(text: str, search: str, style: str = "") -> Text:
    """``plain`` with the matches of an inbox search marked (the words it found)."""
    out = plain(text, style)
    for start, end in search_spans(out.plain, search) if search else ():
        out.stylize(MATCH_STYLE, start, end)
    return out


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
