"""Pydantic's validation errors, said in our words: file, line, dotted key, what is wrong
and the nearest valid thing. No pydantic wording ever reaches a person.

Each error's ``loc`` is walked along the schema and the raw TOML data together, which
gives the dotted key (``sources.app_id``), the TOML table and array index to find its line
in, the field (for its help and type) and the source entry it belongs to.
"""

from __future__ import annotations

import datetime as dt
import difflib
import inspect
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from replydesk.config.models import ConfigFile
from replydesk.config.sources import COMMON_OPTIONS, KIND_MODELS, SourceConfig, option_names
from replydesk.domain.errors import ConfigError

Loc = tuple[int | str, ...]

# value checks of our own (models.py): their message is already ours
OWN_ERRORS = frozenset(
    {
        "time_zone",
        "issue_status",
        "release_date",
        "duplicate_source",
        "tracker_kind",
        "tracker_url",
        "tracker_project",
        "voice",
    }
)


@dataclass
class Spot:
    """Where in the file an error is, and what the schema says about that place."""

    parts: list[str]  # the dotted key's parts, no indexes: ["promises", "releases", "date"]
    table: str  # the TOML table holding the key ("" at the top)
    index: int | None  # which [[table]] entry, for arrays of tables
    owner: type[BaseModel]  # the model the key belongs to (or should)
    field: FieldInfo | None  # None: the key is not one of owner's fields
    rest: Loc = ()  # what is left of loc inside the field's value (list index, table key)
    entry: Any = None  # the raw [[table]] entry, when the error is about one as a whole
    source: dict[str, Any] | None = None  # the raw [[sources]] entry the key is in
    at_entry: bool = False

    @property
    def key(self) -> str:
        return ".".join(self.parts)

    @property
    def name(self) -> str:
        return self.parts[-1]

    @property
    def help(self) -> str:
        return (self.field.description or "") if self.field else ""


def translate(
    errors: list[ErrorDetails], data: dict[str, Any], lines: list[str], path: Path | None
) -> list[ConfigError]:
    """Each of pydantic's ``errors`` for ``data`` (the TOML of ``lines``) as a ConfigError."""
    return [
        problem(error, data, lines, path)
        for error in errors
        if error["type"] != "default_factory_not_called"  # follows from another error
    ]


def problem(
    error: ErrorDetails, data: dict[str, Any], lines: list[str], path: Path | None
) -> ConfigError:
    spot = walk(error["loc"], data)
    kind = error["type"]
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        message, suggestion = _kind_problem(spot)
        return ConfigError(
            message,
            path=path,
            line=locate(lines, spot.key, "kind", spot.index),
            key=f"{spot.key}.kind",
            suggestion=suggestion,
        )
    suggestion = None
    if spot.field is None:
        message, suggestion = _unknown_key(spot)
    elif kind in OWN_ERRORS:
        message, suggestion = error["msg"], (error.get("ctx") or {}).get("suggestion")
    elif spot.at_entry or (table_shape(spot.field.annotation)[0] and kind != "missing"):
        message = _table_problem(spot, error["input"])
    elif kind == "missing":
        message = _missing(spot)
    else:
        message = _value_problem(error, spot)
    return ConfigError(
        message, path=path, line=_line(lines, spot), key=spot.key, suggestion=suggestion
    )


def _line(lines: list[str], spot: Spot) -> int | None:
    """The key's line; else the line of the table it is in (an inline table, a dotted key)."""
    line = locate(lines, spot.table, spot.name, spot.index)
    parts = spot.table.split(".") if spot.table else []
    while line is None and parts:
        name = parts.pop()
        line = locate(lines, ".".join(parts), name)
    return line


# ---------------------------------------------------------------- walking loc


