"""The TUI, the demo, config and the review files in and out."""

from __future__ import annotations

import argparse
import functools
import shutil
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
from replydesk.services.importing import check_file, import_file
from replydesk.services.workspace import Workspace


def _need_a_terminal() -> None:
    """The TUI draws on a terminal and reads keys from it; without one it would hang."""
    if not (sys.stdin is not None and sys.stdin.isatty() and sys.stdout is not None):
        raise UsageError(
            "the TUI needs a terminal, and standard input is not one: run it in a terminal, "
            "or use the commands for scripts (`replydesk --help`)"
        )
    if not sys.stdout.isatty():
        raise UsageError(
            "the TUI needs a terminal, and standard output is not one (piped or redirected): "
            "run it without `|` or `>`"
        )


def cmd_tui(args: argparse.Namespace) -> int:
    from replydesk.tui.app import run

    _need_a_terminal()
    with workspace(args, create=True) as ws:
        return run(ws, debug=args.debug)


def cmd_demo(args: argparse.Namespace) -> int:
    if not args.no_tui:
        _need_a_terminal()
    if args.keep:
        target = Path(args.keep).expanduser()
        return _demo_run(build_demo(target), args, keep=True)
    with tempfile.TemporaryDirectory(prefix="replydesk-demo-") as tmp:
        return _demo_run(build_demo(Path(tmp)), args, keep=False, folder=Path(tmp))


def _demo_run(
    ws: Workspace, args: argparse.Namespace, keep: bool, folder: Path | None = None
) -> int:
    try:
        if args.no_tui:
            print(
                f"demo workspace: {ws.path} ({inbox.count(ws)} reviews)"
                + ("" if keep else " (removed on exit; use --keep DIR to keep it)")
            )
            return OK
        from replydesk.tui.app import run

        # the throwaway demo goes, even when a hang-up has to end the process by force
        remove = None if folder is None else functools.partial(shutil.rmtree, folder, True)
        return run(ws, debug=args.debug, before_forced_exit=remove)
    finally:
        ws.close()


def cmd_init(args: argparse.Namespace) -> int:
    target = Path(args.config or paths.default_config_path()).expanduser()
    if args.db and not args.team:
        config_mod.db_path(args.db)  # a URL is refused here too, before anything is written
    if not args.team:
        setup.write_starter(target, force=args.force)
        print(f"wrote {target}\nedit it, then run: replydesk config check")
        return OK
    # the database of --db, else of REPLYDESK_DB, else the default path
    where = config_mod.db_path(args.db) if args.db else config_mod.parse("").db_path
    if not isinstance(where, Path):
        raise UsageError(
            f"--team shares an SQLite file with a unix group; the URL {where} names a "
            "server, shared already: put it in each teammate's config as [store] url"
        )
    db = where.absolute()
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
        if len(problems) > 1:  # one problem is its own line; several get a count
            print(f"{len(problems)} problems", file=sys.stderr)
        return BAD_INPUT
    print(f"{cfg.path}: ok ({len(cfg.sources)} sources, database {cfg.db_path})")
    for note in setup.notes(cfg):
        print(f"note: {note}")
    return OK


def cmd_import(args: argparse.Namespace) -> int:
    if args.file == "-":  # standard input: spooled to a file, its format read from its start
        with tempfile.TemporaryDirectory(prefix="replydesk-import-") as tmp:
            stream = getattr(sys.stdin, "buffer", None)  # a text-only stdin (a test's) has none
            data = (
                stream.read()
                if stream is not None
                else sys.stdin.read().encode("utf-8")
                if sys.stdin is not None
                else b""
            )
            if not data.strip():
                raise UsageError("standard input is empty (or closed): nothing to import")
            jsonl = data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")
            spooled = Path(tmp) / ("stdin.jsonl" if jsonl else "stdin.csv")
            spooled.write_bytes(data)
            return _import(args, spooled, "standard input", args.source or "stdin")
    return _import(args, Path(args.file), args.file, args.source)


def _import(args: argparse.Namespace, path: Path, shown: str, source: str | None) -> int:
    check_file(path)  # a missing or unreadable file: said before any database is made
    with workspace(args, create=True) as ws:
        report = import_file(ws, path, source)
    for err in report.errors[:50]:
        print(f"{shown}: {err}", file=sys.stderr)
    if report.failed > 50:
        print(f"... and {report.failed - 50} more failed lines", file=sys.stderr)
    print(report.summary())
    return FINDINGS if report.failed else OK


def _not_ours(target: Path, ws: Workspace) -> None:
    """An export never overwrites the database it reads or the config it runs on."""
    ours = {Path(f"{ws.path}{side}") for side in ("", "-wal", "-shm")}
    if ws.config.path is not None:
        ours.add(Path(ws.config.path))
    if any(target.resolve() == p.resolve() for p in ours):
        raise UsageError(f"{target} is this workspace's own database or config: export elsewhere")


def cmd_export(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        if args.output and args.output != "-":
            _not_ours(Path(args.output), ws)
            try:
                with open(args.output, "w", encoding="utf-8", newline="") as out:
                    n = write(ws, out, args.format, excel=args.excel)
            except OSError as exc:
                raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
            print(f"wrote {n} review{'' if n == 1 else 's'} to {args.output}", file=sys.stderr)
        else:
            write(ws, stdout(), args.format, excel=args.excel)
    return OK
