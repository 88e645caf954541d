"""Triage, drafting, the house-style linter and approval. (`replydesk` commands; see cli.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from replydesk import config as config_mod
from replydesk.commands.common import FINDINGS, OK, CommandError, stdout, workspace
from replydesk.domain.findings import errors


def cmd_triage(args: argparse.Namespace) -> int:
    import json

    from replydesk.services import triaging

    if args.file:
        cfg = config_mod.load(args.config)
        rules = triaging.Rules.from_config(cfg.triage)
        source = sys.stdin if args.file == "-" else _open_input(args.file)
        failed = 0
        out = stdout()
        for item in triaging.classify_lines(source, rules, tuple(cfg.style.languages)):
            if isinstance(item, str):
                failed += 1
                print(f"{args.file}: {item}", file=sys.stderr)
            else:
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
        return FINDINGS if failed else OK
    ws = workspace(args)
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

    ws = workspace(args)
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
    findings = lint(
        text.strip(),
        LintContext(
            language=args.lang,
            limit=limit.size if limit else None,
            limit_unit=limit.unit if limit else "characters",
            catalogue=tuple(cfg.style.bonus_catalogue),
            allow_dated_promises=cfg.style.allow_dated_promises,
            label=args.label,
        ),
    )
    if args.json:
        for f in findings:
            print(json.dumps(f.to_dict(), ensure_ascii=False))
    else:
        for f in findings:
            where = f"{f.start}-{f.end}" if f.end else "whole reply"
            print(f"{f.severity:<7} {f.rule:<13} {where:<12} {f.message}\n{'':<34}fix: {f.fix}")
        print(
            f"{len(errors(findings))} error(s), {len(findings) - len(errors(findings))} warning(s)"
            if findings
            else "ok: follows the house style"
        )
    return FINDINGS if errors(findings) else OK


def cmd_approve(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        draft = next(
            (
                d
                for d in (
                    ws.store.drafts.latest(args.review_id, "followup"),
                    ws.store.drafts.latest(args.review_id),
                )
                if d and d.state == "draft"
            ),
            None,
        ) or ws.store.drafts.latest(args.review_id)
        if draft is None:
            raise CommandError(f"review {args.review_id} has no draft to approve")
        holder = ws.store.claims.holder(args.review_id)
        if holder and holder.user != ws.user:
            raise CommandError(
                f"review {args.review_id} is claimed by {holder.user}; "
                "only they can approve it until the claim expires"
            )
        if draft.state not in ("draft", "approved"):
            raise CommandError(f"draft {draft.id} is {draft.state}; nothing to approve")
        failing = errors(draft.lint)
        if failing and not args.despite_lint:
            rules = ", ".join(sorted({f.rule for f in failing}))
            raise CommandError(
                f"draft {draft.id} breaks the house style ({rules}); edit it, "
                "or approve with --despite-lint if you have read it"
            )
        approved = ws.store.drafts.approve(draft.id, ws.user)
        print(f"approved draft {draft.id} (v{draft.version}) of review {args.review_id}")
        from replydesk.services.promising import record_for_approved

        for p in record_for_approved(ws, approved):
            print(
                f"  promise {p.id} ({p.kind}, due {p.due_date}): {p.what}\n"
                f"    wrong? `replydesk promise edit {p.id}` or `promise withdraw {p.id}`"
            )
    finally:
        ws.close()
    return OK
