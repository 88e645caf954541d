"""``replydesk stats``: response times, replies per day, promises kept, triage mix."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta
from typing import Any

from replydesk.services.workspace import Workspace


def compute(ws: Workspace, days: int = 14) -> dict[str, Any]:
    store = ws.store
    today = ws.today()
    pairs = [(a, b) for a, b in store.replies.response_pairs() if a and b]
    hours = [max(0.0, (b - a).total_seconds() / 3600) for a, b in pairs]
    per_day = Counter(b.astimezone(ws.tz).date().isoformat() for _a, b in pairs)
    window = [(today - timedelta(days=i)).isoformat() for i in range(days - 1, -1, -1)]
    promises = store.promises.list()
    delivered = [p for p in promises if p.status == "delivered"]
    broken = [p for p in promises if p.status == "broken"]
    overdue = [p for p in promises if p.is_overdue(today.isoformat())]
    settled = len(delivered) + len(broken) + len(overdue)
    to_delivery = [
        (p.delivered_at - p.created_at).total_seconds() / 86400
        for p in delivered
        if p.delivered_at and p.created_at
    ]
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
            "open": sum(p.status == "open" for p in promises),
            "overdue": len(overdue),
            "delivered": len(delivered),
            "broken": len(broken),
            "withdrawn": sum(p.status == "withdrawn" for p in promises),
            "kept_rate": round(len(delivered) / settled, 3) if settled else None,
            "median_days_to_delivery": (
                round(statistics.median(to_delivery), 1) if to_delivery else None
            ),
            "timing": dict(Counter(p.timing(ws.tz) for p in delivered)),
            "flagged": sum(bool(p.flag) for p in promises),
        },
        "triage": store.reviews.label_counts(),
    }


def figure(value: float | None) -> str:
    """A figure as people read it: 0 is a figure ("0"), only a missing one is "—"."""
    return "—" if value is None else f"{value:g}"


def lines(s: dict[str, Any]) -> list[str]:
    p = s["promises"]
    kept = f"{p['kept_rate']:.0%}" if p["kept_rate"] is not None else "—"
    out = [
        f"replies: {s['replies']}; median response {figure(s['median_response_hours'])} h; "
        f"within {s['response_target_hours']} h: "
        + (f"{s['within_target']:.0%}" if s["within_target"] is not None else "—"),
        f"promises: {kept} kept ({p['delivered']} delivered, {p['overdue']} overdue, "
        f"{p['broken']} broken, {p['open']} open, {p['withdrawn']} withdrawn); median "
        f"{figure(p['median_days_to_delivery'])} days to deliver; "
        + ", ".join(f"{n} {k}" for k, n in p["timing"].items() if k),
        "triage: " + ", ".join(f"{n} {k}" for k, n in sorted(s["triage"].items())),
        "replies per day: " + " ".join(str(n) for n in s["replies_per_day"].values()),
    ]
    if p["flagged"]:
        out.append(f"{p['flagged']} delivered promise(s) flagged: the customer wrote again")
    return out
