"""Work in a Python process of its own, for the jobs that need both cores (a big import's
reading, a big export's writing): threads share one interpreter lock and take turns.

The worker is a generator function; what it yields comes back here, pickled over a pipe,
in order. It starts as ``python -P -c`` with this process's ``sys.path`` (so the same
``replydesk``, and never a ``csv.py`` lying in the current folder), importing only this
package: never the caller's own script, which ``multiprocessing``'s spawn re-runs,
breaking any script without an ``if __name__ == "__main__"`` guard. What it prints to
stderr is kept for the one line said if it dies; Ctrl+C is the caller's to handle.
POSIX only (a file descriptor is handed down): ``possible()`` says when the caller
should do the work itself instead.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import weakref
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from replydesk.domain.errors import StoreError

_START = (
    "import json, os, sys; sys.path[:] = json.loads(os.environ['REPLYDESK_APART_PATH']); "
    "from replydesk.services.apart import child; child()"
)
RUNNING: weakref.WeakSet[Apart] = weakref.WeakSet()  # for a test that stops one on purpose


def possible() -> bool:
    """Can work go to another process here? Not on Windows, nor from a frozen build or an
    embedded interpreter (no ``python`` to start)."""
    return os.name == "posix" and bool(sys.executable) and not getattr(sys, "frozen", False)


class _Done:
    """Sent after the worker's last item."""


class Apart:
    """``worker(*args)`` running in a process of its own; iterate to get what it yields."""

    def __init__(self, worker: Callable[..., Iterator[Any]], *args: Any, what: str) -> None:
        self.what = what
        job = pickle.dumps((worker, args))  # fails here, not in the child, if it cannot go
        receive, send = os.pipe()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        env = os.environ | {
            "REPLYDESK_APART_FD": str(send),
            "REPLYDESK_APART_PATH": json.dumps([p for p in sys.path if p]),
        }
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-P", "-c", _START],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                pass_fds=(send,),
                env=env,
            )
        except BaseException:
            os.close(receive)
            self._stderr.close()
            raise
        finally:
            os.close(send)  # the child holds the only sending end: its exit ends the pipe
        self._conn = Connection(receive, writable=False)
        RUNNING.add(self)
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(job)
            self.process.stdin.close()
        except BrokenPipeError:
            pass  # it died at once: said when its first item is asked for

    def __iter__(self) -> Iterator[Any]:
        while True:
            try:
                got = self._conn.recv()
            except (EOFError, OSError):  # gone, maybe half-way through an item
                raise StoreError(self._died()) from None
            if isinstance(got, _Done):
                return
            if isinstance(got, Exception):
                raise got
            yield got

    def _died(self) -> str:
        try:
            code = self.process.wait(5)
        except subprocess.TimeoutExpired:
            code = None
        self._stderr.seek(0)
        lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        last = f": {lines[-1][:200]}" if lines else ""
        return f"the process {self.what} stopped unexpectedly (exit code {code}){last}"

    def close(self) -> None:
        RUNNING.discard(self)
        self._conn.close()  # a child still sending gets a broken pipe and leaves
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stderr.close()

    def __enter__(self) -> Apart:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def child() -> None:
    """The worker process: reads its job from stdin, sends each item, then ``_Done``; an
    error that stops the job is sent as itself (or its words, when it cannot travel or
    is not an ``Exception``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the caller's to handle
    out = Connection(int(os.environ["REPLYDESK_APART_FD"]), readable=False)
    try:
        try:
            worker, args = pickle.load(sys.stdin.buffer)
            for item in worker(*args):
                out.send(item)
            out.send(_Done())
        except BrokenPipeError:  # the caller stopped: nothing more is wanted
            return
        except BaseException as exc:
            try:
                if not isinstance(exc, Exception):
                    raise TypeError from exc
                out.send(pickle.loads(pickle.dumps(exc)))
            except Exception:
                out.send(StoreError(f"{type(exc).__name__}: {exc}"))
    except BrokenPipeError:
        pass
    finally:
        out.close()
