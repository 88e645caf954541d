"""``replydesk import``: a file into the store in batches, every bad line reported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from replydesk.ingest import ImportReport, LineError, read_file
from replydesk.models import NewReview
from replydesk.services.workspace import Workspace

BATCH = 1000


def import_file(ws: Workspace, path: Path | str, source: str | None = None,
                progress: Callable[[ImportReport], None] | None = None) -> ImportReport:
    report = ImportReport()
    batch: list[NewReview] = []

    def flush() -> None:
        for outcome, _rid in ws.store.reviews.upsert(batch, user=ws.user):
            setattr(report, outcome, getattr(report, outcome) + 1)
        batch.clear()
        if progress:
            progress(report)

    for _line, item in read_file(path, source):
        if isinstance(item, LineError):
            report.errors.append(item)
            continue
        batch.append(item)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    ws.store.events.add(ws.user, "import", None, {"file": str(path), "new": report.new,
                                                   "updated": report.updated,
                                                   "failed": report.failed})
    return report
