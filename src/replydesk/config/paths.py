"""Where replydesk keeps things by default, per OS (platformdirs), with env overrides.

Every path can be overridden: the config file with ``--config``/``REPLYDESK_CONFIG``,
the database with ``--db``/``REPLYDESK_DB`` or ``[workspace] db`` in the config.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "replydesk"


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def default_config_path() -> Path:
    env = os.environ.get("REPLYDESK_CONFIG")
    return Path(env).expanduser() if env else config_dir() / "config.toml"


def default_db_path() -> Path:
    return data_dir() / "replydesk.db"
