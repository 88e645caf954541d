"""A reply edited in the person's own editor (``$VISUAL``, else ``$EDITOR``): the CLI's
``draft edit`` and the TUI's Ctrl+O both come here, so a missing, broken or odd editor
is the same one line in both, never a traceback or a lost reply."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from replydesk.domain.errors import UsageError

MAX_BYTES = 4_000_000  # far past any reply


def edit(
    text: str,
    suspend: Callable[[], AbstractContextManager[object]] = nullcontext,
    *,
    fallback: str = "",
) -> str:
    """The text after a person edited it. ``suspend`` hands the terminal to the editor
    (the TUI's ``App.suspend``); ``fallback`` is the editor when none is set (the TUI
    uses ``vi``, the CLI asks for one)."""
    command = (os.environ.get("VISUAL") or os.environ.get("EDITOR") or fallback).strip()
    if not command:
        raise UsageError("set $VISUAL or $EDITOR to the editor to use, e.g. EDITOR=nano")
    try:
        argv = shlex.split(command)
    except ValueError as exc:  # EDITOR='vi "x'
        raise UsageError(f"$VISUAL/$EDITOR {command!r} cannot be read: {exc}") from None
    with tempfile.NamedTemporaryFile(
        "w", suffix=".txt", prefix="replydesk-draft-", delete=False, encoding="utf-8"
    ) as fh:
        fh.write(text)
        path = Path(fh.name)
    try:
        try:
            with suspend():
                done = subprocess.run([*argv, str(path)], check=False)
        except OSError as exc:
            raise UsageError(f"could not start the editor {command!r}: {exc.strerror}") from None
        if done.returncode != 0:
            raise UsageError(f"the editor {command!r} exited with {done.returncode}: nothing saved")
        try:
            data = path.read_bytes()[: MAX_BYTES + 1]
        except FileNotFoundError:
            raise UsageError(f"the editor {command!r} removed the file: nothing saved") from None
        if len(data) > MAX_BYTES:
            raise UsageError("the edited reply is over 4 MB: nothing saved")
        try:
            return data.decode("utf-8-sig").rstrip("\n")
        except UnicodeDecodeError as exc:
            raise UsageError(
                f"the editor saved text that is not UTF-8 (byte {exc.start + 1}): nothing saved"
            ) from None
    finally:
        path.unlink(missing_ok=True)
