"""Promises and stats."""

from __future__ import annotations

import argparse
import json
from typing import Any

from replydesk.cli.commands.common import FINDINGS, OK, workspace
from replydesk.domain.errors import UsageError, shown
from replydesk.domain.models import PROMISE_KINDS, Promise
from replydesk.services import promising, stats
from replydesk.services.workspace import Workspace

KIND_CHOICES = tuple(str(k) for k in PROMISE_KINDS)


def cmd_promises(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        if args.action == "watch":
            return _watch(ws)
        found = promising.listing(ws, overdue_only=args.overdue)
        today = ws.today().isoformat()
        for p in found:
            record = _record(ws, p, today)
            if args.json:
                print(json.dumps(record, ensure_ascii=False))
                continue
            state = "OVERDUE" if record["overdue"] else str(p.status)
            if record["timing"]:
                state += f" ({record['timing']})"
            print(
                shown(
                    f"{p.id:>4} {state:<20} due {p.due_date or '—':<10} {p.kind:<8} "
                    f"{p.owner:<10} review {p.review_id}: {p.what}"
                )
                + "".join(f"\n{'':<6}{line}" for line in _notes(p))
            )
        if not found and not args.json:
            print("no overdue promises" if args.overdue else "no promises yet")
    return OK


def _notes(p: Promise) -> list[str]:
    """What a person should look at, under the promise's line."""
    out = []
    if p.dispute:
        out.append(
            shown(f"disputed by the model: {p.dispute}")
            + f" — keep: `replydesk promise confirm {p.id}`; drop: `promise withdraw {p.id}`"
        )
    if p.followup_pending:
        out.append(f"follow-up not written yet: `replydesk promise deliver {p.id}` writes it")
    if p.flag:
        out.append(shown(f"flag: {p.flag}"))
    return out


def _record(ws: Workspace, p: Promise, today: str) -> dict[str, Any]:
    return {
        "id": p.id,
        "review_id": p.review_id,
        "kind": p.kind,
        "what": p.what,
        "owner": p.owner,
        "due_date": p.due_date,
        "status": p.status,
        "overdue": p.is_overdue(today),
        "timing": p.timing(ws.tz) or None,
        "tracker_url": p.tracker_url,
        "evidence": p.evidence,
        "flag": p.flag,
        "followup_draft_id": p.followup_draft_id,
        "origin": p.origin,
        "dispute": p.dispute,
        "followup_pending": p.followup_pending,
        "delivered_in": p.delivered_in,
    }


def _watch(ws: Workspace) -> int:
    results = promising.watch(ws)
    for r in results:
        print(r.line())
    counts = {s: sum(r.status == s for r in results) for s in promising.WatchStatus}
    written = counts[promising.WatchStatus.FOLLOWUP]
    print(
        f"{counts[promising.WatchStatus.DELIVERED]} delivered, "
        f"{counts[promising.WatchStatus.OPEN]} still open, "
        f"{counts[promising.WatchStatus.ERROR]} could not be checked"
        + (f", {written} missing follow-up(s) written" if written else "")
    )
    return FINDINGS if counts[promising.WatchStatus.ERROR] else OK


def cmd_promise(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        if args.action == "add":
            p = promising.add(
                ws,
                args.review_id,
                args.what,
                kind=args.kind,
                due_date=args.due,
                tracker_url=args.tracker,
            )
            print(
                shown(
                    f"promise {p.id} added to review {p.review_id} ({p.kind}, due {p.due_date}"
                    + (f", watching {p.tracker_url}" if p.tracker_url else "")
                    + f", owner {p.owner}): {p.what}"
                )
            )
        elif args.action == "deliver":
            done = promising.deliver(ws, args.id, args.evidence, args.version)
            version = f" in {done.promise.delivered_in}" if done.promise.delivered_in else ""
            print(
                f"promise {args.id} delivered{version} ({done.timing or 'no due date'}); "
                f"follow-up draft {done.followup.id} queued for review "
                f"{done.promise.review_id}:\n" + shown(done.followup.text)
            )
        elif args.action == "confirm":
            promising.confirm(ws, args.id)
            print(f"promise {args.id} confirmed: it stays on the ledger, no longer disputed")
        elif args.action == "withdraw":
            promising.withdraw(ws, args.id)
            print(f"promise {args.id} withdrawn")
        elif args.action == "broken":
            promising.mark_broken(ws, args.id)
            print(f"promise {args.id} marked broken")
        elif args.action == "undo":
            undone = promising.undo(ws, args.id)
            print(
                f"promise {args.id} is open again (was {undone.was})"
                + (f"; {undone.note}" if undone.note else "")
            )
        else:
            if args.what is None and args.due is None and args.tracker is None:
                raise UsageError(
                    f"nothing to change: give --what, --due or --tracker "
                    f"(`replydesk promise edit {args.id} --due 2026-12-01`)"
                )
            promising.edit(ws, args.id, what=args.what, due_date=args.due, tracker_url=args.tracker)
            print(f"promise {args.id} updated")
    return OK


def cmd_stats(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        figures = stats.compute(ws)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        print("\n".join(stats.lines(figures)))
    return OK
