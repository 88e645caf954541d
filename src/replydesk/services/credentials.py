"""Credentials in the OS keyring (``replydesk secret set``); never in config or the DB."""

from __future__ import annotations

from replydesk import secrets


def save(name: str, value: str) -> str:
    """Raises ``SecretError`` (empty value, no keyring) with the fixes named; returns a
    warning to show when the keyring keeps it in plain text (empty otherwise)."""
    secrets.set(name, value)
    return secrets.storage_warning()