def walk(loc: Loc, data: Any) -> Spot:
    """Follow ``loc`` through the schema and the raw data to the place it names."""
    owner: type[BaseModel] = ConfigFile
    raw: Any = data
    tables: list[str] = []
    index: int | None = None
    source: dict[str, Any] | None = None
    i = 0
    while i < len(loc):
        name = loc[i]
        table = ".".join(tables)
        if not isinstance(name, str) or name not in owner.model_fields:
            return Spot([*tables, str(name)], table, index, owner, None, source=source)
        field = owner.model_fields[name]
        value = raw.get(name) if isinstance(raw, dict) else None
        shape, model = table_shape(field.annotation)
        if shape is None or i == len(loc) - 1:
            return Spot([*tables, name], table, index, owner, field, loc[i + 1 :], source=source)
        tables.append(name)
        if shape == "table":
            owner, raw, index, i = model or owner, value, None, i + 1
            continue
        # an array of tables: the next step is an index, then maybe a source kind's tag
        position = loc[i + 1]
        index = position if isinstance(position, int) else None
        entry = value[index] if isinstance(value, list) and index is not None else None
        i += 2
        if model is None:  # the union of source kinds
            tag = loc[i] if i < len(loc) else None
            if isinstance(tag, str) and tag in KIND_MODELS:
                owner, i = KIND_MODELS[tag], i + 1
            else:
                owner = SourceConfig
            source = entry if isinstance(entry, dict) else None
        else:
            owner = model
        if i >= len(loc):  # about the entry as a whole
            return Spot(
                list(tables), table, index, owner, field, entry=entry, source=source, at_entry=True
            )
        raw = entry
    return Spot(["config"], "", None, owner, None)


def table_shape(annotation: Any) -> tuple[str | None, type[BaseModel] | None]:
    """("table", Model), ("array", Model), ("array", None) for the source union, or (None, None)."""
    if _is_model(annotation):
        return "table", annotation
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if typing.get_origin(item) is typing.Annotated:
            item = typing.get_args(item)[0]
        if _is_model(item):
            return "array", item
        members = typing.get_args(item)
        if members and all(_is_model(m) for m in members):
            return "array", None
    return None, None


def _is_model(annotation: Any) -> bool:
    return inspect.isclass(annotation) and issubclass(annotation, BaseModel)


# ---------------------------------------------------------------- messages


def _kind_problem(spot: Spot) -> tuple[str, str | None]:
    kinds = list(KIND_MODELS)
    valid = f"valid kinds: {', '.join(kinds)}"
    entry = spot.source or {}
    if "kind" not in entry:
        return f"is required in every [[sources]] entry ({valid})", None
    kind = entry["kind"]
    if not isinstance(kind, str):
        return f"must be a string, not {type_name(kind)} ({kind!r}); {valid}", None
    close = difflib.get_close_matches(kind, kinds, n=1)
    return f"unknown source kind {kind!r}{_did_you_mean(close)}; {valid}", _first(close)


def _table_problem(spot: Spot, value: Any) -> str:
    """A section or an array of tables that is something else."""
    assert spot.field is not None
    if table_shape(spot.field.annotation)[0] != "array":
        return f"must be a table ([{spot.key}]), not {type_name(value)}"
    what = f"must be an array of tables ([[{spot.key}]])"
    if spot.at_entry:
        return f"{what}; entry {(spot.index or 0) + 1} is {type_name(spot.entry)}"
    return f"{what}, not {type_name(value)}"


def _unknown_key(spot: Spot) -> tuple[str, str | None]:
    name = spot.name
    if spot.owner is ConfigFile:
        sections = list(ConfigFile.model_fields)
        close = difflib.get_close_matches(name, sections, n=1)
        return (
            f"unknown section{_did_you_mean(close)}; valid sections: {', '.join(sections)}",
            _first(close),
        )
    if issubclass(spot.owner, SourceConfig):
        kind = (spot.source or {}).get("kind", "")
        options = option_names(spot.owner)
        close = difflib.get_close_matches(name, [*options, *COMMON_OPTIONS], n=1)
        return (
            f"unknown option for a {kind!r} source{_did_you_mean(close)}; valid options: "
            f"{', '.join(options)} (and {', '.join(COMMON_OPTIONS)} in every source)",
            _first(close),
        )
    keys = list(spot.owner.model_fields)
    close = difflib.get_close_matches(name, keys, n=1)
    table = f"[[{spot.table}]]" if spot.index is not None else f"[{spot.table}]"
    return (
        f"unknown key{_did_you_mean(close)}; valid keys in {table}: {', '.join(keys)}",
        _first(close),
    )


def _missing(spot: Spot) -> str:
    if issubclass(spot.owner, SourceConfig):
        if spot.name in COMMON_OPTIONS:
            return f"is required in every [[sources]] entry ({spot.help})"
        entry = spot.source or {}
        kind = entry.get("kind", "")
        label = entry.get("name") or f"entry {(spot.index or 0) + 1}"
        return f"is required for a {kind!r} source ({label}): {spot.help}"
    return f"is required ({spot.help})" if spot.help else "is required"


