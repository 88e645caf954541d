"""The command line (design.md's contract). The TUI is the default command.

Exit codes: 0 ok, 1 findings (failed lines, lint violations), 2 bad input or config.
Nothing here imports Textual until a command opens the TUI.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from replydesk import __version__, paths
from replydesk import config as config_mod
from replydesk.config import ConfigError
from replydesk.ingest import InputError
from replydesk.store import StoreError

OK, FINDINGS, BAD_INPUT = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """Bad input from the user: printed as is, exit 2."""


def _workspace(args: argparse.Namespace):
    from replydesk.services.workspace import Workspace

    return Workspace.from_paths(args.config, args.db)


# ------------------------------------------------------------------ commands


def cmd_tui(args: argparse.Namespace) -> int:
    from replydesk.tui.app import run

    ws = _workspace(args)
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
            print(f"demo workspace: {ws.store.path} ({n} reviews)"
                  + ("" if keep else " (removed on exit; use --keep DIR to keep it)"))
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
    target.write_text(files("replydesk").joinpath("starter_config.toml").read_text("utf-8"),
                      encoding="utf-8")
    print(f"wrote {target}\nedit it, then run: replydesk config check")
    return OK


def cmd_config_check(args: argparse.Namespace) -> int:
    cfg = config_mod.load(args.config, required=True)
    print(f"{cfg.path}: ok ({len(cfg.sources)} sources, database {cfg.db_path})")
    return OK


def cmd_import(args: argparse.Namespace) -> int:
    from replydesk.services.importing import import_file

    ws = _workspace(args)
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

    ws = _workspace(args)
    try:
        if args.output and args.output != "-":
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                n = write(ws, out, args.format)
            print(f"wrote {n} reviews to {args.output}", file=sys.stderr)
        else:
            write(ws, _stdout(), args.format)
    finally:
        ws.close()
    return OK


def cmd_triage(args: argparse.Namespace) -> int:
    import json

    from replydesk.services import triaging

    if args.file:
        cfg = config_mod.load(args.config)
        rules = triaging.Rules.from_config(cfg.triage)
        source = sys.stdin if args.file == "-" else _open_input(args.file)
        failed = 0
        out = _stdout()
        for item in triaging.classify_lines(source, rules, tuple(cfg.style.languages)):
            if isinstance(item, str):
                failed += 1
                print(f"{args.file}: {item}", file=sys.stderr)
            else:
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
        return FINDINGS if failed else OK
    ws = _workspace(args)
    try:
        if args.override:
            review_id, label = args.override
            try:
                triaging.override(ws, int(review_id), label)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            print(f"review {review_id} is now {label} (set by {ws.user})")
            return OK
        counts = triaging.triage_pending(ws)
        if args.json:
            for review_id, verdict in ws.store.triage.all().items():
                print(json.dumps(triaging.verdict_json(review_id, verdict), ensure_ascii=False))
        else:
            mix = ", ".join(f"{n} {label}" for label, n in counts.most_common()) or "nothing new"
            print(f"triaged {sum(counts.values())}: {mix}")
    finally:
        ws.close()
    return OK


def _open_input(path: str) -> TextIO:
    try:
        return open(path, encoding="utf-8-sig")
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None


def cmd_draft(args: argparse.Namespace) -> int:
    from collections import Counter

    from replydesk.services.drafting import draft, queue

    ws = _workspace(args)
    try:
        if not args.all and not args.ids:
            raise CommandError("say which reviews: --all, or one or more review ids")
        todo = len(queue(ws, args.ids or None))
        mode = f"model {ws.config.llm_model}" if ws.config.llm_model else "offline composer"
        print(f"drafting {todo} review(s) with the {mode}...", file=sys.stderr)
        done = 0

        def progress(o) -> None:
            nonlocal done
            done += 1
            extra = f": {o.message}" if o.message else ""
            print(f"[{done}/{todo}] review {o.review_id}: {o.status}{extra}", flush=True)

        outcomes = draft(ws, args.ids or None, args.concurrency, progress)
    finally:
        ws.close()
    counts = Counter(o.status for o in outcomes)
    print(", ".join(f"{n} {s}" for s, n in counts.most_common()) or "nothing to draft")
    return FINDINGS if counts.get("failed") else OK


def cmd_lint(args: argparse.Namespace) -> int:
    import json

    from replydesk.sources.registry import source_class
    from replydesk.style.linter import LintContext, errors, lint

    if args.file in (None, "-"):
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{args.file}: {exc.strerror}") from None
    cfg = config_mod.load(args.config)
    limit = source_class(args.platform).reply_limit if args.platform else None
    if args.platform and args.platform in cfg.style.platform_limits and limit:
        limit = type(limit)(cfg.style.platform_limits[args.platform], limit.unit)
    findings = lint(text.strip(), LintContext(
        language=args.lang, limit=limit.size if limit else None,
        limit_unit=limit.unit if limit else "characters",
        catalogue=tuple(cfg.style.bonus_catalogue),
        allow_dated_promises=cfg.style.allow_dated_promises, label=args.label))
    if args.json:
        for f in findings:
            print(json.dumps(f.to_dict(), ensure_ascii=False))
    else:
        for f in findings:
            where = f"{f.start}-{f.end}" if f.end else "whole reply"
            print(f"{f.severity:<7} {f.rule:<13} {where:<12} {f.message}\n{'':<34}fix: {f.fix}")
        print(f"{len(errors(findings))} error(s), {len(findings) - len(errors(findings))} "
              "warning(s)" if findings else "ok: follows the house style")
    return FINDINGS if errors(findings) else OK


def cmd_promises(args: argparse.Namespace) -> int:
    import json

    from replydesk.services.promising import overdue, timing

    ws = _workspace(args)
    try:
        if args.action == "watch":
            from replydesk.services.promising import watch

            results = watch(ws)
            for r in results:
                print(r.line())
            print(f"{sum(r.status == 'delivered' for r in results)} delivered, "
                  f"{sum(r.status == 'open' for r in results)} still open, "
                  f"{sum(r.status == 'error' for r in results)} could not be checked")
            return FINDINGS if any(r.status == "error" for r in results) else OK
        found = overdue(ws) if args.overdue else ws.store.promises.list()
        today = ws.today().isoformat()
        for p in found:
            record = {"id": p.id, "review_id": p.review_id, "kind": p.kind, "what": p.what,
                      "owner": p.owner, "due_date": p.due_date, "status": p.status,
                      "overdue": p.is_overdue(today), "timing": timing(p, ws.tz) or None,
                      "tracker_url": p.tracker_url, "evidence": p.evidence, "flag": p.flag,
                      "followup_draft_id": p.followup_draft_id}
            if args.json:
                print(json.dumps(record, ensure_ascii=False))
                continue
            state = "OVERDUE" if record["overdue"] else p.status
            if record["timing"]:
                state += f" ({record['timing']})"
            print(f"{p.id:>4} {state:<20} due {p.due_date or '—':<10} {p.kind:<8} "
                  f"{p.owner:<10} review {p.review_id}: {p.what}"
                  + (f"\n{'':<6}flag: {p.flag}" if p.flag else ""))
        if not found and not args.json:
            print("no overdue promises" if args.overdue else "no promises yet")
    finally:
        ws.close()
    return OK


def cmd_promise(args: argparse.Namespace) -> int:
    from replydesk.services import promising

    ws = _workspace(args)
    try:
        if ws.store.promises.get(args.id) is None:
            raise CommandError(f"no promise {args.id}")
        if args.action == "deliver":
            try:
                done = promising.deliver(ws, args.id, args.evidence)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            print(f"promise {args.id} delivered ({done.timing or 'no due date'}); follow-up "
                  f"draft {done.followup.id} queued for review {done.promise.review_id}:\n"
                  f"{done.followup.text}")
        elif args.action == "withdraw":
            ws.store.promises.update(args.id, ws.user, status="withdrawn")
            print(f"promise {args.id} withdrawn")
        elif args.action == "broken":
            ws.store.promises.update(args.id, ws.user, status="broken")
            print(f"promise {args.id} marked broken")
        else:
            changes = {k: v for k, v in (("what", args.what), ("due_date", args.due),
                                          ("tracker_url", args.tracker)) if v}
            if not changes:
                raise CommandError("nothing to change: give --what, --due or --tracker")
            if args.due:
                import re

                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.due):
                    raise CommandError(f"--due {args.due!r}: write YYYY-MM-DD")
            ws.store.promises.update(args.id, ws.user, **changes)
            print(f"promise {args.id} updated")
    finally:
        ws.close()
    return OK


def cmd_stats(args: argparse.Namespace) -> int:
    import json

    from replydesk.services.stats import compute, lines

    ws = _workspace(args)
    try:
        figures = compute(ws)
    finally:
        ws.close()
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        print("\n".join(lines(figures)))
    return OK


def cmd_sync(args: argparse.Namespace) -> int:
    from replydesk.services.sync import sync
    from replydesk.sources.http import SourceError

    ws = _workspace(args)
    try:
        if not ws.config.sources:
            raise CommandError("no sources configured: add [[sources]] to "
                               f"{ws.config.path or paths.default_config_path()}")
        print(f"syncing {len(args.source) if args.source else len(ws.config.sources)} "
              "source(s)...", file=sys.stderr)
        try:
            reports = sync(ws, args.source, progress=lambda r: print(r.line(), flush=True))
        except SourceError as exc:
            raise CommandError(str(exc)) from None
    finally:
        ws.close()
    failed = [r for r in reports if r.status == "error"]
    new = sum(r.new for r in reports)
    ws = _workspace(args)
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
    print(f"{new} new, {sum(r.updated for r in reports)} updated, "
          f"{sum(r.malformed for r in reports)} malformed, {len(failed)} source(s) failed")
    return FINDINGS if failed else OK


def cmd_sources(args: argparse.Namespace) -> int:
    from replydesk.services.sources_view import source_rows

    ws = _workspace(args)
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


def cmd_approve(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    try:
        draft = next((d for d in (ws.store.drafts.latest(args.review_id, "followup"),
                                  ws.store.drafts.latest(args.review_id))
                      if d and d.state == "draft"), None) or ws.store.drafts.latest(
            args.review_id)
        if draft is None:
            raise CommandError(f"review {args.review_id} has no draft to approve")
        holder = ws.store.claims.holder(args.review_id)
        if holder and holder.user != ws.user:
            raise CommandError(f"review {args.review_id} is claimed by {holder.user}; "
                               "only they can approve it until the claim expires")
        if draft.state not in ("draft", "approved"):
            raise CommandError(f"draft {draft.id} is {draft.state}; nothing to approve")
        failing = [f for f in draft.lint if f.get("severity") == "error"]
        if failing and not args.despite_lint:
            rules = ", ".join(sorted({f["rule"] for f in failing}))
            raise CommandError(f"draft {draft.id} breaks the house style ({rules}); edit it, "
                               "or approve with --despite-lint if you have read it")
        approved = ws.store.drafts.approve(draft.id, ws.user)
        print(f"approved draft {draft.id} (v{draft.version}) of review {args.review_id}")
        from replydesk.services.promising import record_for_approved

        for p in record_for_approved(ws, approved):
            print(f"  promise {p.id} ({p.kind}, due {p.due_date}): {p.what}\n"
                  f"    wrong? `replydesk promise edit {p.id}` or `promise withdraw {p.id}`")
    finally:
        ws.close()
    return OK


def cmd_post(args: argparse.Namespace) -> int:
    from replydesk.services.posting import mark_copied, post
    from replydesk.sources.http import SourceError

    ws = _workspace(args)
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


def _stdout() -> TextIO:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    return sys.stdout


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="replydesk",
        description="A terminal workstation for answering unhappy customers.")
    p.add_argument("--version", action="version", version=f"replydesk {__version__}")
    p.add_argument("--db", default=None, help="SQLite database (env REPLYDESK_DB)")
    p.add_argument("--config", default=os.environ.get("REPLYDESK_CONFIG"),
                   help="config file (env REPLYDESK_CONFIG)")
    p.set_defaults(handler=cmd_tui)
    sub = p.add_subparsers(title="commands", metavar="COMMAND")

    demo = sub.add_parser("demo", help="the TUI on bundled sample reviews, offline")
    demo.add_argument("--keep", metavar="DIR", help="build the demo workspace in DIR and keep it")
    demo.add_argument("--no-tui", action="store_true", help="build it and print where")
    demo.set_defaults(handler=cmd_demo)

    init = sub.add_parser("init", help="write a commented starter config")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(handler=cmd_init)

    cfg = sub.add_parser("config", help="config commands")
    cfg_sub = cfg.add_subparsers(title="config commands", metavar="ACTION")
    check = cfg_sub.add_parser("check", help="validate the config; exit 2 on error")
    check.set_defaults(handler=cmd_config_check)
    cfg.set_defaults(handler=lambda a: _usage(cfg))

    imp = sub.add_parser("import", help="import reviews from CSV or JSONL")
    imp.add_argument("file", help="a .csv or .jsonl file")
    imp.add_argument("--source", help="source name (default: the file's 'source' field, "
                                      "then its name)")
    imp.set_defaults(handler=cmd_import)

    exp = sub.add_parser("export", help="everything per review, as JSONL or CSV")
    exp.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    exp.add_argument("-o", "--output", help="file to write (default: standard output)")
    exp.set_defaults(handler=cmd_export)

    tri = sub.add_parser("triage", help="label the queue: criticism, vague, provocation, praise")
    tri.add_argument("--file", metavar="F", help="classify a JSONL file (- for stdin) of "
                     '{"id","text"[,"rating","lang"]} without touching the store')
    tri.add_argument("--json", action="store_true", help="print one JSON verdict per line")
    tri.add_argument("--override", nargs=2, metavar=("REVIEW_ID", "LABEL"),
                     help="set the label by hand; it always wins over the rules")
    tri.set_defaults(handler=cmd_triage)

    drf = sub.add_parser("draft", help="draft replies in parallel (resumable)")
    drf.add_argument("ids", nargs="*", type=int, metavar="ID", help="review ids")
    drf.add_argument("--all", action="store_true",
                     help="every queued criticism and vague review without a draft")
    drf.add_argument("--concurrency", type=int, help="drafts in flight (default: [llm])")
    drf.set_defaults(handler=cmd_draft)

    lnt = sub.add_parser("lint", help="check a reply against the house style")
    lnt.add_argument("file", nargs="?", help="a text file, or - for stdin (the default)")
    lnt.add_argument("--lang", default="en", help="the reply's language (en ru es el de fr)")
    lnt.add_argument("--platform", help="source kind whose length limit applies")
    lnt.add_argument("--label", default="criticism",
                     help="the review's label (praise needs thanks, not an apology)")
    lnt.add_argument("--json", action="store_true", help="one JSON finding per line")
    lnt.set_defaults(handler=cmd_lint)

    prs = sub.add_parser("promises", help="the promise ledger; `promises watch` checks trackers")
    prs.add_argument("action", nargs="?", choices=("watch",),
                     help="watch: check linked tracker items and deliver what shipped")
    prs.add_argument("--overdue", action="store_true", help="only open promises past due")
    prs.add_argument("--json", action="store_true", help="one JSON object per promise")
    prs.set_defaults(handler=cmd_promises)

    pro = sub.add_parser("promise", help="deliver, edit, withdraw or break one promise")
    pro.add_argument("action", choices=("deliver", "edit", "withdraw", "broken"))
    pro.add_argument("id", type=int)
    pro.add_argument("--evidence", help="with deliver: a URL or note showing it shipped")
    pro.add_argument("--what", help="with edit: what was promised")
    pro.add_argument("--due", help="with edit: due date, YYYY-MM-DD")
    pro.add_argument("--tracker", help="with edit: a tracker item URL to watch")
    pro.set_defaults(handler=cmd_promise)

    sts = sub.add_parser("stats", help="response times, promises kept, triage mix")
    sts.add_argument("--json", action="store_true")
    sts.set_defaults(handler=cmd_stats)

    syn = sub.add_parser("sync", help="pull new and changed reviews from every source")
    syn.add_argument("--source", action="append", metavar="NAME",
                     help="only this source (repeatable); also syncs a disabled one")
    syn.set_defaults(handler=cmd_sync)

    src = sub.add_parser("sources", help="configured sources, their health and last sync")
    src.set_defaults(handler=cmd_sources)

    sec = sub.add_parser("secret", help="credentials in the OS keyring")
    sec_sub = sec.add_subparsers(title="secret commands", metavar="ACTION")
    sec_set = sec_sub.add_parser("set", help="store a secret (read hidden, or from stdin)")
    sec_set.add_argument("name", help="the name config refers to, e.g. trustpilot-key")
    sec_set.set_defaults(handler=cmd_secret_set)
    sec.set_defaults(handler=lambda a: _usage(sec))

    appr = sub.add_parser("approve", help="approve the latest draft of a review")
    appr.add_argument("review_id", type=int)
    appr.add_argument("--despite-lint", action="store_true",
                      help="approve a draft that still has house-style errors, on purpose")
    appr.set_defaults(handler=cmd_approve)

    pst = sub.add_parser("post", help="publish approved replies where the source can")
    pst.add_argument("--resend", type=int, action="append", metavar="DRAFT_ID",
                     help="send again a reply an interrupted run may not have delivered")
    pst.add_argument("--mark-copied", type=int, metavar="DRAFT_ID",
                     help="record that you copied and posted this reply by hand")
    pst.set_defaults(handler=cmd_post)
    return p


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    try:
        return args.handler(args)
    except (ConfigError, CommandError, InputError, StoreError) as exc:
        print(f"replydesk: {exc}", file=sys.stderr)
        return BAD_INPUT
    except KeyboardInterrupt:
        print("replydesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return OK
