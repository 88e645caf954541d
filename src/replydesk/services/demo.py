"""A throwaway demo workspace from the bundled sample data: offline, whatever the environment.

Ages in the sample are relative ("6 hours ago"), so the demo inbox always looks like this
morning's. The user's own config and database are never read or written. The demo
workspace has no model client and an HTTP factory that refuses every request, so no
setting (``REPLYDESK_MODEL``, ``OPENAI_BASE_URL``, a source's URL) can make it send one.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx

from replydesk import config as config_mod
from replydesk.domain.errors import SourceError, UsageError
from replydesk.domain.models import Channel, PromiseKind, PromiseStatus, ReplyState, ReviewFilter
from replydesk.domain.timeutil import now
from replydesk.ingest import to_review
from replydesk.services.drafting import draft
from replydesk.services.importing import with_language
from replydesk.services.promising import flag_returning_authors
from replydesk.services.triaging import triage_pending
from replydesk.services.workspace import Workspace
from replydesk.sources.http import Http


class _Offline(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise SourceError(f"the demo workspace is offline: nothing was sent to {request.url.host}")


def offline_http(timeout: float, retries: int) -> Http:
    """The demo's HTTP factory: every request is refused before it leaves the process."""
    return Http(timeout=timeout, max_retries=0, client=httpx.Client(transport=_Offline()))


def sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        files("replydesk.demo").joinpath("reviews.json").read_text("utf-8")
    )
    return data


def build_demo(folder: Path, at: datetime | None = None) -> Workspace:
    """Create ``folder/config.toml`` and ``folder/demo.db`` and return the open workspace."""
    t0 = at or now()
    folder = Path(folder)
    _fit_for_demo(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot make the demo folder {folder}: {exc.strerror}") from None
    (folder / MARKER).write_text("made by `replydesk demo`: safe to delete\n", encoding="utf-8")
    cfg_text = files("replydesk.demo").joinpath("config.toml").read_text("utf-8")
    cfg_path = folder / "config.toml"
    cfg_path.write_text(cfg_text, encoding="utf-8")
    cfg = config_mod.load(cfg_path).offline()
    ws = Workspace.open(cfg, db=folder / "demo.db", user=cfg.user, demo=True, http=offline_http)
    if ws.store.reviews.count():
        return ws  # already built (demo --keep on an existing folder)
    _seed(ws, sample(), t0)
    return ws


MARKER = ".replydesk-demo"  # a folder holding it is a demo's, and may be rebuilt


def _fit_for_demo(folder: Path) -> None:
    """A demo is built in a new or empty folder, or in an earlier demo's: never over
    someone's own config or database."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file: give --keep a folder (new or empty)")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).exists():
        raise UsageError(
            f"{folder} is not empty and not an earlier demo's folder: give --keep a new or "
            "empty folder (the demo would overwrite config.toml and demo.db there)"
        )


def _seed(ws: Workspace, data: dict[str, Any], t0: datetime) -> None:
    def ago(hours: float) -> datetime:
        return t0 - timedelta(hours=hours)

    new = []
    for item in data["reviews"]:
        row = dict(item)
        row["created_at"] = ago(row.pop("age_hours")).isoformat()
        new.append(with_language(ws, to_review(row, row["source"])))
    ws.store.reviews.upsert(new, fetched_at=t0, user="demo")

    def review_id(ref: list[str]) -> int:
        review = ws.store.reviews.by_external(ref[0], ref[1])
        assert review is not None, ref
        return review.id

    reply_ids: dict[tuple[str, ...], int] = {}
    for item in data["replies"]:
        rid = review_id(item["review"])
        reply = ws.store.replies.add(
            rid,
            item["text"],
            channel=Channel.POST,
            state=ReplyState.POSTED,
            by_user=item["by"],
            created_at=ago(item["age_hours"]),
        )
        reply_ids[tuple(item["review"])] = reply.id
    for item in data["promises"]:
        rid = review_id(item["review"])
        created = ago(item["created_hours"])
        due = (ws.today(t0) + timedelta(days=item["due_days"])).isoformat()
        promise = ws.store.promises.add(
            rid,
            item["what"],
            kind=PromiseKind(item["kind"]),
            owner=item["owner"],
            due_date=due,
            reply_id=reply_ids.get(tuple(item["review"])),
            created_at=created,
        )
        if item["status"] == "delivered":
            ws.store.promises.transition(
                promise.id,
                item["owner"],
                PromiseStatus.OPEN,
                PromiseStatus.DELIVERED,
                "promise.deliver",
                delivered_at=ago(item["delivered_hours"]),
                evidence=item.get("evidence"),
            )
    flag_returning_authors(ws, [r.id for r in ws.store.reviews.list(ReviewFilter(limit=10**6))])
    triage_pending(ws)
    draft(ws)  # no model in the demo: the offline composer drafts the morning batch
