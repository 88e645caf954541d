"""The TOML config: typed sections, strict validation with precise errors, env overrides.

The dataclasses below are the schema: ``replydesk config check`` validates a file against
their fields (name, type, the ``help`` in each field's metadata), so a new option is added
in exactly one place. Every error names the file, the line where it can be found, the key
and what would be valid. Nothing here raises anything but ``ConfigError``.
"""

from __future__ import annotations

import difflib
import getpass
import os
import re
import tomllib
import types
import typing
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from replydesk.config import paths
from replydesk.domain.errors import ConfigError
from replydesk.sources.registry import COMMON_OPTIONS, KIND_OPTIONS


def _opt(default: Any, help: str) -> Any:
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class WorkspaceConfig:
    db: str = _opt("", "SQLite file; a team shares one group-writable path. Default: data dir")
    user: str = _opt("", "who you are in the audit log. Default: your login name")
    timezone: str = _opt("UTC", "IANA zone for due dates and 'next week', e.g. Europe/Berlin")
    response_target_hours: int = _opt(24, "reply within this many hours (age turns red after)")


@dataclass(frozen=True)
class LLMConfig:
    base_url: str = _opt("", "OpenAI-compatible endpoint; env OPENAI_BASE_URL overrides")
    model: str = _opt("", "model name; env REPLYDESK_MODEL overrides. Empty: offline composer")
    api_key_secret: str = _opt("openai", "secret name holding the key; env OPENAI_API_KEY wins")
    timeout: float = _opt(60.0, "seconds per request")
    max_retries: int = _opt(4, "retries on 429/5xx, honouring Retry-After")
    concurrency: int = _opt(8, "drafts in flight at once")
    temperature: float = _opt(0.4, "sampling temperature")
    input_price_per_mtok: float = _opt(0.0, "price per million input tokens, for cost estimates")
    output_price_per_mtok: float = _opt(0.0, "price per million output tokens")


@dataclass(frozen=True)
class TriageConfig:
    glossary: list[str] = _opt([], "product terms that make a review specific")
    llm_second_opinion: bool = _opt(False, "ask the model about reviews in the uncertain band")
    uncertain_low: float = _opt(0.5, "ask the model when the rules' confidence (0.5-1) is")
    uncertain_high: float = _opt(0.7, "between uncertain_low and uncertain_high")
    extra_hostile: dict[str, list[str]] = _opt({}, "language -> extra insults/abuse words")
    extra_specific: dict[str, list[str]] = _opt({}, "language -> extra product words")


@dataclass(frozen=True)
class StyleConfig:
    languages: list[str] = _opt(["en", "ru", "es", "el", "de", "fr"], "languages you answer in")
    default_language: str = _opt("en", "language for reviews whose language is unknown")
    signature: str = _opt("", 'closing line added to drafts, e.g. "— Anna, Acme support"')
    bonus_catalogue: list[str] = _opt([], "the only compensation a reply may offer")
    allow_dated_promises: bool = _opt(False, 'may a reply promise a date ("by Friday")?')
    platform_limits: dict[str, int] = _opt({}, "source kind -> max reply length, overrides")


@dataclass(frozen=True)
class KnownIssue:
    id: str = _opt("", 'a short id, e.g. "sync-crash"')
    summary: str = _opt("", "what is wrong, as you would tell a customer")
    keywords: list[str] = _opt([], "words that link a review to this issue")
    status: str = _opt("open", "open, fixing or fixed")
    fixed_in: str = _opt("", "the version that fixes it, once known")


@dataclass(frozen=True)
class Release:
    version: str = _opt("", 'a version, e.g. "2.4"')
    date: str = _opt("", "its planned or actual date, YYYY-MM-DD")


@dataclass(frozen=True)
class TrackerConfig:
    name: str = _opt("", "a short name")
    kind: str = _opt("", "github, gitlab, jira, json or feed")
    url: str = _opt("", "API base or feed URL")
    project: str = _opt("", "owner/repo, project id or Jira key")
    token_secret: str = _opt("", "secret name holding the token")


@dataclass(frozen=True)
class PromisesConfig:
    default_due_days: int = _opt(14, "due date for a promise that names none")
    releases: list[Release] = _opt([], "release calendar: resolves 'in the next update'")
    trackers: list[TrackerConfig] = _opt([], "where fixes are tracked")


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: str
    enabled: bool = True
    language: str = ""
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    workspace: WorkspaceConfig = field(default_factory=WorkspaceConfig)
    llm: LLMConfig = field(default_factory=LLMConfig)
    triage: TriageConfig = field(default_factory=TriageConfig)
    style: StyleConfig = field(default_factory=StyleConfig)
    promises: PromisesConfig = field(default_factory=PromisesConfig)
    known_issues: list[KnownIssue] = field(default_factory=list)
    sources: list[SourceConfig] = field(default_factory=list)

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)

    @property
    def user(self) -> str:
        return os.environ.get("REPLYDESK_USER") or self.workspace.user or _login()

    @property
    def db_path(self) -> Path:
        env = os.environ.get("REPLYDESK_DB")
        if env:
            return Path(env).expanduser()
        if self.workspace.db:
            db = Path(self.workspace.db).expanduser()
            if not db.is_absolute() and self.path is not None:
                db = self.path.parent / db
            return db
        return paths.default_db_path()

    @property
    def llm_base_url(self) -> str:
        return os.environ.get("OPENAI_BASE_URL") or self.llm.base_url

    @property
    def llm_model(self) -> str:
        return os.environ.get("REPLYDESK_MODEL") or self.llm.model


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some containers
        return "unknown"


