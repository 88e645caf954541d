"""The TUI, the demo, config and the review files in and out."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from replydesk import config as config_mod
from replydesk.cli.commands.common import BAD_INPUT, FINDINGS, OK, stdout, workspace
from replydesk.config import paths
from replydesk.domain.errors import UsageError
from replydesk.services import inbox, setup
from replydesk.services.demo import build_demo
from replydesk.services.exporting import write
from replydesk.services.importing import import_file
from replydesk.services.workspace import Workspace


def cmd_tui(args: argparse.Namespace) -> int:
    from replydesk.tui.app import run

    with workspace(args, create=True) as ws:
        return run(ws, debug=args.debug)


def cmd_demo(args: argparse.Namespace) -> int:
    if args.keep:
        target = Path(args.keep).expanduser()
        target.mkdir(parents=True, exist_ok=True)
        return _demo_run(build_demo(target), args, keep=True)
    with tempfile.TemporaryDirectory(prefix="replydesk-demo-") as tmp:
        return _demo_run(build_demo(Path(tmp)), args, keep=False)


def _demo_run(ws: Workspace, args: argparse.Namespace, keep: bool) -> int:
    try:
        if args.no_tui:
            print(
                f"demo workspace: {ws.path} ({inbox.count(ws)} reviews)"
                + ("" if keep else " (removed on exit; use --keep DIR to keep it)")
            )
            return OK
        from replydesk.tui.app import run

        return run(ws, debug=args.debug)
    finally:
        ws.close()


def cmd_init(args: argparse.Namespace) -> int:
    target = Path(args.config or paths.default_config_path()).expanduser()
    if not args.team:
        setup.write_starter(target, force=args.force)
        print(f"wrote {target}\nedit it, then run: replydesk config check")
        return OK
    # the database of --db, else of REPLYDESK_DB, else the default path
    db = Path(args.db).expanduser() if args.db else config_mod.parse("").db_path
    db = db.absolute()
    setup.write_starter(target, force=args.force, team_group=args.team, db=db)
    print(
        f"wrote {target} (team mode: group {args.team}, database {db})\n"
        f"{db.parent} is a setgid folder of group {args.team}; the database is created "
        f"there 0660 on first use\n"
        "each teammate puts the same [workspace] db and team_group in their own config\n"
        "edit it, then run: replydesk config check"
    )
    return OK


def cmd_config_check(args: argparse.Namespace) -> int:
    """Every problem at once, one line each (file:line: key: what, and a suggestion)."""
    cfg, problems = config_mod.check(args.config, required=True)
    for problem in problems:
        print(f"replydesk: {problem}", file=sys.stderr)
    if problems or cfg is None:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return BAD_INPUT
    print(f"{cfg.path}: ok ({len(cfg.sources)} sources, database {cfg.db_path})")
    for note in setup.notes(cfg):
        print(f"note: {note}")
    return OK


def cmd_import(args: argparse.Namespace) -> int:
    with workspace(args, create=True) as ws:
        report = import_file(ws, args.file, args.source)
    for err in report.errors[:50]:
        print(f"{args.file}: {err}", file=sys.stderr)
    if report.failed > 50:
        print(f"... and {report.failed - 50} more failed lines", file=sys.stderr)
    print(report.summary())
    return FINDINGS if report.failed else OK


def cmd_export(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        if args.output and args.output != "-":
            try:
                with open(args.output, "w", encoding="utf-8", newline="") as out:
                    n = write(ws, out, args.format, excel=args.excel)
            except OSError as exc:
                raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
            print(f"wrote {n} review{'' if n == 1 else 's'} to {args.output}", file=sys.stderr)
        else:
            write(ws, stdout(), args.format, excel=args.excel)
    return OK
