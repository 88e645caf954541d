"""The offline composer: a house-style draft from templates and the review's own details,
for a workspace with no model configured. Drafts it writes are marked "offline".

It quotes the reviewer's own words for the problem (never a sentence that carries markup,
escapes or instructions aimed at a model), greets them by name when the name looks like
one, says truthfully whether a known issue is being fixed or already fixed, offers the
first bonus of the catalogue to criticism, and ends with a question (house style W6) that
never asks for what the reviewer already gave (``drafting.facts``).
The phrases are each language pack's ``composer.json`` (``replydesk/languages/<code>/``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from replydesk.config import KnownIssue
from replydesk.domain.models import Review
from replydesk.domain.text import fold, visible_controls
from replydesk.drafting.facts import DEVICE, VERSION, Facts, facts_of
from replydesk.languages import BASE, pack, resolve
from replydesk.languages.registry import instruction_pattern
from replydesk.sources.base import ReplyLimit
from replydesk.style.linter import MARKUP


@dataclass(frozen=True)
class Composed:
    text: str
    language: str
    version: str = "offline-composer v1"


def language_for(review: Review, default: str = BASE) -> str:
    """The review's language if there is a pack for it, else ``default``, else English."""
    return resolve((review.language or "").split("-")[0], default)


def first_name(author: str) -> str:
    """A greeting name when the author looks like a person (not a handle or a site)."""
    name = author.strip()
    word = r"[^\W\d_][^\W\d_'-]*"
    if len(name) > 40 or not re.fullmatch(rf"{word}(?: {word}\.?)*", name) or not name[0].isupper():
        return ""
    return name.split()[0]


def addressed(name: str, lang: str) -> str:
    """The name as the greeting says it (Greek "Γιώργος" -> "Γιώργο")."""
    for ending, becomes in sorted(pack(lang).vocative.items(), key=lambda e: -len(e[0])):
        if name.endswith(ending) and len(name) > len(ending) + 1:
            return name[: -len(ending)] + becomes
    return name


def _only_facts(sentence: str) -> bool:
    """A short line of particulars ("Samsung A52, app 5.2.1"): nothing to be sorry about."""
    if not (DEVICE.search(sentence) or VERSION.search(sentence)):
        return False
    return len(sentence.split()) <= 8


def quote_from(review: Review, width: int = 70) -> str:
    """The reviewer's own words for the problem, if a clean sentence can be found."""
    candidates = [review.title, *re.split(r"(?<=[.!?])\s+|\n", review.body)]
    for raw in candidates:
        text = " ".join(visible_controls(raw or "").split())
        if (
            len(text) < 8
            or MARKUP.search(raw or "")
            or instruction_pattern().search(text)
            or any(ch in text for ch in '[]<>{}␛"«»“”„')
            or _only_facts(text)
        ):
            continue
        if len(text) > width:
            text = text[:width].rsplit(" ", 1)[0] + "…"
        return text.rstrip(".!?")
    return ""


def _question(facts: Facts) -> str:
    """Never ask for what the reviewer already gave (the order number, the version), nor
    for an app version when the review is about a parcel, not the app."""
    has_order, has_setup = bool(facts.order), bool(facts.version or facts.device)
    if has_order:
        return "ask_version" if facts.about_app and not has_setup else "ask_still"
    if has_setup or not facts.about_app:
        return "ask_order"
    return "ask_details"


def known_issue_for(review: Review, issues: list[KnownIssue]) -> KnownIssue | None:
    text = fold(review.text)
    best, hits = None, 1
    for issue in issues:
        n = sum(1 for k in issue.keywords if fold(k) and fold(k) in text)
        if n > hits:
            best, hits = issue, n
    return best


def compose(
    review: Review,
    label: str,
    *,
    catalogue: list[str],
    issues: list[KnownIssue],
    default_language: str = BASE,
    signature: str = "",
    provocation_line: bool = False,
    limit: ReplyLimit | None = None,
) -> Composed | None:
    """A draft for ``label``; None for provocation unless a calm line is wanted. Within a
    platform limit, the quote, then the bonus, then the long opening give way."""
    lang = language_for(review, default_language)
    say = pack(lang).composer
    name = addressed(first_name(review.author), lang)
    hello = say["hello"].format(name=name) if name else ""

    def cap(text: str) -> str:
        return text[:1].upper() + text[1:] if not hello else text

    if label == "praise":
        body = hello + say["praise"] if hello else cap(say["praise"])
    elif label == "vague":
        body = hello + say["vague"] if hello else cap(say["vague"])
    elif label == "provocation":
        if not provocation_line:
            return None
        body = hello + say["calm"] if hello else cap(say["calm"])
    else:
        quote = quote_from(review)
        issue = known_issue_for(review, issues)
        if issue and issue.status == "fixed" and issue.fixed_in:
            known = say["fixed"].format(version=issue.fixed_in)
        else:
            known = say["fixing"] if issue else say["looking"]
        bonus = say["bonus"].format(bonus=catalogue[0]) if catalogue else ""
        opening = say["issue"].format(quote=quote) if quote else say["issue_noquote"]
        variants = [
            opening + known + bonus,
            say["issue_noquote"] + known + bonus,
            say["issue_noquote"] + known,
            say["short"] + known,
            say["short"],
        ]
        sign = f"\n{signature}" if signature else ""
        ask = say[_question(facts_of(review))]
        for middle in variants:
            body = (hello + middle if hello else cap(middle)) + ask
            if limit is None or limit.measure(body + sign) <= limit.size:
                break
    if signature:
        body += f"\n{signature}"
    return Composed(body.strip(), lang)


def compose_followup(
    review: Review,
    what: str,
    default_language: str = BASE,
    signature: str = "",
    version: str | None = None,
) -> Composed:
    """P2/P4: it is done, does all work now? Names the version that delivered it, when
    known, right after the sentence saying it is done."""
    lang = language_for(review, default_language)
    name = addressed(first_name(review.author), lang)
    what = " ".join(visible_controls(what).split())
    sentences = pack(lang).composer
    text = sentences["followup"].format(what=what)
    if version:
        text = _name_version(text, sentences, " ".join(visible_controls(version).split()))
    text = f"{name}, {text}" if name else text[:1].upper() + text[1:]
    if signature:
        text += f"\n{signature}"
    return Composed(text, lang, "offline-followup v1")


def _name_version(text: str, sentences: Mapping[str, str], version: str) -> str:
    tail = sentences["followup"].split("{what}", 1)[-1]
    end = re.search(r"[.!?;。]", tail)
    marker = tail[: end.end()] if end else ""
    at = text.find(marker) if marker else -1
    if at == -1:
        return text
    at += len(marker)
    fixed = sentences["fixed"].format(version=version).strip()
    return f"{text[:at]} {fixed}{text[at:]}"
