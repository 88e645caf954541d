"""Sources: sync, their health, their secrets, and posting replies back."""

from __future__ import annotations

import argparse
import getpass
import sys

from replydesk import config as config_mod
from replydesk.cli.commands.common import FINDINGS, OK, read_text, workspace
from replydesk.domain.errors import UsageError
from replydesk.services import credentials, posting, promising
from replydesk.services import sync as sync_mod
from replydesk.services.sources_view import source_rows
from replydesk.services.sync import sync_all


def cmd_sync(args: argparse.Namespace) -> int:
    # no sources or an unknown name: one line, before a database is opened or made
    cfg = config_mod.load(args.config)
    if not cfg.sources:
        raise UsageError(
            f"no sources configured: add [[sources]] to {cfg.path or 'your config'} "
            "(`replydesk init` writes an example)"
        )
    count = len(sync_mod.chosen(cfg, args.source))
    with workspace(args, create=True) as ws:
        print(f"syncing {count} source{'' if count == 1 else 's'}...", file=sys.stderr)
        run = sync_all(ws, args.source, progress=lambda r: print(r.line(), flush=True))
    if run.triaged:
        print("triaged " + ", ".join(f"{n} {label}" for label, n in run.triaged.most_common()))
    for w in run.watched:
        if w.status != promising.WatchStatus.OPEN:
            print(w.line())
    if run.overdue:
        print(f"{len(run.overdue)} promise(s) overdue: run `replydesk promises --overdue`")
    print(run.summary())
    return FINDINGS if run.failed else OK


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
    if not args.name.strip():
        raise UsageError("a secret needs a name, e.g. `replydesk secret set trustpilot-key`")
    if sys.stdin is not None and sys.stdin.isatty():
        value = getpass.getpass(f"value for secret {args.name!r} (input hidden): ")
    else:
        value = read_text(None, "secret").strip("\r\n")
    warning = credentials.save(args.name, value)
    print(f"stored secret {args.name!r} in the keyring")
    if warning:
        print(f"replydesk: warning: {warning}", file=sys.stderr)
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
