"""The promise ledger (house style P1-P4): read, record, correct, deliver, undo, watch.

Approving a reply reads what it commits to. The rules always read it; a configured model
then confirms or rejects each of the rules' promises (with a reason) and may add ones the
rules missed. Nothing the rules found is dropped: a promise the model rejects is recorded
all the same, marked disputed with the model's reason, for a person to decide
(``confirm`` keeps it, ``withdraw`` drops it). ``last_look`` shows the approver both
readings before the reply is approved. Every promise is owned by the approver; a person
may add one by hand (``add``).

Delivering a promise (by hand, or when a tracker says so) records the evidence and writes
the follow-up to the reviewer, which then goes through the same approval as any reply.
The delivery is recorded first, marked as waiting for its follow-up, and the follow-up is
linked in the transaction that stores it: a run that stops in between leaves the promise
waiting, and the next ``deliver``, ``watch`` or ``sync`` writes it, never twice.

Every change of status follows the life-cycle table in ``domain/lifecycle.py`` and is
written as one conditional update, so two people acting at once cannot both deliver. A new
review or an edit by the same author after a promise was delivered flags that promise.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import unquote, urlsplit

from replydesk.config import TrackerConfig
from replydesk.domain import lifecycle
from replydesk.domain.errors import (
    Conflict,
    IllegalTransition,
    LLMError,
    NotFound,
    ReplydeskError,
    SecretError,
    SourceError,
    UsageError,
    shown,
)
from replydesk.domain.ids import parse_id
from replydesk.domain.models import (
    PROMISE_KINDS,
    Draft,
    DraftKind,
    DraftState,
    NewPromise,
    Promise,
    PromiseKind,
    PromiseOrigin,
    PromiseStatus,
    ReplyState,
    Review,
    ReviewStatus,
)
from replydesk.domain.text import one_line
from replydesk.drafting.composer import compose_followup, language_for
from replydesk.drafting.context import LANGUAGE_NAMES, review_fields
from replydesk.drafting.voice import voice_for
from replydesk.llm.client import Completion, LLMClient
from replydesk.llm.data_block import neutralise, seal
from replydesk.llm.prompts import load as load_prompt
from replydesk.promises.extract import extract
from replydesk.promises.watchers import check as check_tracker
from replydesk.promises.watchers import parse_link
from replydesk.services.platforms import FOLLOWUP_LABEL, lint_context
from replydesk.services.workspace import Workspace
from replydesk.style.linter import lint

KINDS = ", ".join(PROMISE_KINDS)

# ------------------------------------------------------------ reading the ledger


def get(ws: Workspace, promise_id: int | str) -> Promise:
    promise_id = parse_id(promise_id)
    promise = ws.store.promises.get(promise_id)
    if promise is None:
        raise NotFound(f"no promise {promise_id}: `replydesk promises` lists them")
    return promise


def listing(ws: Workspace, *, overdue_only: bool = False) -> list[Promise]:
    """Every promise (status, then due date), or only the open ones past due."""
    return overdue(ws) if overdue_only else ws.store.promises.list()


@dataclass(frozen=True)
class Board:
    """The promises board: every promise in the board's order, and the product (the
    source of its review) each one is about, for the "by product" filter."""

    promises: list[Promise]
    products: dict[int, str]  # promise id -> product


def board(ws: Workspace) -> Board:
    """The promises board's order: overdue first, then open, delivered, broken, withdrawn."""
    today = ws.today().isoformat()
    order = {"overdue": 0, "open": 1, "delivered": 2, "broken": 3, "withdrawn": 4}
    found = ws.store.promises.with_source()
    ranked = sorted(
        found,
        key=lambda ps: (
            order["overdue" if ps[0].is_overdue(today) else ps[0].status],
            ps[0].due_date or "",
        ),
    )
    return Board([p for p, _ in ranked], {p.id: source for p, source in ranked})


def overdue(ws: Workspace) -> list[Promise]:
    return ws.store.promises.overdue(ws.today().isoformat())


def timing(ws: Workspace, p: Promise) -> str:
    """P3: delivered early, on time or late (in the workspace's zone)."""
    return p.timing(ws.tz)


# ------------------------------------------------------------ reading a reply


class ModelView(StrEnum):
    """What the model says of one promise."""

    NOT_ASKED = ""  # no model configured, or it failed (the rules' reading stands)
    CONFIRMED = "confirmed"
    REJECTED = "rejected"  # recorded all the same, as disputed, for a person to decide
    SILENT = "not checked"  # the model's answer said nothing about it
    ADDED = "added"  # the model found it; the rules did not


@dataclass(frozen=True)
class Found:
    """One promise a reply makes, as the ledger will record it."""

    what: str
    kind: PromiseKind
    due_date: str
    origin: PromiseOrigin  # RULES, or MODEL for what the model added
    view: ModelView = ModelView.NOT_ASKED
    reason: str = ""  # the model's reason, when it gave one
    rules_what: str = ""  # the rules' wording (the sentence) when the model's is recorded

    @property
    def disputed(self) -> bool:
        return self.view == ModelView.REJECTED


