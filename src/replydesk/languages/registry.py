"""Every language replydesk knows, one folder each: adding a language is adding a pack.

A pack is a folder ``replydesk/languages/<code>/`` (``code`` is the ISO 639-1 code, lower
case) holding five JSON files, found through ``importlib.resources``:

``pack.json``
    ``name`` and ``native_name``; ``order`` (where the language sorts: English is 0, and
    the order decides which lists come first when several languages are matched at once);
    ``script`` and ``script_pattern`` (a regular expression for letters only this
    language's script has, e.g. Cyrillic: when they turn up in a review said to be in
    another language, triage adds this language's lists; "" for scripts many languages
    share); ``number_words`` (word -> value, for due dates: "within five days");
    ``count_words`` (words that, before a time unit, make a duration: "a few hours");
    ``weekday_stems`` (seven folded stems, Monday first); ``instruction_cues`` (regular
    expressions, case-insensitive, for text that speaks to a model: "ignore previous",
    "инструкци"); the voice: ``signature`` (the sign-off, ``{product}`` filled in),
    ``signature_plain`` (the sign-off with no product name) and ``address`` (how a reply
    addresses the reviewer, told to the model: formal "Вы", "Sie", "usted", "εσείς");
    ``order_words`` and ``tried_words`` (what the facts of a review are read by: the
    order number's cue words, what the reviewer already tried); ``quotes`` (the opening
    and closing quotation marks, spacing included: ``["« ", " »"]``); ``vocative`` (how a
    first name's ending changes when the reply greets the person: Greek "Νίκος" is
    greeted "Νίκο,"; ``{}`` where names do not change).
``triage.json``
    word lists per triage category (``TRIAGE_KEYS``; ``device`` is optional).
``style.json``
    the house-style linter's phrases (``STYLE_KEYS``) and ``fix`` hints ("category: text").
``promises.json``
    promise kinds and due-date cues (``PROMISE_KEYS``).
``composer.json``
    the offline composer's phrases (``COMPOSER_KEYS``), with the same ``{placeholders}``
    as English.

A pack is read once, checked whole (a missing or unknown key is an error naming the
language, the file and the key) and kept. Callers decide what an unknown language falls
back to: ``resolve`` gives the usual answer (the default language, else English).
This package imports nothing of replydesk's but the domain.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from replydesk.domain.errors import ReplydeskError, UsageError
from replydesk.domain.text import fold

__all__ = [
    "BASE",
    "COMPOSER_KEYS",
    "FILES",
    "NAMES",
    "PACK_KEYS",
    "PROMISE_KEYS",
    "STYLE_KEYS",
    "TRIAGE_KEYS",
    "LanguagePack",
    "PackError",
    "Registry",
    "codes",
    "count_words",
    "instruction_pattern",
    "known",
    "name",
    "number_words",
    "pack",
    "registry",
    "resolve",
    "script_hints",
    "using",
    "weekday_stems",
]

BASE = "en"  # every pack's fallback, and the source of loanwords (app, update, login)

PACK_KEYS = (
    "name",
    "native_name",
    "order",
    "script",
    "script_pattern",
    "number_words",
    "count_words",
    "weekday_stems",
    "instruction_cues",
    "signature",
    "signature_plain",
    "address",
    "order_words",
    "tried_words",
    "app_words",
    "quotes",
    "vocative",
)
TRIAGE_KEYS = (
    "hostile",
    "superlative",
    "attack",
    "threat",
    "vague",
    "positive",
    "problem",
    "product",
    "sequence",
    "reasoning",
    "units",
)
TRIAGE_OPTIONAL = ("device",)  # device names are mostly common to all (see triage.rules)
STYLE_KEYS = (
    "apology",
    "thanks",
    "next_step",
    "policy",
    "wrong",
    "department",
    "negativity",
    "fairness",
    "staff",
    "blame_question",
    "dated",
    "compensation",
    "fix",
)
PROMISE_KEYS = (
    "fix",
    "refund",
    "callback",
    "info",
    "next_update",
    "tomorrow",
    "next_week",
    "within",
    "within_weeks",
    "within_hours",
    "weekday",
)
# what keeps a match from counting as a promise (see promises/extract.py)
PROMISE_OPTIONAL = ("hedge", "condition", "contrast")
# phrase -> the placeholders it must carry
COMPOSER_KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "hello": ("name",),
        "issue": ("quote",),
        "issue_noquote": (),
        "short": (),
        "fixed": ("version",),
        "fixing": (),
        "looking": (),
        "bonus": ("bonus",),
        "ask_details": (),
        "ask_order": (),
        "ask_version": (),
        "ask_still": (),
        "vague": (),
        "calm": (),
        "praise": (),
        "followup": ("what",),
    }
)
# the word-list files: file stem -> (required keys, optional keys)
FILES: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = MappingProxyType(
    {
        "triage": (TRIAGE_KEYS, TRIAGE_OPTIONAL),
        "style": (STYLE_KEYS, ()),
        "promises": (PROMISE_KEYS, PROMISE_OPTIONAL),
    }
)

Lists = Mapping[str, tuple[str, ...]]


class PackError(ReplydeskError):
    """A language pack that cannot be used as it stands: which language, file and key."""


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a cache key
class LanguagePack:
    code: str
    name: str
    native_name: str
    order: int
    script: str
    script_pattern: str
    number_words: Mapping[str, int]
    count_words: tuple[str, ...]
    weekday_stems: tuple[str, ...]
    instruction_cues: tuple[str, ...]
    signature: str  # the sign-off, with {product}: "— команда {product}"
    signature_plain: str  # the sign-off when no product name is configured
    address: str  # how to address the reviewer (the model is told; formal "Вы", "Sie")
    order_words: tuple[str, ...]  # words before an order or parcel number ("заказ*")
    tried_words: tuple[str, ...]  # what a reviewer says they already tried ("reinstall*")
    app_words: tuple[str, ...]  # a review about the app, not a parcel ("приложени*")
    quotes: tuple[str, str]  # the language's quotation marks, spacing included ("« ", " »")
    vocative: Mapping[str, str]  # name ending -> how it ends when addressed ("ος" -> "ο")
    triage: Lists
    style: Lists
    promises: Lists
    composer: Mapping[str, str]


class Registry:
    """The packs under one folder; loaded whole on first use, then kept."""

    def __init__(self, root: Traversable | Path | None = None) -> None:
        self._root = root
        self._lock = threading.Lock()
        self._packs: dict[str, LanguagePack] | None = None
        self._codes: tuple[str, ...] = ()

    @property
    def root(self) -> Traversable | Path:
        if self._root is None:
            self._root = files(__package__ or "replydesk.languages")
        return self._root

    def _all(self) -> dict[str, LanguagePack]:
        if self._packs is None:
            with self._lock:
                if self._packs is None:
                    packs = self._load()
                    self._codes = tuple(packs)
                    self._packs = packs
        return self._packs

    def _load(self) -> dict[str, LanguagePack]:
        found = [
            _read_pack(entry)
            for entry in self.root.iterdir()
            if entry.is_dir()
            and not entry.name.startswith(("_", "."))
            and entry.joinpath("pack.json").is_file()
        ]
        found.sort(key=lambda p: (p.order, p.code))
        packs = {p.code: p for p in found}
        if BASE not in packs:
            raise PackError(f"no {BASE!r} pack in {self.root}: every language falls back to it")
        return packs

    def codes(self) -> tuple[str, ...]:
        self._all()
        return self._codes

    def known(self, code: str) -> bool:
        return code in self._all()

    def pack(self, code: str) -> LanguagePack:
        packs = self._all()
        if code not in packs:
            raise UsageError(
                f"unknown language {code!r}: replydesk has packs for {', '.join(packs)}"
            )
        return packs[code]

    def resolve(self, code: str, default: str = BASE) -> str:
        """``code`` if there is a pack for it, else ``default`` if there is one, else English."""
        if self.known(code):
            return code
        return default if self.known(default) else BASE

    @cached_property
    def instruction_pattern(self) -> re.Pattern[str]:
        cues = [cue for p in self._all().values() for cue in p.instruction_cues]
        return re.compile("|".join(cues) or "(?!)", re.I)  # no cues: match nothing

    @cached_property
    def count_words(self) -> frozenset[str]:
        return frozenset(fold(w) for p in self._all().values() for w in p.count_words)

    @cached_property
    def number_words(self) -> Mapping[str, int]:
        out: dict[str, int] = {}
        for p in self._all().values():
            for word, value in p.number_words.items():
                key = fold(word)
                if out.get(key, value) != value:
                    raise PackError(
                        f"language pack {p.code!r}: pack.json: number_words: {word!r} is "
                        f"{value} here but {out[key]} in another pack"
                    )
                out[key] = value
        return MappingProxyType(out)

    @cached_property
    def weekday_stems(self) -> tuple[tuple[str, ...], ...]:
        packs = self._all().values()
        return tuple(tuple(fold(p.weekday_stems[day]) for p in packs) for day in range(7))

    @cached_property
    def script_hints(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        return tuple(
            (p.code, re.compile(p.script_pattern)) for p in self._all().values() if p.script_pattern
        )


def _read_pack(folder: Traversable) -> LanguagePack:
    code = folder.name
    if not re.fullmatch(r"[a-z]{2,3}", code):
        raise PackError(
            f"language pack {code!r}: the folder is named for an ISO 639 code, e.g. 'pt'"
        )
    meta = _read_json(folder, code, "pack")
    _check_keys(meta, code, "pack", PACK_KEYS, ())
    lists = {}
    for stem, (required, optional) in FILES.items():
        data = _read_json(folder, code, stem)
        _check_keys(data, code, stem, required, optional)
        lists[stem] = MappingProxyType(
            {key: _strings(value, code, stem, key) for key, value in data.items()}
        )
    composer = _read_json(folder, code, "composer")
    _check_keys(composer, code, "composer", tuple(COMPOSER_KEYS), ())
    for key, value in composer.items():
        if not isinstance(value, str):
            raise PackError(f"language pack {code!r}: composer.json: {key}: expected text")
    weekdays = _strings(meta["weekday_stems"], code, "pack", "weekday_stems")
    if len(weekdays) != 7:
        raise PackError(f"language pack {code!r}: pack.json: weekday_stems: want 7, Monday first")
    numbers = meta["number_words"]
    if not isinstance(numbers, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in numbers.values()
    ):
        raise PackError(f"language pack {code!r}: pack.json: number_words: expected word -> number")
    for key in (
        "name",
        "native_name",
        "script",
        "script_pattern",
        "signature",
        "signature_plain",
        "address",
    ):
        if not isinstance(meta[key], str):
            raise PackError(f"language pack {code!r}: pack.json: {key}: expected text")
    if not isinstance(meta["order"], int):
        raise PackError(f"language pack {code!r}: pack.json: order: expected a whole number")
    cues = _strings(meta["instruction_cues"], code, "pack", "instruction_cues")
    if not all(cues):
        raise PackError(f"language pack {code!r}: pack.json: instruction_cues: an empty cue")
    for pattern in (meta["script_pattern"], *cues):
        try:
            re.compile(pattern)
        except re.error as e:
            raise PackError(
                f"language pack {code!r}: pack.json: {pattern!r} is not a regular expression: {e}"
            ) from e
    return LanguagePack(
        code=code,
        name=meta["name"],
        native_name=meta["native_name"],
        order=meta["order"],
        script=meta["script"],
        script_pattern=meta["script_pattern"],
        number_words=MappingProxyType(dict(numbers)),
        count_words=_strings(meta["count_words"], code, "pack", "count_words"),
        weekday_stems=weekdays,
        instruction_cues=cues,
        signature=meta["signature"],
        signature_plain=meta["signature_plain"],
        address=meta["address"],
        order_words=_strings(meta["order_words"], code, "pack", "order_words"),
        tried_words=_strings(meta["tried_words"], code, "pack", "tried_words"),
        app_words=_strings(meta["app_words"], code, "pack", "app_words"),
        quotes=_quotes(meta["quotes"], code),
        vocative=MappingProxyType(_endings(meta["vocative"], code)),
        triage=lists["triage"],
        style=lists["style"],
        promises=lists["promises"],
        composer=MappingProxyType(dict(composer)),
    )


def _endings(value: object, code: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in value.items()
    ):
        raise PackError(f"language pack {code!r}: pack.json: vocative: want ending -> ending")
    return dict(value)


def _quotes(value: object, code: str) -> tuple[str, str]:
    if not (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise PackError(f"language pack {code!r}: pack.json: quotes: want [opening, closing]")
    return value[0], value[1]


def _read_json(folder: Traversable, code: str, stem: str) -> dict[str, Any]:
    try:
        data = json.loads(folder.joinpath(f"{stem}.json").read_text("utf-8"))
    except FileNotFoundError as e:
        raise PackError(f"language pack {code!r}: {stem}.json is missing") from e
    except ValueError as e:
        raise PackError(f"language pack {code!r}: {stem}.json is not valid JSON: {e}") from e
    if not isinstance(data, dict):
        raise PackError(f"language pack {code!r}: {stem}.json: expected a JSON object")
    return data


def _check_keys(
    data: Mapping[str, Any],
    code: str,
    stem: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
) -> None:
    missing = [k for k in required if k not in data]
    if missing:
        raise PackError(f"language pack {code!r}: {stem}.json lacks {', '.join(missing)}")
    unknown = [k for k in data if k not in required and k not in optional]
    if unknown:
        raise PackError(f"language pack {code!r}: {stem}.json: unknown key {', '.join(unknown)}")


def _strings(value: Any, code: str, stem: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PackError(f"language pack {code!r}: {stem}.json: {key}: expected a list of text")
    return tuple(value)


_active = Registry()


def registry() -> Registry:
    """The registry in use: the bundled packs, unless ``using`` says otherwise."""
    return _active


@contextmanager
def using(root: Traversable | Path) -> Iterator[Registry]:
    """Use the packs under ``root`` for a while (tests, trying out a new pack)."""
    global _active
    previous, _active = _active, Registry(root)
    try:
        yield _active
    finally:
        _active = previous


def codes() -> tuple[str, ...]:
    """Every language with a pack, English first, then by each pack's ``order``."""
    return _active.codes()


