"""Rows to domain objects, in one place: nothing outside ``store/`` sees a column name.

A row is either engine's (``sqlite3.Row`` or ``postgres.Row``): read by column name."""

from __future__ import annotations

import json
from typing import Any

from replydesk.domain.findings import Finding
from replydesk.domain.models import (
    Channel,
    Claim,
    Draft,
    DraftKind,
    DraftState,
    Event,
    Evidence,
    Label,
    Promise,
    PromiseKind,
    PromiseOrigin,
    PromiseStatus,
    Reply,
    ReplyState,
    Review,
    ReviewStatus,
    ReviewVersion,
    Triage,
)
from replydesk.domain.timeutil import from_iso

REVIEW_SELECT = """
SELECT r.*, coalesce(a.name, '') AS author_name, coalesce(a.author_key, '') AS author_key,
       t.score AS score,
       CASE WHEN t.unsure = 1 AND t.override_label IS NULL THEN 1 ELSE 0 END AS unsure,
       c."user" AS claimed_by
FROM reviews r
LEFT JOIN authors a ON a.id = r.author_id
LEFT JOIN triage t ON t.review_id = r.id
LEFT JOIN claims c ON c.review_id = r.id AND c.expires_at > :now
"""


def review(row: Any) -> Review:
    return Review(
        id=row["id"],
        source=row["source"],
        external_id=row["external_id"],
        author=row["author_name"],
        author_key=row["author_key"],
        author_id=row["author_id"],
        rating=row["rating"],
        title=row["title"],
        body=row["body"],
        language=row["language"],
        url=row["url"],
        product_version=row["product_version"],
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
        fetched_at=from_iso(row["fetched_at"]),
        version=row["version"],
        edited=bool(row["edited"]),
        status=ReviewStatus(row["status"]),
        label=Label(row["label"]) if row["label"] else None,
        score=row["score"],
        unsure=bool(row["unsure"]),
        claimed_by=row["claimed_by"],
    )


def version(row: Any) -> ReviewVersion:
    return ReviewVersion(
        version=row["version"],
        title=row["title"],
        body=row["body"],
        rating=row["rating"],
        recorded_at=from_iso(row["recorded_at"]),
    )


def triage(row: Any) -> Triage:
    reasons = [Evidence(**r) for r in json.loads(row["reasons"] or "[]")]
    return Triage(
        label=Label(row["label"]) if row["label"] else None,
        score=row["score"] or 0.0,
        reasons=reasons,
        method=row["method"] or "",
        decided_by=row["decided_by"] or "",
        decided_at=from_iso(row["decided_at"]),
        override_label=Label(row["override_label"]) if row["override_label"] else None,
        override_by=row["override_by"],
        override_at=from_iso(row["override_at"]),
        second_opinion=row["second_opinion"],
        scores=json.loads(row["scores"] or "{}"),
        unsure=bool(row["unsure"]),
    )


def draft(row: Any) -> Draft:
    return Draft(
        id=row["id"],
        review_id=row["review_id"],
        kind=DraftKind(row["kind"]),
        version=row["version"],
        text=row["text"],
        language=row["language"],
        model=row["model"],
        prompt_version=row["prompt_version"],
        author=row["author"],
        state=DraftState(row["state"]),
        lint=[Finding.from_dict(f) for f in json.loads(row["lint"] or "[]")],
        tokens_in=row["tokens_in"],
        tokens_out=row["tokens_out"],
        cost=row["cost"],
        created_at=from_iso(row["created_at"]),
        approved_by=row["approved_by"],
        approved_at=from_iso(row["approved_at"]),
        promise_id=row["promise_id"],
        error=row["error"],
    )


def reply(row: Any) -> Reply:
    return Reply(
        id=row["id"],
        review_id=row["review_id"],
        draft_id=row["draft_id"],
        text=row["text"],
        channel=Channel(row["channel"]),
        state=ReplyState(row["state"]),
        by_user=row["by_user"],
        created_at=from_iso(row["created_at"]),
        confirmed_at=from_iso(row["confirmed_at"]),
        external_id=row["external_id"],
        error=row["error"],
        lease_by=row["lease_by"],
        lease_until=from_iso(row["lease_until"]),
        attempts=row["attempts"],
    )


def promise(row: Any) -> Promise:
    return Promise(
        id=row["id"],
        review_id=row["review_id"],
        reply_id=row["reply_id"],
        what=row["what"],
        kind=PromiseKind(row["kind"]),
        due_date=row["due_date"],
        owner=row["owner"],
        status=PromiseStatus(row["status"]),
        created_at=from_iso(row["created_at"]),
        tracker_url=row["tracker_url"],
        delivered_at=from_iso(row["delivered_at"]),
        evidence=row["evidence"],
        followup_draft_id=row["followup_draft_id"],
        flag=row["flag"],
        draft_id=row["draft_id"],
        origin=PromiseOrigin(row["origin"]),
        dispute=row["dispute"],
        followup_pending=bool(row["followup_pending"]),
        delivered_in=row["delivered_in"],
    )


def event(row: Any) -> Event:
    return Event(
        id=row["id"],
        at=from_iso(row["at"]),
        user=row["user"],
        action=row["action"],
        review_id=row["review_id"],
        detail=json.loads(row["detail"] or "{}"),
        login=row["login"],  # schema 6
    )


def claim(row: Any) -> Claim:
    return Claim(
        review_id=row["review_id"],
        user=row["user"],
        claimed_at=from_iso(row["claimed_at"]),
        expires_at=from_iso(row["expires_at"]),
    )
