"""Promises and stats."""

from __future__ import annotations

import argparse
import json
from typing import Any

from replydesk.cli.commands.common import FINDINGS, OK, workspace
from replydesk.domain.errors import UsageError
from replydesk.domain.models import Promise
from replydesk.services import promising, stats
from replydesk.services.workspace import Workspace


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
                f"{p.id:>4} {state:<20} due {p.due_date or '—':<10} {p.kind:<8} "
                f"{p.owner:<10} review {p.review_id}: {p.what}"
                + (f"\n{'':<6}flag: {p.flag}" if p.flag else "")
            )
        if not found and not args.json:
            print("no overdue promises" if args.overdue else "no promises yet")
    return OK


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
    }


def _watch(ws: Workspace) -> int:
    results = promising.watch(ws)
    for r in results:
        print(r.line())
    counts = {s: sum(r.status == s for r in results) for s in promising.WatchStatus}
    print(
        f"{counts[promising.WatchStatus.DELIVERED]} delivered, "
        f"{counts[promising.WatchStatus.OPEN]} still open, "
        f"{counts[promising.WatchStatus.ERROR]} could not be checked"
    )
    return FINDINGS if counts[promising.WatchStatus.ERROR] else OK


def cmd_promise(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        if args.action == "deliver":
            done = promising.deliver(ws, args.id, args.evidence)
            print(
                f"promise {args.id} delivered ({done.timing or 'no due date'}); follow-up "
                f"draft {done.followup.id} queued for review {done.promise.review_id}:\n"
                f"{done.followup.text}"
            )
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
            if not (args.what or args.due or args.tracker):
                raise UsageError("nothing to change: give --what, --due or --tracker")
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
