"""What every command shares: exit codes, standard output, the workspace."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from replydesk.services.workspace import Workspace

OK, FINDINGS, BAD_INPUT = 0, 1, 2


@contextmanager
def workspace(args: argparse.Namespace) -> Iterator[Workspace]:
    """The workspace of ``--config``/``--db``, closed when the command is done."""
    ws = Workspace.from_paths(args.config, args.db)
    try:
        yield ws
    finally:
        ws.close()


def stdout() -> TextIO:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    return sys.stdout
