"""The weight files of the learned readers (triage and the style linter): gzip'd JSON
shipped in a package folder with its SHA-256 beside it, read and verified in one way."""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

from replydesk.domain.errors import ReplydeskError

WEIGHTS = "weights.json.gz"


class WeightFileError(ReplydeskError):
    """A shipped weight file is missing, altered or of another format."""


def finite(value: object) -> float:
    out = float(value)  # type: ignore[arg-type]
    if not math.isfinite(out):
        raise ValueError(f"{value!r} is not a finite number")
    return out


def load_weights(
    package: str, path: Path | None, *, what: str, fmt: str, tool: str
) -> dict[str, Any]:
    """``path``'s weights (default: ``package``'s ``model/weights.json.gz``), checked
    against the ``.sha256`` beside them. ``what`` names the reader in messages, ``tool``
    the script that retrains it."""
    if path is None:
        folder = resources.files(package) / "model"
        try:
            raw = (folder / WEIGHTS).read_bytes()
            expected = (folder / (WEIGHTS + ".sha256")).read_text("utf-8")
        except OSError as exc:
            raise WeightFileError(f"the {what} is not installed: {exc}") from exc
        name = f"{package.replace('.', '/')}/model/{WEIGHTS}"
    else:
        try:
            raw = path.read_bytes()
            expected = path.with_name(path.name + ".sha256").read_text("utf-8")
        except OSError as exc:
            raise WeightFileError(f"cannot read the {what}'s weights: {exc}") from exc
        name = str(path)
    return read_weights(raw, expected, name, fmt=fmt, tool=tool)


def read_weights(raw: bytes, expected: str, name: str, *, fmt: str, tool: str) -> dict[str, Any]:
    """Check the bytes against the SHA-256 written beside them, then decode them."""
    digest = hashlib.sha256(raw).hexdigest()
    want = expected.split()[0].lower() if expected.split() else ""
    if digest != want:
        raise WeightFileError(
            f"{name} does not match its SHA-256 checksum (expected {want[:12] or 'none'}, "
            f"found {digest[:12]}): reinstall replydesk or retrain with {tool}"
        )
    try:
        data = json.loads(gzip.decompress(raw).decode("utf-8"))
    except (OSError, EOFError, ValueError) as exc:
        raise WeightFileError(f"{name} is not a gzip'd JSON weight file: {exc}") from exc
    if not isinstance(data, dict):
        raise WeightFileError(f"{name} is not a {fmt} weight file")
    return data
