"""Core and TUI apart: the config, store, services and non-TUI commands never load Textual."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CODE = """
import sys
import replydesk.cli, replydesk.config, replydesk.store, replydesk.ingest
import replydesk.services.importing, replydesk.services.exporting, replydesk.services.inbox
import replydesk.services.demo
from replydesk.cli import main
main(["--db", sys.argv[1], "import", sys.argv[2]])
main(["--db", sys.argv[1], "export", "-o", sys.argv[3]])
main(["--config", sys.argv[4], "init"])
main(["--config", sys.argv[4], "config", "check"])
main(["demo", "--no-tui"])
bad = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print("TEXTUAL:", bad)
"""


def test_core_does_not_import_textual(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "1", "body": "x"}\n')
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            CODE,
            str(tmp_path / "x.db"),
            str(src),
            str(tmp_path / "o.jsonl"),
            str(tmp_path / "c.toml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "TEXTUAL: []" in proc.stdout, proc.stdout


SRC = Path(__file__).resolve().parent.parent / "src" / "replydesk"


def test_the_interfaces_reach_data_only_through_services():
    """import-linter forbids importing the store; this catches ``ws.store`` attribute use,
    which no import rule can see."""
    offenders = [
        f"{path.relative_to(SRC)}:{n}"
        for folder in ("cli", "tui")
        for path in (SRC / folder).rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.store\b", line)
    ]
    assert offenders == []


def test_no_event_loop_outside_the_tui():
    """Services are synchronous (the TUI calls them from thread workers): an event loop
    started below the TUI is what crashed approving with a model configured."""
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "tui" not in path.parts and re.search(r"\basyncio\b|\bawait\b", path.read_text())
    ]
    assert offenders == []
    in_tui = [
        str(path.relative_to(SRC))
        for path in (SRC / "tui").rglob("*.py")
        if "asyncio.run" in path.read_text()
    ]
    assert in_tui == []
