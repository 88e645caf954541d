"""The draft editor: the review above, the reply below, house-style findings beside it.

Opening it claims the review for this user (colleagues see who holds it and cannot
approve). Generation streams into the editor in an exclusive worker; Esc stops it and
keeps what arrived. Every edit is linted as you type (debounced).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static, TextArea

from replydesk.domain.models import Draft
from replydesk.services import editing, inbox, posting
from replydesk.services.drafting import draft_one, make_client
from replydesk.services.workspace import Workspace
from replydesk.style.linter import Finding
from replydesk.tui.screens.dialogs import ConfirmPost, ConfirmPromises
from replydesk.tui.widgets.render import label, plain, stars


class EditorScreen(Screen[bool | None]):
    """Dismissed with None (closed), False (approved) or True (approved, open the next)."""

    BINDINGS = [
        Binding("ctrl+g", "generate", "Generate"),
        Binding("ctrl+n", "regenerate_with_note", "Regenerate with note"),
        # ctrl+a/ctrl+y/ctrl+e belong to the text area (line start, redo, line end)
        Binding("ctrl+s", "approve", "Approve", priority=True),
        Binding("ctrl+j", "approve_next", "Approve & next", priority=True),
        Binding("ctrl+t", "approve_post", "Approve & post", priority=True),
        Binding("ctrl+b", "copy", "Copy (OSC 52)", priority=True),
        Binding("ctrl+o", "external_editor", "$EDITOR"),
        Binding("escape", "stop_or_close", "Stop / close"),
    ]

    def __init__(self, ws: Workspace, review_id: int) -> None:
        super().__init__()
        self.ws = ws
        self.review_id = review_id
        self.base: Draft | None = None
        self.language = ""
        self.read_only = False
        self.findings: list[Finding] = []
        self.pending_despite_lint = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="editor-main"):
                yield VerticalScroll(Static(id="editor-review"), id="editor-review-pane")
                yield Static(id="editor-status")
                yield Input(
                    placeholder="a note for the model: shorter, offer a call… (Enter)",
                    id="editor-note",
                )
                yield TextArea(id="editor-text", soft_wrap=True, show_line_numbers=False)
            yield VerticalScroll(Static(id="editor-findings"), id="editor-findings-pane")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#editor-note").display = False
        detail = inbox.detail(self.ws, self.review_id)
        assert detail is not None
        r = detail.review
        head = Text.assemble(
            plain(r.author or "anonymous", "bold"),
            "  ",
            stars(r.rating),
            "  ",
            label(detail.triage.effective if detail.triage else None),
            (f"  {r.source} · {r.language or '?'}", "dim"),
            "\n",
        )
        if r.title:
            head.append_text(plain(r.title + "\n", "bold"))
        head.append_text(plain(r.body))
        self.query_one("#editor-review", Static).update(head)
        holder = editing.claim(self.ws, self.review_id)
        self.read_only = holder.user != self.ws.user
        drafts = [d for d in detail.drafts if d.state in ("draft", "approved")]
        self.base = drafts[-1] if drafts else None
        self.language = self.base.language if self.base else (r.language or "")
        area = self.query_one(TextArea)
        area.load_text(self.base.text if self.base else "")
        area.read_only = self.read_only
        self.sub_title = f"review {self.review_id}"
        if self.read_only:
            self._status(
                f"{holder.user} is working on this review (claim until "
                f"{holder.expires_at:%H:%M}); you can read but not approve",
                "magenta",
            )
        else:
            self._status(self._describe_base(), "dim")
        self._lint()
        area.focus()

    def _describe_base(self) -> str:
        if self.base is None:
            return "no draft yet: Ctrl+G to generate"
        who = "offline composer" if self.base.author == "offline" else self.base.author
        return f"draft v{self.base.version} by {who} ({self.base.state})"

    def _status(self, text: str, style: str = "") -> None:
        self.query_one("#editor-status", Static).update(Text(text, style=style))

    # ------------------------------------------------------------ linting

    @on(TextArea.Changed, "#editor-text")
    def _changed(self) -> None:
        self.pending_despite_lint = False
        self.set_timer(0.25, self._lint, name="lint")

    def _lint(self) -> None:
        text = self.query_one(TextArea).text
        kind = self.base.kind if self.base else "reply"
        self.findings = (
            editing.check(self.ws, self.review_id, text, self.language, kind)
            if text.strip()
            else []
        )
        self.query_one("#editor-findings", Static).update(self._render_findings(text))

    def _render_findings(self, text: str) -> Text:
        if not text.strip():
            return Text("Nothing to check yet.", style="dim")
        errors = [f for f in self.findings if f.severity == "error"]
        if not self.findings:
            return Text("✓ follows the house style", style="bold green")
        out = Text(f"{len(errors)} house-style error(s)\n\n", style="bold red")
        marked = plain(text)
        for f in self.findings:
            if f.end > f.start:
                marked.stylize("bold red underline", f.start, f.end)
        for f in self.findings:
            out.append(f"✗ {f.rule}: ", "bold red")
            out.append_text(plain(f.message))
            out.append("\n  fix: ", "dim")
            out.append_text(plain(f.fix + "\n", "italic"))
        out.append("\n")
        out.append_text(marked)
        return out

    # ------------------------------------------------------------ generating

    def action_generate(self, note: str = "") -> None:
        if self.read_only:
            self.notify("someone else holds this review", severity="warning")
            return
        self.query_one(TextArea).load_text("")
        self._status("generating… (Esc stops and keeps what arrived)", "yellow")
        self._generate(note)

    @work(exclusive=True, group="generate")
    async def _generate(self, note: str) -> None:
        review = self.ws.store.reviews.get(self.review_id)
        assert review is not None
        area = self.query_one(TextArea)
        client = make_client(self.ws.config)

        def token(piece: str) -> None:
            area.insert(piece, area.document.end)

        try:
            outcome = await draft_one(self.ws, review, client, note=note, on_token=token)
        finally:
            if client is not None:
                await client.close()
        if outcome.draft_id:
            self.base = self.ws.store.drafts.get(outcome.draft_id)
            if self.base:
                area.load_text(self.base.text)
                self.language = self.base.language
        self._status(
            f"{outcome.status}: {self._describe_base()}"
            + (f" — {outcome.message}" if outcome.message else ""),
            "red" if outcome.status in ("failed", "failing-lint") else "green",
        )
        self._lint()

    def action_regenerate_with_note(self) -> None:
        box = self.query_one("#editor-note", Input)
        box.display = True
        box.focus()

    @on(Input.Submitted, "#editor-note")
    def _note(self, event: Input.Submitted) -> None:
        event.input.display = False
        self.action_generate(event.value.strip())
        self.query_one(TextArea).focus()

    def action_stop_or_close(self) -> None:
        running = [w for w in self.workers if w.group == "generate" and w.is_running]
        if running:
            for w in running:
                w.cancel()
            self._status(
                "stopped; the partial text is kept (not saved until you approve)", "yellow"
            )
            return
        editing.release(self.ws, self.review_id)
        self.dismiss(None)

    # ------------------------------------------------------------ approving

    def _approve(self, next_review: bool, post: bool = False) -> None:
        """Approve; a person confirms the promises it makes; post it if asked and confirmed."""
        if self.read_only:
            self.notify("someone else holds this review: you cannot approve it", severity="error")
            return
        text = self.query_one(TextArea).text
        try:
            done = editing.approve(
                self.ws, self.review_id, text, self.base, despite_lint=self.pending_despite_lint
            )
        except editing.EditError as exc:
            self.pending_despite_lint = "house style" in str(exc)
            self.notify(str(exc), title="Not approved", severity="error", timeout=8)
            return
        self.base = done.draft

        def confirmed(promised: list | None) -> None:
            summary = "; ".join(f"{p.kind} due {p.due_date}" for p in promised or [])
            self.notify(
                f"approved v{done.draft.version}" + (f" · promises: {summary}" if summary else ""),
                title="Approved",
            )
            if post:
                self._ask_to_post(done.draft, next_review)
            else:
                self._close(next_review)

        if done.promises:  # what the ledger will chase: a person confirms or corrects it
            self.app.push_screen(ConfirmPromises(self.ws, done.promises), confirmed)
        else:
            confirmed([])

    def _ask_to_post(self, draft: Draft, next_review: bool) -> None:
        where = posting.target(self.ws, self.review_id)
        if not where.can_post:
            self.notify(
                where.why_not + " (Ctrl+B copies)",
                title="Not posted",
                severity="warning",
                timeout=8,
            )
            self._close(next_review)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._status(f"posting to {where.source}…", "yellow")
                self._send(draft, where.source, next_review)
            else:
                self.notify(
                    "approved, not posted: Ctrl+T again or `replydesk post` later",
                    title="Not posted",
                )
                self._close(next_review)

        self.app.push_screen(ConfirmPost(where, draft.text), answered)

    @work(exclusive=True, group="post")
    async def _send(self, draft: Draft, where: str, next_review: bool) -> None:
        (outcome,) = await posting.post_approved(self.ws, [draft.id])
        if outcome.status in ("posted", "confirmed"):
            self.notify(f"posted on {where}", title="Posted")
            self._close(next_review)
        else:  # stay here: the person can fix the text, or copy it instead
            self._status(f"not posted: {outcome.message or outcome.status}", "red")
            self.notify(
                outcome.message or outcome.status,
                severity="error",
                timeout=12,
                title=f"Not posted ({outcome.status})",
            )

    def _close(self, next_review: bool) -> None:
        editing.release(self.ws, self.review_id)
        self.dismiss(next_review)

    def action_approve(self) -> None:
        self._approve(False)

    def action_approve_next(self) -> None:
        self._approve(True)

    def action_approve_post(self) -> None:
        self._approve(False, post=True)

    def action_copy(self) -> None:
        """OSC 52 reaches the clipboard of the terminal you sit at, even over SSH."""
        text = self.query_one(TextArea).text
        if not text.strip():
            return
        self.app.copy_to_clipboard(text)
        if self.base and self.base.state == "approved" and self.base.text == text:
            editing.copied(self.ws, self.base)
            self.notify("copied and marked copied: paste it on the platform", title="Copied")
        else:
            self.notify("copied (approve it to mark the review replied)", title="Copied")

    def action_external_editor(self) -> None:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        area = self.query_one(TextArea)
        with tempfile.NamedTemporaryFile("w+", suffix=".txt", delete=False, encoding="utf-8") as fh:
            fh.write(area.text)
            path = Path(fh.name)
        try:
            with self.app.suspend():
                subprocess.run([*editor.split(), str(path)], check=False)
            area.load_text(path.read_text(encoding="utf-8").rstrip("\n"))
        finally:
            path.unlink(missing_ok=True)
