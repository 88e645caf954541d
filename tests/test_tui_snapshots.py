"""Snapshot tests: each screen at 80x24 and 160x48 and a frozen clock, as screenshots/
shows it.

Regenerate after an intended change with ``pytest tests/test_tui_snapshots.py
--snapshot-update`` and ``python screenshots/make.py``.
"""

from __future__ import annotations

import pytest

from replydesk.services.demo import build_demo
from replydesk.tui.app import make_app
from replydesk.tui.shots import FROZEN_AT, SHOTS, SIZES, play, shot_name


@pytest.mark.parametrize(
    ("name", "size"),
    [(name, size) for size in SIZES for name in SHOTS],
    ids=[shot_name(name, size) for size in SIZES for name in SHOTS],
)
def test_screen_snapshot(name, size, snap_compare, tmp_path, time_machine, monkeypatch):
    time_machine.move_to(FROZEN_AT, tick=False)
    monkeypatch.setattr("replydesk.config.os_login", lambda: "you")  # the audit log shows it
    ws = build_demo(tmp_path / "demo", at=FROZEN_AT)
    try:
        assert snap_compare(
            make_app(ws), run_before=lambda pilot: play(pilot, SHOTS[name]), terminal_size=size
        )
    finally:
        ws.close()
