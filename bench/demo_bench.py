"""`replydesk demo --no-tui` from a fresh process: the demo is offline whatever the
environment says, so a model pointed at a dead endpoint must cost it nothing.

    python bench/demo_bench.py

The dead endpoint is a loopback port that accepts connections and never answers (the
worst kind: a request there would hang until its timeout). Budget: 3 s either way, and
the two within 20% of each other.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

RUNS, BUDGET = 3, 3.0


def run(env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "replydesk", "demo", "--no-tui"],
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t0


def main() -> int:
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    dead.listen(64)  # accepts into the backlog, never answers
    with tempfile.TemporaryDirectory() as home:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("REPLYDESK_", "OPENAI_"))}
        clean.update(HOME=home, XDG_CONFIG_HOME=f"{home}/c", XDG_DATA_HOME=f"{home}/d")
        model = {
            **clean,
            "REPLYDESK_MODEL": "gpt-anything",
            "OPENAI_BASE_URL": f"http://127.0.0.1:{dead.getsockname()[1]}/v1",
            "OPENAI_API_KEY": "sk-bench",
        }
        run(clean)  # warm the file cache
        offline = statistics.median(run(clean) for _ in range(RUNS))
        with_model = statistics.median(run(model) for _ in range(RUNS))
    dead.close()
    ok = max(offline, with_model) <= BUDGET and with_model <= offline * 1.2
    print(f"demo start, no model configured:      {offline:.2f} s (median of {RUNS})")
    print(f"demo start, model at a dead endpoint: {with_model:.2f} s (median of {RUNS})")
    print(f"budget {BUDGET:.1f} s each, within 20% of each other: {'within' if ok else 'OVER'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
