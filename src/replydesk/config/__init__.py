"""The TOML config: typed sections (pydantic models), every mistake named, env read once.

The models are the schema (``models`` for the sections, ``sources`` for one model per
source kind): a new option is added in exactly one place, with its type, default and help.
``check`` reports every problem in a file at once, each with the file, the line, the
dotted key, what is wrong and the nearest valid key, kind or time zone; ``load`` and
``parse`` raise the first as a ``ConfigError``. The environment's overrides
(REPLYDESK_USER, REPLYDESK_DB, OPENAI_BASE_URL, REPLYDESK_MODEL) are applied once, at load.
``Config.user`` is a display name only; who acts is ``os_login()``, the OS account.

This package sits below everything but the language packs and the domain, the only parts
of replydesk it imports (the default list of languages comes from the packs).
"""

from __future__ import annotations

from replydesk.config.identity import os_login
from replydesk.config.loader import check, check_text, load, parse
from replydesk.config.models import (
    Config,
    ConfigFile,
    KnownIssue,
    LLMConfig,
    PromisesConfig,
    Release,
    StyleConfig,
    TrackerConfig,
    TriageConfig,
    VoiceConfig,
    WorkspaceConfig,
    db_path,
)
from replydesk.config.sources import KIND_MODELS, KINDS, SourceConfig
from replydesk.domain.errors import ConfigError

__all__ = [
    "KINDS",
    "KIND_MODELS",
    "Config",
    "ConfigError",
    "ConfigFile",
    "KnownIssue",
    "LLMConfig",
    "PromisesConfig",
    "Release",
    "SourceConfig",
    "StyleConfig",
    "TrackerConfig",
    "TriageConfig",
    "VoiceConfig",
    "WorkspaceConfig",
    "check",
    "check_text",
    "db_path",
    "load",
    "os_login",
    "parse",
]
