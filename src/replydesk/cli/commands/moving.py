"""``replydesk store copy SRC DST``: a whole store moved to another engine."""

from __future__ import annotations

import argparse
import sys
import time

from replydesk import config as config_mod
from replydesk.cli.commands.common import FINDINGS, OK
from replydesk.services import moving

BAR = 24


class Bar:
    """A progress bar per table on a terminal (redrawn at most ten times a second), a
    line per finished table elsewhere (a log, a pipe)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.shown = 0.0

    def __call__(self, table: str, done: int, total: int) -> None:
        finished = done >= total
        if self.tty:
            if not finished and time.monotonic() - self.shown < 0.1:
                return
            self.shown = time.monotonic()
            filled = BAR if not total else BAR * done // total
            line = f"{table:<16} [{'#' * filled}{'.' * (BAR - filled)}] {done:,}/{total:,}"
            print(f"\r{line}", end="\n" if finished else "", file=sys.stderr, flush=True)
        elif finished:
            print(f"{table}: {done:,}/{total:,}", file=sys.stderr, flush=True)


def cmd_store_copy(args: argparse.Namespace) -> int:
    src = config_mod.db_path(args.src, where="SRC")
    dst = config_mod.db_path(args.dst, where="DST")
    counts = moving.copy(src, dst, Bar())
    wrong = [c for c in counts if not c.ok]
    for c in counts:
        mark = "ok" if c.ok else f"MISMATCH: {c.source:,} in {src}"
        print(f"{c.table:<16} {c.copied:>12,}  {mark}")
    if wrong:
        print(
            f"replydesk: {len(wrong)} tables differ (another process wrote to {src} or {dst} "
            "during the copy?); run the same command again to finish it",
            file=sys.stderr,
        )
        return FINDINGS
    print(f"copied {src} into {dst}: every count matches")
    return OK
