"""Every secret handed out is remembered, so any message can be scrubbed of it.

``replydesk.secrets`` remembers what it reads from the keyring or the environment, and
tokens obtained with a secret are remembered too, as are the combinations the code sends
(HTTP Basic's ``key:secret``). Every ``ReplydeskError`` passes its message through
``redact`` so no error, log line or stored report can carry a secret.

What is scrubbed, for each remembered value: the value itself, URL-quoted and in base64
(standard and URL-safe, also as it reads inside a longer base64 text, at any of the three
byte offsets). A platform may echo a credential cut short, so for a value (or form) of 8
characters or more, any piece of 8 characters or more of it is scrubbed too, and so is a
start of 4 characters or more that ends the text (what a cut leaves). Only remembered
values are matched, never a dictionary, so ordinary words stay as they are. Redact before
cutting a text: a cut can leave less of a secret than these rules recognise.
"""

from __future__ import annotations

import base64
import threading
import urllib.parse
from dataclasses import dataclass

MASK = "***"
SHORTEST = 4  # a shorter value is not treated as secret (it would mask ordinary text)
FRAGMENT = 8  # a piece of a secret this long or longer is masked wherever it appears

_known: set[str] = set()
_lock = threading.Lock()


def remember(value: str) -> None:
    """Treat ``value`` as secret from now on."""
    if value and len(value) >= SHORTEST:
        with _lock:
            _known.add(value)


def _b64_cores(raw: bytes, alphabet: bytes | None) -> set[str]:
    """``raw`` in base64 as it appears inside a longer encoded text: for each of the three
    byte offsets, the characters that depend on ``raw``'s bits alone."""
    out = set()
    for offset in range(3):
        padded = b"\0" * offset + raw
        code = base64.b64encode(padded, altchars=alphabet).decode().rstrip("=")
        first = -(-8 * offset // 6)  # the first character free of the filler bytes
        last = 8 * len(padded) // 6  # past the last character complete within raw
        out.add(code[first:last])
    return out


def _forms(value: str) -> set[str]:
    """The forms a secret may take in a message: as is, URL-quoted, base64."""
    raw = value.encode("utf-8", "surrogatepass")
    forms = {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}
    for alphabet in (None, b"-_"):
        forms.add(base64.b64encode(raw, altchars=alphabet).decode().rstrip("="))
        forms |= _b64_cores(raw, alphabet)
    return {f for f in forms if len(f) >= SHORTEST}


_TRAILING = " \t\n.…)]}'\">,;:"  # what may follow a cut value at the end of a text


@dataclass(frozen=True)
class _Plan:
    """Everything ``redact`` matches for one set of remembered values, built once."""

    whole: tuple[str, ...]  # forms shorter than FRAGMENT: masked where they appear whole
    pieces: dict[str, tuple[tuple[str, int], ...]]  # each FRAGMENT-long piece: (form, at)
    starts: frozenset[str]  # starts of 4 to FRAGMENT-1 characters of the longer forms

    @classmethod
    def build(cls, known: frozenset[str]) -> _Plan:
        forms = {f for value in known for f in _forms(value)}
        pieces: dict[str, list[tuple[str, int]]] = {}
        starts: set[str] = set()
        for form in forms:
            if len(form) < FRAGMENT:
                continue
            for at in range(len(form) - FRAGMENT + 1):
                pieces.setdefault(form[at : at + FRAGMENT], []).append((form, at))
            starts.update(form[:n] for n in range(SHORTEST, FRAGMENT))
        whole = sorted((f for f in forms if len(f) < FRAGMENT), key=len, reverse=True)
        return cls(tuple(whole), {k: tuple(v) for k, v in pieces.items()}, frozenset(starts))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where pieces of the longer forms are in ``text`` (each as long as it matches),
        and a start of one that ends the text (before closing punctuation)."""
        found = []
        n = len(text)
        for i in range(n - FRAGMENT + 1):
            hits = self.pieces.get(text[i : i + FRAGMENT])
            if not hits:
                continue
            end = i + FRAGMENT
            for form, at in hits:
                j = FRAGMENT
                while i + j < n and at + j < len(form) and text[i + j] == form[at + j]:
                    j += 1
                end = max(end, i + j)
            found.append((i, end))
        stop = len(text.rstrip(_TRAILING))
        for size in range(FRAGMENT - 1, SHORTEST - 1, -1):
            start = stop - size
            if start >= 0 and text[start:stop] in self.starts:
                found.append((start, stop))
                break
        return found


_plan: tuple[frozenset[str], _Plan] | None = None


def _current() -> _Plan | None:
    global _plan
    with _lock:  # a snapshot: sync threads may remember a token meanwhile
        known = frozenset(_known)
        cached = _plan
    if not known:
        return None
    if cached is not None and cached[0] == known:
        return cached[1]
    plan = _Plan.build(known)
    _plan = (known, plan)
    return plan


def redact(text: str) -> str:
    plan = _current()
    if plan is None or not text:
        return text
    spans = sorted(plan.spans(text))
    if spans:
        out, pos = [], 0
        for start, end in spans:
            if end <= pos:
                continue
            if start >= pos:
                out.append(text[pos:start])
                out.append(MASK)
            pos = end
        out.append(text[pos:])
        text = "".join(out)
    for form in plan.whole:
        text = text.replace(form, MASK)
    return text


def forget_all() -> None:
    """For tests: what one test revealed stays there."""
    with _lock:
        _known.clear()
