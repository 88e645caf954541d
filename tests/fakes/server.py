"""A real HTTP server on loopback, in a thread, for tests that speak to APIs.

Handlers get a ``Req`` and return ``(status, headers, body)``; ``body`` may be bytes,
text or a JSON-able value. ``script()`` queues canned answers (429 with Retry-After, 500,
a slow reply) served before the routes, so a test can stage a failure then a success.
Every request is logged for assertions such as "a quiet sync costs one request".
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, dict[str, str], Any]
DROP = 0  # as a status: close the connection without answering


@dataclass
class Req:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    match: re.Match[str] | None = None

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Scripted:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    path: str = ""  # only for requests whose path contains this


class FakeServer:
    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Callable[[Req], Answer]]] = []
        self.log: list[Req] = []
        self.scripted: list[Scripted] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out without a 40 ms stall

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                req = Req(
                    self.command,
                    parts.path,
                    {k: v[0] for k, v in parse_qs(parts.query).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                status, headers, payload = server.dispatch(req)
                if status == DROP:  # the platform did the work, then the connection broke
                    self.close_connection = True
                    return
                if hasattr(payload, "__next__"):  # a generator: stream it, piece by piece
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    try:
                        for piece in payload:
                            self.wfile.write(piece.encode() if isinstance(piece, str) else piece)
                            self.wfile.flush()
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                if isinstance(payload, bytes):
                    data = payload
                elif isinstance(payload, str):
                    data = payload.encode()
                    headers.setdefault("Content-Type", "text/plain; charset=utf-8")
                elif payload is None:
                    data = b""
                else:
                    data = json.dumps(payload).encode()
                    headers.setdefault("Content-Type", "application/json")
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the default 5 drops bursts of parallel connects
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> FakeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, method: str, pattern: str) -> Callable:
        def add(fn: Callable[[Req], Answer]) -> Callable[[Req], Answer]:
            self.routes.append((method, re.compile(pattern + "$"), fn))
            return fn

        return add

    def script(self, *answers: Scripted) -> None:
        with self.lock:
            self.scripted.extend(answers)

    def requests(self, method: str | None = None, path: str = "") -> list[Req]:
        return [r for r in self.log if (method is None or r.method == method) and path in r.path]

    def dispatch(self, req: Req) -> Answer:
        with self.lock:
            self.log.append(req)
            canned = next((s for s in self.scripted if s.path in req.path), None)
            if canned is not None:
                self.scripted.remove(canned)
        if canned is not None:
            if canned.delay:
                time.sleep(canned.delay)
            if canned.status:
                return canned.status, dict(canned.headers), canned.body
        for method, pattern, fn in self.routes:
            m = pattern.match(req.path)
            if m and method == req.method:
                req.match = m
                status, headers, body = fn(req)
                return status, dict(headers), body
        return 404, {}, {"error": {"message": f"no route for {req.method} {req.path}"}}
