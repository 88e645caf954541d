"""One review in full: the text as plain text, its triage, the author's history."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from replydesk.domain.findings import errors
from replydesk.domain.models import Promise, ReviewDetail, ReviewStatus
from replydesk.domain.timeutil import age
from replydesk.tui.widgets.render import label, marked, plain, stars


class ReviewView(VerticalScroll):
    """Shows a ``ReviewDetail``; nothing in it is ever read as markup."""

    DEFAULT_CSS = """
    ReviewView { padding: 0 1; }
    """

    highlight = ""  # the inbox search: its matches are marked in the text

    def compose(self) -> ComposeResult:
        yield Static(id="review")  # one widget: one layout pass per review, not four

    def show(self, d: ReviewDetail | None, now: datetime) -> None:
        view = self.query_one("#review", Static)
        if d is None:
            view.update(Text("No review selected.", style="dim"))
            return
        r = d.review
        line = Text.assemble(
            plain(r.author or "anonymous", "bold"),
            "  ",
            stars(r.rating),
            "  ",
            (f"{r.source} · {r.language or '?'} · {age(r.created_at, now)} ago", "dim"),
        )
        if r.product_version:
            line.append(f" · v{r.product_version}", "dim")
        if r.edited:
            line.append(f" · edited (revision {r.version})", "yellow")
        if d.claim:
            line.append(f" · claimed by {d.claim.user}", "magenta")
        if r.status == ReviewStatus.IGNORED:
            line.append("\nset aside: no reply needed (x takes it back)", "bold magenta")
        parts: list[RenderableType] = [line]
        if r.title:
            parts.append(marked(r.title, self.highlight, "bold"))
        parts += [
            marked(r.body, self.highlight)
            if r.body
            else Text("(rating only, no text)", style="dim"),
            "",
            self._triage(d),
            "",
            self._history(d, now),
        ]
        view.update(Group(*parts))
        self.scroll_home(animate=False)

    def _triage(self, d: ReviewDetail) -> Text:
        t = d.triage
        if t is None:
            return Text("Not triaged yet.", style="dim italic")
        out = Text.assemble(
            ("Triage: ", "bold"),
            label(t.effective),
            (f"  confidence {t.score:.2f} · {t.method}", "dim"),
        )
        if t.unsure and not t.override_label:
            out.append("  unsure: check the label (c changes it)", "bold yellow")
        if t.scores:
            probs = " · ".join(f"{head} {p:.2f}" for head, p in t.scores.items())
            out.append(f"\n  learned: {probs}", "dim")
        if t.override_label:
            out.append(f"  (set by {t.override_by}; machine said {t.label})", "magenta")
        opinion = t.opinion
        if opinion.get("error"):
            out.append(f"\n  model second opinion failed: {opinion['error']}", "red")
        elif opinion and not opinion.get("agrees"):
            out.append(
                f"\n  model says {opinion['label']}, replydesk said {opinion['rules_label']}",
                "bold magenta",
            )
        evidence = [e for e in t.reasons if not e.rule.startswith("learned: ")]
        for ev in evidence[:6]:
            out.append("\n  • ")
            out.append_text(plain(ev.rule, "italic"))
            if ev.quote:
                out.append(": ")
                out.append_text(plain(f"“{ev.quote}”", "yellow"))
        tipped = [e.rule.removeprefix("learned: ") for e in t.reasons if e not in evidence]
        if tipped:
            out.append("\n  tipped by: ", "dim")
            out.append_text(plain(" · ".join(tipped), "dim"))
        return out

    def _history(self, d: ReviewDetail, now: datetime) -> Text:
        out = Text()
        drafts = [x for x in d.drafts if x.kind == "reply" and x.state != "discarded"]
        if drafts:
            draft = drafts[-1]
            who = (
                "offline composer"
                if draft.author == "offline"
                else (draft.model if draft.author == "model" else draft.author)
            )
            out.append(f"Draft v{draft.version} ({who}, {draft.state})", "bold blue")
            if draft.author == "offline":
                out.append("  OFFLINE", "reverse")
            failing = errors(draft.lint)
            if draft.state == "failed":
                out.append(f"\n  failed: {draft.error}\n", "red")
            else:
                out.append(
                    f"  · {len(failing)} house-style error(s)\n"
                    if failing
                    else "  · follows the house style\n",
                    "red" if failing else "green",
                )
                out.append_text(plain(draft.text + "\n"))
                for f in failing[:5]:
                    out.append(f"  ✗ {f.rule}: {f.message}\n", "red")
            out.append("\n")
        for reply in d.replies:
            out.append(
                f"Our reply ({reply.by_user}, {age(reply.created_at, now)} ago, {reply.state}):\n",
                "bold green",
            )
            out.append_text(plain(reply.text + "\n"))
        for p in d.promises:
            out.append_text(_promise_line(p, d, now))
        out.append_text(author_history(d, now))
        return out


def author_history(d: ReviewDetail, now: datetime) -> Text:
    """W13: a returning customer's other reviews, our replies and what we promised
    them (the inbox's review pane and the editor both show it)."""
    out = Text()
    h = d.history
    if not h.returning:
        return out
    n = len(h.reviews)
    out.append(f"\nReturning customer: {n} other review{'s' if n > 1 else ''}\n", "bold cyan")
    for old in h.reviews:
        out.append(f"  {age(old.created_at, now)} ago ", "dim")
        out.append_text(stars(old.rating))
        out.append(" ")
        out.append_text(plain((old.title or old.body)[:120]))
        out.append("\n")
        for reply in h.replies.get(old.id, []):
            out.append("    ↳ we replied: ", "green")
            out.append_text(plain(reply.text))
            out.append("\n")
    for p in h.promises:
        out.append_text(_promise_line(p, d, now, indent="  "))
    return out


def _promise_line(p: Promise, d: ReviewDetail, now: datetime, indent: str = "") -> Text:
    today = now.date().isoformat()
    if p.status == "delivered":
        style, state = "green", f"delivered {age(p.delivered_at, now)} ago"
    elif p.is_overdue(today):
        style, state = "bold red", f"OVERDUE since {p.due_date}"
    else:
        style, state = "yellow", f"{p.status}, due {p.due_date or '—'}"
    out = Text(f"{indent}Promise ({p.kind}): ", style="bold")
    out.append_text(plain(p.what))
    out.append(f" — {state}\n", style)
    return out