@dataclass(frozen=True)
class Reading:
    """The promises of a reply about to be approved: the rules' reading, each with the
    model's view of it, then what the model added. ``disagree`` is what the last look
    warns about."""

    found: tuple[Found, ...]
    model: str = ""  # the model asked; "" when none was (or it failed: see ``error``)
    error: str = ""  # why the model's view is missing, when asking it failed

    @property
    def rules(self) -> list[Found]:
        return [f for f in self.found if f.origin == PromiseOrigin.RULES]

    @property
    def added(self) -> list[Found]:
        return [f for f in self.found if f.view == ModelView.ADDED]

    @property
    def disputed(self) -> list[Found]:
        return [f for f in self.found if f.disputed]

    @property
    def disagree(self) -> bool:
        """The model rejects a promise the rules read, or reads one they did not."""
        return bool(self.disputed or self.added)

    def summary(self) -> str:
        """One line for the approver."""
        if not self.model:
            why = f" (the model failed: {self.error})" if self.error else ""
            return f"{len(self.found)} promise(s), read by the rules{why}"
        if not self.disagree:
            return f"{len(self.found)} promise(s); the rules and the model agree"
        parts = []
        if self.disputed:
            parts.append(f"the model doubts {len(self.disputed)} promise(s) the rules read")
        if self.added:
            parts.append(f"it reads {len(self.added)} the rules did not")
        return (
            "; ".join(parts)
            + ": all are recorded, the doubted ones as disputed; check them before approving"
        )


def last_look(
    ws: Workspace,
    review_id: int,
    text: str,
    language: str = "",
    kind: DraftKind = DraftKind.REPLY,
) -> Reading:
    """What approving ``text`` as the reply to ``review_id`` would record: the rules'
    promises with the model's view of each, the model's additions, and whether they
    disagree. May ask the model: call it from a worker. Approving the same text soon after
    records this very reading (the model is not asked twice). A follow-up makes no
    promises."""
    if kind != DraftKind.REPLY:
        return Reading(())
    return _read(ws, review_id, text, language, ws.now())


def record_for_approved(ws: Workspace, draft: Draft) -> list[Promise]:
    """Promises of an approved reply, recorded once per draft (re-approval adds none): the
    rules' always, those the model rejects marked disputed, plus the model's additions."""
    existing = ws.store.promises.for_draft(draft.id)
    read = [p for p in existing if p.origin != PromiseOrigin.PERSON]
    if read or draft.kind != DraftKind.REPLY:  # re-approval: what is still to keep
        return [p for p in existing if p.status == PromiseStatus.OPEN]
    owner = draft.approved_by or ws.user
    reading = _read(ws, draft.review_id, draft.text, draft.language, draft.approved_at)
    if reading.error:
        ws.store.events.add(
            ws.user,
            "promise.extract.fallback",
            draft.review_id,
            {"draft": draft.id, "error": reading.error},
        )
    if reading.disagree:
        ws.store.events.add(
            ws.user,
            "promise.extract.disagree",
            draft.review_id,
            {
                "draft": draft.id,
                "disputed": [f"{f.kind}: {f.reason}" for f in reading.disputed],
                "added": [f"{f.kind}: {f.what}" for f in reading.added],
            },
        )
    ws.store.promises.add_for_draft(
        draft.id,
        draft.review_id,
        owner,
        [
            NewPromise(
                f.what,
                f.kind,
                f.due_date,
                f.origin,
                (f.reason or "the model reads no promise here") if f.disputed else None,
            )
            for f in reading.found
        ],
    )
    return [p for p in ws.store.promises.for_draft(draft.id) if p.status == PromiseStatus.OPEN]


def _read(ws: Workspace, review_id: int, text: str, language: str, at: datetime | None) -> Reading:
    review = ws.store.reviews.get(review_id)
    if review is None:
        raise NotFound(f"no review {review_id}")
    at = at or ws.now()
    cfg = ws.config
    lang = language or review.language or cfg.style.default_language
    rules = tuple(
        Found(e.what, PromiseKind(e.kind), e.due_date, PromiseOrigin.RULES)
        for e in extract(
            text,
            lang,
            at,
            ws.tz,
            cfg.promises.releases,
            cfg.promises.default_due_days,
            voice_for(cfg, lang).catalogue,  # the bonus as worded in the reply's language
        )
    )
    client = ws.llm
    if client is None:
        return Reading(rules)
    posted = ws.today(at)
    key = (id(ws.store), str(ws.path), review_id, text, lang, posted.isoformat(), client.model)
    seen = _SEEN.get(key, ws.now())
    if seen is not None:
        return seen
    try:
        data = _ask_model(ws, client, text, rules, posted)
        reading = _merge(ws, rules, data, posted)
    except LLMError as exc:
        return Reading(rules, error=exc.message)
    reading = replace(reading, model=client.model)
    _SEEN.put(key, reading, ws.now())
    return reading


