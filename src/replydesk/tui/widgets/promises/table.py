"""The promises board's list: one row per promise, columns planned for the width at hand.

At 80 columns the state, the due date and the owner always show; the wording of the
promise shrinks first, then the tracker and the "when" columns make way. From about 160
columns the evidence shows too. The screen hands the promises down (``show``); the cursor
goes up as ``Highlighted`` and Enter as ``Opened``. Every cell from a person or a tracker
(the wording, the owner, the link, the evidence) is drawn as plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.events import Resize
from textual.message import Message
from textual.widgets import DataTable

from replydesk.domain.models import Promise, PromiseStatus
from replydesk.tui.widgets.render import cell


@dataclass(frozen=True)
class Column:
    name: str
    width: int  # 0: takes what is left
    drop: int = 0  # when the board is narrow, the highest goes first; 0 never goes


COLUMNS = (
    Column("State", 11),
    Column("Due", 10),
    Column("When", 9, drop=3),
    Column("Owner", 10),
    Column("Kind", 8, drop=1),
    Column("Review", 6, drop=2),
    Column("What", 0),
    Column("Tracker", 16, drop=4),
    Column("Evidence", 26, drop=5),
)
MIN_WHAT = 18
PADDING = 2  # a DataTable cell has one space either side
SCROLLBAR = 2


@lru_cache(maxsize=16)
def plan_columns(width: int) -> tuple[tuple[Column, int], ...]:
    """Column widths for a board this wide: the wording takes what the others leave."""
    room = width - SCROLLBAR
    columns = list(COLUMNS)

    def fixed(cols: list[Column]) -> int:
        return sum(c.width + PADDING for c in cols if c.width) + PADDING

    while room - fixed(columns) < MIN_WHAT and any(c.drop for c in columns):
        columns.remove(max(columns, key=lambda c: c.drop))
    rest = max(MIN_WHAT, room - fixed(columns))
    return tuple((c, c.width or rest) for c in columns)


def when(p: Promise, today: str, tz: Any) -> str:
    """How far the due date is from today (open), or how it was kept (delivered)."""
    if p.status == PromiseStatus.DELIVERED:
        return p.timing(tz)
    if p.status != PromiseStatus.OPEN or not p.due_date:
        return ""
    try:
        days = (date.fromisoformat(p.due_date) - date.fromisoformat(today)).days
    except ValueError:
        return ""
    if days < 0:
        return f"{-days}d late"
    return "due today" if days == 0 else f"in {days}d"


class PromiseTable(DataTable[Text]):
    """Promises, keyboard-first: j/k or the arrows move, Enter opens the review."""

    BINDINGS = [
        Binding("enter", "open", "Open review", key_display="Enter"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    COMPONENT_CLASSES = {
        "promise-table--late",
        "promise-table--open",
        "promise-table--delivered",
        "promise-table--closed",
        "promise-table--flag",
        "promise-table--doubt",
    }

    class Highlighted(Message):
        """The cursor is on another promise (or on none: the list is empty)."""

        def __init__(self, table: PromiseTable, promise: Promise | None) -> None:
            super().__init__()
            self.table = table
            self.promise = promise

        @property
        def control(self) -> PromiseTable:
            return self.table

    class Opened(Message):
        """Enter (or a click on the highlighted row): open this promise's review."""

        def __init__(self, table: PromiseTable, promise: Promise) -> None:
            super().__init__()
            self.table = table
            self.promise = promise

        @property
        def control(self) -> PromiseTable:
            return self.table

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.promises: list[Promise] = []
        self.today = ""
        self.tz: Any = None
        self._plan: tuple[tuple[Column, int], ...] = ()
        self._announced: int | None = -1

    # ------------------------------------------------------------ attributes down

    def show(self, promises: Sequence[Promise], today: str, tz: Any) -> None:
        """New rows. The cursor stays on the promise it was on if that is still listed,
        else at the same position (the next one down a worklist)."""
        current = self.current
        index = self.cursor_row
        self.promises = list(promises)
        self.today, self.tz = today, tz
        self._fill()
        if self.promises:
            ids = [p.id for p in self.promises]
            row = ids.index(current.id) if current and current.id in ids else index
            self.move_cursor(row=min(max(row, 0), len(ids) - 1))
        self._announce(force=True)  # the same promise may have changed

    @property
    def current(self) -> Promise | None:
        if not self.promises or not 0 <= self.cursor_row < len(self.promises):
            return None
        return self.promises[self.cursor_row]

    def select(self, promise_id: int) -> None:
        """Put the cursor on this promise if it is listed (a new one, say)."""
        ids = [p.id for p in self.promises]
        if promise_id in ids:
            self.move_cursor(row=ids.index(promise_id))

    @property
    def columns_shown(self) -> list[str]:
        return [c.name for c, _ in self._plan]

    # ------------------------------------------------------------ drawing

    def _fill(self) -> None:
        plan = plan_columns(self.size.width)
        if plan != self._plan:
            self.clear(columns=True)
            self._plan = plan
            for column, width in plan:
                self.add_column(column.name, width=width, key=column.name.lower())
        else:
            self.clear()
        for p in self.promises:
            self.add_row(*(self._cell(c.name, p, w) for c, w in plan), key=str(p.id))

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"promise-table--{name}", partial=True)

    def _cell(self, name: str, p: Promise, width: int) -> Text:
        late = p.is_overdue(self.today)
        if name == "State":
            if late:
                state = Text("OVERDUE", style=self._style("late"))
            elif p.status == PromiseStatus.OPEN:
                state = Text("open", style=self._style("open"))
            elif p.status == PromiseStatus.DELIVERED:
                state = Text("delivered", style=self._style("delivered"))
            else:
                state = Text(str(p.status), style=self._style("closed"))
            if p.disputed and p.status == PromiseStatus.OPEN:  # the model doubts it
                state.append(" ?", style=self._style("doubt"))
            if p.flag:  # the customer wrote again after delivery: look again
                state.append(" ⚑", style=self._style("flag"))
            return state
        if name == "Due":
            return Text(p.due_date or "—", style=self._style("late") if late else "")
        if name == "When":
            return Text(when(p, self.today, self.tz), style=self._style("late") if late else "")
        if name == "Owner":
            return cell(p.owner, width)
        if name == "Kind":
            return Text(str(p.kind))
        if name == "Review":
            return Text(str(p.review_id))
        if name == "What":
            return cell(p.what, 400)
        if name == "Tracker":
            return cell(p.tracker_url or "", width)
        if name == "Evidence":
            return cell(p.evidence or "", 200)
        raise ValueError(name)

    def on_resize(self, event: Resize) -> None:
        if plan_columns(self.size.width) != self._plan:
            keep = self.cursor_row
            self._fill()
            if self.promises:
                self.move_cursor(row=min(keep, len(self.promises) - 1))

    # ------------------------------------------------------------ messages up

    def _announce(self, force: bool = False) -> None:
        p = self.current
        pid = p.id if p else None
        if force or pid != self._announced:
            self._announced = pid
            self.post_message(self.Highlighted(self, p))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._announce()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # a click on the highlighted row
        self.action_open()

    def action_open(self) -> None:
        p = self.current
        if p is not None:
            self.post_message(self.Opened(self, p))
