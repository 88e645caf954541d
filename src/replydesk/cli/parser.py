"""The command line, parsed here and handled in ``commands/``. The TUI is the default command.

Exit codes: 0 ok, 1 findings (failed lines, lint violations), 2 bad input or config.
Nothing here imports Textual until a command opens the TUI.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

from replydesk import __version__
from replydesk.cli.commands.channels import cmd_post, cmd_secret_set, cmd_sources, cmd_sync
from replydesk.cli.commands.common import BAD_INPUT, FAILURE, OK, draft_id, promise_id, review_id
from replydesk.cli.commands.ledger import KIND_CHOICES, cmd_promise, cmd_promises, cmd_stats
from replydesk.cli.commands.moving import cmd_store_copy
from replydesk.cli.commands.replies import cmd_approve, cmd_draft, cmd_lint, cmd_triage
from replydesk.cli.commands.workspace import (
    cmd_config_check,
    cmd_demo,
    cmd_export,
    cmd_import,
    cmd_init,
    cmd_tui,
)
from replydesk.domain.errors import ReplydeskError
from replydesk.domain.redact import redact
from replydesk.domain.text import inert


class Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake said in one line (what was wrong, where to look)
    rather than the whole usage block first; every subcommand's parser is one too.

    The global options (``--db``, ``--config``, ``--debug``) are accepted before or after
    the command name: each subcommand's parser knows them too, with no default of its own,
    so a value given after the command wins and none given keeps the top level's.
    """

    def __init__(self, *args: Any, top: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default: Any = None if top else argparse.SUPPRESS
        group = self.add_argument_group("global options")
        group.add_argument("--db", default=default, help="SQLite database (env REPLYDESK_DB)")
        group.add_argument(
            "--config",
            default=os.environ.get("REPLYDESK_CONFIG") if top else default,
            help="config file (env REPLYDESK_CONFIG)",
        )
        group.add_argument(
            "--debug",
            action="store_true",
            default=False if top else default,
            help="on an error, show the traceback too",
        )

    def error(self, message: str) -> NoReturn:
        self.exit(BAD_INPUT, f"{self.prog}: {_suggest(message)} (see {self.prog} --help)\n")


def _suggest(message: str) -> str:
    """argparse's "invalid choice: 'x' (choose from ...)" with the nearest choice named."""
    match = re.match(r"argument (\S+): invalid choice: '(.*)' \(choose from (.*)\)$", message)
    if not match:
        return message
    what, typed, listed = match.groups()
    choices = re.findall(r"'([^']*)'", listed) or [c.strip() for c in listed.split(",")]
    what = "command" if what in ("COMMAND", "ACTION") else what
    near = difflib.get_close_matches(typed, choices, n=1, cutoff=0.7)
    flag = next((c for c in _FLAG_COMMANDS if c[0] == typed), None)
    hint = (
        f"; did you mean `{flag[1]}`?"
        if flag
        else f"; did you mean {near[0]!r}?"
        if near
        else f"; choose from {', '.join(choices)}"
    )
    return f"no {what} {typed!r}{hint}"


# things people type as commands that are options of another one
_FLAG_COMMANDS = (
    ("mark-copied", "post --mark-copied DRAFT_ID"),
    ("resend", "post --resend DRAFT_ID"),
    ("override", "triage --override REVIEW_ID LABEL"),
    ("explain", "triage --explain REVIEW_ID"),
    ("show", "draft show REVIEW_ID"),
    ("edit", "draft edit REVIEW_ID"),
    ("redo", "draft redo REVIEW_ID"),
    ("watch", "promises watch"),
    ("check", "config check"),
)


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="replydesk",
        description="A terminal workstation for answering unhappy customers.",
        top=True,
    )
    p.add_argument("--version", action="version", version=f"replydesk {__version__}")
    p.set_defaults(handler=cmd_tui)
    sub = p.add_subparsers(title="commands", metavar="COMMAND")

    demo = sub.add_parser("demo", help="the TUI on bundled sample reviews, offline")
    demo.add_argument("--keep", metavar="DIR", help="build the demo workspace in DIR and keep it")
    demo.add_argument("--no-tui", action="store_true", help="build it and print where")
    demo.set_defaults(handler=cmd_demo)

    init = sub.add_parser("init", help="write a commented starter config")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.add_argument(
        "--team",
        metavar="GROUP",
        default="",
        help="team mode: share the database (--db, else the default path) with this unix "
        "group; its folder becomes setgid 2770 in the group",
    )
    init.set_defaults(handler=cmd_init)

    cfg = sub.add_parser("config", help="config commands")
    cfg_sub = cfg.add_subparsers(title="config commands", metavar="ACTION")
    check = cfg_sub.add_parser("check", help="validate the config; exit 2 on error")
    check.set_defaults(handler=cmd_config_check)
    cfg.set_defaults(handler=lambda a: _usage(cfg))

    sto = sub.add_parser("store", help="store commands: copy a store to another engine")
    sto_sub = sto.add_subparsers(title="store commands", metavar="ACTION")
    scp = sto_sub.add_parser(
        "copy",
        help="copy a whole store, SQLite to PostgreSQL or back (resumable; counts checked)",
    )
    scp.add_argument("src", metavar="SRC", help="an SQLite path or a postgresql:// URL")
    scp.add_argument("dst", metavar="DST", help="an SQLite path or a postgresql:// URL")
    scp.set_defaults(handler=cmd_store_copy)
    sto.set_defaults(handler=lambda a: _usage(sto))

    imp = sub.add_parser("import", help="import reviews from CSV or JSONL")
    imp.add_argument("file", help="a .csv or .jsonl file, or - for standard input")
    imp.add_argument(
        "--source", help="source name (default: the file's 'source' field, then its name)"
    )
    imp.set_defaults(handler=cmd_import)

    exp = sub.add_parser("export", help="everything per review, as JSONL or CSV")
    exp.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    exp.add_argument(
        "--excel",
        action="store_true",
        help="CSV that Excel opens as UTF-8 (a byte-order mark, CRLF rows); implies csv",
    )
    exp.add_argument("-o", "--output", help="file to write (default: standard output)")
    exp.set_defaults(handler=cmd_export)

    tri = sub.add_parser("triage", help="label the queue: criticism, vague, provocation, praise")
    one = tri.add_mutually_exclusive_group()  # one of these at a time, or the queue
    one.add_argument(
        "--file",
        metavar="F",
        help="classify a JSONL file (- for stdin) of "
        '{"id","text"[,"rating","lang"]} without touching the store',
    )
    tri.add_argument("--json", action="store_true", help="print one JSON verdict per line")
    one.add_argument(
        "--explain",
        metavar="REVIEW_ID",
        help="print one review's verdict and everything behind it (nothing is stored)",
    )
    one.add_argument(
        "--override",
        nargs=2,
        metavar=("REVIEW_ID", "LABEL"),
        help="set the label by hand; it always wins over the rules",
    )
    one.add_argument(
        "--no-reply",
        metavar="REVIEW_ID",
        type=review_id,
        help="set a review aside: it needs no reply (it leaves the queue)",
    )
    one.add_argument(
        "--reply-needed",
        metavar="REVIEW_ID",
        type=review_id,
        help="take back --no-reply: the review goes back into the queue",
    )
    tri.set_defaults(handler=cmd_triage)

    drf = sub.add_parser(
        "draft",
        help="draft replies in parallel (resumable); show, edit or redo one",
        usage="replydesk draft [--all | ID ...] [--concurrency N]\n"
        "       replydesk draft show ID | edit ID | redo ID [--note TEXT]",
    )
    drf.add_argument(
        "ids",
        nargs="*",
        metavar="ID",
        help="review ids as the inbox shows them; or show ID (the review, its draft and "
        "findings), edit ID (in $VISUAL/$EDITOR, linted on save), redo ID (a new draft)",
    )
    drf.add_argument("--note", help="with redo: what the next draft should do differently")
    drf.add_argument(
        "--all", action="store_true", help="every queued criticism and vague review without a draft"
    )
    drf.add_argument("--concurrency", type=int, help="drafts in flight (default: [llm])")
    drf.set_defaults(handler=cmd_draft)

    lnt = sub.add_parser("lint", help="check a reply against the house style")
    lnt.add_argument("file", nargs="?", help="a text file, or - for stdin (the default)")
    lnt.add_argument(
        "--lang", default="en", help="the reply's language, a pack code: en de fr es ru el it pt"
    )
    lnt.add_argument("--platform", help="source kind whose length limit applies")
    lnt.add_argument(
        "--label",
        default="criticism",
        help="the review's label: criticism, vague, provocation, praise (needs thanks, not "
        "an apology) or followup",
    )
    lnt.add_argument("--json", action="store_true", help="one JSON finding per line")
    lnt.set_defaults(handler=cmd_lint)

    prs = sub.add_parser("promises", help="the promise ledger; `promises watch` checks trackers")
    prs.add_argument(
        "action",
        nargs="?",
        choices=("watch",),
        help="watch: check linked tracker items and deliver what shipped",
    )
    prs.add_argument("--overdue", action="store_true", help="only open promises past due")
    prs.add_argument("--json", action="store_true", help="one JSON object per promise")
    prs.set_defaults(handler=cmd_promises)

    pro = sub.add_parser(
        "promise", help="add, deliver, edit, confirm, withdraw, break or undo one promise"
    )
    pro_sub = pro.add_subparsers(dest="action", metavar="ACTION", required=True)

    def with_id(action: str, text: str) -> argparse.ArgumentParser:
        parser = pro_sub.add_parser(action, help=text)
        parser.add_argument("id", type=promise_id, metavar="ID", help="its id (12 or #12)")
        return parser

    tracker_help = "a tracker item to watch: NAME:REF (gh:812) or the item's address"
    p_add = pro_sub.add_parser("add", help="write down a promise by hand (you own it)")
    p_add.add_argument("review_id", type=review_id, metavar="REVIEW_ID")
    p_add.add_argument("what", metavar="TEXT", help="what was promised")
    p_add.add_argument("--due", metavar="YYYY-MM-DD", help="default: read from TEXT, or 14 days")
    p_add.add_argument("--tracker", metavar="LINK", help=tracker_help)
    p_add.add_argument("--kind", choices=KIND_CHOICES, help="default: read from TEXT")
    p_dlv = with_id("deliver", "it is done: queue the follow-up to the reviewer")
    p_dlv.add_argument("--evidence", help="a URL, tracker item or note showing it shipped")
    p_dlv.add_argument("--version", help="the version that delivered it, named in the follow-up")
    p_edit = with_id("edit", "correct the wording, due date or tracker")
    p_edit.add_argument("--what", help="what was promised")
    p_edit.add_argument("--due", metavar="YYYY-MM-DD", help="the due date")
    p_edit.add_argument("--tracker", metavar="LINK", help=tracker_help + ' ("" unlinks)')
    for action, text in (
        ("confirm", "keep a promise the model disputed"),
        ("withdraw", "not a promise after all"),
        ("broken", "we will not keep it"),
        ("undo", "revert the last delivery, withdrawal or break"),
    ):
        with_id(action, text)
    pro.set_defaults(handler=cmd_promise)

    sts = sub.add_parser("stats", help="response times, promises kept, triage mix")
    sts.add_argument("--json", action="store_true")
    sts.set_defaults(handler=cmd_stats)

    syn = sub.add_parser("sync", help="pull new and changed reviews from every source")
    syn.add_argument(
        "--source",
        action="append",
        metavar="NAME",
        help="only this source (repeatable); also syncs a disabled one",
    )
    syn.set_defaults(handler=cmd_sync)

    src = sub.add_parser("sources", help="configured sources, their health and last sync")
    src.set_defaults(handler=cmd_sources)

    sec = sub.add_parser("secret", help="credentials in the OS keyring")
    sec_sub = sec.add_subparsers(title="secret commands", metavar="ACTION")
    sec_set = sec_sub.add_parser("set", help="store a secret (read hidden, or from stdin)")
    sec_set.add_argument("name", help="the name config refers to, e.g. trustpilot-key")
    sec_set.set_defaults(handler=cmd_secret_set)
    sec.set_defaults(handler=lambda a: _usage(sec))

    appr = sub.add_parser("approve", help="approve the latest draft of one review, or several")
    appr.add_argument(
        "review_id",
        type=review_id,
        nargs="+",
        metavar="REVIEW_ID",
        help="one review; with several, each draft passing the house style is approved "
        "and the others are listed with the reason",
    )
    appr.add_argument(
        "--despite-lint",
        action="store_true",
        help="approve a draft that still has house-style errors, on purpose",
    )
    appr.set_defaults(handler=cmd_approve)

    pst = sub.add_parser("post", help="publish approved replies where the source can")
    pst.add_argument(
        "--resend",
        type=draft_id,
        action="append",
        metavar="DRAFT_ID",
        help="send again a reply an interrupted run may not have delivered",
    )
    pst.add_argument(
        "--mark-copied",
        type=draft_id,
        metavar="DRAFT_ID",
        help="record that you copied and posted this reply by hand",
    )
    pst.set_defaults(handler=cmd_post)
    return p