def _ask_model(
    ws: Workspace, client: LLMClient, text: str, rules: tuple[Found, ...], posted: date
) -> dict[str, Any]:
    """The model's view. The reply and the rules' findings (numbered) travel in one sealed
    block: the rules' findings quote the reply, so they are data as much as it is."""
    prompt = load_prompt("promises")
    fields = {"text": text}
    for i, f in enumerate(rules, 1):
        fields[f"rule {i}"] = f"{f.kind}, due {f.due_date}: {f.what}"
    block = seal("reply", fields, ws.config.llm.max_review_chars)
    data, _done = client.complete_json(
        [
            {"role": "system", "content": prompt.text},
            {
                "role": "user",
                "content": f"today: {posted.isoformat()}\n"
                f"findings of the rules: {len(rules)}\n{block}",
            },
        ]
    )
    return data


def _merge(ws: Workspace, rules: tuple[Found, ...], data: dict[str, Any], posted: date) -> Reading:
    """The rules' reading with the model's answer checked against it. Nothing the rules
    found is dropped; whatever in the answer cannot be used is ignored."""
    verdicts, items = data.get("rules"), data.get("promises")
    if not isinstance(verdicts, list) and not isinstance(items, list):
        raise LLMError("the model's answer has neither a 'rules' nor a 'promises' list")
    default = (posted + timedelta(days=ws.config.promises.default_due_days)).isoformat()
    view: dict[int, tuple[bool, str, str, str | None]] = {}
    for v in verdicts if isinstance(verdicts, list) else []:
        if not isinstance(v, dict) or type(v.get("item")) is not int:
            continue
        said = str(v.get("verdict") or "").strip().lower()
        if said not in ("confirm", "reject") or not 1 <= v["item"] <= len(rules):
            continue
        view.setdefault(
            v["item"],
            (said == "confirm", _words(v.get("reason")), _words(v.get("what")), _date(v, posted)),
        )
    extra: list[Found] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or item.get("kind") not in PROMISE_KINDS:
            continue
        said = _words(item.get("what"))
        if said:
            when = _date(item, posted) or default
            extra.append(Found(said, PromiseKind(item["kind"]), when, PromiseOrigin.MODEL))
    out: list[Found] = []
    for i, f in enumerate(rules, 1):
        same = next((e for e in extra if e.kind == f.kind), None)
        if i not in view and same is not None:  # listed again by the model: it agrees
            view[i] = (True, "", same.what, same.due_date)
        if i not in view:
            out.append(replace(f, view=ModelView.SILENT))
            continue
        keep, reason, what, due = view[i]
        if not keep:
            out.append(replace(f, view=ModelView.REJECTED, reason=reason))
            continue
        # the model's short wording is kept (the rules quote the whole sentence), and its
        # date where the rules had none from the text (they fell back on the default)
        better_due = due if due and f.due_date == default else f.due_date
        out.append(
            replace(
                f,
                what=what or f.what,
                due_date=better_due,
                view=ModelView.CONFIRMED,
                reason=reason,
                rules_what=f.what if what and what != f.what else "",
            )
        )
    taken = {f.kind for f in rules}
    for e in extra:
        if e.kind not in taken:  # one per kind, as the rules read them
            taken.add(e.kind)
            out.append(replace(e, view=ModelView.ADDED))
    return Reading(tuple(out))


def _words(value: object, limit: int = 200) -> str:
    """A model's words, on one line and cut: they are shown on screens and in the ledger."""
    return one_line(str(value), limit).strip() if isinstance(value, str) else ""


def _date(item: dict[str, Any], posted: date) -> str | None:
    due = item.get("due_date")
    if not isinstance(due, str):
        return None
    try:
        return max(date.fromisoformat(due), posted).isoformat()  # never in the past
    except ValueError:
        return None


class _Seen:
    """The readings shown at a last look, so the approval that follows records what the
    person saw (and the model is not paid twice). Small, per process, short-lived."""

    SIZE, MINUTES = 32, 30

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[object, ...], tuple[datetime, Reading]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...], now: datetime) -> Reading | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None or now - hit[0] > timedelta(minutes=self.MINUTES):
                return None
            return hit[1]

    def put(self, key: tuple[object, ...], reading: Reading, now: datetime) -> None:
        with self._lock:
            self._items[key] = (now, reading)
            self._items.move_to_end(key)
            while len(self._items) > self.SIZE:
                self._items.popitem(last=False)


_SEEN = _Seen()


# ------------------------------------------------------------ a person's word


