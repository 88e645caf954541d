"""``replydesk import``: a file into the store in batches, every bad line reported.

Parsing runs in a reader thread while the store writes the previous batch (SQLite
releases the GIL while it works), so a large import uses both cores. Whatever goes wrong
with one line is that line's error (``ingest`` turns every bad line into a ``LineError``;
the reader catches anything it still lets through): the other lines land.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from replydesk.domain.models import NewReview
from replydesk.ingest import ImportReport, LineError, read_file
from replydesk.languages.detect import detect
from replydesk.services.promising import flag_returning_authors
from replydesk.services.workspace import Workspace

BATCH = 5000
DETECT_CHARS = 400  # plenty to tell a language apart; detection costs per character


def with_language(ws: Workspace, review: NewReview) -> NewReview:
    """The review with its language: the source's, else detected among the workspace's
    languages (short text gets none, and drafts then use the default language)."""
    languages = tuple(ws.config.style.languages)
    if review.language or len(languages) == 1:  # one language answered: drafts use it
        return review
    found = detect(review.text[:DETECT_CHARS], languages)
    return replace(review, language=found) if found else review


def store_reviews(ws: Workspace, reviews: list[NewReview], tally: object) -> None:
    """Store a batch; count new/updated/unchanged on ``tally`` (an import or sync report);
    flag delivered promises whose customer wrote again. Import and sync both come here."""
    changed = []
    for outcome, rid in ws.store.reviews.upsert(reviews, user=ws.user):
        setattr(tally, outcome, getattr(tally, outcome) + 1)
        if outcome != "unchanged":
            changed.append(rid)
    flag_returning_authors(ws, changed)


def check_file(path: Path | str) -> None:
    """Raise ``InputError`` now if ``path`` cannot be imported at all (missing, a folder,
    unreadable), before anything else is opened or made."""
    read_file(path)


def import_file(
    ws: Workspace,
    path: Path | str,
    source: str | None = None,
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    items = read_file(path, source)  # raises InputError here, before any thread starts
    # a batch to store, the reader's error, or None: the file is done
    batches: queue.Queue[list[NewReview] | BaseException | None] = queue.Queue(maxsize=4)
    stop = threading.Event()

    def reader() -> None:
        batch: list[NewReview] = []
        line = 0
        try:
            while not stop.is_set():
                try:
                    line, item = next(items)
                except StopIteration:
                    break
                except Exception as exc:  # one line's surprise never costs the others
                    line += 1
                    item = LineError(line, f"could not be read ({type(exc).__name__}: {exc})"[:200])
                if isinstance(item, LineError):
                    report.errors.append(item)
                    continue
                batch.append(with_language(ws, item))  # here, beside the store's writes
                if len(batch) >= BATCH:
                    batches.put(batch)
                    batch = []
            if batch and not stop.is_set():
                batches.put(batch)
        except BaseException as exc:  # surfaced in the writing thread
            batches.put(exc)
        finally:
            batches.put(None)

    thread = threading.Thread(target=reader, name="replydesk-import-reader", daemon=True)
    thread.start()
    try:
        while (batch := batches.get()) is not None:
            if isinstance(batch, BaseException):
                raise batch
            store_reviews(ws, batch, report)
            if progress:
                progress(report)
    finally:
        stop.set()
        while thread.is_alive():  # unblock a reader waiting on a full queue
            try:
                batches.get_nowait()
            except queue.Empty:
                thread.join(0.05)
    report.errors.sort(key=lambda e: e.line)
    ws.store.events.add(
        ws.user,
        "import",
        None,
        {"file": str(path), "new": report.new, "updated": report.updated, "failed": report.failed},
    )
    return report
