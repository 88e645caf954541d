"""Export N reviews (default 100,000), as JSONL and as CSV.

    python bench/export_bench.py [N]                     # a fresh SQLite store of N
    python bench/export_bench.py --db STORE_OR_URL       # an existing store, either engine

Prints each rate next to its budget: 50,000 reviews/s, the figure issue 18 asks of a
million-review store.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from import_bench import make_file
from replydesk.config import Config
from replydesk.domain.location import location
from replydesk.services.exporting import write
from replydesk.services.importing import import_file
from replydesk.services.workspace import Workspace

BUDGET_PER_S = 50_000


def main() -> int:
    args = sys.argv[1:]
    given = args[args.index("--db") + 1] if "--db" in args else ""
    numbers = [a for a in args if a.isdigit()]
    n = int(numbers[0]) if numbers else 100_000
    over = False
    with tempfile.TemporaryDirectory() as tmp:
        if given:
            ws = Workspace.open(Config(), db=location(given), user="bench", create=False)
        else:
            src = Path(tmp) / "reviews.jsonl"
            make_file(src, n)
            ws = Workspace.open(Config(), db=Path(tmp) / "bench.db", user="bench")
            import_file(ws, src, source="bench")
        engine = ws.store.db.engine
        for fmt in ("jsonl", "csv"):
            with open(os.devnull, "w", encoding="utf-8") as out:
                t0 = time.perf_counter()
                count = write(ws, out, fmt)
                rate = count / (time.perf_counter() - t0)
            verdict = "within" if rate >= BUDGET_PER_S else "OVER"
            over |= verdict == "OVER"
            print(f"export {fmt} ({engine}): {count:,} reviews at {rate:,.0f}/s; budget "
                  f"{BUDGET_PER_S:,}/s: {verdict}")  # fmt: skip
        ws.close()
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