SECTIONS: dict[str, type] = {
    "workspace": WorkspaceConfig,
    "llm": LLMConfig,
    "triage": TriageConfig,
    "style": StyleConfig,
    "promises": PromisesConfig,
}
ARRAYS: dict[str, type] = {"known_issues": KnownIssue}


# ---------------------------------------------------------------- loading


def load(path: Path | str | None = None, *, required: bool = False) -> Config:
    """Read and validate a config file; a missing default file means all defaults."""
    explicit = path is not None or bool(os.environ.get("REPLYDESK_CONFIG"))
    cfg_path = Path(path).expanduser() if path is not None else paths.default_config_path()
    if not cfg_path.exists():
        if explicit or required:
            raise ConfigError("no such file; create one with `replydesk init`", path=cfg_path)
        return Config(path=None)
    try:
        text = cfg_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=cfg_path) from None
    return parse(text, cfg_path)


def parse(text: str, path: Path | None = None) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        raise ConfigError(f"TOML syntax error: {msg}", path=path, line=line) from None
    return _Validator(text, path).config(data)


class _Validator:
    def __init__(self, text: str, path: Path | None) -> None:
        self.lines = text.splitlines()
        self.path = path

    def fail(self, key: str, message: str, *, table: str = "", index: int | None = None) -> None:
        line = _locate(self.lines, table, key.rsplit(".", 1)[-1], index)
        raise ConfigError(message, path=self.path, line=line, key=key)

    def config(self, data: dict[str, Any]) -> Config:
        known = [*SECTIONS, *ARRAYS, "sources"]
        for key in data:
            if key not in known:
                self.fail(
                    key,
                    f"unknown section{_suggest(key, known)}; valid sections: {', '.join(known)}",
                )
        built: dict[str, Any] = {}
        for name, cls in SECTIONS.items():
            value = data.get(name, {})
            if not isinstance(value, dict):
                self.fail(name, f"must be a table ([{name}]), not {_tname(value)}")
            built[name] = self.section(cls, value, name)
        for name, cls in ARRAYS.items():
            built[name] = self.array(cls, data.get(name, []), name)
        built["sources"] = self.sources(data.get("sources", []))
        return Config(path=self.path, **built)

    def section(
        self, cls: type, value: dict[str, Any], table: str, index: int | None = None
    ) -> Any:
        hints = typing.get_type_hints(cls)
        specs = {f.name: f for f in fields(cls)}
        out: dict[str, Any] = {}
        for key, val in value.items():
            dotted = f"{table}.{key}"
            if key not in specs:
                self.fail(
                    dotted,
                    f"unknown key{_suggest(key, list(specs))}; valid keys in "
                    f"[{table}]: {', '.join(specs)}",
                    table=table,
                    index=index,
                )
            hint = hints[key]
            inner = _list_item_class(hint)
            if inner is not None:
                out[key] = self.array(inner, val, dotted)
                continue
            problem = _type_problem(val, hint)
            if problem:
                self.fail(
                    dotted,
                    f"{problem} ({specs[key].metadata.get('help', '')})",
                    table=table,
                    index=index,
                )
            out[key] = val
        for key, spec in specs.items():
            if key not in out and spec.default is MISSING and spec.default_factory is MISSING:
                self.fail(f"{table}.{key}", "is required", table=table, index=index)
        obj = cls(**out)
        self.check_values(obj, table, index)
        return obj

    def check_values(self, obj: Any, table: str, index: int | None) -> None:
        if isinstance(obj, WorkspaceConfig) and obj.timezone:
            try:
                ZoneInfo(obj.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                self.fail(
                    "workspace.timezone",
                    f"unknown time zone {obj.timezone!r}; use an "
                    'IANA name such as "UTC" or "Europe/Madrid"',
                    table=table,
                )
        if isinstance(obj, LLMConfig) and obj.concurrency < 1:
            self.fail("llm.concurrency", "must be at least 1", table=table)
        if isinstance(obj, TriageConfig) and not (
            0 <= obj.uncertain_low <= obj.uncertain_high <= 1
        ):
            self.fail(
                "triage.uncertain_low",
                "need 0 <= uncertain_low <= uncertain_high <= 1",
                table=table,
            )
        if isinstance(obj, KnownIssue) and obj.status not in ("open", "fixing", "fixed"):
            self.fail(
                f"{table}.status", "must be one of: open, fixing, fixed", table=table, index=index
            )
        if (
            isinstance(obj, Release)
            and obj.date
            and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", obj.date)
        ):
            self.fail(
                f"{table}.date",
                f"{obj.date!r} is not a date; write YYYY-MM-DD",
                table=table,
                index=index,
            )

    def array(self, cls: type, value: Any, table: str) -> list[Any]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(table, f"must be an array of tables ([[{table}]]), not {_tname(value)}")
        return [self.section(cls, item, table, i) for i, item in enumerate(value)]

    def sources(self, value: Any) -> list[SourceConfig]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail("sources", f"must be an array of tables ([[sources]]), not {_tname(value)}")
        out: list[SourceConfig] = []
        seen: set[str] = set()
        for i, item in enumerate(value):
            for key, (typ, required, help_) in COMMON_OPTIONS.items():
                if key not in item:
                    if required:
                        self.fail(
                            f"sources.{key}",
                            f"is required in every [[sources]] entry ({help_})",
                            table="sources",
                            index=i,
                        )
                    continue
                problem = _type_problem(item[key], typ)
                if problem:
                    self.fail(f"sources.{key}", f"{problem} ({help_})", table="sources", index=i)
            name, kind = item["name"], item["kind"]
            if kind not in KIND_OPTIONS:
                self.fail(
                    "sources.kind",
                    f"unknown source kind {kind!r}"
                    f"{_suggest(kind, list(KIND_OPTIONS))}; valid kinds: "
                    f"{', '.join(KIND_OPTIONS)}",
                    table="sources",
                    index=i,
                )
            if name in seen:
                self.fail(
                    "sources.name",
                    f"duplicate source name {name!r}; names must be unique",
                    table="sources",
                    index=i,
                )
            seen.add(name)
            specs = KIND_OPTIONS[kind]
            options: dict[str, Any] = {}
            for key, val in item.items():
                if key in COMMON_OPTIONS:
                    continue
                if key not in specs:
                    self.fail(
                        f"sources.{key}",
                        f"unknown option for a {kind!r} source"
                        f"{_suggest(key, list(specs))}; valid options: "
                        f"{', '.join(specs)}",
                        table="sources",
                        index=i,
                    )
                problem = _type_problem(val, specs[key][0])
                if problem:
                    self.fail(
                        f"sources.{key}", f"{problem} ({specs[key][2]})", table="sources", index=i
                    )
                options[key] = val
            for key, (_t, required, help_) in specs.items():
                if required and key not in options:
                    self.fail(
                        f"sources.{key}",
                        f"is required for a {kind!r} source ({name}): {help_}",
                        table="sources",
                        index=i,
                    )
            out.append(
                SourceConfig(
                    name=name,
                    kind=kind,
                    enabled=item.get("enabled", True),
                    language=item.get("language", ""),
                    options=options,
                )
            )
        return out


def _list_item_class(hint: Any) -> type | None:
    if typing.get_origin(hint) is list:
        (arg,) = typing.get_args(hint)
        if isinstance(arg, type) and hasattr(arg, "__dataclass_fields__"):
            return arg
    return None


def _tname(value: Any) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true/false",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _type_problem(value: Any, hint: Any) -> str | None:
    """Why ``value`` does not fit ``hint``, in words; None when it fits."""
    origin = typing.get_origin(hint)
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            return f"must be an array of {_hint_name(item)}, not {_tname(value)}"
        for v in value:
            if _type_problem(v, item):
                return f"must be an array of {_hint_name(item)}; {v!r} is {_tname(v)}"
        return None
    if origin is dict:
        _k, item = typing.get_args(hint)
        if not isinstance(value, dict):
            return f"must be a table of {_hint_name(item)}, not {_tname(value)}"
        for k, v in value.items():
            if _type_problem(v, item):
                return f"entry {k!r} must be {_hint_name(item)}, not {_tname(v)}"
        return None
    if origin in (typing.Union, types.UnionType):
        return (
            None
            if any(not _type_problem(value, a) for a in typing.get_args(hint))
            else (f"has the wrong type ({_tname(value)})")
        )
    if hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, hint)
    return None if ok else f"must be {_hint_name(hint)}, not {_tname(value)} ({value!r})"


def _hint_name(hint: Any) -> str:
    if typing.get_origin(hint) is list:
        return f"an array of {_hint_name(typing.get_args(hint)[0])}"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        hint, getattr(hint, "__name__", str(hint))
    )


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")


def _locate(lines: list[str], table: str, key: str, index: int | None = None) -> int | None:
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
