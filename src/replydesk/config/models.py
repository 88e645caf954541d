"""The config schema: one pydantic model per TOML section, and ``Config``, the loaded whole.

``ConfigFile`` is exactly what a config file may say; ``Config`` adds where it was read
from and the values resolved once, at load, from the file and the environment (``user``,
``db_path``, ``llm_base_url``, ``llm_model``). Help texts are the fields' descriptions.
Each value check raises a ``PydanticCustomError`` whose message is already ours (and whose
``suggestion``, when there is one, is the nearest valid value); ``problems`` turns every
other pydantic error into a sentence.
"""

from __future__ import annotations

import difflib
import getpass
import re
from collections.abc import Mapping
from datetime import date as Date
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from replydesk.config import paths
from replydesk.config.sources import AnySource, SourceConfig
from replydesk.domain.errors import ConfigError
from replydesk.domain.location import Location, NotAStoreUrl, StoreUrl
from replydesk.languages import codes as language_codes

ISSUE_STATUSES = ("open", "fixing", "fixed")
TRACKER_KINDS = ("github", "gitlab", "jira", "json", "feed")


class _Table(BaseModel):
    # strict: TOML has types, so "8" for a number is a mistake to report, not to coerce
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class StoreConfig(_Table):
    url: str = Field(
        default="",
        description="team mode on PostgreSQL: a postgresql:// URL (keep the password in "
        "~/.pgpass or PGPASSWORD). Empty: [workspace] db",
    )


class WorkspaceConfig(_Table):
    db: str = Field(
        default="",
        description="SQLite file (0600; see team_group for a team), or a postgresql:// URL. "
        "Default: data dir",
    )
    user: str = Field(
        default="",
        description="your display name (the audit log records your OS login too). "
        "Default: your login name",
    )
    timezone: str = Field(
        default="UTC", description="IANA zone for due dates and 'next week', e.g. Europe/Berlin"
    )
    response_target_hours: int = Field(
        default=24, ge=1, description="reply within this many hours (age turns red after)"
    )
    team_group: str = Field(
        default="",
        description="unix group sharing the database (0660 files, setgid folder). Empty: only you",
    )

    @field_validator("team_group")
    @classmethod
    def _group_name(cls, value: str) -> str:
        if value and not re.fullmatch(r"[A-Za-z0-9_.][A-Za-z0-9_.-]{0,31}\$?", value):
            raise PydanticCustomError(
                "team_group", f'{value!r} is not a unix group name; write one like "support"'
            )
        if value.isdigit():
            raise PydanticCustomError(
                "team_group", f"{value!r} is a number; write the group's name, not its id"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value:
            problem = zone_problem(value)
            if problem:
                raise problem
        return value


class LLMConfig(_Table):
    base_url: str = Field(
        default="", description="OpenAI-compatible endpoint; env OPENAI_BASE_URL overrides"
    )
    model: str = Field(
        default="", description="model name; env REPLYDESK_MODEL overrides. Empty: offline composer"
    )
    api_key_secret: str = Field(
        default="openai", description="secret name holding the key; env OPENAI_API_KEY wins"
    )
    timeout: float = Field(default=60.0, description="seconds per request")
    max_retries: int = Field(default=4, description="retries on 429/5xx, honouring Retry-After")
    concurrency: int = Field(default=8, ge=1, description="drafts in flight at once")
    max_review_chars: int = Field(
        default=20_000,
        ge=500,
        description="longest review text sent to the model; the rest is cut, and the cut marked",
    )
    temperature: float = Field(default=0.4, description="sampling temperature")
    input_price_per_mtok: float = Field(
        default=0.0, description="price per million input tokens, for cost estimates"
    )
    output_price_per_mtok: float = Field(default=0.0, description="price per million output tokens")


class TriageConfig(_Table):
    glossary: list[str] = Field(
        default_factory=list, description="product terms that make a review specific"
    )
    learned: bool = Field(
        default=True,
        description="weigh the rules' findings with the shipped learned model (false: rules only)",
    )
    unsure_below: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="a verdict whose confidence (0-1) is lower is marked unsure (1: every one)",
    )
    llm_second_opinion: bool = Field(
        default=False, description="ask the model about every unsure verdict"
    )
    max_chars: int = Field(
        default=20_000,
        ge=500,
        description="longest review text the rules read (a huge review costs no more)",
    )
    extra_hostile: dict[str, list[str]] = Field(
        default_factory=dict, description="language -> extra insults/abuse words"
    )
    extra_specific: dict[str, list[str]] = Field(
        default_factory=dict, description="language -> extra product words"
    )

    @model_validator(mode="before")
    @classmethod
    def _old_band(cls, data: Any) -> Any:
        """Configs written before triage v2 hold uncertain_low/uncertain_high (a band of
        the rules' score); the band's top is what unsure_below means now."""
        if isinstance(data, dict) and ("uncertain_low" in data or "uncertain_high" in data):
            data = dict(data)
            data.pop("uncertain_low", None)
            high = data.pop("uncertain_high", None)
            if high is not None:
                data.setdefault("unsure_below", high)
        return data