def _usage(parser: argparse.ArgumentParser) -> int:
    """A command group run without its action: which actions there are, in one line."""
    actions = [
        name
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    ]
    print(
        f"{parser.prog}: say which: {', '.join(actions)} (see {parser.prog} --help)",
        file=sys.stderr,
    )
    return BAD_INPUT


MAY_BE_EMPTY = ("--tracker",)  # `promise edit --tracker ""` unlinks


def _empty_value(argv: Sequence[str]) -> str:
    """The option given an empty value ("" would silently mean "not given"), if any."""
    for i, arg in enumerate(argv):
        if arg.startswith("--") and arg.endswith("=") and arg[:-1] not in MAY_BE_EMPTY:
            return arg[:-1]
        if not arg.strip() and (i == 0 or argv[i - 1] not in MAY_BE_EMPTY):
            before = argv[i - 1] if i else ""
            return before if before.startswith("-") else "an argument"
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    given = list(sys.argv[1:] if argv is None else argv)
    empty = _empty_value(given)
    if empty:
        print(f"replydesk: {empty} is empty: give a value (see replydesk --help)", file=sys.stderr)
        return BAD_INPUT
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    try:
        code: int = args.handler(args)
        return code
    except ReplydeskError as exc:
        if args.debug:
            print(redact(traceback.format_exc()), end="", file=sys.stderr)
        print(f"replydesk: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        # every finished draft, review and reply is committed as it happens; requests still
        # in flight on worker threads are abandoned rather than waited for
        print(
            "replydesk: interrupted; what was done is saved, run it again to go on", file=sys.stderr
        )
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    except BrokenPipeError:
        return OK
    except OSError as exc:  # the machine said no: a full disk, a closed or vanished file
        if args.debug:
            print(redact(traceback.format_exc()), end="", file=sys.stderr)
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"replydesk: {inert(redact(f'{exc.strerror or exc}{where}'))}", file=sys.stderr)
        return FAILURE
    except Exception as exc:  # a bug of ours: one line, the traceback on request
        if args.debug:
            print(redact(traceback.format_exc()), end="", file=sys.stderr)
        reason = inert(redact(" ".join(str(exc).split())))[:200]
        print(
            f"replydesk: unexpected error ({type(exc).__name__}{': ' if reason else ''}"
            f"{reason}); run again with --debug for the traceback, and please report it",
            file=sys.stderr,
        )
        return FAILURE
