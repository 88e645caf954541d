"""Ids as people type them and as the inbox shows them ("12", "#12"): one reading for
reviews, drafts and promises, from the CLI and the services alike."""

from __future__ import annotations

from replydesk.domain.errors import UsageError

MAX_ID = 2**63 - 1  # SQLite's largest integer


def parse_id(text: str | int, what: str = "promise") -> int:
    """An id as typed or as shown ("12", "#12"); one clear line otherwise."""
    if isinstance(text, int):
        number = text
    else:
        digits = text.strip().removeprefix("#").strip()
        if digits.startswith("-") and digits[1:].isascii() and digits[1:].isdigit():
            raise UsageError(f"{what} id {text!r}: ids start at 1")
        if not digits.isascii() or not digits.isdigit():
            raise UsageError(f"{what} id {text!r}: write the number shown, e.g. 12 or #12")
        number = int(digits)
    if number < 1:
        raise UsageError(f"{what} id {text!r}: ids start at 1")
    if number > MAX_ID:
        raise UsageError(f"{what} id {text!r}: no {what} has an id that large")
    return number
