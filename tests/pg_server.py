"""A throwaway PostgreSQL server on loopback, for the PostgreSQL half of the tests.

    eval "$(python tests/pg_server.py start DIR)"   # exports REPLYDESK_TEST_PG (a URL)
    python tests/pg_server.py stop DIR

``.ci/run`` does that (installing the server when absent); a plain ``python -m pytest``
starts one itself when the binaries are there (``tests/conftest.py``), else the
PostgreSQL half is skipped and says why.

The Debian server package is installed with apt-get when absent (CI runs as root). Its
binaries are not on PATH: they are found with ``pg_config --bindir`` or under
``/usr/lib/postgresql/*/bin``. The cluster lives in DIR (initdb'd by the ``postgres``
user when run as root, through ``runuser``), listens on a free loopback port with its
socket inside DIR, and trusts loopback: it holds nothing but test data. fsync is off.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path


def bindir() -> Path | None:
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").exists():
            return Path(folder)
    return None


def install() -> Path:
    where = bindir()
    if where is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "postgresql"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        where = bindir()
    if where is None:
        sys.exit("pg_server.py: no PostgreSQL server binaries (install Debian's postgresql)")
    return where


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def as_owner(args: list[str]) -> list[str]:
    """The server refuses to run as root: run it as ``postgres`` then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def start(folder: Path, bins: Path | None = None) -> str:
    """Start a server in ``folder`` (its parent must be open to the ``postgres`` user when
    run as root); returns its URL."""
    bins = bins or install()
    folder.mkdir(parents=True, exist_ok=True)
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    quiet = {"stdout": subprocess.DEVNULL, "check": True}
    subprocess.run(
        as_owner([str(bins / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
        **quiet,
    )  # fmt: skip
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        as_owner([str(bins / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
                  "-o", options, "-w", "start"]),
        **quiet,
    )  # fmt: skip
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def stop(folder: Path) -> None:
    bins = bindir()
    if bins is None or not (folder / "data").exists():
        return
    subprocess.run(
        as_owner([str(bins / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop"]),
        stdout=subprocess.DEVNULL,
        check=False,
    )
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit("usage: python tests/pg_server.py start|stop DIR")
    if sys.argv[1] == "start":
        print(f"export REPLYDESK_TEST_PG={start(Path(sys.argv[2]))}")
    else:
        stop(Path(sys.argv[2]))
