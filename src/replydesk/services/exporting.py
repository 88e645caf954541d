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
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

import orjson

from replydesk.domain.errors import StoreError
from replydesk.domain.location import Location, StoreUrl
from replydesk.domain.models import Draft, Promise, Reply
from replydesk.domain.text import csv_row, json_inert
from replydesk.domain.timeutil import to_iso
from replydesk.services import apart
from replydesk.services.apart import Apart
from replydesk.services.workspace import Workspace
from replydesk.store import Store

# ids per piece of work; above APART_FROM reviews, WORKERS processes make the pieces
SPAN = 5000
APART_FROM = 50_000
WORKERS = 2
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


def records(
    store: Store, today: str, after: int = 0, upto: int = 2**62, *, reasons: bool = True
) -> Iterator[dict[str, Any]]:
    """Every review's record (ids after ``after``, up to ``upto``), in id order. Read a
    batch at a time, with the verdicts, drafts, replies and promises of that batch only:
    a million reviews are never all in memory, and the reviews and verdicts stay plain
    values (no domain objects to make). ``reasons=False``: the verdicts' reasons are
    left empty (the CSV row has none)."""
    for batch in store.reviews.plain_batches(after=after, upto=upto):
        lo, hi = batch[0]["id"], batch[-1]["id"]
        triage = store.triage.plain(lo, hi, reasons=reasons)
        drafts = store.drafts.by_review(lo, hi)
        replies = store.replies.by_review(lo, hi)
        promises = store.promises.by_review(lo, hi)
        for review in batch:
            rid = review["id"]
            yield record(
                review,
                triage.get(rid),
                drafts.get(rid, ()),
                replies.get(rid, ()),
                promises.get(rid, ()),
                today,
            )


def record(
    review: dict[str, Any],
    triage: dict[str, Any] | None,
    drafts: Iterable[Draft],
    replies: Iterable[Reply],
    promises: Iterable[Promise],
    today: str,
) -> dict[str, Any]:
    """One review's record from its plain values (``ReviewRepo.plain_batches``)."""
    return {
        "review_id": review["id"],
        "source": review["source"],
        "id": review["external_id"],
        "author": review["author"],
        "author_key": review["author_key"],
        "rating": review["rating"],
        "title": review["title"],
        "body": review["body"],
        "lang": review["language"],
        "version": review["product_version"],
        "url": review["url"],
        "created_at": review["created_at"],
        "updated_at": review["updated_at"],
        "fetched_at": review["fetched_at"],
        "revision": review["version"],
        "edited": review["edited"],
        "status": review["status"],
        "triage": _triage(triage) if triage else None,
        "drafts": [_draft(d) for d in drafts],
        "replies": [_reply(r) for r in replies],
        "promises": [_promise(p, today) for p in promises],
    }


def _triage(t: dict[str, Any]) -> dict[str, Any]:
    return {
        "label": t["effective"],
        "machine_label": t["label"],
        "score": t["score"] or 0.0,
        "method": t["method"] or "",
        "reasons": [_reason(**r) for r in t["reasons"]],
        "second_opinion": t["second_opinion"],
        "override": (
            {"label": t["override_label"], "by": t["override_by"], "at": t["override_at"]}
            if t["override_label"]
            else None
        ),
    }


def _reason(
    rule: str, quote: str = "", start: int = -1, end: int = -1, weight: float = 0.0
) -> dict[str, Any]:
    """A reason as ``Evidence`` has it (every field, defaults for any an older row lacks)."""
    return {"rule": rule, "quote": quote, "start": start, "end": end, "weight": weight}


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
    csv_file = fmt == "csv" or excel
    ending = "\r\n" if excel else "\n"
    if excel:
        out.write("\ufeff")
    if csv_file:
        csv.writer(out, lineterminator=ending).writerow(CSV_COLUMNS)
    count = 0
    for text, n in _texts(ws, "csv" if csv_file else "jsonl", ending):
        out.write(text)
        count += n
    return count


def _pieces(top: int) -> list[tuple[int, int]]:
    """The id ranges, ``(after, upto]``, the export is made of, in order."""
    return [(after, min(after + SPAN, top)) for after in range(0, top, SPAN)]


def _text(
    store: Store, today: str, fmt: str, ending: str, after: int, upto: int
) -> tuple[str, int]:
    """One range's records as the file's text, and how many there are."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator=ending)
        n = 0
        for rec in records(store, today, after, upto, reasons=False):
            row = flat(rec)
            writer.writerow(csv_row([row[k] for k in CSV_COLUMNS]))
            n += 1
        return buffer.getvalue(), n
    lines = [orjson.dumps(rec).decode() for rec in records(store, today, after, upto)]
    return (json_inert("\n".join(lines)) + "\n" if lines else ""), len(lines)


def _texts(ws: Workspace, fmt: str, ending: str) -> Iterator[tuple[str, int]]:
    """Each range's text in order: made here for a small store, else by ``WORKERS``
    processes taking turns (encoding a record costs more than reading it: one core would
    be the limit)."""
    today = ws.today().isoformat()
    pieces = _pieces(ws.store.reviews.last_id())
    where = ws.store.path
    shared = isinstance(where, StoreUrl) or (isinstance(where, Path) and where.is_file())
    if (
        len(pieces) < 2
        or not shared
        or not apart.possible()
        or ws.store.reviews.count() < APART_FROM
    ):
        for after, upto in pieces:
            yield _text(ws.store, today, fmt, ending, after, upto)
        return
    workers: list[Apart] = []
    try:
        for i in range(WORKERS):
            share = pieces[i::WORKERS]
            workers.append(Apart(_export_apart, where, today, fmt, ending, share, what="exporting"))
        turns = [iter(w) for w in workers]
        for k in range(len(pieces)):
            got = next(turns[k % WORKERS], None)
            if got is None:
                raise StoreError("an export process ended early; export again")
            yield got
    finally:
        for w in workers:
            w.close()


def _export_apart(
    where: Location, today: str, fmt: str, ending: str, pieces: list[tuple[int, int]]
) -> Iterator[tuple[str, int]]:
    """An export process's work: its ranges' text, each in turn, from its own connection."""
    store = Store(where, create=False)
    try:
        for after, upto in pieces:
            yield _text(store, today, fmt, ending, after, upto)
    finally:
        store.close()
