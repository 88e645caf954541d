"""The inbox list: one row per review, every cell plain text."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from replydesk.models import Review
from replydesk.timeutil import age
from replydesk.tui.widgets.render import cell, label, stars

# what a person scans first comes first: at 80 columns the review text is still visible
COLUMNS = ("Age", "Rating", "Label", "Review", "Source", "Lang", "Status")


class ReviewTable(DataTable):
    """Rows keyed by review id; the app fills it, selection is announced by DataTable."""

    DEFAULT_CSS = """
    ReviewTable { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.response_target_hours = 24

    def on_mount(self) -> None:
        for name in COLUMNS:
            self.add_column(name, key=name.lower())

    def show(self, reviews: list[Review], now: datetime) -> None:
        keep = self.cursor_row
        self.clear()
        for r in reviews:
            self.add_row(*self.cells(r, now), key=str(r.id))
        if reviews:
            self.move_cursor(row=min(keep, len(reviews) - 1))

    def append(self, reviews: list[Review], now: datetime) -> None:
        for r in reviews:
            if str(r.id) not in self.rows:
                self.add_row(*self.cells(r, now), key=str(r.id))

    def cells(self, r: Review, now: datetime) -> tuple[Text, ...]:
        hours = (now - r.created_at).total_seconds() / 3600 if r.created_at else 0
        late = r.status in ("new", "drafted") and hours > self.response_target_hours
        summary = r.title or r.body
        return (
            Text(age(r.created_at, now), style="bold red" if late else ""),
            stars(r.rating),
            label(r.label),
            cell(summary, 48),
            cell(r.source, 16),
            cell(r.language or "?", 4),
            cell(r.status + (" ✎" if r.edited else "")
                 + (f" · {r.claimed_by}" if r.claimed_by else ""), 22),
        )
