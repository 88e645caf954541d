"""One draft from the command line: ``draft show ID``, ``draft edit ID``, ``draft redo ID``.

The morning batch is drafted with ``replydesk draft --all``; these look at and correct
one review's draft without the TUI (over SSH, in a script). Ids are review ids as the
inbox shows them. Everything from a customer or a model is printed inert.
"""

from __future__ import annotations

import argparse

from replydesk.cli.commands.common import FINDINGS, OK, review_id, stdout, workspace
from replydesk.domain.errors import Conflict, UsageError
from replydesk.domain.findings import Finding, errors
from replydesk.domain.models import Draft, ReviewDetail
from replydesk.domain.text import inert
from replydesk.services import drafting, editing, external_editor, inbox
from replydesk.services.drafting import DraftStatus, NoteUse
from replydesk.services.workspace import Workspace

VERBS = ("show", "edit", "redo")


def is_verb(ids: list[str]) -> bool:
    return bool(ids) and ids[0] in VERBS


def cmd_draft_verb(args: argparse.Namespace) -> int:
    verb, *rest = args.ids
    if len(rest) != 1:
        raise UsageError(f"draft {verb} takes one review id, e.g. `replydesk draft {verb} 12`")
    try:
        rid = review_id(rest[0])
    except argparse.ArgumentTypeError as exc:
        raise UsageError(str(exc)) from None
    if args.note is not None and verb != "redo":
        raise UsageError("--note goes with `draft redo ID`: it steers the next draft")
    with workspace(args) as ws:
        if verb == "show":
            return _show(ws, rid)
        if verb == "edit":
            return _edit(ws, rid)
        return _redo(ws, rid, args.note or "")


def _show(ws: Workspace, rid: int) -> int:
    d = inbox.detail(ws, rid)
    out = stdout()
    out.write(_review_block(d))
    draft = editing.current_draft(ws, rid)
    if draft is None:
        out.write(f"\nno draft yet: `replydesk draft {rid}` writes one\n")
        return FINDINGS
    out.write(_draft_block(draft, draft.lint))
    return OK


def _review_block(d: ReviewDetail) -> str:
    r = d.review
    label = d.triage.effective if d.triage is not None else None
    head = (
        f"review {r.id} · {r.source} · {'★' * (r.rating or 0) or 'no rating'} · "
        f"{r.language or 'language unknown'} · {label or 'not triaged'}"
    )
    lines = [inert(head), inert(f"by {r.author or 'anonymous'}")]
    if r.title:
        lines.append(inert(r.title))
    lines.append(inert(r.body))
    for p in d.promises:
        lines.append(inert(f"promise {p.id} ({p.kind}, {p.status}, due {p.due_date}): {p.what}"))
    h = d.history
    if h.returning:
        lines.append(f"returning customer: {len(h.reviews)} other review(s) by this author")
        for old in h.reviews:
            lines.append(inert(f"  review {old.id}: {(old.title or old.body)[:120]}"))
            for reply in h.replies.get(old.id, []):
                lines.append(inert(f"    we replied: {reply.text[:200]}"))
        for p in h.promises:
            lines.append(inert(f"  promise {p.id} ({p.kind}, {p.status}): {p.what}"))
    return "\n".join(lines) + "\n"


def _draft_block(draft: Draft, findings: list[Finding]) -> str:
    who = {"offline": "offline composer", "model": draft.model}.get(draft.author, draft.author)
    lines = [
        "",
        f"draft {draft.id} · v{draft.version} · {draft.kind} · {draft.state} · by {inert(who)}"
        f" · {draft.language or 'default language'}",
        inert(draft.text),
        "",
    ]
    failing = errors(findings)
    if not findings:
        lines.append("follows the house style")
    for f in findings:
        lines.append(inert(f"{f.severity} {f.rule}: {f.message}  (fix: {f.fix})"))
    if failing:
        lines.append(f"{len(failing)} house-style error(s)")
    return "\n".join(lines) + "\n"


def _edit(ws: Workspace, rid: int) -> int:
    base = editing.current_draft(ws, rid)
    if base is None:
        raise UsageError(f"review {rid} has no draft to edit: `replydesk draft {rid}` writes one")
    holder = editing.claim(ws, rid)
    if holder.user != ws.user:
        raise Conflict(f"{holder.user} is working on review {rid}; try again when they are done")
    try:
        text = external_editor.edit(base.text)
        if text.strip() == base.text.strip():
            print(f"no change: draft {base.id} v{base.version} stays as it was")
            return OK
        if not text.strip():
            raise UsageError("the draft came back empty: nothing saved")
        saved = editing.save(ws, rid, text, base)
    finally:
        editing.release(ws, rid)
    stdout().write(_draft_block(saved, saved.lint))
    print(f"saved as draft {saved.id} (v{saved.version}); `replydesk approve {rid}` approves it")
    return FINDINGS if errors(saved.lint) else OK


def _redo(ws: Workspace, rid: int, note: str) -> int:
    before = editing.current_draft(ws, rid)  # one line when there is no such review
    mode = f"model {ws.config.llm_model}" if ws.llm is not None else "offline composer"
    again = " again" if before is not None else ""
    with_note = " (with your note)" if note and ws.llm is not None else ""
    print(f"drafting review {rid}{again} with the {mode}…{with_note}")
    outcome = drafting.redraft(ws, rid, note=note)
    if outcome.note == NoteUse.IGNORED:
        print(outcome.note)
    draft = editing.get_draft(ws, outcome.draft_id) if outcome.draft_id is not None else None
    if outcome.status == DraftStatus.FAILED or draft is None:
        reason = (draft.error if draft is not None else "") or outcome.message or outcome.status
        print(inert(f"not drafted: {reason}"))
        if before is not None:
            print(f"draft {before.id} v{before.version} stays the current one")
        return FINDINGS
    stdout().write(_draft_block(draft, draft.lint))
    return FINDINGS if errors(draft.lint) else OK
