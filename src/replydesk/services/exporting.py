"""``replydesk export``: one record per review with everything known about it.

The JSONL record uses the import field names for the review itself (``id`` is the
source's id, ``lang``, ``created_at``...), so an export imports back as it was. README
documents every field; scripts rely on them.

Both files are inert to whoever opens them: a JSONL line escapes every control character
(it still decodes to the same text), and a CSV cell shows controls as visible symbols and
starts with ``'`` where a spreadsheet would take it for a formula.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any, TextIO

from replydesk.domain.models import Draft, Promise, Reply, Review, Triage
from replydesk.domain.text import csv_cell, json_inert
from replydesk.domain.timeutil import to_iso
from replydesk.services.workspace import Workspace

CSV_COLUMNS = [
    "review_id",
    "source",
    "id",
    "author",
    "rating",
    "title",
    "body",
    "lang",
    "created_at",
    "url",
    "status",
    "edited",
    "label",
    "score",
    "label_method",
    "draft",
    "draft_state",
    "draft_author",
    "lint_findings",
    "reply",
    "reply_state",
    "replied_at",
    "promises_open",
    "promises_delivered",
]


def records(ws: Workspace) -> Iterator[dict[str, Any]]:
    store = ws.store
    triage = store.triage.all()
    drafts = store.drafts.by_review()
    replies = store.replies.by_review()
    promises = store.promises.by_review()
    for review in store.reviews.iter_all():
        yield record(
            review,
            triage.get(review.id),
            drafts.get(review.id, []),
            replies.get(review.id, []),
            promises.get(review.id, []),
            today=ws.today().isoformat(),
        )


def record(
    review: Review,
    triage: Triage | None,
    drafts: list[Draft],
    replies: list[Reply],
    promises: list[Promise],
    today: str,
) -> dict[str, Any]:
    return {
        "review_id": review.id,
        "source": review.source,
        "id": review.external_id,
        "author": review.author,
        "author_key": review.author_key,
        "rating": review.rating,
        "title": review.title,
        "body": review.body,
        "lang": review.language,
        "version": review.product_version,
        "url": review.url,
        "created_at": to_iso(review.created_at),
        "updated_at": to_iso(review.updated_at),
        "fetched_at": to_iso(review.fetched_at),
        "revision": review.version,
        "edited": review.edited,
        "status": review.status,
        "triage": _triage(triage),
        "drafts": [_draft(d) for d in drafts],
        "replies": [_reply(r) for r in replies],
        "promises": [_promise(p, today) for p in promises],
    }


def _triage(t: Triage | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {
        "label": t.effective,
        "machine_label": t.label,
        "score": t.score,
        "method": t.method,
        "reasons": [asdict(e) for e in t.reasons],
        "second_opinion": t.second_opinion,
        "override": (
            {"label": t.override_label, "by": t.override_by, "at": to_iso(t.override_at)}
            if t.override_label
            else None
        ),
    }


def _draft(d: Draft) -> dict[str, Any]:
    return {
        "id": d.id,
        "kind": d.kind,
        "version": d.version,
        "state": d.state,
        "author": d.author,
        "offline": d.author == "offline",
        "model": d.model,
        "prompt_version": d.prompt_version,
        "language": d.language,
        "text": d.text,
        "lint": [f.to_dict() for f in d.lint],
        "tokens_in": d.tokens_in,
        "tokens_out": d.tokens_out,
        "cost": d.cost,
        "created_at": to_iso(d.created_at),
        "approved_by": d.approved_by,
        "approved_at": to_iso(d.approved_at),
        "error": d.error,
    }


def _reply(r: Reply) -> dict[str, Any]:
    return {
        "id": r.id,
        "draft_id": r.draft_id,
        "text": r.text,
        "channel": r.channel,
        "state": r.state,
        "by": r.by_user,
        "created_at": to_iso(r.created_at),
        "confirmed_at": to_iso(r.confirmed_at),
        "external_id": r.external_id,
    }


def _promise(p: Promise, today: str) -> dict[str, Any]:
    return {
        "id": p.id,
        "what": p.what,
        "kind": p.kind,
        "due_date": p.due_date,
        "owner": p.owner,
        "status": p.status,
        "overdue": p.is_overdue(today),
        "tracker_url": p.tracker_url,
        "delivered_at": to_iso(p.delivered_at),
        "evidence": p.evidence,
        "followup_draft_id": p.followup_draft_id,
        "created_at": to_iso(p.created_at),
    }


def flat(rec: dict[str, Any]) -> dict[str, Any]:
    """The CSV row: the review, its current label, latest draft, last reply, promise counts."""
    draft = rec["drafts"][-1] if rec["drafts"] else {}
    reply = rec["replies"][-1] if rec["replies"] else {}
    triage = rec["triage"] or {}
    row = {k: rec[k] for k in CSV_COLUMNS if k in rec}
    row.update(
        label=triage.get("label") or "",
        score=triage.get("score") or "",
        label_method="human" if triage.get("override") else triage.get("method") or "",
        draft=draft.get("text", ""),
        draft_state=draft.get("state", ""),
        draft_author=draft.get("author", ""),
        lint_findings=len(draft.get("lint", [])),
        reply=reply.get("text", ""),
        reply_state=reply.get("state", ""),
        replied_at=reply.get("confirmed_at") or "",
        promises_open=sum(p["status"] == "open" for p in rec["promises"]),
        promises_delivered=sum(p["status"] == "delivered" for p in rec["promises"]),
    )
    return row


def write(ws: Workspace, out: TextIO, fmt: str = "jsonl", *, excel: bool = False) -> int:
    """Every review as JSONL or CSV; ``excel`` is CSV as Excel opens it without an import
    dialog: a UTF-8 byte-order mark first (else accents turn to mojibake) and CRLF rows."""
    count = 0
    if fmt == "csv" or excel:
        if excel:
            out.write("\ufeff")
        ending = "\r\n" if excel else "\n"
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator=ending)
        writer.writeheader()
        for rec in records(ws):
            writer.writerow({k: csv_cell(v) for k, v in flat(rec).items()})
            count += 1
        return count
    for rec in records(ws):
        out.write(json_inert(json.dumps(rec, ensure_ascii=False)) + "\n")
        count += 1
    return count
