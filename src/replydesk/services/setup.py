"""First steps: a commented starter config to edit (``replydesk init``)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from replydesk.domain.errors import UsageError


def write_starter(target: Path, force: bool = False) -> Path:
    if target.exists() and not force:
        raise UsageError(f"{target} already exists; use --force to overwrite it")
    text = files("replydesk").joinpath("starter_config.toml").read_text("utf-8")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None
    return target
