"""What every command shares: exit codes, the user-facing error, the workspace."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

OK, FINDINGS, BAD_INPUT = 0, 1, 2


class CommandError(Exception):
    """Bad input from the user: printed as is, exit 2."""


def workspace(args: argparse.Namespace):
    from replydesk.services.workspace import Workspace

    return Workspace.from_paths(args.config, args.db)


def stdout() -> TextIO:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    return sys.stdout