def add(
    ws: Workspace,
    review_id: int | str,
    what: str,
    *,
    kind: str | None = None,
    due_date: str | None = None,
    tracker_url: str | None = None,
) -> Promise:
    """A promise a person writes down by hand, owned by them and audited
    (``promise.add``): on the review's approved reply, or on the review if it has none yet.
    Without ``kind`` (or ``due_date``) the rules read them from ``what`` where they can;
    the due date falls back on ``[promises] default_due_days``."""
    review_id = parse_id(review_id, "review")
    review = ws.store.reviews.get(review_id)
    if review is None:
        raise NotFound(f"no review {review_id}: the inbox and `replydesk export` show review ids")
    what = " ".join(what.split())
    if not what:
        raise UsageError('a promise needs words: say what was promised, e.g. "fix the crash"')
    if len(what) > 500:
        raise UsageError(f"what was promised is {len(what)} characters: say it in 500 or fewer")
    now = ws.now()
    cfg = ws.config
    lang = review.language or cfg.style.default_language
    guessed = extract(
        what,
        lang,
        now,
        ws.tz,
        cfg.promises.releases,
        cfg.promises.default_due_days,
        voice_for(cfg, lang).catalogue,
    )
    if kind is None:
        if not guessed:
            raise UsageError(f"what kind of promise is {what!r}? say which: {KINDS} (--kind)")
        kind = guessed[0].kind
    if kind not in PROMISE_KINDS:
        raise UsageError(f"kind {kind!r}: use one of {KINDS}")
    due = (
        _due(due_date)
        if due_date is not None
        else next(
            (g.due_date for g in guessed if g.kind == kind),
            (ws.today(now) + timedelta(days=cfg.promises.default_due_days)).isoformat(),
        )
    )
    link = tracker_link(ws, tracker_url) if tracker_url and tracker_url.strip() else None
    draft_id, reply_id = _answer_of(ws, review_id)
    return ws.store.promises.add(
        review_id,
        what,
        kind=kind,
        owner=ws.user,
        due_date=due,
        reply_id=reply_id,
        tracker_url=link,
        draft_id=draft_id,
        origin=PromiseOrigin.PERSON,
        action="promise.add",
    )


def _answer_of(ws: Workspace, review_id: int) -> tuple[int | None, int | None]:
    """The review's approved (or sent) reply: its draft and, once sent, the reply."""
    drafts = [
        d
        for d in ws.store.drafts.for_review(review_id)
        if d.kind == DraftKind.REPLY and d.state in (DraftState.APPROVED, DraftState.POSTED)
    ]
    draft = drafts[-1] if drafts else None
    sent = [
        r
        for r in ws.store.replies.for_review(review_id)
        if r.state in (ReplyState.POSTED, ReplyState.COPIED)
        and (draft is None or r.draft_id == draft.id)
    ]
    return (draft.id if draft else None), (sent[-1].id if sent else None)


def _due(text: str) -> str:
    text = text.strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise UsageError(f"due date {text!r}: write YYYY-MM-DD, e.g. 2026-12-01") from None


def edit(
    ws: Workspace,
    promise_id: int | str,
    *,
    what: str | None = None,
    due_date: str | None = None,
    tracker_url: str | None = None,
) -> Promise:
    """A person corrects what was read from a reply: the wording, the date, the tracker
    (an empty tracker unlinks it)."""
    changes: dict[str, Any] = {}
    if what is not None:
        if not what.strip():
            raise UsageError("a promise needs words: say what was promised")
        changes["what"] = " ".join(what.split())
    if due_date is not None:
        changes["due_date"] = _due(due_date)
    if tracker_url is not None:
        changes["tracker_url"] = tracker_link(ws, tracker_url) if tracker_url.strip() else None
    if not changes:
        raise UsageError("nothing to change: give what was promised, a due date or a tracker")
    p = get(ws, promise_id)
    return ws.store.promises.update(p.id, ws.user, **changes)


def confirm(ws: Workspace, promise_id: int | str) -> Promise:
    """A person keeps a promise the model disputed: the dispute is settled (audited)."""
    p = get(ws, promise_id)
    if not p.dispute:
        raise UsageError(f"promise {p.id} is not disputed: there is nothing to confirm")
    return ws.store.promises.update(p.id, ws.user, "promise.confirm", dispute=None)


def _move(
    ws: Workspace, promise_id: int | str, target: PromiseStatus, action: str, **fields: object
) -> Promise:
    current = get(ws, promise_id)
    lifecycle.check(current.id, current.status, target)
    moved = ws.store.promises.transition(
        current.id, ws.user, current.status, target, action, **fields
    )  # conditional on the status read above: of two people at once, one moves it
    if moved is None:
        now = get(ws, current.id)
        raise Conflict(f"promise {current.id} is {now.status} now: someone changed it meanwhile")
    return moved


