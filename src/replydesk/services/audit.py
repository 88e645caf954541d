"""The audit log as people read it: who did what, newest first, in words.

``listing`` is what the TUI's audit screen shows (the newest events first, filtered);
``what`` names an action and ``describe`` says what an event did in one short sentence,
never as JSON. Everything in an event may have come from outside (a display name, the
wording of a promise, a platform's error): the sentences are made inert and redacted
here, and the screen still draws them as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import PurePath
from typing import Any

from replydesk.domain.errors import shown
from replydesk.domain.models import Event
from replydesk.domain.text import one_line
from replydesk.domain.timeutil import age, from_iso
from replydesk.services.workspace import Workspace

LIMIT = 500

# every action the code logs, in words (the "What" column)
WHAT: dict[str, str] = {
    "draft.approve": "approved",
    "draft.discard": "draft dropped",
    "reply.intent": "posting",
    "reply.posted": "posted",
    "reply.copied": "copied",
    "reply.pending": "post unsure",
    "reply.failed": "post failed",
    "reply.error": "post failed",
    "claim.take": "claimed",
    "triage.override": "label changed",
    "review.edited": "review edited",
    "review.no_reply": "no reply needed",
    "review.reply_needed": "back in queue",
    "import": "imported",
    "promise.create": "promise read",
    "promise.add": "promise added",
    "promise.update": "promise edited",
    "promise.confirm": "doubt settled",
    "promise.withdraw": "withdrawn",
    "promise.broken": "broken",
    "promise.deliver": "delivered",
    "promise.flag": "wrote again",
    "promise.followup": "follow-up",
    "promise.undo": "undone",
    "promise.extract.fallback": "rules only",
    "promise.extract.disagree": "model doubts",
    "followup.fallback": "template used",
}


@dataclass(frozen=True)
class Listing:
    events: list[Event]  # newest first, at most the limit
    total: int  # how many match in all
    query: str  # the filter as given ("" for none)
    limit: int

    @property
    def header(self) -> str:
        """ "N events · filter: …", saying when only the newest are listed."""
        n = f"{self.total:,} event{'' if self.total == 1 else 's'}"
        if self.total > len(self.events):
            n += f" (newest {len(self.events):,} shown)"
        return f"{n} · filter: {one_line(self.query, 40) if self.query else 'none'}"


def listing(ws: Workspace, query: str = "", limit: int = LIMIT) -> Listing:
    """The newest events first (by time, then id), kept to those matching ``query``.

    ``#12`` (or ``12``) keeps review 12's events. Otherwise every word must be found in
    the name, the login, the action (as stored, or in words: "approved") or the detail's
    text; case does not matter, and ``%`` or ``_`` are only themselves."""
    query = " ".join(query.split())
    review = re.fullmatch(r"#?(\d{1,18})", query)
    if review:
        events, total = ws.store.events.listing(limit, review_id=int(review.group(1)))
    else:
        words = query.split()
        actions = [[a for a, w in WHAT.items() if word.casefold() in w] for word in words]
        events, total = ws.store.events.listing(limit, words, actions)
    return Listing(events, total, query, limit)


def what(action: str) -> str:
    """The action in words; an unknown one as it was logged (made inert)."""
    return WHAT.get(action) or shown(action)


def when(at: datetime | None, now: datetime, tz: tzinfo, short: bool = False) -> str:
    """The age and the local time: "5m 09:14", "2d 21 Nov 16:02", "9w 2025-09-01";
    ``short`` gives the age and the time of day only ("2d 16:02")."""
    if at is None:
        return "—"
    local, today = at.astimezone(tz), now.astimezone(tz)
    if short or local.date() == today.date():
        stamp = local.strftime("%H:%M")
    elif local.year == today.year:
        stamp = local.strftime("%d %b %H:%M")
    else:
        stamp = local.date().isoformat()
    return f"{age(at, now)} {stamp}"


def describe(event: Event) -> str:
    """What the event did, in one short sentence (never JSON): a known action by its own
    words, any other as "key value · key value". Inert and redacted."""
    d = event.detail if isinstance(event.detail, Mapping) else {}
    say = _SAY.get(event.action)
    try:
        text = say(d) if say else ""
    except (TypeError, ValueError, AttributeError):  # an older or odd detail: say it plainly
        text = ""
    return shown(" ".join((text or _generic(d)).split()))


# ------------------------------------------------------------ the sentences


def _v(value: object) -> str:
    """One value in words: a list as "a, b", a mapping as "key value", nothing as "—"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_v(v)}" for k, v in value.items()) or "—"
    if isinstance(value, list | tuple):
        return ", ".join(_v(v) for v in value) or "—"
    return one_line(str(value), 120)


def _generic(d: Mapping[str, Any]) -> str:
    return " · ".join(f"{k.replace('_', ' ')} {_v(v)}" for k, v in d.items())


def _quoted(value: object, width: int = 60) -> str:
    return f"“{one_line(_v(value), width)}”"


def _day(value: object) -> str:
    """A stored time or date as a date ("2026-11-09")."""
    text = str(value)
    try:
        dt = from_iso(text)
    except ValueError:
        return one_line(text, 25)
    return dt.date().isoformat() if dt else "—"


def _approve(d: Mapping[str, Any]) -> str:
    version = d.get("version")
    head = f"v{version}" if version else f"draft {_v(d.get('draft'))}"
    if d.get("kind") == "followup":
        head = f"follow-up {head}"
    despite = d.get("despite")
    return f"{head} approved" + (f" despite {_v(despite)}" if despite else "")


