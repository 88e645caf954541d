"""Import N reviews (default 100,000) from JSONL into a fresh store.

    python bench/import_bench.py [N]                       # SQLite, in a temporary folder
    python bench/import_bench.py [N] --db postgresql://…   # PostgreSQL: an empty schema

Prints the wall time and the rate next to the budget: 20,000 reviews/s on a 2-core
machine (issue 18's, for a million reviews on either engine).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from replydesk.config import Config
from replydesk.domain.location import StoreUrl
from replydesk.services.importing import import_file
from replydesk.services.workspace import Workspace

BUDGET_PER_S = 20_000
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
    args = sys.argv[1:]
    url = args[args.index("--db") + 1] if "--db" in args else ""
    numbers = [a for a in args if a.isdigit()]
    n = int(numbers[0]) if numbers else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "reviews.jsonl"
        make_file(src, n)
        where = StoreUrl(url) if url else Path(tmp) / "bench.db"
        ws = Workspace.open(Config(), db=where, user="bench")
        if ws.store.reviews.count():
            print(f"import: {where} is not empty; give an empty store")
            return 2
        t0 = time.perf_counter()
        report = import_file(ws, src, source="bench")
        elapsed = time.perf_counter() - t0
        ws.close()
    rate = n / elapsed
    verdict = "within" if rate >= BUDGET_PER_S else "OVER"
    engine = "postgresql" if url else "sqlite"
    print(
        f"import ({engine}): {n:,} reviews ({report.summary()}) in {elapsed:.1f} s = "
        f"{rate:,.0f}/s; budget {BUDGET_PER_S:,}/s: {verdict}"
    )
    return 0 if verdict == "within" else 1


if __name__ == "__main__":
    sys.exit(main())
