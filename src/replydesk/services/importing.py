"""``replydesk import``: a file into the store in batches, every bad line reported.

A big file is read in a process of its own: parsing, checking, language detection and the
review's stored form (hash, search text, JSON) take one core while this process only
writes, on the other. Threads would share one interpreter lock, and the two halves would
take turns. Whatever goes wrong with one line is that line's error (``ingest`` turns every
bad line into a ``LineError``; the reader catches anything it still lets through): the
other lines land.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from replydesk.domain.errors import StoreError
from replydesk.domain.models import NewReview
from replydesk.ingest import ImportReport, LineError, read_file
from replydesk.languages.detect import detect
from replydesk.services import apart
from replydesk.services.apart import Apart
from replydesk.services.promising import flag_returning_authors
from replydesk.services.workspace import Workspace
from replydesk.store.reviews import StoredReview

# reviews per transaction: each commit rewrites every index page the batch touched, so
# at a million reviews 25,000 a time stores twice as fast as 5,000 (a colleague's write
# waits a second or two at most)
BATCH = 25_000
FIRST_BATCH = 1000
# and a batch ends sooner when its text reaches this many characters: long reviews never
# make a batch (held in both processes, and once more in transit) hundreds of MB
BATCH_TEXT = 32_000_000
DETECT_CHARS = 400  # plenty to tell a language apart; detection costs per character
PROCESS_FROM_BYTES = 4_000_000  # smaller files are read here: a process takes ~0.3 s to start

Batch = tuple[list[StoredReview], list[LineError]]


def with_language(ws: Workspace, review: NewReview) -> NewReview:
    """The review with its language: the source's, else detected among the workspace's
    languages (short text gets none, and drafts then use the default language)."""
    return _with_language(review, tuple(ws.config.style.languages))


def _with_language(review: NewReview, languages: tuple[str, ...]) -> NewReview:
    if review.language or len(languages) == 1:  # one language answered: drafts use it
        return review
    found = detect(review.text[:DETECT_CHARS], languages)
    return replace(review, language=found) if found else review


def store_reviews(
    ws: Workspace, reviews: list[NewReview] | list[StoredReview], tally: object
) -> None:
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


def _batches(
    path: Path | str,
    source: str | None,
    languages: tuple[str, ...],
    form: Callable[[NewReview], StoredReview],
    size: int,
) -> Iterator[Batch]:
    """The file's reviews in their stored form, ``size`` at a time, with the bad lines
    met on the way. The first batches are smaller (1,000, then twice as many each time):
    the writer starts at once, and while it stores one batch the next is made."""
    items = read_file(path, source)
    size, full = min(size, FIRST_BATCH), size
    batch: list[StoredReview] = []
    errors: list[LineError] = []
    line = text = 0
    while True:
        try:
            line, item = next(items)
        except StopIteration:
            break
        except Exception as exc:  # one line's surprise never costs the others
            line += 1
            item = LineError(line, f"could not be read ({type(exc).__name__}: {exc})"[:200])
        if isinstance(item, LineError):
            errors.append(item)
            continue
        stored = form(_with_language(item, languages))
        batch.append(stored)
        text += len(stored.body) + len(stored.search_text) + len(stored.raw or "")
        if len(batch) >= size or text >= BATCH_TEXT:
            yield batch, errors
            batch, errors, size, text = [], [], min(size * 2, full), 0
    if batch or errors:
        yield batch, errors


def _read_apart(
    path: Path | str,
    source: str | None,
    languages: tuple[str, ...],
    form: Callable[[NewReview], StoredReview],
    size: int,
) -> Iterator[tuple[list[tuple[object, ...]], list[LineError]]]:
    """The reading process's work: each batch as plain tuples (they load fastest)."""
    for reviews, errors in _batches(path, source, languages, form, size):
        yield [tuple(r) for r in reviews], errors


def _read_in_process(
    path: Path,
    source: str | None,
    languages: tuple[str, ...],
    form: Callable[[NewReview], StoredReview],
) -> Iterator[Batch]:
    with Apart(_read_apart, path, source, languages, form, BATCH, what=f"reading {path}") as reader:
        try:
            for plain, errors in reader:
                yield [StoredReview._make(r) for r in plain], errors
        except StoreError as exc:
            raise StoreError(
                f"{exc}; the batches before were stored, run the import again for the rest"
            ) from None


def import_file(
    ws: Workspace,
    path: Path | str,
    source: str | None = None,
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    check_file(path)  # raises InputError here, before any process starts
    languages = tuple(ws.config.style.languages)
    form = ws.store.reviews.former()
    big = Path(path).expanduser().stat().st_size >= PROCESS_FROM_BYTES and apart.possible()
    batches = (
        _read_in_process(Path(path).expanduser(), source, languages, form)
        if big
        else _batches(path, source, languages, form, BATCH)
    )
    for batch, errors in batches:
        report.errors += errors
        if batch:
            store_reviews(ws, batch, report)
        if progress:
            progress(report)
    report.errors.sort(key=lambda e: e.line)
    ws.store.after_many_changes("reviews", report.new + report.updated)
    ws.store.events.add(
        ws.user,
        "import",
        None,
        {"file": str(path), "new": report.new, "updated": report.updated, "failed": report.failed},
    )
    return report
