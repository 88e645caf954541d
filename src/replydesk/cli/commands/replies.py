"""Triage, drafting, the house-style linter and approval."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from replydesk import config as config_mod
from replydesk.cli.commands.common import FINDINGS, OK, read_text, stdout, text_lines, workspace
from replydesk.cli.commands.draft_verbs import cmd_draft_verb, is_verb
from replydesk.domain.errors import LintBlocked, UsageError
from replydesk.domain.findings import errors
from replydesk.domain.ids import parse_id
from replydesk.domain.models import Triage
from replydesk.domain.text import inert
from replydesk.services import drafting, editing, triaging
from replydesk.services.drafting import DraftOutcome, DraftStatus
from replydesk.services.platforms import lint_text


def cmd_triage(args: argparse.Namespace) -> int:
    if args.file:
        return _triage_file(args)
    with workspace(args) as ws:
        if args.explain:
            stored, reading = triaging.explain(ws, _review_id(args.explain))
            stdout().write(explanation(stored, reading))
            return OK
        if args.no_reply or args.reply_needed:
            needed = bool(args.reply_needed)
            target = args.reply_needed or args.no_reply
            changed = triaging.no_reply(ws, target, needed=needed)
            state = "back in the queue" if needed else "set aside: no reply needed"
            print(f"review {target} {'is now' if changed else 'was already'} {state}")
            return OK
        if args.override:
            review_id, label = args.override
            chosen = triaging.override(ws, _review_id(review_id), label)
            print(f"review {review_id} is now {chosen} (set by {ws.user})")
            return OK
        counts = triaging.triage_pending(ws)
        if args.json:
            for review_id, verdict in triaging.verdicts(ws).items():
                print(json.dumps(triaging.verdict_json(review_id, verdict), ensure_ascii=False))
        else:
            mix = ", ".join(f"{n} {label}" for label, n in counts.most_common()) or "nothing new"
            print(f"triaged {sum(counts.values())}: {mix}")
    return OK


def _review_id(text: str) -> int:
    """A review id as typed or as the inbox shows it ("#12"); one line otherwise."""
    return parse_id(text, "review")


def explanation(stored: Triage | None, reading: triaging.Reading) -> str:
    """``triage --explain``: the verdict, how sure, the rules' evidence with its place in
    the text, and the learned features behind each decision."""
    v, rules, learned = reading.verdict, reading.rules, reading.learned
    lines = [f"verdict: {v.label}  confidence {v.score:.2f}" + ("  UNSURE" if v.unsure else "")]
    lines.append(f"  unsure below {reading.unsure_below:.2f}; decided by {v.method}")
    if v.scores:
        probs = ", ".join(f"{head} {p:.2f}" for head, p in v.scores.items())
        lines.append(f"  probabilities (as decided): {probs}")
    if stored is not None:
        line = f"stored: {stored.effective} ({stored.method}"
        line += f", set by {stored.override_by})" if stored.override_label else ")"
        if stored.unsure:
            line += " unsure"
        lines.append(line)
    lines.append(f"rules: {rules.label}  score {rules.score:.2f}")
    for e in rules.reasons:
        where = f" [{e.start}-{e.end}]" if e.start >= 0 else ""
        quote = f': "{inert(e.quote)}"' if e.quote else ""
        lines.append(f"  {inert(e.rule)}{quote}{where}")
    if learned is not None:
        for taken, head in zip(reading.covers, ("criticism", "provocation"), strict=True):
            p = learned.probabilities.get(head, 0.0)
            note = "" if taken else " (not used: no labelled data in this language)"
            lines.append(f"learned {head}: p {p:.2f}{note}")
            found = learned.contributions.get(head, ())
            lines += [f"  {c.weight:+.3f}  {inert(c.feature)}" for c in found]
    opinion = stored.opinion if stored is not None else {}
    if opinion.get("error"):
        lines.append(f"model second opinion failed: {inert(str(opinion['error']))}")
    elif opinion:
        lines.append(f"model second opinion: {opinion.get('label')}")
    return "\n".join(lines) + "\n"


def _triage_file(args: argparse.Namespace) -> int:
    cfg = config_mod.load(args.config)
    triager = triaging.triager_for(cfg)
    source = text_lines(args.file)
    failed = 0
    out = stdout()
    for item in triaging.classify_lines(source, triager, tuple(cfg.style.languages)):
        if isinstance(item, str):
            failed += 1
            print(f"{args.file}: {item}", file=sys.stderr)
        else:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    return FINDINGS if failed else OK


def cmd_draft(args: argparse.Namespace) -> int:
    if is_verb(args.ids):
        return cmd_draft_verb(args)
    if not args.all and not args.ids:
        raise UsageError("say which reviews: --all, or one or more review ids")
    if args.all and args.ids:
        raise UsageError("--all or review ids, not both: --all drafts every queued review")
    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError(f"--concurrency {args.concurrency}: say how many at once, 1 or more")
    if args.note is not None:
        raise UsageError("--note goes with `draft redo ID`: it steers the next draft")
    ids = [_review_id(i) for i in args.ids]
    with workspace(args) as ws:
        todo = drafting.queue(ws, ids or None)
        mode = f"model {ws.config.llm_model}" if ws.llm is not None else "offline composer"
        print(f"drafting {len(todo)} review(s) with the {mode}...", file=sys.stderr)
        done = 0

        def progress(o: DraftOutcome) -> None:
            nonlocal done
            done += 1
            extra = f": {o.message}" if o.message else ""
            print(f"[{done}/{len(todo)}] review {o.review_id}: {o.status}{extra}", flush=True)

        outcomes = drafting.draft_batch(ws, todo, args.concurrency, progress)
    counts = Counter(o.status for o in outcomes)
    print(", ".join(f"{n} {s}" for s, n in counts.most_common()) or "nothing to draft")
    if ids and not todo:  # asked for these, and each has a draft already
        print(f"each already has a draft: `replydesk draft redo {ids[0]}` writes a new one")
    return FINDINGS if counts.get(DraftStatus.FAILED) else OK


def cmd_lint(args: argparse.Namespace) -> int:
    text = read_text(args.file, "reply")
    cfg = config_mod.load(args.config)
    findings = lint_text(cfg, text, language=args.lang, platform=args.platform, label=args.label)
    if args.json:
        for f in findings:
            print(json.dumps(f.to_dict(), ensure_ascii=False))
    else:
        for f in findings:
            where = f"{f.start}-{f.end}" if f.end else "whole reply"
            print(f"{f.severity:<7} {f.rule:<13} {where:<12} {f.message}\n{'':<34}fix: {f.fix}")
        failing = errors(findings)
        print(
            f"{len(failing)} error(s), {len(findings) - len(failing)} warning(s)"
            if findings
            else "ok: follows the house style"
        )
    return FINDINGS if errors(findings) else OK


def cmd_approve(args: argparse.Namespace) -> int:
    ids: list[int] = args.review_id
    with workspace(args) as ws:
        if len(ids) > 1:
            if args.despite_lint:
                raise UsageError("--despite-lint approves one review at a time, on purpose")
            batch = editing.approve_batch(ws, editing.candidates(ws, ids))
            for done in batch.approved:
                _print_approved(done)
            for rid, why in batch.skipped:
                print(f"not approved: review {rid}: {inert(why)}")
            return FINDINGS if batch.skipped else OK
        try:
            done = editing.approve_latest(ws, ids[0], despite_lint=args.despite_lint)
        except LintBlocked as exc:
            raise UsageError(
                f"review {ids[0]}: the draft breaks the house style ({exc.rules}); "
                "edit it, or approve with --despite-lint if you have read it"
            ) from None
        _print_approved(done)
    return OK


def _print_approved(done: editing.Approved) -> None:
    print(
        f"approved draft {done.draft.id} (v{done.draft.version}) of review {done.draft.review_id}"
    )
    for p in done.promises:
        found_by = "" if p.origin == "rules" else f", found by the {p.origin}"
        print(
            f"  promise {p.id} ({p.kind}, due {p.due_date}{found_by}): {inert(p.what)}\n"
            f"    wrong? `replydesk promise edit {p.id}` or `promise withdraw {p.id}`"
        )
        if p.disputed:  # the model doubts what the rules read: a person decides
            print(
                f"    the model doubts it: {inert(p.dispute or '')}\n"
                f"    keep it: `replydesk promise confirm {p.id}`; "
                f"drop it: `replydesk promise withdraw {p.id}`"
            )
