"""Snapshot tests: each screen at a fixed size and a frozen clock, as screenshots/ shows it.

Regenerate after an intended change with ``pytest tests/test_tui_snapshots.py
--snapshot-update`` and ``python screenshots/make.py``.
"""

from __future__ import annotations

import pytest

from replydesk.services.demo import build_demo
from replydesk.tui.app import make_app
from replydesk.tui.shots import FROZEN_AT, SHOTS, SIZE, play


@pytest.mark.parametrize("name", list(SHOTS))
def test_screen_snapshot(name, snap_compare, tmp_path, time_machine):
    time_machine.move_to(FROZEN_AT, tick=False)
    ws = build_demo(tmp_path / "demo", at=FROZEN_AT)
    try:
        assert snap_compare(
            make_app(ws), run_before=lambda pilot: play(pilot, SHOTS[name]), terminal_size=SIZE
        )
    finally:
        ws.close()
