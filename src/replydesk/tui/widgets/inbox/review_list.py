"""The inbox list: reviews under a heading per label, drawn line by line.

A ``ScrollView`` on Textual's line API: only the lines on screen are fetched and drawn,
so the list costs the same with a hundred reviews or a hundred thousand. The screen hands
down the groups (label and count) and a ``fetch`` function; rows arrive a page at a time
and are kept in a small cache. Cursor moves go up as ``Highlighted`` messages.
"""

from __future__ import annotations

import textwrap
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from replydesk.domain.models import Review
from replydesk.domain.text import one_line, search_spans
from replydesk.domain.timeutil import age, now
from replydesk.services.inbox import Group
from replydesk.tui.widgets.render import LABEL_COLOURS, stars

Fetch = Callable[[str, int, int], list[Review]]


@dataclass(frozen=True)
class Column:
    name: str
    width: int  # 0: takes what is left
    drop: int = 0  # when the list is narrow, columns with the highest value go first


# what a person scans first comes first; when narrow, source, language and then the claim
# column make way (a claim then shows in place of the status)
COLUMNS = (
    Column("Age", 5),  # its first cell marks a review picked for a batch approval: ●
    Column("Stars", 5),
    Column("Review", 0),
    Column("Source", 10, drop=3),
    Column("Lang", 4, drop=2),
    Column("Status", 8),
    Column("Claim", 8, drop=1),
)
MIN_REVIEW_WIDTH = 24
WIDE_REVIEW_WIDTH = 36  # past this, the source column grows first
SOURCE_GROWTH = 14
EMPTY_ROOM = 4  # lines an empty list keeps for what it says


