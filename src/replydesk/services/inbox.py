"""What the inbox shows: the filtered list, counts per label, and one review in full."""

from __future__ import annotations

from dataclasses import dataclass, replace

from replydesk.domain.errors import NotFound
from replydesk.domain.models import AuthorHistory, Review, ReviewDetail, ReviewFilter
from replydesk.domain.text import search_words
from replydesk.services.workspace import Workspace

# the order of work: real problems first, then what needs a question, then what was not
# triaged yet (it may hide a real problem), then trolls, then thanks
GROUP_ORDER = ("criticism", "vague", "untriaged", "provocation", "praise")


@dataclass(frozen=True)
class Group:
    """One heading of the inbox: a label and how many reviews it holds now."""

    label: str
    count: int
    exact: bool = True  # False: at least ``count``, still being counted


def label_counts(ws: Workspace, f: ReviewFilter | None = None) -> dict[str, int]:
    return ws.store.reviews.label_counts(f)


def groups(ws: Workspace, f: ReviewFilter) -> tuple[dict[str, int], list[Group]]:
    """Counts per label for the filter (the label filter aside) and the groups to list."""
    counts = label_counts(ws, f)
    return counts, [Group(name, counts[name]) for name in _wanted(f) if counts.get(name)]


def _wanted(f: ReviewFilter) -> tuple[str, ...]:
    return (f.label,) if f.label else GROUP_ORDER


def counts_are_quick(ws: Workspace, f: ReviewFilter) -> bool:
    """Without a search the store answers counts from its kept table; a narrow search
    counts its few matches in a few milliseconds. Only a broad search is slow to count."""
    if not search_words(f.search):
        return True
    return ws.store.reviews.is_narrow(f.search)


def look_ahead(ws: Workspace, search: str) -> None:
    """While the words are still being typed, find out whether the search is narrow (the
    store keeps the answer a few seconds): Enter then shows the first screenful without
    asking again, which on SQLite is a third of a broad search's wait at a million."""
    if search_words(search):
        ws.store.reviews.is_narrow(search)


def first_groups(
    ws: Workspace, f: ReviewFilter, size: int
) -> tuple[list[Group], dict[tuple[str, int], list[Review]]]:
    """Enough of the list to fill a screen, before anything is counted.

    A broad search matches tens of thousands of reviews and counting them per label takes
    longer than finding the first screenful, so the inbox shows this at once and the exact
    ``groups`` when they are known. Groups here are the first of the real ones, in order.
    """
    out: list[Group] = []
    pages: dict[tuple[str, int], list[Review]] = {}
    for name in _wanted(f):
        rows = page(ws, f, name, 0, size)
        if rows:
            out.append(Group(name, len(rows), exact=len(rows) < size))
            pages[(name, 0)] = rows
        if len(rows) == size:
            break
    return out, pages


def page(ws: Workspace, f: ReviewFilter, label: str, offset: int, limit: int) -> list[Review]:
    """One page of one group, in the filter's sort order."""
    return ws.store.reviews.list(replace(f, label=label, offset=offset, limit=limit))


def detail(ws: Workspace, review_id: int) -> ReviewDetail:
    store = ws.store
    review = store.reviews.get(review_id)
    if review is None:
        raise NotFound(f"no review {review_id}")
    history = AuthorHistory()
    if review.author_id is not None:
        earlier = store.reviews.by_author(review.author_id, exclude=review.id)
        history = AuthorHistory(
            reviews=earlier,
            replies={r.id: store.replies.for_review(r.id) for r in earlier},
            promises=[
                p for p in store.promises.for_author(review.author_id) if p.review_id != review.id
            ],
        )
    return ReviewDetail(
        review=review,
        triage=store.triage.get(review_id),
        drafts=store.drafts.for_review(review_id),
        replies=store.replies.for_review(review_id),
        promises=store.promises.for_review(review_id),
        versions=store.reviews.versions(review_id),
        history=history,
        claim=store.claims.holder(review_id),
    )


def facets(ws: Workspace) -> dict[str, list[str]]:
    """Distinct sources and languages, for the filter menus."""
    return ws.store.reviews.facets()


def count(ws: Workspace, f: ReviewFilter | None = None) -> int:
    return ws.store.reviews.count(f)
