"""The draft editor: the review above, the reply below, house-style findings beside it.

Opening it claims the review for this user (colleagues see who holds it and cannot
approve). Generation streams into the editor from a thread worker; Esc stops it and keeps
what arrived. Approving and posting run in thread workers too (the model may be asked for
the promises a reply makes). Every edit is linted as you type (debounced).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Input, Static, TextArea
from textual.worker import get_current_worker

from replydesk.domain.errors import LintBlocked, ReplydeskError
from replydesk.domain.findings import Finding
from replydesk.domain.models import Draft, DraftKind, DraftState, Promise, Review, ReviewStatus
from replydesk.services import (
    drafting,
    editing,
    external_editor,
    inbox,
    platforms,
    posting,
    triaging,
)
from replydesk.services.drafting import DraftOutcome, DraftStatus, NoteUse, StopGeneration
from replydesk.services.workspace import Workspace
from replydesk.tui.screens.base import busy, call_service
from replydesk.tui.screens.dialogs import ConfirmLoss, ConfirmPost, ConfirmPromises
from replydesk.tui.screens.pickers import SnippetPicker, relabel
from replydesk.tui.widgets.footer import KeyFooter
from replydesk.tui.widgets.inbox.review_view import author_history
from replydesk.tui.widgets.render import label, plain, stars


class EditorScreen(Screen[bool | None]):
    """Dismissed with None (closed), False (approved) or True (approved, open the next)."""

    # short names for the footer (it must fit 80 columns); help and the palette show the
    # tooltip. ctrl+a/ctrl+y/ctrl+e/ctrl+k belong to the text area; so do letters and "?",
    # which is why help here is F1
    BINDINGS = [
        Binding("ctrl+g", "generate", "Draft", tooltip="Generate a new draft"),
        Binding(
            "ctrl+n",
            "regenerate_with_note",
            "Note",
            tooltip="Regenerate with a note for the model (shorter, offer a call…)",
        ),
        Binding("ctrl+s", "approve", "Approve", priority=True, tooltip="Approve this reply"),
        Binding(
            "ctrl+j",
            "approve_next",
            "Approve+next",
            priority=True,
            tooltip="Approve, then open the next review",
        ),
        Binding(
            "ctrl+t",
            "approve_post",
            "Approve+post",
            priority=True,
            show=False,
            tooltip="Approve, then post it (after a last look)",
        ),
        Binding(
            "ctrl+b",
            "copy",
            "Copy",
            priority=True,
            show=False,
            tooltip="Copy the reply to your clipboard (OSC 52, works over SSH)",
        ),
        Binding("ctrl+o", "external_editor", "$EDITOR", tooltip="Edit in $VISUAL/$EDITOR"),
        Binding("f2", "relabel", "Label", show=False, tooltip="Change the review's label"),
        Binding(
            "f3",
            "no_reply",
            "No reply",
            show=False,
            tooltip="Set the review aside: no reply needed (F3 again undoes)",
        ),
        Binding("f4", "snippet", "Snippet", show=False, tooltip="Insert a snippet at the cursor"),
        Binding(
            "escape",
            "stop_or_close",
            "Close",
            tooltip="Stop generating, or close (asks first if you changed the reply)",
        ),
        Binding("f1", "app.help", "Help", tooltip="Every key on this screen"),
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
        self.lint_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="editor-main"):
                yield VerticalScroll(Static(id="editor-review"), id="editor-review-pane")
                yield Static(id="editor-status")
                yield Input(
                    placeholder="note for the model, e.g. shorter (Enter)",
                    id="editor-note",
                )
                yield TextArea(id="editor-text", soft_wrap=True, show_line_numbers=False)
            yield VerticalScroll(Static(id="editor-findings"), id="editor-findings-pane")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#editor-note").display = False
        r = self._show_review()
        holder = editing.claim(self.ws, self.review_id)
        self.read_only = holder.user != self.ws.user
        self.base = editing.current_draft(self.ws, self.review_id)
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

    def _show_review(self) -> Review:
        """The review above the reply: who, label, text, what they already told us, the
        promises on it and the author's history."""
        detail = inbox.detail(self.ws, self.review_id)
        r = detail.review
        head = Text.assemble(
            plain(r.author or "anonymous", "bold"),
            "  ",
            stars(r.rating),
            "  ",
            label(detail.triage.effective if detail.triage else None),
            (f"  ·  {r.source} · {r.language or '?'}", "dim"),
        )
        if r.status == ReviewStatus.IGNORED:
            head.append("  ·  set aside: no reply needed (F3 undoes)", "bold magenta")
        head.append("\n")
        if r.title:
            head.append_text(plain(r.title + "\n", "bold"))
        head.append_text(plain(r.body))
        given = editing.given(self.ws, r)
        if given:  # what a draft must not ask for again
            head.append("\nAlready given: ", "bold")
            head.append_text(plain(" · ".join(f"{k} {v}" for k, v in given.items()), "dim"))
        for p in detail.promises:
            head.append(f"\nPromise {p.id} ({p.kind}, {p.status}): ", "bold")
            head.append_text(plain(p.what))
        head.append_text(author_history(detail, self.ws.now()))
        self.query_one("#editor-review", Static).update(head)
        return r

    def _describe_base(self) -> str:
        if self.base is None:
            return "no draft yet: Ctrl+G to generate, or F3 if it needs no reply"
        who = "offline composer" if self.base.author == "offline" else self.base.author
        return f"draft v{self.base.version} by {who} ({self.base.state})"

    def _status(self, text: str, style: str = "") -> None:
        self.query_one("#editor-status", Static).update(Text(text, style=style))

    # ------------------------------------------------------------ linting

    @on(TextArea.Changed, "#editor-text")
    def _changed(self) -> None:
        self.pending_despite_lint = False
        if self.lint_timer is not None:  # debounce: lint once typing pauses
            self.lint_timer.stop()
        self.lint_timer = self.set_timer(0.25, self._lint, name="lint")

    def _lint(self) -> None:
        text = self.query_one(TextArea).text
        kind = self.base.kind if self.base else DraftKind.REPLY
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

    @work(thread=True, exclusive=True, group="generate")
    def _generate(self, note: str) -> None:
        """In a thread: the model streams into the editor piece by piece; Esc cancels this
        worker and the next piece stops the stream (what arrived stays, unsaved)."""
        worker = get_current_worker()

        def token(piece: str) -> None:
            if worker.is_cancelled:
                raise StopGeneration
            self.app.call_from_thread(self._append, piece)

        try:
            outcome = drafting.redraft(
                self.ws,
                self.review_id,
                note=note,
                on_token=token,
                stop=lambda: worker.is_cancelled,
            )
        except StopGeneration:
            return
        except ReplydeskError as exc:
            self.app.call_from_thread(self._generation_failed, exc)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._generated, outcome)

    def _append(self, piece: str) -> None:
        if self.is_attached:
            area = self.query_one(TextArea)
            area.insert(piece, area.document.end)

    def _generation_failed(self, exc: ReplydeskError) -> None:
        if self.is_attached:
            self._status(f"not generated: {exc.message}", "red")

    def _generated(self, outcome: DraftOutcome) -> None:
        if not self.is_attached:
            return
        kept = outcome.status in (DraftStatus.FAILED, DraftStatus.SKIPPED)
        if outcome.draft_id and not kept:  # a failure keeps the draft you had
            self.base = editing.get_draft(self.ws, outcome.draft_id)
            self.query_one(TextArea).load_text(self.base.text)
            self.language = self.base.language
        elif kept:
            self.query_one(TextArea).load_text(self.base.text if self.base else "")
        failed = outcome.status in (DraftStatus.FAILED, DraftStatus.FAILING_LINT)
        self._status(
            f"{outcome.status}: {self._describe_base()}"
            + (f" — {outcome.message}" if outcome.message else "")
            + (f" · {outcome.note}" if outcome.note else ""),
            "red" if failed else "green",
        )
        if outcome.note == NoteUse.IGNORED:
            self.notify(str(outcome.note), title="Note not used", severity="warning")
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
        if busy(self, "approve") or busy(self, "post"):  # its answer must reach this screen
            self.notify("approving or posting: wait for it to finish", severity="warning")
            return
        running = [w for w in self.workers if w.group == "generate" and w.is_running]
        if running:
            for w in running:
                w.cancel()
            self._status(
                "stopped; the partial text is kept (not saved until you approve)", "yellow"
            )
            return
        if self._unsaved():

            def answered(discard: bool | None) -> None:
                if discard:
                    editing.release(self.ws, self.review_id)
                    self.dismiss(None)

            self.app.push_screen(
                ConfirmLoss(
                    Text("Discard your changes to this reply?", style="bold"),
                    Text(
                        "They are not saved yet: approving saves them (Ctrl+S). "
                        "y discards them · n, Esc or Enter keeps editing",
                        style="dim",
                    ),
                    yes="Discard",
                ),
                answered,
            )
            return
        editing.release(self.ws, self.review_id)
        self.dismiss(None)

    def _unsaved(self) -> bool:
        """Is the text in the editor other than the draft it was opened on?"""
        if self.read_only:
            return False
        text = self.query_one(TextArea).text
        return text.strip() != (self.base.text if self.base else "").strip()

    # ------------------------------------------------------------ the review itself

    def action_relabel(self) -> None:
        relabel(self, self.ws, self.review_id, self._show_review)

    def action_no_reply(self) -> None:
        if self.read_only:
            self.notify("someone else holds this review", severity="warning")
            return
        review = inbox.detail(self.ws, self.review_id).review
        needed = review.status == ReviewStatus.IGNORED
        if not needed and self._unsaved():

            def answered(discard: bool | None) -> None:
                if discard:
                    self._set_aside(needed)

            self.app.push_screen(
                ConfirmLoss(
                    Text("Set this review aside and discard your changes?", style="bold"),
                    Text("y sets it aside · n, Esc or Enter keeps editing", style="dim"),
                    yes="Set aside",
                ),
                answered,
            )
            return
        self._set_aside(needed)

    def _set_aside(self, needed: bool) -> None:
        try:
            triaging.no_reply(self.ws, self.review_id, needed=needed)
        except ReplydeskError as exc:
            self.notify(exc.message, title="Not changed", severity="error")
            return
        if needed:
            self.notify(f"review #{self.review_id} is back in the queue")
            self._show_review()
            return
        self.notify(f"review #{self.review_id} set aside: no reply needed (x in the inbox undoes)")
        editing.release(self.ws, self.review_id)
        self.dismiss(None)

    def action_snippet(self) -> None:
        found = editing.snippets(self.ws, self.language)
        if not found:
            self.notify(
                "no snippets yet: add them to your config under [style.snippets] "
                '(name = "text"), or per language under [style.voice.<code>.snippets]',
                severity="warning",
                timeout=8,
            )
            return

        def chosen(name: str | None) -> None:
            if name is not None and not self.read_only:
                area = self.query_one(TextArea)
                area.insert(found[name])
                area.focus()

        self.app.push_screen(SnippetPicker(found), chosen)

    # ------------------------------------------------------------ approving

    def _approve(self, next_review: bool, post: bool = False) -> None:
        """Approve (in a worker: reading the promises may ask the model); a person confirms
        the promises it makes; post it if asked and confirmed on the last look."""
        if self.read_only:
            self.notify("someone else holds this review: you cannot approve it", severity="error")
            return
        if busy(self, "post"):
            self.notify("posting: wait for the platform's answer", severity="warning")
            return
        if busy(self, "generate"):  # the text is not the draft yet: it is still arriving
            self.notify(
                "the draft is still being written: approve it once it is done (Esc stops it)",
                severity="warning",
            )
            return
        text, base, despite = self.query_one(TextArea).text, self.base, self.pending_despite_lint
        self._status("approving…", "yellow")
        call_service(
            self,
            lambda: editing.approve(self.ws, self.review_id, text, base, despite_lint=despite),
            lambda done: self._approved(done, next_review, post),
            title="Not approved",
            group="approve",
            failed=self._not_approved,
        )

    def _not_approved(self, exc: ReplydeskError) -> None:
        # a house-style block can be overridden by approving again; anything else cannot
        self.pending_despite_lint = isinstance(exc, LintBlocked)
        self._status(f"not approved: {exc.message}", "red")
        self.notify(exc.message, title="Not approved", severity="error", timeout=8)

    def _approved(self, done: editing.Approved, next_review: bool, post: bool) -> None:
        self.base = done.draft
        self._status(f"approved: {self._describe_base()}", "green")

        def confirmed(promised: list[Promise] | None) -> None:
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
        where = platforms.target(self.ws, self.review_id)
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
                call_service(
                    self,
                    lambda: posting.post_one(self.ws, draft.id),
                    lambda outcome: self._sent(outcome, where.source, next_review),
                    title="Not posted",
                    group="post",
                )
            else:
                later = (  # the demo's database is a throwaway: no CLI command reaches it
                    "Ctrl+T again later"
                    if self.ws.demo
                    else "Ctrl+T again, or `replydesk post` later"
                )
                self.notify(f"approved, not posted: {later}", title="Not posted")
                self._close(next_review)

        self.app.push_screen(ConfirmPost(where, draft.text), answered)

    def _sent(self, outcome: posting.PostOutcome, where: str, next_review: bool) -> None:
        if outcome.published:
            self.notify(f"posted on {where}", title="Posted")
            self._close(next_review)
            return
        # stay here: the person can fix the text, or copy it instead
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
        if self.base and self.base.state == DraftState.APPROVED and self.base.text == text:
            editing.copied(self.ws, self.base)
            self.base = editing.get_draft(self.ws, self.base.id)  # now posted (by hand)
            self.notify("copied and marked copied: paste it on the platform", title="Copied")
        else:
            self.notify("copied (approve it to mark the review replied)", title="Copied")

    def action_external_editor(self) -> None:
        if self.read_only:
            self.notify("someone else holds this review", severity="warning")
            return
        area = self.query_one(TextArea)
        try:
            edited = external_editor.edit(area.text, self.app.suspend, fallback="vi")
        except ReplydeskError as exc:
            self.notify(exc.message, title="Not edited", severity="error", timeout=8)
            return
        if edited == area.text:
            self.notify("no change to the reply")
        else:
            area.load_text(edited)
