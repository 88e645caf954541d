"""Stats in the terminal: replies per day, response time, promise-kept rate, triage mix."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Header, Sparkline, Static

from replydesk.domain.text import one_line
from replydesk.services.stats import compute, figure
from replydesk.tui.screens.base import BACK, WorkspaceScreen
from replydesk.tui.widgets.footer import KeyFooter
from replydesk.tui.widgets.render import LABEL_COLOURS, plain


def bar(label: str, value: int, total: int, width: int = 40, colour: str = "cyan") -> Text:
    filled = round(width * value / total) if total else 0
    return Text.assemble(
        (f"{label:<12}", "bold"),
        ("█" * filled, colour),
        ("░" * (width - filled), "grey30"),
        f" {value}",
    )


def empty(title: str, text: str) -> Text:
    """A section with nothing to show yet: what will be here, and how it comes."""
    return Text.assemble((title, "bold"), "  ", (text, "dim"))


NO_REPLIES = (
    "Replies",
    "none yet: replies per day and response times show here once replies are posted "
    "(or copied). Enter on a review in the inbox opens the editor to write one.",
)
NO_PROMISES = (
    "\nPromises",
    "none yet: promises made in approved replies (or added with n on the promises "
    "board, p) are counted here, with how many were kept on time.",
)
NO_REVIEWS = (
    "\nTriage mix",
    "no reviews yet: sync your sources (s, then y) or run `replydesk import FILE`; "
    "each review is labelled criticism, vague, provocation or praise.",
)


DAY_CELLS = 4  # columns of the replies chart per day


class StatsScreen(WorkspaceScreen):
    BINDINGS = [BACK]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(id="stats-replies")
            yield Sparkline([], id="stats-per-day")
            yield Static(id="stats-days")  # the first and last day under the chart
            yield Static(id="stats-promises")
            yield Static(id="stats-triage")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "stats"
        s = compute(self.ws)
        per_day = list(s["replies_per_day"].values())
        within = s["within_target"]
        self.query_one("#stats-replies", Static).update(
            Text.assemble(
                ("Replies per day", "bold"),
                f" (last {len(per_day)} days) · {s['replies']} replies in all"
                f" · median response {figure(s['median_response_hours'])} h · within "
                f"{s['response_target_hours']} h: ",
                (f"{within:.0%}" if within is not None else "—", "bold"),
            )
        )
        chart = self.query_one(Sparkline)
        chart.data = per_day or [0]
        # a fixed width per day: stretched over a wide terminal, 14 values leave most
        # columns empty and the chart reads flat
        chart.styles.width = max(1, len(per_day)) * DAY_CELLS
        days = list(s["replies_per_day"])
        axis = self.query_one("#stats-days", Static)
        if days:
            gap = max(1, len(days) * DAY_CELLS - len(days[0]) - len(days[-1]))
            axis.update(Text(f"{days[0]}{' ' * gap}{days[-1]}", style="dim"))
        if not s["replies"]:  # nothing to chart: say what will be here, and how
            self.query_one("#stats-replies", Static).update(empty(*NO_REPLIES))
            chart.display = axis.display = False
        elif not any(per_day):  # replies, but none lately: a flat chart would say nothing
            axis.update(Text(f"no replies in the last {len(per_day)} days", style="dim"))
            chart.display = False
        self.query_one("#stats-promises", Static).update(self._promises(s["promises"]))
        mix = s["triage"]
        total = max(1, sum(mix.values()))
        tri = Text("\nTriage mix\n", style="bold") if mix else empty(*NO_REVIEWS)
        for name in ("criticism", "vague", "provocation", "praise", "untriaged"):
            if name in mix:
                tri.append_text(bar(name, mix[name], total, colour=LABEL_COLOURS[name]))
                tri.append("\n")
        self.query_one("#stats-triage", Static).update(tri)

    def _promises(self, p: dict[str, Any]) -> Text:
        if not any(p[name] for name in ("delivered", "broken", "open", "overdue", "withdrawn")):
            return empty(*NO_PROMISES)
        total = max(1, p["delivered"] + p["broken"] + p["open"] + p["overdue"])  # each once
        kept = f"{p['kept_rate']:.0%}" if p["kept_rate"] is not None else "—"
        lines = Text.assemble(
            ("\nPromises", "bold"),
            f"  kept {kept} ({p.get('kept_on_time', 0)} on time, {p.get('kept_late', 0)} late)"
            f" · median {figure(p['median_days_to_delivery'])} days to deliver\n",
        )
        for name, colour in (
            ("delivered", "green"),
            ("open", "yellow"),
            ("overdue", "red"),
            ("broken", "magenta"),
        ):
            lines.append_text(bar(name, p[name], total, colour=colour))
            lines.append("\n")
        for title, key in (("by product", "by_product"), ("by owner", "by_owner")):
            groups = p.get(key) or {}
            if groups:
                lines.append(f"{title}:\n", "bold")
            for name, g in sorted(groups.items()):
                rate = f"{g['kept_rate']:.0%}" if g.get("kept_rate") is not None else "—"
                lines.append_text(plain(f"  {one_line(str(name), 24):<24}"))
                lines.append(
                    f" kept {rate} · {g['kept_on_time']} on time, {g['kept_late']} late,"
                    f" {g['open']} open, {g['overdue']} overdue, {g['broken']} broken\n"
                )
        return lines
