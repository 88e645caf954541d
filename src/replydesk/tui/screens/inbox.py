"""The inbox: the list of reviews beside the one under the cursor."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, ProgressBar, Static

from replydesk.models import LABELS, REVIEW_STATUSES
from replydesk.services import inbox
from replydesk.services.promising import overdue
from replydesk.services.workspace import Workspace
from replydesk.store import ReviewFilter
from replydesk.timeutil import now
from replydesk.tui.screens.editor import EditorScreen
from replydesk.tui.widgets.inbox.review_table import ReviewTable
from replydesk.tui.widgets.inbox.review_view import ReviewView
from replydesk.tui.widgets.render import label

LABEL_CYCLE: tuple[str | None, ...] = (None, *LABELS, "untriaged")
SORTS = ("newest", "oldest", "rating")


class InboxScreen(Screen):
    AUTO_FOCUS = "#reviews"  # never the hidden search box: it would swallow l, o and q
    BINDINGS = [
        Binding("enter", "edit", "Edit"),
        Binding("slash", "search", "Search"),
        Binding("l", "cycle_label", "Label"),
        Binding("o", "cycle_sort", "Sort"),
        Binding("S", "cycle('source')", "Source filter", show=False),
        Binding("L", "cycle('language')", "Language filter", show=False),
        Binding("u", "cycle('status')", "Status filter", show=False),
        Binding("escape", "clear", "Clear filters", show=False),
        Binding("ctrl+r", "reload", "Reload"),
        Binding("ctrl+d", "draft_all", "Draft all"),
        Binding("question_mark", "app.help", "Help"),
    ]

    PAGE = 120  # rows fetched at a time: the table grows as the cursor nears its end

    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws
        self.filter = ReviewFilter(limit=self.PAGE)
        self.total = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="list-pane"):
                yield Input(placeholder="search reviews (Enter to apply, Esc to clear)",
                            id="search")
                yield Static(id="counts")
                yield ProgressBar(id="batch", show_eta=False)
                yield ReviewTable(id="reviews")
            yield ReviewView(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "demo workspace" if self.ws.demo else str(self.ws.store.path)
        self.query_one("#search").display = False
        self.query_one("#batch").display = False
        table = self.query_one(ReviewTable)
        table.response_target_hours = self.ws.config.workspace.response_target_hours
        self.reload()
        table.focus()
        late = overdue(self.ws)
        if late:  # P1: nobody is more offended than a customer promised a fix and let down
            self.notify(f"{len(late)} promise(s) overdue, the oldest due {late[0].due_date}: "
                        "`replydesk promises --overdue`", title="Promises", severity="warning",
                        timeout=10)

    def reload(self) -> None:
        t = now()
        self.filter = replace(self.filter, offset=0, limit=self.PAGE)
        reviews = inbox.list_reviews(self.ws, self.filter)
        table = self.query_one(ReviewTable)
        table.show(reviews, t)
        self.total = len(reviews) if len(reviews) < self.PAGE else self.PAGE + 1
        self._count(self.filter)  # counting 100k rows must not hold up the list
        if not reviews:
            self.query_one(ReviewView).show(None, t)

    @work(thread=True, exclusive=True, group="counts")
    def _count(self, f: ReviewFilter) -> None:
        counts = inbox.label_counts(self.ws, f)
        total = counts.get(f.label, 0) if f.label else sum(counts.values())
        self.app.call_from_thread(self._counted, f, counts, total)

    def _counted(self, f: ReviewFilter, counts: dict[str, int], total: int) -> None:
        if f == self.filter:  # a newer filter may have been chosen meanwhile
            self.total = total
            self._show_counts(counts, total)

    def _load_more(self) -> None:
        table = self.query_one(ReviewTable)
        if table.row_count >= self.total:
            return
        more = inbox.list_reviews(self.ws, replace(self.filter, offset=table.row_count))
        table.append(more, now())

    def _show_counts(self, counts: dict[str, int], shown: int) -> None:
        out = Text()
        for name in (*LABELS, "untriaged"):
            n = counts.get(name, 0)
            if not n and name == "untriaged":
                continue
            selected = self.filter.label == name
            out.append_text(label(name))
            out.append(f" {n}", "bold reverse" if selected else "bold")
            out.append("  ")
        desc = [f"sort: {self.filter.sort}"]
        for name in ("source", "language", "status"):
            if getattr(self.filter, name):
                desc.append(f"{name}: {getattr(self.filter, name)}")
        if self.filter.search:
            desc.append(f"search: {self.filter.search!r}")
        out.append(f"\n{shown} shown · {', '.join(desc)}", "dim")
        self.query_one("#counts", Static).update(out)

    @on(DataTable.RowHighlighted, "#reviews")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is None or event.row_key.value is None:
            return
        if event.cursor_row >= event.data_table.row_count - 20:
            self._load_more()
        self.query_one(ReviewView).show(inbox.detail(self.ws, int(event.row_key.value)), now())

    @on(DataTable.RowSelected, "#reviews")
    def _row_selected(self) -> None:
        self.action_edit()  # Enter on a row (the table's own binding) opens the editor

    def _current_id(self) -> int | None:
        table = self.query_one(ReviewTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key
        return int(key.value) if key.value is not None else None

    def action_edit(self) -> None:
        review_id = self._current_id()
        if review_id is not None:
            self.app.push_screen(EditorScreen(self.ws, review_id), self._after_edit)

    def _after_edit(self, result: bool | None) -> None:
        self.reload()
        if result:  # approve and next: straight on to the next review in the list
            table = self.query_one(ReviewTable)
            if table.cursor_row < table.row_count - 1:
                table.move_cursor(row=table.cursor_row + 1)
                self.action_edit()

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.display = True
        box.focus()

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        self.filter = replace(self.filter, search=event.value.strip())
        if not event.value.strip():
            event.input.display = False
        self.reload()
        self.query_one(ReviewTable).focus()

    def action_clear(self) -> None:
        box = self.query_one("#search", Input)
        box.value = ""
        box.display = False
        self.filter = ReviewFilter(sort=self.filter.sort, limit=self.PAGE)
        self.reload()
        self.query_one(ReviewTable).focus()

    def action_cycle_label(self) -> None:
        i = LABEL_CYCLE.index(self.filter.label)
        self.filter = replace(self.filter, label=LABEL_CYCLE[(i + 1) % len(LABEL_CYCLE)])
        self.reload()

    def action_cycle(self, field: str) -> None:
        """Step a filter through its values (from the data), then back to 'any'."""
        values: list[str | None] = [None]
        if field == "status":
            values += list(REVIEW_STATUSES)
        else:
            values += self.ws.store.reviews.facets()[field]
        current = getattr(self.filter, field)
        nxt = values[(values.index(current) + 1) % len(values)] if current in values else None
        self.filter = replace(self.filter, **{field: nxt})
        self.reload()

    def action_cycle_sort(self) -> None:
        i = SORTS.index(self.filter.sort)
        self.filter = replace(self.filter, sort=SORTS[(i + 1) % len(SORTS)])
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def action_draft_all(self) -> None:
        """The morning batch, in a worker: the inbox stays usable while it runs."""
        from replydesk.services.drafting import queue

        todo = queue(self.ws)
        if not todo:
            self.notify("nothing to draft: every queued review has a draft")
            return
        bar = self.query_one("#batch", ProgressBar)
        bar.update(total=len(todo), progress=0)
        bar.display = True
        self.run_worker(self._draft_all(todo), exclusive=True, group="batch")

    async def _draft_all(self, todo: list) -> None:
        from collections import Counter

        from replydesk.services.drafting import draft_batch

        bar = self.query_one("#batch", ProgressBar)
        counts: Counter[str] = Counter()

        def progress(outcome) -> None:
            counts[outcome.status] += 1
            bar.advance(1)

        await draft_batch(self.ws, todo, self.ws.config.llm.concurrency, progress)
        bar.display = False
        self.notify(", ".join(f"{n} {k}" for k, n in counts.most_common()), title="Batch done",
                    severity="error" if counts.get("failed") else "information")
        self.reload()