def _reply(verb: str) -> Callable[[Mapping[str, Any]], str]:
    def say(d: Mapping[str, Any]) -> str:
        if d.get("channel") == "import":
            out = "reply imported (it was there already)"
        else:
            out = verb + (f" to {_v(d['source'])}" if d.get("source") else "")
        if d.get("error"):
            out += f": {_v(d['error'])}"
        return out

    return say


def _intent(d: Mapping[str, Any]) -> str:
    return f"sending draft {_v(d.get('draft'))} (reply {_v(d.get('reply'))})"


def _override(d: Mapping[str, Any]) -> str:
    if d.get("from") and d.get("from") != d.get("label"):
        return f"label {_v(d['from'])} → {_v(d.get('label'))}"
    return f"label set to {_v(d.get('label'))}"


def _import(d: Mapping[str, Any]) -> str:
    name = PurePath(str(d.get("file", ""))).name or "a file"
    counts = [f"{d[k]} {k}" for k in ("new", "updated", "failed") if k in d]
    return f"imported {name}" + (f": {', '.join(counts)}" if counts else "")


def _promise(d: Mapping[str, Any]) -> str:
    return f"promise {_v(d.get('promise'))}"


def _created(how: str) -> Callable[[Mapping[str, Any]], str]:
    def say(d: Mapping[str, Any]) -> str:
        kind = f" ({_v(d['kind'])})" if d.get("kind") else ""
        out = f"{_promise(d)}{kind}{how} {_quoted(d.get('what', ''))}"
        if d.get("due_date"):
            out += f", due {_v(d['due_date'])}"
        if d.get("dispute"):
            out += f"; the model doubts it: {_v(d['dispute'])}"
        return out

    return say


def _updated(d: Mapping[str, Any]) -> str:
    changes = []
    for key, value in d.items():
        if key == "promise":
            continue
        if key == "what":
            changes.append(f"wording {_quoted(value, 50)}")
        elif key == "due_date":
            changes.append(f"due {_v(value)}")
        elif key == "tracker_url":
            changes.append(f"tracker {_v(value)}" if value else "tracker unlinked")
        elif key == "reply_id":
            changes.append(f"linked to reply {_v(value)}")
        elif key == "followup_draft_id":
            changes.append(f"follow-up draft {_v(value)}")
        elif key == "delivered_in":
            changes.append(f"delivered in {_v(value)}")
        elif key == "dispute":
            changes.append("doubt settled" if not value else f"doubt: {_v(value)}")
        else:
            changes.append(f"{key.replace('_', ' ')} {_v(value)}")
    return f"{_promise(d)}: {', '.join(changes) or 'changed'}"


def _moved(verb: str) -> Callable[[Mapping[str, Any]], str]:
    def say(d: Mapping[str, Any]) -> str:
        out = f"{_promise(d)} {verb}"
        if d.get("from") and d.get("from") != "open":
            out += f" (was {_v(d['from'])})"
        if d.get("delivered_in"):
            out += f" in {_v(d['delivered_in'])}"
        if d.get("delivered_at"):
            out += f" on {_day(d['delivered_at'])}"
        if d.get("evidence"):
            out += f": {_v(d['evidence'])}"
        return out

    return say


def _undo(d: Mapping[str, Any]) -> str:
    out = f"{_promise(d)} open again (was {_v(d.get('from'))})"
    return out + ("; its follow-up withdrawn" if d.get("followup_withdrawn") else "")


def _disagree(d: Mapping[str, Any]) -> str:
    parts = []
    if d.get("disputed"):
        parts.append(f"doubts {_v(d['disputed'])}")
    if d.get("added"):
        parts.append(f"adds {_v(d['added'])}")
    return f"draft {_v(d.get('draft'))}: the model " + ("; ".join(parts) or "disagrees")


_SAY: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "draft.approve": _approve,
    "draft.discard": lambda d: f"draft {_v(d.get('draft'))} withdrawn",
    "reply.intent": _intent,
    "reply.posted": _reply("posted"),
    "reply.copied": _reply("copied by hand"),
    "reply.pending": _reply("may have reached"),
    "reply.failed": _reply("not posted"),
    "reply.error": _reply("not posted"),
    "claim.take": lambda d: "opened it in the editor (claimed it)",
    "triage.override": _override,
    "review.edited": lambda d: f"the reviewer changed it (now v{_v(d.get('version'))})",
    "review.no_reply": lambda d: f"set aside: no reply needed (it was {_v(d.get('was'))})",
    "review.reply_needed": lambda d: "taken back into the queue: it needs a reply after all",
    "import": _import,
    "promise.create": _created(":"),
    "promise.add": _created(" added by hand:"),
    "promise.update": _updated,
    "promise.confirm": lambda d: f"{_promise(d)} confirmed despite the model's doubt",
    "promise.withdraw": _moved("withdrawn"),
    "promise.broken": _moved("marked broken"),
    "promise.deliver": _moved("delivered"),
    "promise.flag": lambda d: f"{_promise(d)}: the customer wrote after delivery",
    "promise.followup": lambda d: f"follow-up draft {_v(d.get('draft'))} for {_promise(d)}",
    "promise.undo": _undo,
    "promise.extract.fallback": lambda d: (
        f"promises of draft {_v(d.get('draft'))} read by the rules only: {_v(d.get('error'))}"
    ),
    "promise.extract.disagree": _disagree,
    "followup.fallback": lambda d: f"follow-up written from the template: {_v(d.get('error'))}",
}


def local_time(at: datetime | None, tz: tzinfo) -> str:
    """The full local time of an event: "Mon 23 Nov 2026 09:14"."""
    return at.astimezone(tz).strftime("%a %d %b %Y %H:%M") if at else "—"
