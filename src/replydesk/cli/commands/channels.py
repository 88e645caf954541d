"""Sources: sync, their health, their secrets, and posting replies back."""

from __future__ import annotations

import argparse
import getpass
import sys

from replydesk.cli.commands.common import FINDINGS, OK, workspace
from replydesk.domain.errors import UsageError
from replydesk.services import credentials, posting, promising
from replydesk.services.sources_view import source_rows
from replydesk.services.sync import SourceReport, SyncStatus, sync
from replydesk.services.workspace import Workspace


def cmd_sync(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        if not ws.config.sources:
            raise UsageError(
                f"no sources configured: add [[sources]] to {ws.config.path or 'your config'} "
                "(`replydesk init` writes an example)"
            )
        count = len(args.source) if args.source else len(ws.config.sources)
        print(f"syncing {count} source(s)...", file=sys.stderr)
        reports = sync(ws, args.source, progress=lambda r: print(r.line(), flush=True))
        _after_sync(ws)
    return _summary(reports)


def _after_sync(ws: Workspace) -> None:
    """Trackers may have shipped meanwhile; overdue promises are worth a line."""
    for r in promising.watch(ws):
        if r.status != promising.WatchStatus.OPEN:
            print(r.line())
    late = promising.overdue(ws)
    if late:
        print(f"{len(late)} promise(s) overdue: run `replydesk promises --overdue`")


def _summary(reports: list[SourceReport]) -> int:
    failed = [r for r in reports if r.status == SyncStatus.ERROR]
    print(
        f"{sum(r.new for r in reports)} new, {sum(r.updated for r in reports)} updated, "
        f"{sum(r.malformed for r in reports)} malformed, {len(failed)} source(s) failed"
    )
    return FINDINGS if failed else OK


def cmd_sources(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        rows = source_rows(ws)
    if not rows:
        print("no sources configured (see `replydesk init`)")
        return OK
    for row in rows:
        print(row.line())
    return OK


def cmd_secret_set(args: argparse.Namespace) -> int:
    if sys.stdin.isatty():
        value = getpass.getpass(f"value for secret {args.name!r} (input hidden): ")
    else:
        value = sys.stdin.read().strip("\r\n")
    credentials.save(args.name, value)
    print(f"stored secret {args.name!r} in the keyring")
    return OK


def cmd_post(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        if args.mark_copied:
            posting.mark_copied(ws, args.mark_copied)
            print(f"draft {args.mark_copied} marked copied")
            return OK
        outcomes = posting.post(ws, args.resend or None, resend=bool(args.resend))
    if not outcomes:
        print("nothing approved to post")
    for o in outcomes:
        print(o.line())
    failed = (posting.PostStatus.FAILED, posting.PostStatus.CHECK)
    return FINDINGS if any(o.status in failed for o in outcomes) else OK