def known(code: str) -> bool:
    return _active.known(code)


def pack(code: str) -> LanguagePack:
    """The pack for ``code``; UsageError for a language without one."""
    return _active.pack(code)


def name(code: str) -> str:
    """The English name of a language with a pack ("Greek"); UsageError otherwise."""
    return _active.pack(code).name


def resolve(code: str, default: str = BASE) -> str:
    """The language to use for ``code``: itself if known, else ``default``, else English."""
    return _active.resolve(code, default)


def instruction_pattern() -> re.Pattern[str]:
    """Words that speak to a model rather than to us, in every language (case-insensitive)."""
    return _active.instruction_pattern


def count_words() -> frozenset[str]:
    """Folded words of every language that count things: "two", "несколько", "a", "few"."""
    return _active.count_words


def number_words() -> Mapping[str, int]:
    """Folded number words of every language and their values: "cinco" -> 5."""
    return _active.number_words


def weekday_stems() -> tuple[tuple[str, ...], ...]:
    """Folded weekday stems of every language, one tuple per day, Monday first."""
    return _active.weekday_stems


def script_hints() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(code, pattern) for each language whose script alone gives it away."""
    return _active.script_hints


class _Names(Mapping[str, str]):
    """Language code -> English name, for every pack (read when first asked)."""

    def __getitem__(self, code: str) -> str:
        if not _active.known(code):
            raise KeyError(code)
        return _active.pack(code).name

    def __iter__(self) -> Iterator[str]:
        return iter(_active.codes())

    def __len__(self) -> int:
        return len(_active.codes())


NAMES: Mapping[str, str] = _Names()
