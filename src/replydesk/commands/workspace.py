"""The TUI, the demo, config and the review files in and out. (`replydesk` commands; see cli.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from replydesk import config as config_mod
from replydesk.config import paths
from replydesk.commands.common import FINDINGS, OK, CommandError, stdout, workspace


def cmd_tui(args: argparse.Namespace) -> int:
    from replydesk.tui.app import run

    ws = workspace(args)
    try:
        run(ws)
    finally:
        ws.close()
    return OK


def cmd_demo(args: argparse.Namespace) -> int:
    import tempfile

    from replydesk.demo.build import build_demo

    if args.keep:
        target = Path(args.keep).expanduser()
        target.mkdir(parents=True, exist_ok=True)
        ws = build_demo(target)
        return _demo_run(ws, args, keep=True)
    with tempfile.TemporaryDirectory(prefix="replydesk-demo-") as tmp:
        return _demo_run(build_demo(Path(tmp)), args, keep=False)


def _demo_run(ws, args: argparse.Namespace, keep: bool) -> int:
    try:
        if args.no_tui:
            n = ws.store.reviews.count()
            print(
                f"demo workspace: {ws.store.path} ({n} reviews)"
                + ("" if keep else " (removed on exit; use --keep DIR to keep it)")
            )
            return OK
        from replydesk.tui.app import run

        run(ws)
    finally:
        ws.close()
    return OK


def cmd_init(args: argparse.Namespace) -> int:
    from importlib.resources import files

    target = Path(args.config or paths.default_config_path()).expanduser()
    if target.exists() and not args.force:
        raise CommandError(f"{target} already exists; use --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        files("replydesk").joinpath("starter_config.toml").read_text("utf-8"), encoding="utf-8"
    )
    print(f"wrote {target}\nedit it, then run: replydesk config check")
    return OK


def cmd_config_check(args: argparse.Namespace) -> int:
    cfg = config_mod.load(args.config, required=True)
    print(f"{cfg.path}: ok ({len(cfg.sources)} sources, database {cfg.db_path})")
    return OK


def cmd_import(args: argparse.Namespace) -> int:
    from replydesk.services.importing import import_file

    ws = workspace(args)
    try:
        report = import_file(ws, args.file, args.source)
    finally:
        ws.close()
    for err in report.errors[:50]:
        print(f"{args.file}: {err}", file=sys.stderr)
    if report.failed > 50:
        print(f"... and {report.failed - 50} more failed lines", file=sys.stderr)
    print(report.summary())
    return FINDINGS if report.failed else OK


def cmd_export(args: argparse.Namespace) -> int:
    from replydesk.services.exporting import write

    ws = workspace(args)
    try:
        if args.output and args.output != "-":
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                n = write(ws, out, args.format)
            print(f"wrote {n} reviews to {args.output}", file=sys.stderr)
        else:
            write(ws, stdout(), args.format)
    finally:
        ws.close()
    return OK
