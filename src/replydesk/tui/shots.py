"""The screens worth a picture, the moment and size they are taken at, and how to drive
the app there: shared by the snapshot tests and `screenshots/make.py`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

FROZEN_AT = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # a Monday morning batch
SIZES = ((80, 24), (160, 48))  # the smallest terminal we design for, and a roomy one

# Every screen worth a picture: name -> keys pressed from the app's start.
SHOTS: dict[str, tuple[str, ...]] = {
    "inbox": ("down", "down"),
    "inbox-search": ("slash", *"57002", "enter"),
    "editor": ("slash", *"88310", "enter", "enter"),
    # approve and next on the first courier review; the next one's draft offers a bonus
    "confirm-promises": ("slash", *"courier", "enter", "enter", "ctrl+j", "ctrl+s"),
    # pick three drafted courier reviews, then the last look before approving them together
    "batch-approve": ("slash", *"courier", "enter", "space", "space", "space", "A"),
    "promises": ("p",),
    "sources": ("s",),
    "stats": ("t",),
    "audit": ("a",),
    "help": ("question_mark",),
}


def shot_name(name: str, size: tuple[int, int]) -> str:
    return f"{name}-{size[0]}x{size[1]}"


async def play(pilot: Any, keys: tuple[str, ...]) -> None:
    """Press ``keys`` as a person would: each one, then wait for what it started (thread
    workers ask the database or the model) before the next, so pictures are deterministic."""
    for key in keys:
        await pilot.press(key)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
