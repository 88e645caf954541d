"""Sync 10,000 reviews over 100 pages from a loopback server into SQLite.

    python bench/sync_bench.py

Uses the generic JSON source against the test suite's loopback server, so the figure
includes HTTP, JSON parsing, language detection and the store. Budget: 2,000 reviews/s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from fakes.server import FakeServer
from replydesk.config import parse
from replydesk.services.sync import sync
from replydesk.services.workspace import Workspace

BUDGET = 2000.0
N, PAGE = 10_000, 100
TEXTS = [
    "The app crashes when I open the map, version 5.2.0",
    "Приложение вылетает при оплате картой",
    "La aplicación se cierra al escanear el código",
    "Η εφαρμογή κλείνει στον χάρτη",
    "Die App stürzt beim Scannen ab",
]


def main() -> int:
    server = FakeServer().start()
    data = [
        {
            "id": f"b{i}",
            "text": TEXTS[i % 5] + f" (order {i})",
            "stars": 1 + i % 5,
            "at": f"2026-11-{1 + (N - i) * 20 // N:02d}T{i % 24:02d}:00:00Z",
        }
        for i in range(N)
    ]

    @server.route("GET", "/reviews")
    def page(req):
        p = int(req.query.get("page", 1))
        return 200, {}, {"items": data[(p - 1) * PAGE : p * PAGE]}

    with tempfile.TemporaryDirectory() as tmp:
        toml = f"""
[[sources]]
name = "bench"
kind = "json"
url = "{server.url}/reviews"
items = "items"
page_param = "page"
fields = {{ id = "id", body = "text", rating = "stars", created_at = "at" }}
"""
        ws = Workspace.open(parse(toml), db=Path(tmp) / "bench.db", user="bench")
        t0 = time.perf_counter()
        (report,) = sync(ws)
        elapsed = time.perf_counter() - t0
        ws.close()
    server.stop()
    rate = report.new / elapsed
    verdict = "within" if rate >= BUDGET else "OVER"
    print(
        f"sync: {report.new} reviews in {report.requests} requests, {elapsed:.2f} s = "
        f"{rate:,.0f} reviews/s; budget {BUDGET:,.0f}/s: {verdict}"
    )
    return 0 if verdict == "within" and report.new == N else 1


if __name__ == "__main__":
    sys.exit(main())
