"""Prompts live in ``prompts/`` as Markdown a user can read, and override by putting a file
of the same name in ``<config dir>/prompts/``. Every use records which version it was."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from replydesk.config import paths

_HEADER = re.compile(r"<!--\s*prompt:\s*(.+?)\s*-->")


@dataclass(frozen=True)
class Prompt:
    name: str
    text: str
    version: str  # e.g. "triage v1 #3f2a9c1e" or "user:triage #..."


def load(name: str, override_dir: Path | None = None) -> Prompt:
    folder = override_dir or paths.config_dir() / "prompts"
    user_file = folder / f"{name}.md"
    try:
        stamp = user_file.stat().st_mtime_ns
    except OSError:
        stamp = None
    return _load(name, str(user_file), stamp)


@lru_cache(maxsize=64)
def _load(name: str, user_path: str, stamp: int | None) -> Prompt:
    """Cached per file version: a batch of 200 drafts reads each prompt once."""
    if stamp is not None:
        text, origin = Path(user_path).read_text(encoding="utf-8"), "user:"
    else:
        text = files("replydesk").joinpath("prompts", f"{name}.md").read_text("utf-8")
        origin = ""
    header = _HEADER.search(text)
    label = header.group(1) if header else name
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    body = _HEADER.sub("", text, count=1).strip()
    return Prompt(name, body, f"{origin}{label} #{digest}")
