"""What every command shares: exit codes, standard output, the workspace."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO, TextIO

from replydesk import config as config_mod
from replydesk.domain.errors import UsageError
from replydesk.domain.ids import parse_id
from replydesk.services.workspace import Workspace

OK, FINDINGS, BAD_INPUT = 0, 1, 2
FAILURE = FINDINGS  # a command that could not do its job


def _id(text: str, what: str) -> int:
    try:
        return parse_id(text, what)
    except UsageError as exc:  # argparse says it in one line, exit 2
        raise argparse.ArgumentTypeError(exc.message) from None


def promise_id(text: str) -> int:
    """A promise id as typed or as shown: ``12`` or ``#12``."""
    return _id(text, "promise")


def review_id(text: str) -> int:
    return _id(text, "review")


def draft_id(text: str) -> int:
    return _id(text, "draft")


@contextmanager
def workspace(args: argparse.Namespace, *, create: bool = False) -> Iterator[Workspace]:
    """The workspace of ``--config``/``--db``, closed when the command is done. Only the
    commands that bring reviews in (``create``) may start a new database: any other one
    would leave an empty file behind a mistyped ``--db`` and report on nothing."""
    db = config_mod.db_path(args.db) if args.db else None  # a path, or a postgresql:// URL
    ws = Workspace.from_paths(args.config, db, create=create)
    try:
        yield ws
    finally:
        ws.close()


def stdout() -> TextIO:
    if sys.stdout is None:
        raise UsageError("standard output is closed: give -o FILE, or do not close it (>&-)")
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    return sys.stdout


MAX_TEXT = 1_000_000  # characters: far past any reply, review or note a person writes


def read_text(path: str | None, what: str = "text") -> str:
    """UTF-8 text from a file, or from standard input for ``None`` or ``-``: a closed
    input, bytes that are not UTF-8 or an absurd size are one line, not a traceback."""
    if path in (None, "-"):
        if sys.stdin is None:
            raise UsageError(f"standard input is closed: give the {what} as a FILE")
        stream = getattr(sys.stdin, "buffer", None)  # a text-only stdin (a test's) has none
        data = (
            stream.read(MAX_TEXT * 4 + 1)
            if stream is not None
            else sys.stdin.read(MAX_TEXT + 1).encode("utf-8", "surrogateescape")
        )
        name = "standard input"
    else:
        try:
            with open(str(path), "rb") as fh:
                data, name = fh.read(MAX_TEXT * 4 + 1), str(path)
        except OSError as exc:
            raise UsageError(f"{path}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{name} is not UTF-8 text (byte {exc.start + 1}): save it as UTF-8"
        ) from None
    if len(text) > MAX_TEXT:
        raise UsageError(f"{name} is over {MAX_TEXT:,} characters: is it the right file?")
    return text


def text_lines(path: str) -> Iterator[str]:
    """The lines of a file (``-``: standard input) as they come, for streams too big to
    hold: bytes that are not UTF-8 stay as surrogates, for the reader to name the line."""
    if path == "-":
        if sys.stdin is None:
            raise UsageError("standard input is closed: give a FILE")
        if getattr(sys.stdin, "buffer", None) is None:  # a text-only stdin (a test's)
            return iter(list(sys.stdin))
        stream = sys.stdin.buffer
    else:
        try:
            stream = open(path, "rb")  # noqa: SIM115 (closed when the lines are read)
        except OSError as exc:
            raise UsageError(f"{path}: {exc.strerror}") from None
    return _decoded(stream)


def _decoded(stream: BinaryIO) -> Iterator[str]:
    with stream:
        for number, raw in enumerate(stream, 1):
            line = raw.decode("utf-8", "surrogateescape")
            yield line.removeprefix("\ufeff") if number == 1 else line
