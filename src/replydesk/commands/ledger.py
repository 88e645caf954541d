"""Promises and stats. (`replydesk` commands; see cli.py)."""

from __future__ import annotations

import argparse

from replydesk.commands.common import FINDINGS, OK, CommandError, workspace


def cmd_promises(args: argparse.Namespace) -> int:
    import json

    from replydesk.services.promising import overdue, timing

    ws = workspace(args)
    try:
        if args.action == "watch":
            from replydesk.services.promising import watch

            results = watch(ws)
            for r in results:
                print(r.line())
            print(
                f"{sum(r.status == 'delivered' for r in results)} delivered, "
                f"{sum(r.status == 'open' for r in results)} still open, "
                f"{sum(r.status == 'error' for r in results)} could not be checked"
            )
            return FINDINGS if any(r.status == "error" for r in results) else OK
        found = overdue(ws) if args.overdue else ws.store.promises.list()
        today = ws.today().isoformat()
        for p in found:
            record = {
                "id": p.id,
                "review_id": p.review_id,
                "kind": p.kind,
                "what": p.what,
                "owner": p.owner,
                "due_date": p.due_date,
                "status": p.status,
                "overdue": p.is_overdue(today),
                "timing": timing(p, ws.tz) or None,
                "tracker_url": p.tracker_url,
                "evidence": p.evidence,
                "flag": p.flag,
                "followup_draft_id": p.followup_draft_id,
            }
            if args.json:
                print(json.dumps(record, ensure_ascii=False))
                continue
            state = "OVERDUE" if record["overdue"] else p.status
            if record["timing"]:
                state += f" ({record['timing']})"
            print(
                f"{p.id:>4} {state:<20} due {p.due_date or '—':<10} {p.kind:<8} "
                f"{p.owner:<10} review {p.review_id}: {p.what}"
                + (f"\n{'':<6}flag: {p.flag}" if p.flag else "")
            )
        if not found and not args.json:
            print("no overdue promises" if args.overdue else "no promises yet")
    finally:
        ws.close()
    return OK


def cmd_promise(args: argparse.Namespace) -> int:
    from replydesk.services import promising

    ws = workspace(args)
    try:
        if ws.store.promises.get(args.id) is None:
            raise CommandError(f"no promise {args.id}")
        if args.action == "deliver":
            try:
                done = promising.deliver(ws, args.id, args.evidence)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            print(
                f"promise {args.id} delivered ({done.timing or 'no due date'}); follow-up "
                f"draft {done.followup.id} queued for review {done.promise.review_id}:\n"
                f"{done.followup.text}"
            )
        elif args.action == "withdraw":
            promising.withdraw(ws, args.id)
            print(f"promise {args.id} withdrawn")
        elif args.action == "broken":
            ws.store.promises.update(args.id, ws.user, status="broken")
            print(f"promise {args.id} marked broken")
        else:
            try:
                promising.edit(
                    ws, args.id, what=args.what, due_date=args.due, tracker_url=args.tracker
                )
            except ValueError as exc:
                raise CommandError(
                    str(exc).replace(
                        "give what, a due date or a tracker", "give --what, --due or --tracker"
                    )
                ) from None
            print(f"promise {args.id} updated")
    finally:
        ws.close()
    return OK


def cmd_stats(args: argparse.Namespace) -> int:
    import json

    from replydesk.services.stats import compute, lines

    ws = workspace(args)
    try:
        figures = compute(ws)
    finally:
        ws.close()
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        print("\n".join(lines(figures)))
    return OK
