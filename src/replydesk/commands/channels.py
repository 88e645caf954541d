"""Sources: sync, their health, their secrets, and posting replies back."""

from __future__ import annotations

import argparse
import sys

from replydesk.config import paths
from replydesk.commands.common import FINDINGS, OK, CommandError, workspace


def cmd_sync(args: argparse.Namespace) -> int:
    from replydesk.domain.errors import SourceError
    from replydesk.services.sync import sync

    ws = workspace(args)
    try:
        if not ws.config.sources:
            raise CommandError(
                "no sources configured: add [[sources]] to "
                f"{ws.config.path or paths.default_config_path()}"
            )
        print(
            f"syncing {len(args.source) if args.source else len(ws.config.sources)} source(s)...",
            file=sys.stderr,
        )
        try:
            reports = sync(ws, args.source, progress=lambda r: print(r.line(), flush=True))
        except SourceError as exc:
            raise CommandError(str(exc)) from None
    finally:
        ws.close()
    failed = [r for r in reports if r.status == "error"]
    new = sum(r.new for r in reports)
    ws = workspace(args)
    try:
        from replydesk.services.promising import overdue, watch

        for r in watch(ws):
            if r.status != "open":
                print(r.line())
        late = overdue(ws)
        if late:
            print(f"{len(late)} promise(s) overdue: run `replydesk promises --overdue`")
    finally:
        ws.close()
    print(
        f"{new} new, {sum(r.updated for r in reports)} updated, "
        f"{sum(r.malformed for r in reports)} malformed, {len(failed)} source(s) failed"
    )
    return FINDINGS if failed else OK


def cmd_sources(args: argparse.Namespace) -> int:
    from replydesk.services.sources_view import source_rows

    ws = workspace(args)
    try:
        rows = source_rows(ws)
    finally:
        ws.close()
    if not rows:
        print("no sources configured (see `replydesk init`)")
        return OK
    for row in rows:
        print(row.line())
    return OK


def cmd_secret_set(args: argparse.Namespace) -> int:
    import getpass

    from replydesk import secrets

    if sys.stdin.isatty():
        value = getpass.getpass(f"value for secret {args.name!r} (input hidden): ")
    else:
        value = sys.stdin.read().strip("\r\n")
    try:
        secrets.set(args.name, value)
    except secrets.SecretError as exc:
        raise CommandError(str(exc)) from None
    print(f"stored secret {args.name!r} in the keyring")
    return OK


def cmd_post(args: argparse.Namespace) -> int:
    from replydesk.domain.errors import SourceError
    from replydesk.services.posting import mark_copied, post

    ws = workspace(args)
    try:
        if args.mark_copied:
            try:
                mark_copied(ws, args.mark_copied)
            except SourceError as exc:
                raise CommandError(str(exc)) from None
            print(f"draft {args.mark_copied} marked copied")
            return OK
        ids = args.resend or None
        outcomes = post(ws, ids, resend=bool(args.resend))
    finally:
        ws.close()
    if not outcomes:
        print("nothing approved to post")
    for o in outcomes:
        print(o.line())
    return FINDINGS if any(o.status in ("failed", "check") for o in outcomes) else OK
