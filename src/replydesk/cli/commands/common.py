"""What every command shares: exit codes, standard output, the workspace."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

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
    ws = Workspace.from_paths(args.config, args.db, create=create)
    try:
        yield ws
    finally:
        ws.close()


def stdout() -> TextIO:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    return sys.stdout
