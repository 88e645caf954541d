"""The command line: ``main`` parses, dispatches to a handler in ``commands/``, and turns
every ``ReplydeskError`` into one line and its exit code.

``main`` loads the parser and everything under it on its first call, inside the same
guard as the command: Ctrl+C while Python is still importing (the first fraction of a
second) ends in one line too, not an import traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    try:
        from replydesk.cli.parser import main as run
    except KeyboardInterrupt:
        print("replydesk: interrupted before it started; nothing was done", file=sys.stderr)
        return 130
    return run(argv)


__all__ = ["main"]
