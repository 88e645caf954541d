"""The inbox: the list of reviews beside the one under the cursor."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, ProgressBar, Static
from textual.worker import get_current_worker

from replydesk.domain.errors import ReplydeskError
from replydesk.domain.models import REVIEW_STATUSES, Review, ReviewFilter, ReviewStatus
from replydesk.services import drafting, editing, inbox, triaging
from replydesk.services.drafting import DraftOutcome, DraftStatus
from replydesk.services.inbox import GROUP_ORDER, Group
from replydesk.services.promising import overdue
from replydesk.services.workspace import Workspace
from replydesk.tui.screens.base import busy, call_service
from replydesk.tui.screens.batch_approve import BatchLastLook
from replydesk.tui.screens.dialogs import ConfirmPromises
from replydesk.tui.screens.editor import EditorScreen
from replydesk.tui.screens.pickers import relabel
from replydesk.tui.widgets.footer import KeyFooter
from replydesk.tui.widgets.inbox.review_list import Fetch, ReviewList
from replydesk.tui.widgets.inbox.review_view import ReviewView
from replydesk.tui.widgets.render import label

SORTS = ("newest", "oldest", "rating")
LOOK_AHEAD_PAUSE_S = 0.15  # typing has paused: the words are worth asking about
AHEAD_KEPT_S = 2.0  # a first screenful found ahead is shown if Enter comes this soon
AHEAD_WAIT_S = 1.0  # Enter while it is being found waits for it (no longer than this)


class InboxScreen(Screen[None]):
    AUTO_FOCUS = "#reviews"  # never the hidden search box: it would swallow l, o and q
    LEGEND = (  # shown under the keys in help
        ("?", "unsure: the machine's label is a guess; check it (c changes it)"),
        ("✎", "edited: its author changed the review since we first fetched it"),
        ("●", "picked for a batch approval (space picks, A approves them after a last look)"),
        ("ignored", "set aside: no reply needed (x takes it back)"),
        ("—", "no rating: alert feeds and some sources give none"),
        ("red age", "older than the response target ([workspace] response_target_hours)"),
        ("status", "new (no draft) · drafted · approved (waiting to post) · replied"),
    )
    BINDINGS = [
        Binding("enter", "edit", "Edit", tooltip="Open the review and its draft in the editor"),
        Binding("slash", "search", "Search", tooltip="Search reviews; matches are marked"),
        Binding("c", "relabel", "Label", tooltip="Change this review's label by hand"),
        Binding("x", "no_reply", "No reply", tooltip="Set aside: no reply needed (x again undoes)"),
        Binding("space", "pick", "Pick", tooltip="Pick this review for a batch approval"),
        Binding(
            "A",
            "approve_picked",
            "Approve",
            tooltip="Approve the picked drafts together, after one last look",
        ),
        Binding("ctrl+d", "draft_all", "Draft all", tooltip="Draft every queued review"),
        Binding("l", "cycle_label", "Label filter", show=False),
        Binding("o", "cycle_sort", "Sort", show=False),
        Binding("S", "cycle('source')", "Source filter", show=False),
        Binding("L", "cycle('language')", "Language filter", show=False),
        Binding("u", "cycle('status')", "Status filter", show=False),
        Binding("escape", "clear", "Clear filters", show=False),
        Binding("ctrl+r", "reload", "Reload", show=False),
        Binding("question_mark", "app.help", "Help"),
    ]

    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws
        self.filter = ReviewFilter()
        self.counts: dict[str, int] = {}
        self.batch_stop = threading.Event()
        # a broad search's first screenful, found while its words were typed
        self._ahead: tuple[ReviewFilter, float, list[Group], dict[Any, list[Review]]] | None
        self._ahead = None
        self._ahead_busy: tuple[ReviewFilter, threading.Event] | None = None  # finding it

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="list-pane"):
                yield Input(placeholder="search (Enter applies, Esc clears)", id="search")
                yield Static(id="counts")
                yield ProgressBar(id="batch", show_eta=False)
                yield ReviewList(id="reviews")
            yield ReviewView(id="detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = self.ws.location
        self.query_one("#search").display = False
        self.query_one("#batch").display = False
        self.query_one(
            ReviewList
        ).response_target_hours = self.ws.config.workspace.response_target_hours
        self.reload()
        late = overdue(self.ws)
        if late:  # P1: nobody is more offended than a customer promised a fix and let down
            self.notify(
                f"{len(late)} promise{'s' if len(late) > 1 else ''} overdue, the oldest due "
                f"{late[0].due_date}: press p for the promises board",
                title="Promises",
                severity="warning",
                timeout=10,
            )

    def reload(self, keep_cursor: bool = True) -> None:
        """Counts and groups for the current filter; rows are fetched as they scroll in.

        A broad search shows its first screenful at once; its counts follow from a worker.
        """
        f = self.filter
        reviews = self.query_one(ReviewList)
        reviews.highlight = self.query_one(ReviewView).highlight = f.search or ""

        def fetch(label: str, offset: int, limit: int) -> list[Review]:
            return inbox.page(self.ws, f, label, offset, limit)

        if inbox.counts_are_quick(self.ws, f):
            self._apply(*inbox.groups(self.ws, f), fetch, keep_cursor)
            return
        busy = self._ahead_busy
        if busy and busy[0] == f:  # being found this moment: wait for it, not twice the work
            busy[1].wait(AHEAD_WAIT_S)
        ahead, self._ahead = self._ahead, None
        if ahead and ahead[0] == f and time.monotonic() - ahead[1] < AHEAD_KEPT_S:
            groups, pages = ahead[2], ahead[3]
        else:
            groups, pages = inbox.first_groups(self.ws, f, ReviewList.PAGE)
        reviews.show(groups, fetch, keep_cursor=keep_cursor, pages=pages)
        self._show_counts(None, None)
        self.call_after_refresh(self._count, f, fetch)  # after these rows reach the screen

    @work(thread=True, exclusive=True, group="counts")
    def _count(self, f: ReviewFilter, fetch: Fetch) -> None:
        with self.ws.own_connection() as ws:
            counts, groups = inbox.groups(ws, f)
        self.app.call_from_thread(self._counted, f, fetch, counts, groups)

    def _counted(
        self, f: ReviewFilter, fetch: Fetch, counts: dict[str, int], groups: list[Group]
    ) -> None:
        if f == self.filter:  # else a newer filter was chosen meanwhile
            self._apply(counts, groups, fetch, keep_cursor=True)

    def _apply(
        self, counts: dict[str, int], groups: list[Group], fetch: Fetch, keep_cursor: bool
    ) -> None:
        self.counts = counts
        reviews = self.query_one(ReviewList)
        reviews.empty_message = self._empty_message(counts)
        reviews.show(groups, fetch, keep_cursor=keep_cursor)
        self._show_counts(counts, sum(g.count for g in groups))

    def _empty_message(self, counts: dict[str, int]) -> str:
        """What an empty list says: how to get reviews in, or how to widen the filter."""
        if self.filter != ReviewFilter(sort=self.filter.sort):
            return "Nothing matches these filters. Esc clears them (and the search)."
        if not any(counts.values()):
            return (
                "No reviews yet. Bring some in: `replydesk import FILE` (CSV or JSONL), or "
                "configure sources in your config and sync them (s opens Sources)."
            )
        return ""

    def refilter(self, **changes: Any) -> None:
        """A new filter starts at the top of the list."""
        self.filter = replace(self.filter, **changes)
        self.reload(keep_cursor=False)

    def _show_counts(self, counts: dict[str, int] | None, shown: int | None) -> None:
        """Counts per label and what the filter is; ``None`` while they are being counted."""
        out = Text(no_wrap=True, overflow="ellipsis")  # always two lines: no layout pass
        if counts is None:
            out.append("counting…", "dim italic")
        shown_counts = {
            name: (counts or {}).get(name, 0)
            for name in (GROUP_ORDER if counts is not None else ())
            if (counts or {}).get(name, 0) or name != "untriaged"
        }
        width = self.query_one("#counts", Static).content_size.width or 70
        # every group's count on the line: "250,000" becomes "250k" when they would not fit
        long = sum(len(name) + len(f" {n:,} ") for name, n in shown_counts.items())
        number = (lambda n: f"{n:,}") if long <= width else _compact
        for name, n in shown_counts.items():
            selected = self.filter.label == name
            out.append_text(label(name))
            out.append(f" {number(n)}", "bold reverse" if selected else "bold")
            out.append(" ")
        # short, so the filters in force fit the list's width at 80 columns
        desc = [self.filter.sort] if self.filter.sort != SORTS[0] else []  # newest: said once
        for name, short in (
            ("label", ""),
            ("source", "src "),
            ("language", "lang "),
            ("status", ""),
        ):
            if getattr(self.filter, name):
                desc.append(f"{short}{getattr(self.filter, name)}")
        if self.filter.search:
            desc.append(f"“{self.filter.search}”")
        total = "…" if shown is None else f"{shown:,}"
        out.append(f"\n{total} shown" + "".join(f" · {d}" for d in desc), "dim")
        picked = len(self.query_one(ReviewList).picked)
        if picked:
            out.append(f" · {picked} picked", "bold yellow")
        self.query_one("#counts", Static).update(out, layout=False)

    @on(ReviewList.Highlighted, "#reviews")
    def _highlighted(self, event: ReviewList.Highlighted) -> None:
        # the list moves first; the review beside it follows in the next frame, and only
        # for the review the cursor is still on (holding a key down skips the ones between)
        self.call_after_refresh(self._show_detail, event.review.id if event.review else None)

    def _show_detail(self, review_id: int | None) -> None:
        current = self.query_one(ReviewList).cursor_review
        if (current.id if current else None) != review_id:
            return
        self.query_one(ReviewView).show(
            inbox.detail(self.ws, review_id) if review_id is not None else None, self.ws.now()
        )

    @on(ReviewList.Selected, "#reviews")
    def _selected(self) -> None:
        self.action_edit()

    def _current_id(self) -> int | None:
        review = self.query_one(ReviewList).cursor_review
        return review.id if review else None

    def action_edit(self) -> None:
        review_id = self._current_id()
        if review_id is not None:
            self.app.push_screen(
                EditorScreen(self.ws, review_id), lambda result: self._after_edit(review_id, result)
            )

    def _after_edit(self, review_id: int, result: bool | None) -> None:
        self.reload()
        if result:  # approve and next: on to the review after the one just approved
            reviews = self.query_one(ReviewList)
            current = reviews.cursor_review
            if current is not None and current.id == review_id:  # it is still listed here
                if reviews.cursor_index >= reviews.row_count - 1:
                    self.notify("that was the last review in this list")
                    return
                reviews.move_to(reviews.cursor_index + 1)
            if reviews.cursor_review is not None:
                self.action_edit()

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#search")
    def _typing(self, event: Input.Changed) -> None:
        self._look_ahead(event.value)

    @work(thread=True, exclusive=True, group="look-ahead")
    def _look_ahead(self, words: str) -> None:
        """Once typing pauses, ask the store ahead of Enter: whether the search is narrow
        (``inbox.look_ahead``) and, for a broad one, its first screenful, which Enter
        then shows at once if it comes within ``AHEAD_KEPT_S``."""
        time.sleep(LOOK_AHEAD_PAUSE_S)
        worker = get_current_worker()
        if worker.is_cancelled:  # a later key started another
            return
        f = replace(self.filter, search=words.strip())
        done = threading.Event()
        self._ahead_busy = (f, done)
        try:
            inbox.look_ahead(self.ws, f.search)
            if worker.is_cancelled or inbox.counts_are_quick(self.ws, f):
                return  # a narrow search (or none) is quick to show anyway
            groups, pages = inbox.first_groups(self.ws, f, ReviewList.PAGE)
            self._ahead = (f, time.monotonic(), groups, pages)
        finally:
            done.set()

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        self.workers.cancel_group(self, "look-ahead")  # one still pausing need not start
        if not event.value.strip():
            event.input.display = False
        self.refilter(search=event.value.strip())
        # the results first; moving the focus restyles the footer, which can wait a frame
        self.call_after_refresh(self.query_one(ReviewList).focus)

    def action_clear(self) -> None:
        box = self.query_one("#search", Input)
        box.value = ""
        box.display = False
        self.filter = ReviewFilter(sort=self.filter.sort)
        self.reload(keep_cursor=False)
        self.query_one(ReviewList).focus()

    def action_cycle_label(self) -> None:
        """Step through the labels that have reviews under the other filters, then all."""
        cycle = [None, *(name for name in GROUP_ORDER if self.counts.get(name))]
        i = cycle.index(self.filter.label) if self.filter.label in cycle else 0
        self.refilter(label=cycle[(i + 1) % len(cycle)])

    def action_cycle(self, field: str) -> None:
        """Step a filter through its values (from the data), then back to 'any'."""
        values: list[str | None] = [None]
        if field == "status":
            values += list(REVIEW_STATUSES)
        else:
            values += inbox.facets(self.ws)[field]
        current = getattr(self.filter, field)
        nxt = values[(values.index(current) + 1) % len(values)] if current in values else None
        self.refilter(**{field: nxt})

    def action_cycle_sort(self) -> None:
        i = SORTS.index(self.filter.sort)
        self.refilter(sort=SORTS[(i + 1) % len(SORTS)])

    def action_reload(self) -> None:
        self.reload()

    # ------------------------------------------------------------ the morning batch

    def _current(self) -> Review | None:
        review = self.query_one(ReviewList).cursor_review
        if review is None:
            self.notify("no review here", severity="warning")
        return review

    def action_relabel(self) -> None:
        review = self._current()
        if review is not None:
            relabel(self, self.ws, review.id, self.reload)

    def action_no_reply(self) -> None:
        review = self._current()
        if review is None:
            return
        needed = review.status == ReviewStatus.IGNORED
        try:
            triaging.no_reply(self.ws, review.id, needed=needed)
        except ReplydeskError as exc:
            self.notify(exc.message, title="Not changed", severity="error")
            return
        self.notify(
            f"review #{review.id} is back in the queue"
            if needed
            else f"review #{review.id} set aside: no reply needed (x takes it back)"
        )
        self.reload()

    def action_pick(self) -> None:
        reviews = self.query_one(ReviewList)
        if reviews.toggle_pick() is not None:
            self._show_counts(self.counts, reviews.row_count)
            reviews.action_cursor(1)

    def action_approve_picked(self) -> None:
        reviews = self.query_one(ReviewList)
        ids = sorted(reviews.picked)
        if not ids:
            self.notify("pick reviews with space first, then A approves them together")
            return
        if busy(self, "approve"):
            self.notify("still approving the last batch", severity="warning")
            return
        try:
            look = editing.candidates(self.ws, ids)
        except ReplydeskError as exc:
            self.notify(exc.message, severity="error")
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            call_service(
                self,
                lambda: editing.approve_batch(self.ws, look),  # each as shown, or skipped
                self._batch_approved,
                title="Not approved",
                group="approve",
            )

        self.app.push_screen(BatchLastLook(look), answered)

    def _batch_approved(self, done: editing.BatchApproval) -> None:
        reviews = self.query_one(ReviewList)
        reviews.picked -= {a.draft.review_id for a in done.approved}
        skipped = "; ".join(f"#{rid}: {why}" for rid, why in done.skipped)
        self.notify(
            f"approved {len(done.approved)}" + (f" · not approved: {skipped}" if skipped else ""),
            title="Batch approval",
            severity="warning" if done.skipped else "information",
            timeout=10,
        )
        promised = [p for a in done.approved for p in a.promises]
        if promised:  # one look at every promise the approved replies make
            self.app.push_screen(ConfirmPromises(self.ws, promised))
        self.reload()

    def action_draft_all(self) -> None:
        """The morning batch, in a thread worker: the inbox stays usable while it runs."""
        todo = drafting.queue(self.ws)
        if not todo:
            self.notify(
                "nothing to draft: every criticism and vague review has a draft"
                if any(self.counts.values())
                else "nothing to draft: no reviews yet",
                title="Draft all",
            )
            return
        if busy(self, "batch"):
            self.notify("the batch is still drafting", severity="warning")
            return
        bar = self.query_one("#batch", ProgressBar)
        bar.update(total=len(todo), progress=0)
        bar.display = True

        def progress(outcome: DraftOutcome) -> None:  # from the batch's threads
            if not self.batch_stop.is_set():
                self.app.call_from_thread(bar.advance, 1)

        def finished(outcomes: list[DraftOutcome]) -> None:
            bar.display = False
            counts = Counter(str(o.status) for o in outcomes)
            self.notify(
                ", ".join(f"{n} {k}" for k, n in counts.most_common()),
                title="Batch done",
                severity="error" if counts.get(DraftStatus.FAILED) else "information",
            )
            self.reload()

        def failed(exc: ReplydeskError) -> None:
            bar.display = False
            self.notify(exc.message, title="Batch stopped", severity="error")
            self.reload()

        self.batch_stop.clear()
        call_service(
            self,
            lambda: drafting.draft_batch(self.ws, todo, progress=progress, stop=self.batch_stop),
            finished,
            title="Batch",
            group="batch",
            failed=failed,
        )

    def on_unmount(self) -> None:
        self.batch_stop.set()  # quitting mid-batch: drafts in flight finish, no new ones


def _compact(n: int) -> str:
    """A count in at most five characters: 9,999 · 12k · 250k · 1.2M."""
    if n < 10_000:
        return f"{n:,}"
    if n < 999_500:
        return f"{round(n / 1000)}k"
    return f"{n / 1_000_000:.1f}M"
