"""Import 100,000 reviews from JSONL into a fresh SQLite store.

    python bench/import_bench.py [N]

Prints the wall time, the rate and the database size. Budget: 10 s on a 2-core machine.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from replydesk.config import Config
from replydesk.services.importing import import_file
from replydesk.services.workspace import Workspace

BUDGET_S = 10.0
WORDS = [
    "app",
    "crash",
    "sync",
    "login",
    "parcel",
    "courier",
    "refund",
    "late",
    "tracking",
    "update",
    "version",
    "screen",
    "payment",
    "error",
    "locker",
    "notification",
    "broken",
    "slow",
    "support",
    "order",
    "delivered",
    "missing",
    "приложение",
    "вылетает",
    "доставка",
    "εφαρμογή",
    "παράδοση",
    "pedido",
    "envío",
    "Paket",
    "Absturz",
]


def make_file(path: Path, n: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            body = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(8, 60)))
            fh.write(
                json.dumps(
                    {
                        "id": f"r{i}",
                        "author": f"user{rnd.randint(0, n // 3)}",
                        "rating": rnd.randint(1, 5),
                        "title": body[:30],
                        "body": body,
                        "lang": rnd.choice(("en", "ru", "es", "el", "de", "fr")),
                        "created_at": (
                            f"2026-{rnd.randint(1, 11):02d}-{rnd.randint(1, 28):02d}T10:00:00Z"
                        ),
                        "url": f"https://example.com/r/{i}",
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "reviews.jsonl"
        make_file(src, n)
        ws = Workspace.open(Config(), db=Path(tmp) / "bench.db", user="bench")
        t0 = time.perf_counter()
        report = import_file(ws, src, source="bench")
        elapsed = time.perf_counter() - t0
        ws.close()
        size = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*"))
    verdict = "within" if elapsed <= BUDGET_S * n / 100_000 else "OVER"
    print(
        f"import: {n} reviews ({report.summary()}) in {elapsed:.2f} s = "
        f"{n / elapsed:,.0f}/s; database {size / 1e6:.1f} MB; budget "
        f"{BUDGET_S * n / 100_000:.1f} s: {verdict}"
    )
    return 0 if verdict == "within" else 1


if __name__ == "__main__":
    sys.exit(main())
