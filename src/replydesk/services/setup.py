"""First steps: a commented starter config to edit (``replydesk init``), and team mode
(``replydesk init --team GROUP``): the database's folder made a setgid folder of the group.

The config is written ``0600`` whatever the umask: it is yours, and may name your paths.
"""

from __future__ import annotations

import json
import os
import re
from importlib.resources import files
from pathlib import Path

from replydesk import config as config_mod
from replydesk.config import Config
from replydesk.domain.errors import UsageError
from replydesk.drafting.voice import missing_wording
from replydesk.store.sqlite import share_files, team_folder

CONFIG_MODE = 0o600


def write_starter(
    target: Path, force: bool = False, *, team_group: str = "", db: Path | None = None
) -> Path:
    """Write the starter config to ``target``. With ``team_group``, the config shares the
    database at ``db`` with that unix group, whose folder is created (setgid ``02770``) or
    checked first; a missing group, a group you are not in or a wrong folder is a
    ``StoreError`` naming the fix, and nothing is written."""
    if target.exists() and not force:
        raise UsageError(f"{target} already exists; use --force to overwrite it")
    text = files("replydesk").joinpath("starter_config.toml").read_text("utf-8")
    if team_group:
        if db is None:
            raise UsageError("team mode needs the database's path")
        text = team_config(text, team_group, db)
        _, problems = config_mod.check_text(text, target, env={})
        if problems:  # a group name TOML or unix would not take
            raise UsageError(f"--team {team_group!r}: {problems[0].detail}")
        gid = team_folder(db.parent, team_group)
        share_files(db, gid)  # a database that is already there and yours
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, CONFIG_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fd, CONFIG_MODE)  # an older file overwritten with --force, too
            fh.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None
    return target


def team_config(text: str, team_group: str, db: Path) -> str:
    """The starter ``text`` with ``[workspace] db`` and ``team_group`` set."""
    text = _set_workspace_key(text, "db", json.dumps(str(db)))
    return _set_workspace_key(
        text,
        "team_group",
        json.dumps(team_group),
        "# Team mode: this unix group shares the database (files 0660, folder setgid 2770).",
    )


def _set_workspace_key(text: str, key: str, value: str, comment: str = "") -> str:
    """Set ``key = value`` in the ``[workspace]`` table: replace its line, else add it."""
    head, sep, rest = text.partition("[workspace]\n")
    if not sep:
        return f"[workspace]\n{key} = {value}\n\n{text}"
    table, nxt, tail = rest.partition("\n[")
    line = re.compile(rf"^{re.escape(key)} = .*$", re.MULTILINE)
    if line.search(table):
        table = line.sub(lambda _: f"{key} = {value}", table, count=1)
    else:
        table = table.rstrip("\n") + "\n" + (f"{comment}\n" if comment else "")
        table += f"{key} = {value}\n"
    return head + sep + table + nxt + tail


def notes(cfg: Config) -> list[str]:
    """What a valid config still leaves out, said once by ``config check``."""
    out = []
    missing = missing_wording(cfg)
    if missing:
        out.append(
            f"replies in {', '.join(missing)} offer no bonus: the catalogue has no wording in "
            f"{'that language' if len(missing) == 1 else 'those languages'}; add "
            f"[style.voice.{missing[0]}] bonus_catalogue = [...], item for item"
        )
    return out