@lru_cache(maxsize=16)
def plan_columns(width: int) -> tuple[tuple[Column, int], ...]:
    """Column widths for a list this wide: the review text takes the rest (cached: every
    row drawn asks)."""
    columns = list(COLUMNS)
    while True:
        fixed = sum(c.width + 1 for c in columns if c.width)
        if width - fixed >= MIN_REVIEW_WIDTH or not any(c.drop for c in columns):
            break
        columns.remove(max(columns, key=lambda c: c.drop))
    rest = max(MIN_REVIEW_WIDTH, width - sum(c.width + 1 for c in columns if c.width))
    # a wide list gives the source names room too (they are often longer than 10)
    grow = 0
    if any(c.name == "Source" for c in columns):
        grow = min(SOURCE_GROWTH, max(0, (rest - WIDE_REVIEW_WIDTH) // 2))
    return tuple(
        (c, c.width + grow if c.name == "Source" else c.width or rest - grow) for c in columns
    )


class ReviewList(ScrollView, can_focus=True):
    """Grouped, paged, keyboard-first; every cell is plain text whatever the review holds."""

    PAGE = 64

    BINDINGS = [
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("right_square_bracket", "group(1)", "Next group", show=False),
        Binding("left_square_bracket", "group(-1)", "Previous group", show=False),
    ]

    COMPONENT_CLASSES = {
        "review-list--header",
        "review-list--heading",
        "review-list--cursor",
        "review-list--even",
        "review-list--late",
        "review-list--dim",
        "review-list--match",
    }

    DEFAULT_CSS = """
    ReviewList {
        height: 1fr;
        overflow-x: hidden;  /* rows are cut to the width: never a horizontal scrollbar */
        background: $surface;
        & > .review-list--header { text-style: bold; background: $panel; }
        & > .review-list--heading { text-style: bold; }
        & > .review-list--even { background: $surface-lighten-1 50%; }
        & > .review-list--late { color: $error; text-style: bold; }
        & > .review-list--dim { color: $text-muted; }
        & > .review-list--match { text-style: bold underline; color: $text-warning; }
        & > .review-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .review-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    class Highlighted(Message):
        """The cursor is on another review (or on none: the list is empty)."""

        def __init__(self, review_list: ReviewList, review: Review | None) -> None:
            super().__init__()
            self.review_list = review_list
            self.review = review

        @property
        def control(self) -> ReviewList:
            return self.review_list

    class Selected(Message):
        """A review was chosen with the mouse (a second click on the highlighted row)."""

        def __init__(self, review_list: ReviewList, review: Review) -> None:
            super().__init__()
            self.review_list = review_list
            self.review = review

        @property
        def control(self) -> ReviewList:
            return self.review_list

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.response_target_hours = 24
        self.groups: list[Group] = []
        self._fetch: Fetch = lambda label, offset, limit: []
        self._starts: list[int] = []  # the line of each group's heading
        self._pages: OrderedDict[tuple[str, int], list[Review]] = OrderedDict()
        self._lines = 0
        self._cursor = -1  # a line holding a review, or -1 when the list is empty
        self._now = now()
        self._announced: int | None = -1
        self.picked: set[int] = set()  # review ids picked for a batch approval
        self.highlight = ""  # the search whose matches are marked in the review text
        self.empty_message = ""  # what an empty list says (what to do next)

    # ------------------------------------------------------------ attributes down

    def show(
        self,
        groups: Sequence[Group],
        fetch: Fetch,
        keep_cursor: bool = True,
        pages: dict[tuple[str, int], list[Review]] | None = None,
    ) -> None:
        """New data: the groups to show, how to fetch their rows, and any rows at hand.

        Called again with the same ``fetch`` (exact counts after provisional ones), the
        rows already fetched are kept.
        """
        index = self.cursor_index if keep_cursor else 0
        self.groups = [g for g in groups if g.count > 0]
        if fetch is not self._fetch:
            self._pages.clear()
        self._fetch = fetch
        self._pages.update(pages or {})
        self._now = now()
        self._starts = []
        line = 0
        for g in self.groups:
            self._starts.append(line)
            line += 1 + g.count
        self._lines = line
        self.virtual_size = self._virtual()
        self._cursor = -1
        if self.groups:
            self._cursor = self._line_of(min(max(index, 0), self.row_count - 1))
        self._scroll_to_cursor()
        self.refresh()
        self._announce(force=True)

    @property
    def row_count(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def loaded_rows(self) -> int:
        """Rows fetched so far: the rest of the list has never left the database."""
        return sum(len(p) for p in self._pages.values())

    @property
    def cursor_index(self) -> int:
        """The cursor as a position among reviews (headings not counted), -1 if none."""
        if self._cursor < 0:
            return -1
        g = bisect_right(self._starts, self._cursor) - 1
        return sum(x.count for x in self.groups[:g]) + self._cursor - self._starts[g] - 1

    @property
    def cursor_review(self) -> Review | None:
        return self._review_at_line(self._cursor) if self._cursor >= 0 else None

    def move_to(self, index: int) -> None:
        """Put the cursor on the review at this position (clamped to the list)."""
        if not self.groups:
            return
        self._set_cursor(self._line_of(min(max(index, 0), self.row_count - 1)))

    def reviews(self) -> list[Review]:
        """Every review in list order (fetches them all: for tests and small lists)."""
        return [
            r
            for i in range(self.row_count)
            if (r := self._review_at_line(self._line_of(i))) is not None
        ]

    # ------------------------------------------------------------ layout

    def _line_of(self, index: int) -> int:
        for g, start in zip(self.groups, self._starts, strict=True):
            if index < g.count:
                return start + 1 + index
            index -= g.count
        return self._starts[-1] + self.groups[-1].count if self.groups else -1

    def _review_at_line(self, line: int) -> Review | None:
        g = bisect_right(self._starts, line) - 1
        if g < 0 or line == self._starts[g]:
            return None
        group = self.groups[g]
        i = line - self._starts[g] - 1
        page = i // self.PAGE
        key = (group.label, page)
        rows = self._pages.get(key)
        if rows is None:
            rows = self._fetch(group.label, page * self.PAGE, self.PAGE)
            self._pages[key] = rows
            while len(self._pages) > 64:  # about 4,000 reviews held at most
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(key)
        j = i - page * self.PAGE
        return rows[j] if j < len(rows) else None  # the store changed under us: blank

    def _scroll_to_cursor(self) -> None:
        if self._cursor < 0:
            self.scroll_to(y=0, animate=False)
            return
        visible = max(1, self.scrollable_content_region.height - 1)  # less the header
        top = self.scroll_offset.y
        first = self._cursor - 1 if self._cursor - 1 in self._starts else self._cursor
        if first < top:
            self.scroll_to(y=first, animate=False, immediate=True)
        elif self._cursor >= top + visible:
            self.scroll_to(y=self._cursor - visible + 1, animate=False, immediate=True)

    def _announce(self, force: bool = False) -> None:
        review = self.cursor_review
        rid = review.id if review else None
        if force or rid != self._announced:
            self._announced = rid
            self.post_message(self.Highlighted(self, review))

    # ------------------------------------------------------------ actions

    def action_cursor(self, step: int) -> None:
        if self._cursor < 0:
            return
        line = self._cursor + step
        if line in self._starts:  # step over a heading
            line += step
        if 0 < line < self._lines:
            self._set_cursor(line)

    def _set_cursor(self, line: int) -> None:
        """Move the cursor, redrawing only the two rows that change when no scroll is needed."""
        old, top = self._cursor, self.scroll_offset.y
        self._cursor = line
        self._scroll_to_cursor()
        if self.scroll_offset.y == top and old >= 0:
            for changed in (old, line):
                self.refresh_lines(changed + 1)  # virtual lines: the header is line 0
        else:
            self.refresh()
        self._announce()

    def toggle_pick(self) -> Review | None:
        """Pick the review under the cursor for a batch approval, or drop it."""
        review = self.cursor_review
        if review is not None:
            self.picked ^= {review.id}
            self.refresh_lines(self._cursor - self.scroll_offset.y + 1)
        return review

    def action_page(self, step: int) -> None:
        self.move_to(self.cursor_index + step * max(1, self.scrollable_content_region.height - 2))

    def action_jump(self, where: int) -> None:
        self.move_to(0 if where == 0 else self.row_count - 1)

    def action_group(self, step: int) -> None:
        """Jump to the first review of the next (or previous) group."""
        if self._cursor < 0:
            return
        g = bisect_right(self._starts, self._cursor) - 1 + step
        if 0 <= g < len(self.groups):
            self.move_to(sum(x.count for x in self.groups[:g]))

    def on_click(self, event: events.Click) -> None:
        line = event.y - 1 + self.scroll_offset.y  # the header takes the first row
        if event.y < 1 or not 0 <= line < self._lines or line in self._starts:
            return
        if line == self._cursor and self.cursor_review is not None:  # a click on the cursor
            self.post_message(self.Selected(self, self.cursor_review))
            return
        self._set_cursor(line)

    def on_resize(self) -> None:
        self.virtual_size = self._virtual()

    def _virtual(self) -> Size:
        """Every line plus the column header; an empty list keeps room for its message."""
        return Size(self.size.width, max(self._lines, EMPTY_ROOM) + 1)

    # ------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            return self._header(width, base)
        line = self.scroll_offset.y + y - 1
        message = self._empty_lines(width) if not self.groups else []
        if 0 < y <= len(message):
            dim = self.get_component_rich_style("review-list--dim", partial=True)
            return Strip([Segment(" " + message[y - 1], base + dim)]).crop_extend(0, width, base)
        if line >= self._lines:
            return Strip.blank(width, base)
        g = bisect_right(self._starts, line) - 1
        if line == self._starts[g]:
            return self._heading(self.groups[g], width, base)
        review = self._review_at_line(line)
        if review is None:
            return Strip.blank(width, base)
        style = base
        if (line - self._starts[g]) % 2 == 0:
            style += self.get_component_rich_style("review-list--even", partial=True)
        if line == self._cursor:
            style += self.get_component_rich_style("review-list--cursor", partial=True)
        return self._row(review, width, style)

    def _empty_lines(self, width: int) -> list[str]:
        """``empty_message`` wrapped to the list's width (an empty list says what next)."""
        return textwrap.wrap(self.empty_message, max(10, width - 2)) if self.empty_message else []

    def _header(self, width: int, base: Style) -> Strip:
        style = base + self.get_component_rich_style("review-list--header", partial=True)
        segments = [Segment(set_cell_size(c.name, w) + " ", style) for c, w in plan_columns(width)]
        return Strip(segments).crop_extend(0, width, style)

    def _heading(self, group: Group, width: int, base: Style) -> Strip:
        style = base + self.get_component_rich_style("review-list--heading", partial=True)
        colour = Style(color=LABEL_COLOURS.get(group.label, "default"))
        title = f"▍{group.label} "
        count = f"{group.count:,}{'' if group.exact else '+ (counting…)'} "
        rule = "─" * max(0, width - cell_len(title) - cell_len(count))
        dim = self.get_component_rich_style("review-list--dim", partial=True)
        return Strip(
            [Segment(title, style + colour), Segment(count, style), Segment(rule, base + dim)],
            width,
        )

    def _row(self, r: Review, width: int, style: Style) -> Strip:
        segments: list[Segment] = []
        plan = plan_columns(width)
        claim_shown = any(c.name == "Claim" for c, _ in plan)
        for column, w in plan:
            name = (
                "Claim"
                if column.name == "Status" and r.claimed_by and not claim_shown
                else column.name
            )
            text, extra = self._cell(name, r, w)
            cell = set_cell_size(text, w)
            if name == "Age" and r.id in self.picked:
                segments.append(Segment("●", style + Style(color="yellow", bold=True)))
                cell = cell[1:]
            if name == "Review" and self.highlight:
                segments += self._marked(cell, style)
            else:
                segments.append(Segment(cell, style + extra if extra else style))
            segments.append(Segment(" ", style))
        return Strip(segments).crop_extend(0, width, style)

    def _marked(self, cell: str, style: Style) -> list[Segment]:
        """The review text with the search's matches marked."""
        mark = style + self.get_component_rich_style("review-list--match", partial=True)
        out, at = [], 0
        for start, end in search_spans(cell, self.highlight):
            out += [Segment(cell[at:start], style), Segment(cell[start:end], mark)]
            at = end
        out.append(Segment(cell[at:], style))
        return [s for s in out if s.text]

    def _cell(self, name: str, r: Review, width: int) -> tuple[str, Style | None]:
        if name == "Age":
            hours = (self._now - r.created_at).total_seconds() / 3600 if r.created_at else 0
            late = r.status in ("new", "drafted") and hours > self.response_target_hours
            text = " " + age(r.created_at, self._now).rjust(width - 1)  # 1st: the ● mark
            late_style = self.get_component_rich_style("review-list--late", partial=True)
            return text, late_style if late else None
        if name == "Stars":
            drawn = stars(r.rating)
            return drawn.plain, Style.parse(str(drawn.style))
        if name == "Review":
            edited = "✎ " if r.edited else ""  # ✎: its author changed it since we fetched it
            unsure = "? " if r.unsure else ""  # ?: the label is a guess; check it
            return _fit(unsure + edited + one_line(r.title or r.body, 400), width), None
        if name == "Source":
            return _fit(one_line(r.source, 60), width), None
        if name == "Lang":
            return one_line(r.language or "?", width), None
        if name == "Status":
            return r.status, None
        if name == "Claim":
            return (
                (_fit("● " + one_line(r.claimed_by, 40), width), Style(color="yellow"))
                if r.claimed_by
                else ("", None)
            )
        raise ValueError(name)


def _fit(text: str, width: int) -> str:
    """Cut to ``width`` terminal cells with an ellipsis (wide characters count twice)."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1) + "…"
