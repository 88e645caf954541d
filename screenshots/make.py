"""Regenerate the SVG screenshots in this folder from the demo data at a frozen time,
each screen at 80x24 and at 160x48.

    python screenshots/make.py

The snapshot tests render the same screens at the same moment and size.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from unittest import mock

import time_machine

from replydesk.services.demo import build_demo
from replydesk.tui.app import make_app
from replydesk.tui.shots import FROZEN_AT, SHOTS, SIZES, play, shot_name

HERE = Path(__file__).parent


async def shoot(name: str, keys: tuple[str, ...], ws, size: tuple[int, int]) -> Path:
    app = make_app(ws)
    async with app.run_test(size=size) as pilot:
        await play(pilot, keys)
        path = HERE / f"{shot_name(name, size)}.svg"
        title = f"replydesk — {name} ({size[0]}x{size[1]})"
        path.write_text(app.export_screenshot(title=title), encoding="utf-8")
    return path


def main() -> int:
    for old in HERE.glob("*.svg"):  # a screen renamed or dropped leaves no stale picture
        old.unlink()
    with (
        time_machine.travel(FROZEN_AT, tick=False),
        tempfile.TemporaryDirectory() as tmp,
        mock.patch("replydesk.config.os_login", return_value="you"),  # as the tests do
    ):
        for size in SIZES:
            for name, keys in SHOTS.items():
                ws = build_demo(Path(tmp) / shot_name(name, size), at=FROZEN_AT)
                print(asyncio.run(shoot(name, keys, ws, size)))
                ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
