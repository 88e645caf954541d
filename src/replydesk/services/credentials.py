"""Credentials in the OS keyring (``replydesk secret set``); never in config or the DB."""

from __future__ import annotations

from replydesk import secrets


def save(name: str, value: str) -> None:
    """Raises ``SecretError`` (empty value, no keyring) with the fixes named."""
    secrets.set(name, value)
