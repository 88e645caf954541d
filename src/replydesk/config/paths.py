"""Where replydesk keeps things by default, per OS (platformdirs), with env overrides.

Every path can be overridden: the config file with ``--config``/``REPLYDESK_CONFIG``,
the database with ``--db``/``REPLYDESK_DB`` or ``[workspace] db`` in the config.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP = "replydesk"


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def env_config_path(env: Mapping[str, str] | None = None) -> Path | None:
    """The config file REPLYDESK_CONFIG names, if it names one."""
    value = (os.environ if env is None else env).get("REPLYDESK_CONFIG")
    return Path(value).expanduser() if value else None


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    return env_config_path(env) or config_dir() / "config.toml"


def default_db_path() -> Path:
    return data_dir() / "replydesk.db"
