"""Reading reviews from CSV and JSONL files, line by line, with a reason for every bad line.

Used by ``replydesk import`` and by the ``file`` source. Fields (README, "Importing
reviews"): id, author, rating, title, body, lang, created_at, url; also accepted:
author_key, language, updated_at, version, source. A bad line never stops the file: it is
reported with its line number and skipped. Whatever a line holds (a lone surrogate, a
date in the year 99999, NaN, a list where text belongs, JSON nested a million deep), it
becomes a ``LineError``, never an exception.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from replydesk.domain.errors import InputError
from replydesk.domain.models import NewReview
from replydesk.domain.text import normalise
from replydesk.domain.timeutil import parse_time

FIELDS = ("id", "author", "rating", "title", "body", "lang", "created_at", "url")
OPTIONAL_FIELDS = ("author_key", "language", "updated_at", "version", "source")
BODY_ALIASES = ("text", "content", "review")  # what exports from other tools call the body
_KNOWN = frozenset(FIELDS + OPTIONAL_FIELDS)
MAX_FIELD = 64 * 1024 * 1024

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

# JSON's "\ud800" decodes to a str no UTF-8 (and so no database) can hold
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class LineError:
    line: int
    reason: str
    stopped: bool = False  # the file could not be read past this line

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportReport:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[LineError] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.errors)

    def summary(self) -> str:
        return (
            f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.failed} failed"
        )


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return "jsonl"
    if b"," in head.split(b"\n", 1)[0]:
        return "csv"
    raise InputError(f"{path}: cannot tell the format; name it .csv or .jsonl")


def read_file(
    path: Path | str, source: str | None = None, fmt: str | None = None
) -> Iterator[tuple[int, NewReview | LineError]]:
    """``(line_number, review or error)`` for every record in the file.

    Raises InputError at once (not on first iteration) when the file cannot be read.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise InputError(f"{path} is a folder; give one .csv or .jsonl file in it")
    if not path.is_file():
        raise InputError(f"{path}: no such file; check the path")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: you may not read it (permission denied); check its mode")
    return _records(path, source, fmt or detect_format(path))


def _records(
    path: Path, source: str | None, fmt: str
) -> Iterator[tuple[int, NewReview | LineError]]:
    default_source = source or path.stem
    rows = _jsonl_rows(path) if fmt == "jsonl" else _csv_rows(path)
    for line, row in rows:
        if isinstance(row, LineError):
            yield line, row
            continue
        try:
            yield line, to_review(row, source or str(row.get("source") or default_source))
        except ValueError as exc:
            yield line, LineError(line, str(exc))
        except Exception as exc:  # a case to_review does not know yet: still this line only
            yield line, LineError(line, _unexpected(exc))


def _unexpected(exc: BaseException) -> str:
    text = f"could not be read ({type(exc).__name__}: {exc})"
    return text if len(text) <= 200 else text[:197] + "..."


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    number = 0
    with path.open("rb") as fh:
        lines = enumerate(fh, 1)
        while True:
            try:
                number, raw = next(lines)
            except StopIteration:
                return
            except OSError as exc:  # the file itself failed: what was read still counts
                reason = f"could not read the file from here: {exc}"
                yield number + 1, LineError(number + 1, reason, stopped=True)
                return
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            if not raw.strip():
                continue
            yield number, _json_object(number, raw)


_NOT_PARSED = object()
_LONG_NUMBER = re.compile(rb"\d{19}")


def _json_object(number: int, raw: bytes) -> dict[str, Any] | LineError:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return LineError(number, f"not valid UTF-8 (byte {exc.start})")
    try:  # the usual line, by orjson: three times faster than json
        # but an integer beyond 64 bits would come back a float: an id of 30 digits
        # rounded, and two such reviews taken for one; json keeps it exact
        obj = _NOT_PARSED if _LONG_NUMBER.search(raw) else orjson.loads(raw)
    except orjson.JSONDecodeError:  # stricter than json: ask json, for its verdict and words
        obj = _NOT_PARSED
    try:
        if obj is _NOT_PARSED:
            obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return LineError(number, f"not valid JSON: {exc.msg} at column {exc.colno}")
    except RecursionError:
        return LineError(number, "not usable JSON: nested too deeply")
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        return LineError(number, f"not usable JSON: {str(exc).split(':')[0]}")
    if not isinstance(obj, dict):
        return LineError(number, f"expected a JSON object, got {type(obj).__name__}")
    return obj


