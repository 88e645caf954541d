"""The lines around the promises list: the counts and the active filter above it, the
promise under the cursor, in full, below it.

Both are drawn from values the screen hands down; neither reads the workspace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.text import Text
from textual.widgets import Static

from replydesk.domain.models import Promise, PromiseStatus
from replydesk.domain.text import one_line
from replydesk.tui.widgets.promises.table import when
from replydesk.tui.widgets.render import cell, plain

COUNTED = ("overdue", "open on time", "delivered", "broken", "withdrawn")


class BoardSummary(Static):
    """Two lines: how many promises there are in each state (the whole ledger), then
    how many are shown and which filter shows them."""

    COMPONENT_CLASSES = {"board-summary--late", "board-summary--delivered", "board-summary--on"}

    def show(
        self, counts: Mapping[str, int], shown: int, filters: Sequence[tuple[str, str]]
    ) -> None:
        """``filters``: (name, value) pairs; "any" and "all" are no filter."""
        out = Text(no_wrap=True, overflow="ellipsis")
        for i, name in enumerate(COUNTED):
            n = counts.get(name, 0)
            if i:
                out.append(" · ", "dim")
            if not n:
                out.append(f"{n} {name}", "dim")
            elif name in ("overdue", "delivered"):
                late = "late" if name == "overdue" else name
                out.append(f"{n} {name}", self.get_component_rich_style(f"board-summary--{late}"))
            else:
                out.append(f"{n} {name}")
        out.append(f"\n{shown} shown", "bold")
        for name, value in filters:
            out.append(f" · {name}: ", "dim")
            if value in ("any", "all"):
                out.append(value, "dim")
            else:
                out.append(one_line(value, 40), self.get_component_rich_style("board-summary--on"))
        self.update(out)


class PromiseDetail(Static):
    """The promise under the cursor in full: what the narrow columns cut off."""

    COMPONENT_CLASSES = {"promise-detail--late", "promise-detail--flag", "promise-detail--doubt"}

    def show(self, p: Promise | None, today: str, tz: Any) -> None:
        if p is None:
            self.update(Text("No promise here: 1 shows them all.", style="dim"))
            return
        late = p.is_overdue(today)
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(f"promise {p.id}", "bold")
        head.append(f" · {p.kind} · review {p.review_id} · owner ")
        head.append_text(cell(p.owner, 30))
        head.append(f" · {p.status}")
        if p.due_date:
            head.append(" · due ")
            timing = when(p, today, tz)
            head.append(
                p.due_date + (f" ({timing})" if timing else ""),
                self.get_component_rich_style("promise-detail--late") if late else "",
            )
        what = plain(one_line(p.what, 300))
        what.no_wrap, what.overflow = True, "ellipsis"
        more = Text(no_wrap=True, overflow="ellipsis")
        if p.disputed and p.status == PromiseStatus.OPEN:
            more.append(
                "? the model doubts it: ", self.get_component_rich_style("promise-detail--doubt")
            )
            more.append_text(cell(p.dispute or "", 120))
            more.append(" · ")
        if p.flag:  # the customer wrote again after delivery
            more.append("⚑ ", self.get_component_rich_style("promise-detail--flag"))
            more.append_text(cell(p.flag, 200))
            more.append(" · ")
        more.append("tracker: ", "dim")
        more.append_text(cell(p.tracker_url or "—", 80))
        if p.evidence:
            more.append(" · evidence: ", "dim")
            more.append_text(cell(p.evidence, 120))
        self.update(Text("\n").join([head, what, more]))