class VoiceConfig(_Table):
    """How replies in one language sound; what is not set comes from the language pack."""

    signature: str = Field(default="", description='sign-off in this language, e.g. "— Anna"')
    bonus_catalogue: list[str] = Field(
        default_factory=list,
        description="the bonus catalogue in this language, item for item as [style]'s",
    )
    glossary: dict[str, str] = Field(
        default_factory=dict,
        description='product terms and how this language says them, e.g. "Plus" = "Plus"',
    )
    address: str = Field(default="", description="how to address the reviewer, told to the model")
    snippets: dict[str, str] = Field(
        default_factory=dict, description="snippets for replies in this language (name = text)"
    )


class StyleConfig(_Table):
    product: str = Field(
        default="", description="the product or company name, for the packs' sign-offs"
    )
    voice: dict[str, VoiceConfig] = Field(
        default_factory=dict,
        description="per language (code): signature, bonus wording, glossary, address",
    )
    languages: list[str] = Field(
        default_factory=lambda: list(language_codes()),
        description="languages you answer in (default: every bundled language pack)",
    )
    default_language: str = Field(
        default="en", description="language for reviews whose language is unknown"
    )
    signature: str = Field(
        default="", description='closing line added to drafts, e.g. "— Anna, Acme support"'
    )
    bonus_catalogue: list[str] = Field(
        default_factory=list, description="the only compensation a reply may offer"
    )
    allow_dated_promises: bool = Field(
        default=False, description='may a reply promise a date ("by Friday")?'
    )
    platform_limits: dict[str, int] = Field(
        default_factory=dict, description="source kind -> max reply length, overrides"
    )
    snippets: dict[str, str] = Field(
        default_factory=dict,
        description="sentences inserted in the editor with F4 (name = text)",
    )

    @field_validator("voice")
    @classmethod
    def _voices(cls, value: dict[str, VoiceConfig], info: ValidationInfo) -> dict[str, VoiceConfig]:
        for code in value:
            if code not in language_codes():
                raise PydanticCustomError(
                    "voice",
                    f"[style.voice.{code}]: no language pack {code!r}; "
                    f"use one of {', '.join(language_codes())}",
                )
        return value

    @model_validator(mode="after")
    def _catalogue_item_for_item(self) -> StyleConfig:
        for code, voice in self.voice.items():
            if voice.bonus_catalogue and len(voice.bonus_catalogue) != len(self.bonus_catalogue):
                raise PydanticCustomError(
                    "voice",
                    f"[style.voice.{code}] bonus_catalogue has {len(voice.bonus_catalogue)} "
                    f"item(s) and [style] bonus_catalogue {len(self.bonus_catalogue)}: "
                    "word the same bonuses, item for item",
                )
        return self


class KnownIssue(_Table):
    id: str = Field(default="", description='a short id, e.g. "sync-crash"')
    summary: str = Field(default="", description="what is wrong, as you would tell a customer")
    keywords: list[str] = Field(
        default_factory=list, description="words that link a review to this issue"
    )
    status: str = Field(default="open", description="open, fixing or fixed")
    fixed_in: str = Field(default="", description="the version that fixes it, once known")

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        if value not in ISSUE_STATUSES:
            close = difflib.get_close_matches(value, ISSUE_STATUSES, n=1)
            raise PydanticCustomError(
                "issue_status",
                f"must be one of: {', '.join(ISSUE_STATUSES)}, not {value!r}{_did_you_mean(close)}",
                {"suggestion": close[0] if close else None},
            )
        return value


