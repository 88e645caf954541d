"""The command line: ``main`` parses, dispatches to a handler in ``commands/``, and turns
every ``ReplydeskError`` into one line and its exit code."""

from replydesk.cli.main import main

__all__ = ["main"]
