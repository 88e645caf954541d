"""The audit log: who did what, newest first (approvals, posts, label changes, promises).

One row per event: when (its age and the local time), who (the display name, which anyone
can set, and, when there is room, the OS login that acted), what in words, the review and
a short sentence of what it did. The line under the list shows the event under the
cursor in full. `/` filters (by name, login, action, review or detail; Enter applies,
Esc clears), Enter opens the event's review in the editor.

Everything an event carries may have come from outside (a display name, a promise's
wording, a platform's error): it is drawn as plain text, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.message import Message
from textual.widgets import DataTable, Header, Input, Static

from replydesk.domain.models import Event
from replydesk.services import audit
from replydesk.services.workspace import Workspace
from replydesk.tui.screens.base import WorkspaceScreen
from replydesk.tui.widgets.footer import KeyFooter
from replydesk.tui.widgets.render import cell, plain

EMPTY = (
    "Nothing yet: approvals, posts, label changes and promise updates appear here as "
    "people act.\nOpen a review from the inbox (Enter) and approve a reply to see the first."
)


@dataclass(frozen=True)
class Column:
    name: str
    width: int  # 0: takes what is left
    drop: int = 0  # when the log is narrow, the highest goes first; 0 never goes


# "When" is the age and the time of day; from about 120 columns the date shows too
COLUMNS = (
    Column("When", 16),
    Column("Who", 12),
    Column("Login", 10, drop=1),
    Column("What", 14),
    Column("Review", 6),
    Column("Detail", 0),
)
SHORT_WHEN = 9  # "13d 16:02"
MIN_DETAIL = 40
PADDING = 2  # a DataTable cell has one space either side
SCROLLBAR = 2


@lru_cache(maxsize=16)
def plan_columns(width: int) -> tuple[tuple[Column, int], ...]:
    """Column widths for a log this wide: the detail takes what the others leave."""
    room = width - SCROLLBAR
    columns = list(COLUMNS)
    widths = {c.name: c.width for c in columns}

    def fixed() -> int:
        return sum(widths[c.name] + PADDING for c in columns if c.width) + PADDING

    if room - fixed() < MIN_DETAIL:
        widths["When"] = SHORT_WHEN
        widths["Who"] = 10
    while room - fixed() < MIN_DETAIL and any(c.drop for c in columns):
        columns.remove(max(columns, key=lambda c: c.drop))
    rest = max(20, room - fixed())
    return tuple((c, widths[c.name] or rest) for c in columns)


class EventTable(DataTable[Text]):
    """The events, newest first; Enter opens the review of the one under the cursor."""

    BINDINGS = [
        Binding("enter", "open", "Open review", key_display="Enter"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    class Opened(Message):
        def __init__(self, event: Event) -> None:
            super().__init__()
            self.event = event

    class Highlighted(Message):
        def __init__(self, event: Event | None) -> None:
            super().__init__()
            self.event = event

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.events: list[Event] = []
        self.now: datetime | None = None
        self.tz: tzinfo | None = None
        self._plan: tuple[tuple[Column, int], ...] = ()

    def show(self, events: list[Event], now: datetime, tz: tzinfo) -> None:
        self.events, self.now, self.tz = events, now, tz
        self._fill()
        self.move_cursor(row=0)
        self.post_message(self.Highlighted(self.current))

    @property
    def current(self) -> Event | None:
        if not self.events or not 0 <= self.cursor_row < len(self.events):
            return None
        return self.events[self.cursor_row]

    @property
    def columns_shown(self) -> list[str]:
        return [c.name for c, _ in self._plan]

    def _fill(self) -> None:
        plan = plan_columns(self.size.width)
        if plan != self._plan:
            self.clear(columns=True)
            self._plan = plan
            for column, width in plan:
                self.add_column(column.name, width=width, key=column.name.lower())
        else:
            self.clear()
        for e in self.events:
            self.add_row(*(self._cell(c.name, e, w) for c, w in plan), key=str(e.id))

    def _cell(self, name: str, e: Event, width: int) -> Text:
        if name == "When":
            assert self.now is not None and self.tz is not None
            return cell(audit.when(e.at, self.now, self.tz, short=width < 16), width)
        if name == "Who":
            return cell(e.user, width)
        if name == "Login":
            return cell(e.login, width) if e.login else Text("—", style="dim")
        if name == "What":
            return cell(audit.what(e.action), width, "bold")
        if name == "Review":
            return Text(f"#{e.review_id}") if e.review_id else Text("—", style="dim")
        if name == "Detail":
            return cell(audit.describe(e), 300)
        raise ValueError(name)

    def on_resize(self, event: Resize) -> None:
        if self.now is not None and plan_columns(self.size.width) != self._plan:
            keep = self.cursor_row
            self._fill()
            if self.events:
                self.move_cursor(row=min(keep, len(self.events) - 1))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self.current))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # a click on the highlighted row
        self.action_open()

    def action_open(self) -> None:
        e = self.current
        if e is not None:
            self.post_message(self.Opened(e))


class AuditScreen(WorkspaceScreen):
    AUTO_FOCUS = "#events"  # never the hidden filter box
    LEGEND = (  # shown under the keys in help
        ("#12", "the review it was about: Enter opens it in the editor"),
        ("—", "none: not about one review, or no login (events before logins were kept)"),
        ("→", "a label changed from the first to the second"),
    )
    DEFAULT_CSS = """
    #audit-summary { height: 1; padding: 0 1; background: $panel;
                     text-wrap: nowrap; text-overflow: ellipsis; }
    #events { height: 1fr; }
    #audit-empty { height: 1fr; padding: 1 2; color: $text-muted; }
    #audit-event { height: 2; padding: 0 1; background: $panel;
                   text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear", "Clear filter"),  # while there is one, else:
        Binding("escape", "back", "Back"),
        Binding("question_mark", "app.help", "Help", show=False),
    ]

    def __init__(self, ws: Workspace) -> None:
        super().__init__(ws)
        self.query_text = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            placeholder="filter: name, login, action, #review or text (Enter applies, Esc clears)",
            id="audit-filter",
        )
        yield Static(id="audit-summary")
        yield EventTable(id="events")
        yield Static(id="audit-empty")
        yield Static(id="audit-event")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "audit log"
        self.query_one("#audit-filter").display = False
        self.reload()

    def reload(self) -> None:
        found = audit.listing(self.ws, self.query_text)
        table = self.query_one(EventTable)
        table.show(found.events, self.ws.now(), self.ws.tz)
        summary = Text(no_wrap=True, overflow="ellipsis")
        summary.append_text(plain(found.header))
        if self.query_text:
            summary.append(" · Esc clears", "dim")
        self.query_one("#audit-summary", Static).update(summary)
        empty = self.query_one("#audit-empty", Static)
        if not found.events:
            if self.query_text:
                message = Text("No events match ")
                message.append_text(cell(self.query_text, 60, "bold"))
                message.append(": Esc clears the filter, / changes it.")
            else:
                message = Text(EMPTY)
            empty.update(message)
        table.display = table.can_focus = bool(found.events)
        empty.display = not found.events
        self.query_one("#audit-event").display = bool(found.events)
        if not found.events and self.focused is table:
            self.set_focus(None)  # nothing to open: the footer offers no Enter

    @on(EventTable.Highlighted)
    def _highlighted(self, message: EventTable.Highlighted) -> None:
        e = message.event
        out = Text(no_wrap=True, overflow="ellipsis")
        if e is not None:
            out.append(f"event {e.id}", "bold")
            out.append(f" · {audit.local_time(e.at, self.ws.tz)} · ")
            out.append_text(cell(e.user, 30))
            if e.login:
                out.append(" (login ", "dim")
                out.append_text(cell(e.login, 20, "dim"))
                out.append(")", "dim")
            if e.review_id:
                out.append(f" · review #{e.review_id}")
            out.append(" · ", "dim")
            out.append_text(cell(e.action, 40, "dim"))
            out.append("\n")
            out.append_text(cell(audit.describe(e), 400))
        self.query_one("#audit-event", Static).update(out)

    @on(EventTable.Opened)
    def _opened(self, message: EventTable.Opened) -> None:
        from replydesk.tui.screens.editor import EditorScreen

        review_id = message.event.review_id
        if review_id is None:
            self.notify("this event is not about one review", severity="warning")
            return
        self.app.push_screen(EditorScreen(self.ws, review_id), lambda _result: self.reload())

    def action_filter(self) -> None:
        box = self.query_one("#audit-filter", Input)
        box.display = True
        box.focus()
        self.refresh_bindings()

    @on(Input.Submitted, "#audit-filter")
    def _apply(self, event: Input.Submitted) -> None:
        self.query_text = " ".join(event.value.split())
        if not self.query_text:
            event.input.display = False
        self.reload()
        self._focus_list()
        self.refresh_bindings()

    def _focus_list(self) -> None:
        table = self.query_one(EventTable)
        if table.display:
            table.focus()
        else:
            self.set_focus(None)

    def _filtering(self) -> bool:
        return bool(self.query_text) or self.query_one("#audit-filter").display

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Esc clears the filter (and closes its box) while there is one, else goes back."""
        if action == "clear":
            return self._filtering()
        if action == "back":
            return not self._filtering()
        return True

    def action_clear(self) -> None:
        box = self.query_one("#audit-filter", Input)
        box.value = ""
        box.display = False
        if self.query_text:
            self.query_text = ""
            self.reload()
        self._focus_list()
        self.refresh_bindings()

    def action_back(self) -> None:
        self.app.pop_screen()
