"""Reading a config file: TOML, then the schema, then the environment, once.

``check`` returns every problem at once; ``load`` and ``parse`` raise the first (by line),
saying how many more there are. Nothing here raises anything but ``ConfigError``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from replydesk.config import paths
from replydesk.config.models import Config, ConfigFile, duplicate_message
from replydesk.config.problems import locate, translate
from replydesk.config.sources import KIND_MODELS, SourceConfig
from replydesk.domain.errors import ConfigError

Problems = list[ConfigError]


def load(
    path: Path | str | None = None,
    *,
    required: bool = False,
    env: Mapping[str, str] | None = None,
) -> Config:
    """Read and validate a config file; a missing default file means all defaults.

    ``env`` (default ``os.environ``) is read here and only here: REPLYDESK_USER,
    REPLYDESK_DB, OPENAI_BASE_URL and REPLYDESK_MODEL override the file's values.
    """
    config, problems = check(path, required=required, env=env)
    if problems:
        raise first(problems)
    assert config is not None
    return config


def parse(text: str, path: Path | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """The config in ``text`` (read from ``path``, which relative paths are resolved against)."""
    config, problems = check_text(text, path, env=env)
    if problems:
        raise first(problems)
    assert config is not None
    return config


def check(
    path: Path | str | None = None,
    *,
    required: bool = True,
    env: Mapping[str, str] | None = None,
) -> tuple[Config | None, Problems]:
    """The config at ``path`` (default: REPLYDESK_CONFIG, else the platform's config dir)
    and every problem in it, in file order; the config is None when there is a problem.

    With ``required`` false a missing default file is no problem: all defaults.
    """
    environ = os.environ if env is None else env
    from_env = paths.env_config_path(environ)
    explicit = path is not None or from_env is not None
    if path is not None:
        cfg_path = Path(path).expanduser()
    else:
        cfg_path = from_env or paths.default_config_path(environ)
    if not cfg_path.exists():
        if explicit or required:
            return None, [
                ConfigError("no such file; create one with `replydesk init`", path=cfg_path)
            ]
        return Config.resolve(ConfigFile(), None, environ), []
    try:
        text = cfg_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [ConfigError(f"cannot read: {exc}", path=cfg_path)]
    return check_text(text, cfg_path, env=environ)


def check_text(
    text: str, path: Path | None = None, *, env: Mapping[str, str] | None = None
) -> tuple[Config | None, Problems]:
    """Like ``check``, for a config's text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        return None, [ConfigError(f"TOML syntax error: {msg}", path=path, line=line)]
    lines = text.splitlines()
    problems: Problems = []
    file: ConfigFile | None = None
    try:
        file = ConfigFile.model_validate(data)
    except ValidationError as exc:
        # duplicate names are found below, also while other entries are broken
        errors = [e for e in exc.errors(include_url=False) if e["type"] != "duplicate_source"]
        problems = translate(errors, data, lines, path)
    problems += _source_problems(data, lines, path)
    if problems:
        problems = _in_file_order(problems)
        return None, problems
    assert file is not None
    return Config.resolve(file, path, os.environ if env is None else env), []


def first(problems: Problems) -> ConfigError:
    """The first problem, as the one error ``load`` raises, counting the others."""
    head = problems[0]
    more = len(problems) - 1
    if not more:
        return head
    detail = (
        f"{head.detail} (and {more} more problem{'s' if more > 1 else ''}: "
        "run `replydesk config check`)"
    )
    return ConfigError(
        detail, path=head.path, line=head.line, key=head.key, suggestion=head.suggestion
    )


def _source_problems(data: dict[str, Any], lines: list[str], path: Path | None) -> Problems:
    """What the schema cannot say while other entries are broken: duplicate names, and
    the common keys of an entry whose kind is unknown (its options cannot be checked)."""
    entries = data.get("sources")
    if not isinstance(entries, list):
        return []
    out: Problems = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        name = entry.get("name")
        if isinstance(name, str):
            if name in seen:
                out.append(
                    ConfigError(
                        duplicate_message(name),
                        path=path,
                        line=locate(lines, "sources", "name", i),
                        key="sources.name",
                    )
                )
            seen.add(name)
        if entry.get("kind") not in KIND_MODELS:
            common = {k: v for k, v in entry.items() if k in SourceConfig.model_fields}
            try:
                SourceConfig.model_validate({**common, "kind": ""})
            except ValidationError as exc:
                errors = exc.errors(include_url=False)
                for error in errors:
                    error["loc"] = ("sources", i, *error["loc"])
                out += translate(errors, data, lines, path)
    return out


def _in_file_order(problems: Problems) -> Problems:
    unique: dict[tuple[Any, ...], ConfigError] = {}
    for p in problems:
        unique.setdefault((p.line, p.key, p.detail), p)
    big = 1 << 30
    return sorted(unique.values(), key=lambda p: p.line or big)
