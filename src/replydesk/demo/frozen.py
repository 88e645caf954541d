"""The one fixed moment that snapshot tests and screenshots/ both render the demo at."""

from __future__ import annotations

from datetime import UTC, datetime

FROZEN_AT = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # a Monday morning batch
SIZE = (120, 36)

# Every screen worth a picture: name -> keys pressed from the app's start.
SHOTS: dict[str, tuple[str, ...]] = {
    "inbox": ("down", "down"),
    "inbox-search": ("slash", *"57002", "enter"),
    "editor": ("slash", *"88310", "enter", "enter"),
    # approve and next on the first courier review; the next one's draft offers a bonus
    "confirm-promises": ("slash", *"courier", "enter", "enter", "ctrl+j", "ctrl+s"),
    "promises": ("p",),
    "sources": ("s",),
    "stats": ("t",),
    "help": ("question_mark",),
}