def _undecoded(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    # undecodable bytes stay as surrogates, so the row that holds them is named, not
    # imported with "�" in place of the customer's letters
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        sample = fh.read(8192)
        fh.seek(0)
        delimiter = (
            "\t"
            if path.suffix.lower() == ".tsv" or (sample.count("\t") > sample.count(","))
            else ","
        )
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            return
        except csv.Error as exc:
            yield 1, LineError(1, f"unreadable CSV header: {exc}")
            return
        if "id" not in header:
            yield (
                1,
                LineError(
                    1,
                    f"the header has no 'id' column (found: {', '.join(header)});"
                    f" expected columns: {', '.join(FIELDS)}",
                ),
            )
            return
        start = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, LineError(start, f"unreadable CSV: {exc}")
                start = reader.line_num + 1
                continue
            except OSError as exc:  # the file itself failed: what was read still counts
                yield start, LineError(start, f"could not read the file from here: {exc}", True)
                return
            line, start = start, reader.line_num + 1
            if any(_undecoded(v) for v in values):
                yield (
                    line,
                    LineError(line, "not valid UTF-8: save the file as UTF-8 (it may be Latin-1)"),
                )
                continue
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                yield (
                    line,
                    LineError(line, f"{len(values)} fields where the header has {len(header)}"),
                )
                continue
            yield line, dict(zip(header, values, strict=True))


def to_review(row: dict[str, Any], source: str) -> NewReview:
    """Validate one record; raises ValueError naming the field and what was wrong."""
    where = _lone_surrogate(row)
    if where:
        raise ValueError(f"text has an invalid character (a lone surrogate) in {where}")
    ext = row.get("id")
    if ext is None or (isinstance(ext, str) and not ext.strip()):
        raise ValueError("missing 'id'")
    if isinstance(ext, bool) or not isinstance(ext, str | int | float):
        raise ValueError(f"'id' must be text or a number, not {type(ext).__name__}")
    if isinstance(ext, float) and not math.isfinite(ext):
        raise ValueError(f"'id' must be text or a number, not {ext!r}")
    body = _text(row, "body")
    alias = next((a for a in BODY_ALIASES if not body and _text(row, a)), None)
    if alias:  # "text" is the body's name in many exports: never land an empty review
        body = _text(row, alias)
    title = _text(row, "title")
    rating = parse_rating(row.get("rating"))
    if not body and not title and rating is None:
        raise ValueError("no body, title or rating: nothing to review")
    created = _time(row, "created_at")
    updated = _time(row, "updated_at")
    author = _text(row, "author")
    return NewReview(
        source=source,
        external_id=str(ext).strip(),
        body=body,
        title=title,
        author=author,
        author_key=_text(row, "author_key") or author,
        rating=rating,
        language=(_text(row, "lang") or _text(row, "language")).lower()[:12],
        url=_text(row, "url"),
        product_version=_text(row, "version"),
        created_at=created,
        updated_at=updated or created,
        raw={k: v for k, v in row.items() if k not in _KNOWN and k != alias} or None,
    )


def parse_rating(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"rating {value!r} is not a number from 1 to 5")
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError(f"rating {value!r} is not a number from 1 to 5") from None
    if not math.isfinite(number):
        raise ValueError(f"rating {value!r} is not a number from 1 to 5")
    if not 1 <= number <= 5 or number != int(number):
        raise ValueError(f"rating {value!r} is outside 1-5 (whole stars)")
    return int(number)


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise ValueError(f"'{key}' must be text, not {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"'{key}' must be text, not {value!r}")
    text = normalise(str(value)).strip()
    if len(text) > MAX_FIELD:
        raise ValueError(f"'{key}' is longer than {MAX_FIELD // 1024 // 1024} MB")
    return text


def _lone_surrogate(row: dict[str, Any]) -> str:
    """Where a lone surrogate hides in the record (any field, at any depth), or ""."""
    if all(type(v) is not dict and type(v) is not list for v in row.values()):
        # a flat record (the usual one): one look at all its text at once
        text = "\x00".join([*row, *(v for v in row.values() if type(v) is str)])
        if text.isascii() or _SURROGATE.search(text) is None:
            return ""
    for key, value in row.items():
        if _SURROGATE.search(key):
            return "a field name"
        stack: list[Any] = [value]
        while stack:  # a loop, not recursion: a record may nest deeply
            item = stack.pop()
            if isinstance(item, str):
                found = not item.isascii() and _SURROGATE.search(item) is not None
            elif isinstance(item, dict):
                found = any(_SURROGATE.search(k) for k in item if isinstance(k, str))
                stack.extend(item.values())
            elif isinstance(item, list):
                found = False
                stack.extend(item)
            else:
                found = False
            if found:
                return f"'{key}'" if key.isprintable() and len(key) <= 40 else "a field"
    return ""


def _time(row: dict[str, Any], key: str) -> datetime | None:
    value = row.get(key)
    if value is None or value == "":
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise ValueError(f"'{key}': {exc}") from None
