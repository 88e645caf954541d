"""Core and TUI apart: the config, store, services and non-TUI commands never load Textual."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
import replydesk.cli, replydesk.config, replydesk.store, replydesk.ingest
import replydesk.services.importing, replydesk.services.exporting, replydesk.services.inbox
import replydesk.demo.build
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