def _value_problem(error: ErrorDetails, spot: Spot) -> str:
    """A wrong type or an out-of-range value, with the field's help."""
    value = error["input"]
    ctx = error.get("ctx") or {}
    suffix = f" ({spot.help})" if spot.help else ""
    kind = error["type"]
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        words = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        return f"must be {words} {bound}, not {show(value)}{suffix}"
    expected: Any = spot.field.annotation if spot.field else Any
    prefix = ""
    for step in spot.rest:
        expected = _inner(expected, step)
        if isinstance(step, str):
            prefix = f"entry {step!r} "
    container = _outer_list(spot)
    if isinstance(value, dt.date | dt.time) and _strip_none(expected) is str:
        suffix = f"; write it in quotes{suffix}"  # TOML read 2026-12-01 as a date
    if container is not None:
        return (
            f"{prefix}must be {type_words(container)}; {show(value)} is {type_name(value)}{suffix}"
        )
    if kind.endswith("_type"):
        shown = "" if isinstance(value, bool) else f" ({show(value)})"
        return f"{prefix}must be {type_words(expected)}, not {type_name(value)}{shown}{suffix}"
    return f"{prefix}{show(value)} is not valid here{suffix}"


def _outer_list(spot: Spot) -> Any:
    """The list type holding the bad value, when the value is an array's item."""
    if not spot.rest or not isinstance(spot.rest[-1], int) or spot.field is None:
        return None
    expected: Any = spot.field.annotation
    for step in spot.rest[:-1]:
        expected = _inner(expected, step)
    return _strip_none(expected)


def _inner(annotation: Any, step: int | str) -> Any:
    annotation = _strip_none(annotation)
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is list and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return Any


def _strip_none(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


_SINGULAR = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
_PLURAL = {str: "strings", int: "integers", float: "numbers", bool: "true/false values"}


def type_words(annotation: Any, plural: bool = False) -> str:
    """``list[str]`` -> "an array of strings"; ``dict[str, int]`` -> "a table of integers"."""
    annotation = _strip_none(annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is list:
        inner = type_words(args[0], plural=True) if args else "values"
        return f"arrays of {inner}" if plural else f"an array of {inner}"
    if origin is dict:
        inner = type_words(args[1], plural=True) if len(args) == 2 else "values"
        return f"tables of {inner}" if plural else f"a table of {inner}"
    if origin is typing.Literal:
        return "one of: " + ", ".join(str(a) for a in args)
    table = _PLURAL if plural else _SINGULAR
    if annotation in table:
        return table[annotation]
    return "values" if plural else "a value"


def type_name(value: Any) -> str:
    """What a TOML value is, in words."""
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true/false",
        list: "an array",
        dict: "a table",
        dt.date: "a date",
        dt.datetime: "a date and time",
        dt.time: "a time",
    }.get(type(value), type(value).__name__)


def show(value: Any) -> str:
    """A TOML value as it was written, near enough."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return repr(value)


def _did_you_mean(close: list[str]) -> str:
    return f" (did you mean {close[0]!r}?)" if close else ""


def _first(close: list[str]) -> str | None:
    return close[0] if close else None


# ---------------------------------------------------------------- lines

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")


def locate(lines: list[str], table: str, key: str, index: int | None = None) -> int | None:
    """Best-effort line number of ``key`` inside ``[table]`` (the ``index``-th ``[[table]]``)."""
    current, seen = "", -1
    key_re = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
    header_line = None
    for number, line in enumerate(lines, 1):
        m = _HEADER.match(line)
        if m:
            current = m.group(2).replace('"', "").replace(" ", "")
            if current == table:
                seen += 1
                if index is None or seen == index:
                    header_line = number
            continue
        in_place = current == table and (index is None or seen == index)
        if not table and current:
            in_place = False
        if (in_place or (not table and not current)) and key_re.match(line):
            return number
    if header_line is None and not table:
        for number, line in enumerate(lines, 1):
            m = _HEADER.match(line)
            if m and m.group(2).replace('"', "").replace(" ", "") == key:
                return number
    return header_line