def withdraw(ws: Workspace, promise_id: int | str) -> Promise:
    """Not a promise after all: it leaves the ledger's open list."""
    return _move(ws, promise_id, PromiseStatus.WITHDRAWN, "promise.withdraw")


def mark_broken(ws: Workspace, promise_id: int | str) -> Promise:
    """We will not keep it (and will say so): it counts against the kept rate."""
    return _move(ws, promise_id, PromiseStatus.BROKEN, "promise.broken")


class UndoNote(StrEnum):
    NONE = ""
    FOLLOWUP_DISCARDED = "the follow-up, not sent yet, was withdrawn"
    FOLLOWUP_SENT = "the follow-up was sent (or is being sent): tell the customer yourself"


@dataclass(frozen=True)
class Undone:
    promise: Promise
    was: PromiseStatus
    note: UndoNote


def undo(ws: Workspace, promise_id: int | str) -> Undone:
    """Revert the last transition (a delivery, withdrawal or break made by mistake): the
    promise is open again, audited. Undoing a delivery also clears its evidence, version
    and returning-customer flag, withdraws its follow-up if it was not sent yet (and puts
    the review back where it stood), all in one transaction."""
    current = get(ws, promise_id)
    lifecycle.undo_target(current.id, current.status)
    reopened = ws.store.promises.reopen(current.id, ws.user, current.status)
    if reopened is None:
        raise Conflict(f"promise {current.id} changed meanwhile: look again before undoing")
    # the customer must not hear "it is done" about a delivery that is undone
    note = (
        UndoNote.FOLLOWUP_SENT
        if reopened.followup_live
        else UndoNote.FOLLOWUP_DISCARDED
        if reopened.followup_withdrawn
        else UndoNote.NONE
    )
    return Undone(reopened.promise, current.status, note)


# ------------------------------------------------------------ tracker links

_VERSION = re.compile(r"v?(\d+(?:\.\d+)+[\w.+-]*)", re.IGNORECASE)


def tracker_link(ws: Workspace, link: str) -> str:
    """A tracker link checked against the configured trackers (their name or host, the
    project, the form of an item), as ``NAME:REF`` (what ``watch`` reads). Accepts
    ``NAME:REF`` or the item's web address. One line saying what is wrong otherwise."""
    trackers = ws.config.promises.trackers
    link = link.strip()
    if not trackers:
        raise UsageError(
            f"tracker link {link!r}: no tracker is configured; add a [[promises.trackers]] "
            "entry (name, kind, project) to the config, then link NAME:REF"
        )
    if re.match(r"[a-z][a-z0-9+.-]*://", link, re.IGNORECASE):
        return _from_url(link, trackers)
    name, _, ref = link.partition(":")
    tracker = next((t for t in trackers if t.name == name.strip()), None)
    if tracker is None or not ref.strip():
        names = ", ".join(t.name for t in trackers)
        problem = (
            f"no tracker is named {name.strip()!r} (configured: {names})"
            if tracker is None and ref.strip()
            else "write NAME:REF"
        )
        raise UsageError(
            f"tracker link {link!r}: {problem}; a valid link is {_example(trackers[0])}"
        )
    return f"{tracker.name}:{_ref(link, tracker, ref.strip())}"


def _ref(link: str, t: TrackerConfig, ref: str) -> str:
    """The item reference in the form the tracker's kind takes, or one clear line."""
    if t.kind in ("github", "gitlab"):
        number = ref.removeprefix("#")
        if number.isascii() and number.isdigit():
            return number
        pull = re.fullmatch(r"(?:pull|pulls)/#?(\d+)", ref)
        if t.kind == "github" and pull:
            return f"pull/{pull[1]}"
        item = "an issue number or pull/NUMBER" if t.kind == "github" else "an issue number"
        problem = f"{ref!r} is not {item}"
    elif t.kind == "jira":
        key = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*)-(\d+)", ref)
        if key and (not t.project or key[1].upper() == t.project.upper()):
            return ref.upper()
        problem = (
            f"{ref!r} is not an issue of project {t.project}"
            if key
            else f"{ref!r} is not an issue key such as {t.project or 'APP'}-7"
        )
    else:  # json, feed: the reference is the tracker's own word (an id, a version)
        if ref and len(ref) <= 200 and not re.search(r"\s", ref):
            return ref
        problem = f"{ref!r} must be one word (an id or a version)"
    raise UsageError(f"tracker link {link!r}: {problem}; a valid link is {_example(t)}")


def _hosts(t: TrackerConfig) -> set[str]:
    hosts = {urlsplit(t.url).netloc.lower()} if t.url else set()
    if t.kind == "github" and (not t.url or "api.github.com" in hosts):
        hosts |= {"github.com", "www.github.com", "api.github.com"}
    if t.kind == "gitlab" and not t.url:
        hosts.add("gitlab.com")
    return hosts - {""}


