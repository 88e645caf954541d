"""Is it delivered yet? Tracker items linked to promises, checked over HTTP.

A promise links to ``NAME:REF``, NAME being a ``[[promises.trackers]]`` entry:

- ``github``: REF ``123`` (an issue: delivered when closed) or ``pull/45`` (merged);
- ``gitlab``: REF ``12`` (an issue: delivered when closed);
- ``jira``: REF ``APP-7`` (delivered when its status category is "done");
- ``json``: the tracker's ``url`` with ``{ref}`` filled in; ``project`` is
  ``dotted.path=value`` (delivered when the field equals the value);
- ``feed``: a release or changelog feed; delivered when an entry mentions REF (a version
  or a keyword).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import feedparser

from replydesk import secrets
from replydesk.config import TrackerConfig
from replydesk.domain.errors import SourceError
from replydesk.sources.base import dig
from replydesk.sources.feed import strip_html
from replydesk.sources.http import Http, parse_json

DEFAULT_API = {"github": "https://api.github.com", "gitlab": "https://gitlab.com"}


@dataclass(frozen=True)
class Check:
    delivered: bool
    evidence: str = ""  # a URL or the entry that shows it shipped
    detail: str = ""

    def __post_init__(self) -> None:
        # a tracker's JSON is input: anything but text where text belongs is dropped
        for name in ("evidence", "detail"):
            value = getattr(self, name)
            if not isinstance(value, str):
                object.__setattr__(self, name, "")


def parse_link(link: str, trackers: list[TrackerConfig]) -> tuple[TrackerConfig, str]:
    name, _, ref = link.partition(":")
    tracker = next((t for t in trackers if t.name == name), None)
    if tracker is None or not ref:
        names = ", ".join(t.name for t in trackers) or "none configured"
        raise ValueError(f"tracker link {link!r} must be NAME:REF with NAME one of: {names}")
    return tracker, ref.strip()


def _headers(tracker: TrackerConfig) -> dict[str, str]:
    if not tracker.token_secret:
        return {}
    token = secrets.get(tracker.token_secret)
    if tracker.kind == "gitlab":
        return {"PRIVATE-TOKEN": token}
    return {"Authorization": f"Bearer {token}"}


def check(http: Http, tracker: TrackerConfig, ref: str) -> Check:
    base = (tracker.url or DEFAULT_API.get(tracker.kind, "")).rstrip("/")
    kind = tracker.kind
    if kind == "github":
        if ref.startswith("pull/"):
            number = ref.removeprefix("pull/")
            data = _get(http, f"{base}/repos/{tracker.project}/pulls/{number}", tracker)
            return Check(
                bool(data.get("merged")),
                data.get("html_url", ""),
                "merged" if data.get("merged") else data.get("state", ""),
            )
        data = _get(http, f"{base}/repos/{tracker.project}/issues/{ref}", tracker)
        return Check(data.get("state") == "closed", data.get("html_url", ""), data.get("state", ""))
    if kind == "gitlab":
        data = _get(
            http, f"{base}/api/v4/projects/{quote(tracker.project, safe='')}/issues/{ref}", tracker
        )
        return Check(data.get("state") == "closed", data.get("web_url", ""), data.get("state", ""))
    if kind == "jira":
        data = _get(http, f"{base}/rest/api/2/issue/{ref}?fields=status", tracker)
        category = dig(data, "fields.status.statusCategory.key")
        return Check(
            category == "done",
            f"{base}/browse/{ref}",
            str(dig(data, "fields.status.name") or category),
        )
    if kind == "json":
        url = tracker.url.replace("{ref}", quote(ref))
        path, _, want = tracker.project.partition("=")
        data = _get(http, url, tracker)
        got = dig(data, path)
        return Check(str(got) == want, url, f"{path} = {got!r}")
    if kind == "feed":
        resp = http.request("GET", base, headers=_headers(tracker))
        parsed = feedparser.parse(resp.content)
        needle = ref.casefold()
        for entry in parsed.entries:
            text = strip_html(f"{entry.get('title', '')} {entry.get('summary', '')}")
            if needle in text.casefold():
                return Check(True, entry.get("link", base), strip_html(entry.get("title", "")))
        return Check(False, "", f"no entry mentions {ref!r} yet")
    raise ValueError(f"unknown tracker kind {kind!r}: use github, gitlab, jira, json or feed")


def _get(http: Http, url: str, tracker: TrackerConfig) -> dict[str, Any]:
    try:
        resp = http.request("GET", url, headers=_headers(tracker))
    except SourceError as exc:
        if exc.status == 403 and tracker.kind == "github":
            raise SourceError(
                f"{exc} (GitHub rate limit or a token without access; set "
                f"token_secret for tracker {tracker.name!r})"
            ) from None
        raise
    data = parse_json(resp)
    if not isinstance(data, dict):
        raise SourceError(f"{tracker.name}: expected a JSON object")
    return data
