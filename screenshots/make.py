"""Regenerate the SVG screenshots in this folder from the demo data at a frozen time.

    python screenshots/make.py

The snapshot tests render the same screens at the same moment and size.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import time_machine

from replydesk.services.demo import build_demo
from replydesk.tui.app import make_app
from replydesk.tui.shots import FROZEN_AT, SHOTS, SIZE, play

HERE = Path(__file__).parent


async def shoot(name: str, keys: tuple[str, ...], ws) -> Path:
    app = make_app(ws)
    async with app.run_test(size=SIZE) as pilot:
        await play(pilot, keys)
        path = HERE / f"{name}.svg"
        path.write_text(app.export_screenshot(title=f"replydesk — {name}"), encoding="utf-8")
    return path


def main() -> int:
    with time_machine.travel(FROZEN_AT, tick=False), tempfile.TemporaryDirectory() as tmp:
        for name, keys in SHOTS.items():
            ws = build_demo(Path(tmp) / name, at=FROZEN_AT)
            print(asyncio.run(shoot(name, keys, ws)))
            ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