def _from_url(link: str, trackers: list[TrackerConfig]) -> str:
    parts = urlsplit(link)
    host, path = parts.netloc.lower(), unquote(parts.path).rstrip("/")
    here = [t for t in trackers if host in _hosts(t)]
    if not here:
        known = "; ".join(
            f"{t.name}: {', '.join(sorted(_hosts(t))) or 'no web address'}" for t in trackers
        )
        raise UsageError(
            f"tracker link {link!r}: {host or 'it'} is not the host of a configured tracker "
            f"({known}); a valid link is {_example(trackers[0])}"
        )
    problems = []
    for t in here:
        found, problem = _item_at(t, link, path)
        if found:
            return f"{t.name}:{found}"
        problems.append(problem)
    raise UsageError(f"tracker link {link!r}: {problems[0]}; a valid link is {_example(here[0])}")


def _item_at(t: TrackerConfig, link: str, path: str) -> tuple[str, str]:
    """(REF, "") for an item of tracker ``t`` at ``path``, or ("", what is wrong)."""
    project = t.project.strip("/").lower()
    if t.kind == "github":
        m = re.fullmatch(r"(?:/repos)?/([^/]+/[^/]+)/(issues|pull|pulls)/(\d+)", path)
        if not m:
            return "", "it is not an issue or pull request address"
        if project and m[1].lower() != project:
            return "", f"it is in {m[1]}, not in project {t.project}"
        return (m[3] if m[2] == "issues" else f"pull/{m[3]}"), ""
    if t.kind == "gitlab":
        m = re.fullmatch(r"/(.+?)(?:/-)?/issues/(\d+)", path)
        if not m:
            return "", "it is not an issue address"
        if project and not project.isdigit() and m[1].lower() != project:
            return "", f"it is in {m[1]}, not in project {t.project}"
        return m[2], ""
    if t.kind == "jira":
        m = re.search(r"/browse/([A-Za-z][A-Za-z0-9_]*-\d+)$", path)
        if not m:
            return "", "it is not an issue address (…/browse/KEY-7)"
        key = m[1].upper()
        if t.project and not key.startswith(t.project.upper() + "-"):
            return "", f"{key} is not in project {t.project}"
        return key, ""
    if t.kind == "json" and "{ref}" in t.url:
        head, _, tail = t.url.partition("{ref}")
        m = re.fullmatch(re.escape(head) + r"([^/?#]+)" + re.escape(tail), link)
        if m:
            return unquote(m[1]), ""
        return "", f"it does not fit {t.url}"
    return "", f"a {t.kind} tracker is linked by NAME:REF, not by an address"


def _example(t: TrackerConfig) -> str:
    hosts = sorted(_hosts(t) - {"api.github.com", "www.github.com"})
    web = f"https://{hosts[0]}" if hosts else ""
    if t.kind == "github":
        project = t.project or "owner/repo"
        return (
            f"{t.name}:812, {t.name}:pull/45 or {web or 'https://github.com'}/{project}/issues/812"
        )
    if t.kind == "gitlab":
        project = t.project or "group/project"
        return f"{t.name}:12 or {web or 'https://gitlab.com'}/{project}/-/issues/12"
    if t.kind == "jira":
        key = t.project or "APP"
        return f"{t.name}:{key}-7" + (f" or {web}/browse/{key}-7" if web else "")
    if t.kind == "feed":
        return f"{t.name}:5.3 (a version or a word the release feed will mention)"
    return f"{t.name}:REF (filling {t.url})" if t.url else f"{t.name}:REF"


