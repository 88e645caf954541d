"""``replydesk stats``: response times, replies per day, promises kept, triage mix.

Promises are counted once each, in one of: kept on time (delivered on or before the due
date, or without one), kept late, broken, withdrawn, open (not yet due) and overdue (open
and past due). ``kept_rate`` is kept / (kept + broken + overdue): an overdue promise
counts against it until it is delivered. The same figures are given per product and per
owner. The product is the review's source (a ``[[sources]]`` entry: one app store
listing, one Play package, one Trustpilot business unit): it is what every review carries,
and what the team names a product by in its config.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from replydesk.domain.models import Promise, PromiseStatus
from replydesk.services.workspace import Workspace


def promise_figures(promises: Iterable[Promise], today: str, tz: ZoneInfo) -> dict[str, Any]:
    """The ledger's figures for a set of promises (``today`` YYYY-MM-DD in the zone)."""
    counts: Counter[str] = Counter()
    days: list[float] = []
    for p in promises:
        if p.status == PromiseStatus.DELIVERED:
            counts["kept_late" if p.timing(tz) == "late" else "kept_on_time"] += 1
            if p.delivered_at and p.created_at:
                days.append(max(0.0, (p.delivered_at - p.created_at).total_seconds() / 86400))
        elif p.is_overdue(today):
            counts["overdue"] += 1
        else:
            counts[str(p.status)] += 1  # open (not yet due), broken, withdrawn
    kept = counts["kept_on_time"] + counts["kept_late"]
    settled = kept + counts["broken"] + counts["overdue"]
    return {
        "open": counts["open"],
        "overdue": counts["overdue"],
        "delivered": kept,
        "kept_on_time": counts["kept_on_time"],
        "kept_late": counts["kept_late"],
        "broken": counts["broken"],
        "withdrawn": counts["withdrawn"],
        "kept_rate": round(kept / settled, 3) if settled else None,
        "on_time_rate": round(counts["kept_on_time"] / settled, 3) if settled else None,
        "median_days_to_delivery": round(statistics.median(days), 1) if days else None,
    }


def compute(ws: Workspace, days: int = 14) -> dict[str, Any]:
    store = ws.store
    today = ws.today()
    pairs = [(a, b) for a, b in store.replies.response_pairs() if a and b]
    hours = [max(0.0, (b - a).total_seconds() / 3600) for a, b in pairs]
    per_day = Counter(b.astimezone(ws.tz).date().isoformat() for _a, b in pairs)
    window = [(today - timedelta(days=i)).isoformat() for i in range(days - 1, -1, -1)]
    with_source = store.promises.with_source()
    promises = [p for p, _source in with_source]
    by_product: dict[str, list[Promise]] = defaultdict(list)
    by_owner: dict[str, list[Promise]] = defaultdict(list)
    for p, source in with_source:
        by_product[source].append(p)
        by_owner[p.owner].append(p)
    day = today.isoformat()
    target = ws.config.workspace.response_target_hours
    return {
        "replies": len(pairs),
        "replies_per_day": {d: per_day.get(d, 0) for d in window},
        "median_response_hours": round(statistics.median(hours), 1) if hours else None,
        "within_target": (
            round(sum(h <= target for h in hours) / len(hours), 3) if hours else None
        ),
        "response_target_hours": target,
        "promises": {
            **promise_figures(promises, day, ws.tz),
            "timing": dict(
                Counter(p.timing(ws.tz) for p in promises if p.status == PromiseStatus.DELIVERED)
            ),
            "flagged": sum(bool(p.flag) for p in promises),
            "disputed": sum(bool(p.dispute) for p in promises if p.status == PromiseStatus.OPEN),
            "by_product": {
                k: promise_figures(v, day, ws.tz) for k, v in sorted(by_product.items())
            },
            "by_owner": {k: promise_figures(v, day, ws.tz) for k, v in sorted(by_owner.items())},
        },
        "triage": store.reviews.label_counts(),
    }


def figure(value: float | None) -> str:
    """A figure as people read it: 0 is a figure ("0"), only a missing one is "—"."""
    return "—" if value is None else f"{value:g}"


def rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def breakdown(f: dict[str, Any]) -> str:
    """One group's promises in a line: kept (on time, late), broken, open, overdue."""
    return (
        f"{rate(f['kept_rate'])} kept ({f['kept_on_time']} on time, {f['kept_late']} late), "
        f"{f['broken']} broken, {f['open']} open, {f['overdue']} overdue; median "
        f"{figure(f['median_days_to_delivery'])} days to deliver"
    )


def lines(s: dict[str, Any]) -> list[str]:
    p = s["promises"]
    out = [
        f"replies: {s['replies']}; median response {figure(s['median_response_hours'])} h; "
        f"within {s['response_target_hours']} h: {rate(s['within_target'])}",
        f"promises: {breakdown(p)}; {p['withdrawn']} withdrawn",
    ]
    for title, key in (("per product (review source)", "by_product"), ("per owner", "by_owner")):
        if len(p[key]) > 1:
            out.append(f"{title}:")
            out.extend(f"  {name}: {breakdown(f)}" for name, f in p[key].items())
    out += [
        "triage: " + ", ".join(f"{n} {k}" for k, n in sorted(s["triage"].items())),
        "replies per day: " + " ".join(str(n) for n in s["replies_per_day"].values()),
    ]
    if p["disputed"]:
        out.append(
            f"{p['disputed']} open promise(s) disputed by the model: `replydesk promises` "
            "shows them"
        )
    if p["flagged"]:
        out.append(f"{p['flagged']} delivered promise(s) flagged: the customer wrote again")
    return out