class Release(_Table):
    version: str = Field(default="", description='a version, e.g. "2.4"')
    date: str = Field(default="", description="its planned or actual date, YYYY-MM-DD")

    def __init__(self, version: str = "", date: str = "", **data: Any) -> None:
        # positional too, as in Release("2.4", "2026-12-01")
        BaseModel.__init__(self, version=version, date=date, **data)

    @field_validator("date")
    @classmethod
    def _iso_date(cls, value: str) -> str:
        if value:
            try:
                ok = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)) and bool(
                    Date.fromisoformat(value)
                )
            except ValueError:
                ok = False
            if not ok:
                raise PydanticCustomError(
                    "release_date", f"{value!r} is not a date; write YYYY-MM-DD"
                )
        return value


class TrackerConfig(_Table):
    name: str = Field(default="", description="a short name")
    kind: str = Field(default="", description="github, gitlab, jira, json or feed")
    url: str = Field(default="", validate_default=True, description="API base or feed URL")
    project: str = Field(
        default="", validate_default=True, description="owner/repo, project id or Jira key"
    )
    token_secret: str = Field(default="", description="secret name holding the token")

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in TRACKER_KINDS:
            close = difflib.get_close_matches(value, TRACKER_KINDS, n=1)
            raise PydanticCustomError(
                "tracker_kind",
                f"must be one of: {', '.join(TRACKER_KINDS)}, not {value!r}{_did_you_mean(close)}",
                {"suggestion": close[0] if close else None},
            )
        return value

    @field_validator("url")
    @classmethod
    def _url_where_needed(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if not value and kind in ("jira", "json", "feed"):
            raise PydanticCustomError(
                "tracker_url", f"is required for a {kind!r} tracker (no public default)"
            )
        return value

    @field_validator("project")
    @classmethod
    def _project_where_needed(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if not value and kind in ("github", "gitlab", "json"):
            what = {"github": "owner/repo", "gitlab": "group/project", "json": "path=value"}
            raise PydanticCustomError(
                "tracker_project", f"is required for a {kind!r} tracker ({what[kind]})"
            )
        return value


class PromisesConfig(_Table):
    default_due_days: int = Field(
        default=14, ge=0, description="due date for a promise that names none"
    )
    releases: list[Release] = Field(
        default_factory=list, description="release calendar: resolves 'in the next update'"
    )
    trackers: list[TrackerConfig] = Field(
        default_factory=list, description="where fixes are tracked"
    )


class ConfigFile(BaseModel):
    """What a config file may say: these sections and nothing else."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workspace: WorkspaceConfig = Field(default_factory=lambda: WorkspaceConfig())
    store: StoreConfig = Field(default_factory=lambda: StoreConfig())
    llm: LLMConfig = Field(default_factory=lambda: LLMConfig())
    triage: TriageConfig = Field(default_factory=lambda: TriageConfig())
    style: StyleConfig = Field(default_factory=lambda: StyleConfig())
    promises: PromisesConfig = Field(default_factory=lambda: PromisesConfig())
    known_issues: list[KnownIssue] = Field(
        default_factory=list, description="what you know is broken, and where it is fixed"
    )
    sources: list[AnySource] = Field(
        default_factory=list, description="one [[sources]] entry per channel"
    )

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[SourceConfig]) -> list[SourceConfig]:
        seen: set[str] = set()
        for source in sources:
            if source.name in seen:
                raise PydanticCustomError("duplicate_source", duplicate_message(source.name))
            seen.add(source.name)
        return sources


def duplicate_message(name: str) -> str:
    return f"duplicate source name {name!r}; names must be unique"


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some containers
        return "unknown"


def db_path(db: str, config_path: Path | None = None, where: str = "--db") -> Location:
    """Where the reviews are: a path as given (``~`` expanded, relative to the config file
    if one is named) or a ``postgresql://`` URL; another URL is refused in one line that
    does not repeat it."""
    return _db_path(db, config_path, where)


def _db_path(db: str, config_path: Path | None, where: str = "[workspace] db") -> Location:
    if not db:
        return paths.default_db_path()
    try:
        url = StoreUrl.parse(db)
    except NotAStoreUrl as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if url is not None:
        return url
    if re.search(r"(^|\s)(host|hostaddr|dbname|user|password|port|service)\s*=", db):
        raise ConfigError(
            f"{where} looks like a PostgreSQL key=value connection string; write it as a "
            "postgresql://USER@HOST:PORT/DB URL (the password in ~/.pgpass or PGPASSWORD)"
        )
    path = Path(db).expanduser()
    if not path.is_absolute() and config_path is not None:
        path = config_path.parent / path
    return path


def _default_user(data: dict[str, Any]) -> str:
    return str(data["workspace"].user) or _login()


def _default_db_path(data: dict[str, Any]) -> Location:
    if data["store"].url:
        return _db_path(data["store"].url, data["path"], "[store] url")
    return _db_path(data["workspace"].db, data["path"])


def _default_base_url(data: dict[str, Any]) -> str:
    return str(data["llm"].base_url)


def _default_model(data: dict[str, Any]) -> str:
    return str(data["llm"].model)


def _file_db(file: ConfigFile, path: Path | None) -> Location:
    if file.store.url:
        return _db_path(file.store.url, path, "[store] url")
    return _db_path(file.workspace.db, path)


class Config(ConfigFile):
    """A loaded config: the file's sections, where it came from, and resolved values.

    ``Config()`` is every default; built directly, it reads no environment (``user`` falls
    back to the login name). ``load``/``parse`` apply the environment's overrides once.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    path: Path | None = None
    user: str = Field(
        default_factory=_default_user,
        description="REPLYDESK_USER, else [workspace] user, else the login name",
    )
    db_path: Location = Field(
        default_factory=_default_db_path,
        description="REPLYDESK_DB, else [store] url, else [workspace] db (relative to the "
        "file), else data dir",
    )
    llm_base_url: str = Field(
        default_factory=_default_base_url, description="OPENAI_BASE_URL, else [llm] base_url"
    )
    llm_model: str = Field(
        default_factory=_default_model, description="REPLYDESK_MODEL, else [llm] model"
    )

    @classmethod
    def resolve(cls, file: ConfigFile, path: Path | None, env: Mapping[str, str]) -> Config:
        """The config of ``file`` (read from ``path``), with ``env``'s overrides applied."""
        sections = {name: getattr(file, name) for name in ConfigFile.model_fields}
        db = env.get("REPLYDESK_DB")
        return cls(
            path=path,
            **sections,
            user=env.get("REPLYDESK_USER") or file.workspace.user or _login(),
            db_path=_db_path(db, None, "REPLYDESK_DB") if db else _file_db(file, path),
            llm_base_url=env.get("OPENAI_BASE_URL") or file.llm.base_url,
            llm_model=env.get("REPLYDESK_MODEL") or file.llm.model,
        )

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)

    def offline(self) -> Config:
        """This config with no model and no endpoint: drafts come from the offline composer."""
        llm = self.llm.model_copy(update={"model": "", "base_url": ""})
        return self.model_copy(update={"llm": llm, "llm_model": "", "llm_base_url": ""})


# ---------------------------------------------------------------- time zones


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Every IANA name this system knows, by its lower case."""
    return {zone.lower(): zone for zone in available_timezones()}


def _did_you_mean(close: list[str]) -> str:
    return f" (did you mean {close[0]!r}?)" if close else ""


def zone_suggestion(name: str) -> str | None:
    """The valid zone nearest to ``name``: same name in other case, else the closest."""
    zones = _zones()
    exact = zones.get(name.lower().replace(" ", "_"))
    if exact:
        return exact
    close = difflib.get_close_matches(name.lower(), list(zones), n=1, cutoff=0.6)
    return zones[close[0]] if close else None


def zone_problem(name: str) -> PydanticCustomError | None:
    try:
        ZoneInfo(name)
        valid = True
    except (ZoneInfoNotFoundError, ValueError):
        valid = False
    # a file system that ignores case finds "europe/berlin"; other machines do not
    if valid and (name in _zones().values() or not _zones() or name.lower() not in _zones()):
        return None
    suggestion = zone_suggestion(name)
    hint = _did_you_mean([suggestion]) if suggestion else ""
    return PydanticCustomError(
        "time_zone",
        f'unknown time zone {name!r}{hint}; use an IANA name such as "UTC" or "Europe/Madrid"',
        {"suggestion": suggestion},
    )
