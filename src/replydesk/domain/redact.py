"""Every secret handed out is remembered, so any message can be scrubbed of it.

``replydesk.secrets`` remembers what it reads from the keyring or the environment, and
tokens obtained with a secret are remembered too. Every ``ReplydeskError`` passes its
message through ``redact`` so no error, log line or stored report can carry a secret.
"""

from __future__ import annotations

import base64
import urllib.parse

_known: set[str] = set()


def remember(value: str) -> None:
    """Treat ``value`` as secret from now on."""
    if value and len(value) >= 4:
        _known.add(value)


def _encodings(value: str) -> set[str]:
    """The forms a secret may take in a message: as is, URL-quoted, base64."""
    raw = value.encode("utf-8", "surrogatepass")
    forms = {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}
    forms.add(base64.b64encode(raw).decode().rstrip("="))
    forms.add(base64.urlsafe_b64encode(raw).decode().rstrip("="))
    return {f for f in forms if len(f) >= 4}


def redact(text: str) -> str:
    known = tuple(_known)  # a snapshot: sync threads may remember a token meanwhile
    if not known:
        return text
    forms = {f for value in known for f in _encodings(value)}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def forget_all() -> None:
    """For tests: what one test revealed stays there."""
    _known.clear()