def _evidence(ws: Workspace, evidence: str | None) -> str | None:
    """Evidence of a delivery, as a person gives it. A note or any address is taken as
    written; one that claims to be a tracker item (a configured tracker's NAME:REF, or an
    address on the host of an issue tracker: GitHub, GitLab, Jira) must be a valid one."""
    text = (evidence or "").strip()
    if not text:
        return None
    if re.search(r"\s", text):
        return text
    trackers = ws.config.promises.trackers
    if re.match(r"[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        issues = [t for t in trackers if t.kind in ("github", "gitlab", "jira")]
        if any(urlsplit(text).netloc.lower() in _hosts(t) for t in issues):
            tracker_link(ws, text)
        return text
    name = text.partition(":")[0]
    if ":" in text and any(t.name == name for t in trackers):
        tracker_link(ws, text)
    return text


# ------------------------------------------------------------ delivering


@dataclass(frozen=True)
class Delivered:
    promise: Promise
    followup: Draft
    timing: str


class FollowupPending(ReplydeskError):
    """The promise is delivered, but its follow-up could not be written yet (exit 1):
    the next ``deliver``, ``watch`` or ``sync`` writes it."""


def deliver(
    ws: Workspace,
    promise_id: int | str,
    evidence: str | None = None,
    version: str | None = None,
) -> Delivered:
    """Record the delivery and write the follow-up that tells the customer (P2/P4), in
    the reviewer's language, naming the version that delivered it when known (``version``,
    else the latest configured release since the promise, for a fix). Run again on a
    delivered promise whose follow-up is missing, it writes the follow-up."""
    return _deliver(ws, promise_id, _evidence(ws, evidence), _version(version))


def _deliver(
    ws: Workspace, promise_id: int | str, evidence: str | None, version: str | None
) -> Delivered:
    current = get(ws, promise_id)
    if current.status == PromiseStatus.DELIVERED and current.followup_pending:
        delivered = current  # a delivery whose follow-up was not written: finish it
    else:
        at = ws.now()
        delivered = _move(
            ws,
            current.id,
            PromiseStatus.DELIVERED,
            "promise.deliver",
            delivered_at=at,
            evidence=evidence,
            followup_pending=True,
            delivered_in=version or _released(ws, current, at),
        )
    followup, _mine = _ensure_followup(ws, delivered)
    done = get(ws, current.id)
    return Delivered(done, followup, done.timing(ws.tz))


def _version(version: str | None) -> str | None:
    if version is None or not version.strip():
        return None
    version = version.strip()
    if not re.fullmatch(r"[\w.+-]{1,40}", version):
        raise UsageError(f"version {version!r}: write it as the app shows it, e.g. 5.3.1")
    return version


def _released(ws: Workspace, p: Promise, at: datetime) -> str | None:
    """The version that shipped a fix: the latest configured release out between the
    promise and its delivery (none when no release came out in between)."""
    if p.kind != PromiseKind.FIX:
        return None
    start = ws.today(p.created_at).isoformat() if p.created_at else ""
    end = ws.today(at).isoformat()
    out = [r for r in ws.config.promises.releases if r.date and start <= r.date <= end]
    return max(out, key=lambda r: r.date).version if out else None


def _ensure_followup(ws: Workspace, p: Promise) -> tuple[Draft, bool]:
    """The delivery's follow-up, written now if it is still missing: (draft, written by
    this call). Of two runs at once, one writes it; the other returns that one."""
    if not p.followup_pending and p.followup_draft_id:
        existing = ws.store.drafts.get(p.followup_draft_id)
        if existing is not None:
            return existing, False
    try:
        written = draft_followup(ws, p)
    except FollowupPending:
        raise
    except ReplydeskError as exc:
        raise FollowupPending(
            f"promise {p.id} is delivered, but its follow-up could not be written "
            f"({exc.message}): `replydesk promise deliver {p.id}` writes it (so do "
            "`promises watch` and `sync`)"
        ) from exc
    if written is not None:
        return written, True
    now = get(ws, p.id)
    if now.status == PromiseStatus.DELIVERED and now.followup_draft_id:
        draft = ws.store.drafts.get(now.followup_draft_id)
        if draft is not None:
            return draft, False
    raise Conflict(f"promise {p.id} is {now.status} now: someone changed it meanwhile")


def draft_followup(ws: Workspace, promise: Promise) -> Draft | None:
    """P2/P4: tell the reviewer it is done and ask whether all works now, in their language
    and naming the version when known. The offline template; the model writes it instead
    when one is configured (through the same lint). Stored and linked to the promise in one
    transaction, only while the delivery still waits for it: ``None`` when another run
    wrote it first, or the delivery was undone meanwhile."""
    review = ws.store.reviews.get(promise.review_id)
    if review is None:
        raise NotFound(f"no review {promise.review_id}")
    what = promise.what.removeprefix("Bonus: ")
    language = language_for(review, ws.config.style.default_language)
    composed = compose_followup(
        review,
        what,
        ws.config.style.default_language,
        voice_for(ws.config, language).signature,
        promise.delivered_in if promise.kind == PromiseKind.FIX else None,
    )
    text, author, model, version = composed.text, "offline", "offline", composed.version
    tokens = (0, 0, 0.0)
    client = ws.llm
    if client is not None:
        try:
            done, version = _followup_with_model(ws, client, review, promise, composed.language)
            text, author, model = done.text.strip(), "model", done.model
            tokens = (done.tokens_in, done.tokens_out, done.cost)
        except LLMError as exc:  # the template still tells the customer
            ws.store.events.add(ws.user, "followup.fallback", review.id, {"error": str(exc)})
    findings = lint(text, lint_context(ws, review, composed.language, FOLLOWUP_LABEL))

    def store() -> Draft:
        draft = ws.store.drafts.add(
            review.id,
            text,
            author=author,
            model=model,
            kind=DraftKind.FOLLOWUP,
            language=composed.language,
            prompt_version=version,
            promise_id=promise.id,
            lint=findings,
            tokens_in=tokens[0],
            tokens_out=tokens[1],
            cost=tokens[2],
        )
        ws.store.reviews.set_status(review.id, ReviewStatus.DRAFTED)  # the morning queue
        return draft

    return ws.store.promises.attach_followup(promise.id, ws.user, store)


def _followup_with_model(
    ws: Workspace, client: LLMClient, review: Review, promise: Promise, language: str
) -> tuple[Completion, str]:
    system, task = load_prompt("system"), load_prompt("followup")
    facts = [
        f"Reply language: {LANGUAGE_NAMES.get(language, language)} ({language})",
        f"What we promised, now delivered: {neutralise(promise.what)}",
        f"Evidence: {neutralise(promise.evidence or 'none')}",
    ]
    if promise.delivered_in:
        facts.append(f"Delivered in version: {neutralise(promise.delivered_in)}")
    voice = voice_for(ws.config, language)
    facts.append(f"Address: {voice.address}")
    if voice.signature:
        facts.append(f"Sign off with: {voice.signature}")
    block = seal("review", review_fields(review), ws.config.llm.max_review_chars)
    messages = [
        {"role": "system", "content": f"{system.text}\n\n{task.text}"},
        {
            "role": "user",
            "content": "\n".join(facts) + "\n\nTheir review, as data:\n" + block,
        },
    ]
    return client.complete(messages), f"{system.version}; {task.version}"


# ------------------------------------------------------------ watching


def flag_returning_authors(ws: Workspace, review_ids: list[int]) -> list[Promise]:
    """A review written or edited after we delivered a promise to its author: flag it."""
    flagged: list[Promise] = []
    if not review_ids or not ws.store.promises.list(PromiseStatus.DELIVERED):
        return flagged
    for review in ws.store.reviews.many(review_ids):
        if review.author_id is None:
            continue
        stamp = review.updated_at or review.created_at
        for p in ws.store.promises.delivered_for_author(review.author_id):
            if p.review_id == review.id and not review.edited:
                continue
            if p.delivered_at and stamp and stamp > p.delivered_at and not p.flag:
                done = ws.store.promises.flag_delivered(
                    p.id,
                    ws.user,
                    f"the customer wrote again after delivery (review {review.id}): "
                    "check the fix holds",
                )
                if done is not None:
                    flagged.append(done)
    return flagged


class WatchStatus(StrEnum):
    DELIVERED = "delivered"
    OPEN = "open"
    ERROR = "error"
    FOLLOWUP = "follow-up written"  # an earlier delivery's missing follow-up, written now


@dataclass(frozen=True)
class WatchResult:
    promise_id: int
    status: WatchStatus
    detail: str = ""

    def line(self) -> str:
        """A tracker's words are the tracker's: redacted and made inert before shown."""
        return f"promise {self.promise_id}: {self.status}" + (
            f" ({shown(self.detail)})" if self.detail else ""
        )


def finish_followups(ws: Workspace) -> list[WatchResult]:
    """Write the follow-ups that earlier deliveries left unwritten (a run stopped, the
    database refused): idempotent, and safe with several runs at once."""
    out: list[WatchResult] = []
    for p in ws.store.promises.awaiting_followup():
        try:
            draft, mine = _ensure_followup(ws, p)
        except FollowupPending as exc:
            out.append(WatchResult(p.id, WatchStatus.ERROR, exc.message))
            continue
        except Conflict:  # undone meanwhile: nothing to write
            continue
        if mine:
            out.append(WatchResult(p.id, WatchStatus.FOLLOWUP, f"draft {draft.id}"))
    return out


def watch(ws: Workspace) -> list[WatchResult]:
    """Finish missing follow-ups, then check every open promise linked to a tracker and
    deliver what has shipped."""
    out = finish_followups(ws)
    linked = [p for p in ws.store.promises.list(PromiseStatus.OPEN) if p.tracker_url]
    if not linked:
        return out
    with ws.http(20.0, 2) as http:
        for p in linked:
            try:
                tracker, ref = parse_link(p.tracker_url or "", ws.config.promises.trackers)
                result = check_tracker(http, tracker, ref)
            except ValueError as exc:
                out.append(WatchResult(p.id, WatchStatus.ERROR, str(exc)))
                continue
            except (SourceError, SecretError) as exc:
                out.append(WatchResult(p.id, WatchStatus.ERROR, exc.message))
                continue
            if not result.delivered:
                out.append(WatchResult(p.id, WatchStatus.OPEN, result.detail))
                continue
            shipped = _VERSION.fullmatch(ref) if tracker.kind == "feed" else None
            try:
                _deliver(
                    ws, p.id, result.evidence or p.tracker_url, shipped[1] if shipped else None
                )
            except (Conflict, IllegalTransition):  # a colleague acted meanwhile: leave it
                out.append(WatchResult(p.id, WatchStatus.OPEN, "changed meanwhile"))
                continue
            except FollowupPending as exc:
                out.append(WatchResult(p.id, WatchStatus.ERROR, exc.message))
                continue
            out.append(WatchResult(p.id, WatchStatus.DELIVERED, result.detail))
    return out
