"""HTTP for every source: timeouts, retries with backoff that honour Retry-After, and
errors that say precisely what went wrong (never a secret, never a query string)."""

from __future__ import annotations

import email.utils
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from replydesk import __version__
from replydesk.domain.errors import SourceError
from replydesk.domain.redact import redact

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = f"replydesk/{__version__} (+https://github.com/replydesk)"


# requests a retry cannot harm: reading, and writes that replace rather than add
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# transport failures that mean the request never left: safe to send again, whatever it is
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class _Retryable(Exception):
    def __init__(
        self, reason: str, wait: float | None = None, status: int | None = None, sent: bool = True
    ) -> None:
        super().__init__(reason)
        self.wait = wait
        self.status = status
        self.sent = sent  # False: the platform cannot have carried it out


def where(url: str | httpx.URL) -> str:
    """Host and path only: query strings can carry tokens."""
    parts = urlsplit(str(url))
    host = parts.hostname or ""  # never user:password@
    return f"{host}:{parts.port}{parts.path}" if parts.port else f"{host}{parts.path}"


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass
class Http:
    """One client per source and run; counts requests so a sync can report its cost."""

    timeout: float = 20.0
    max_retries: int = 4
    backoff: float = 0.5  # first wait; doubles each retry
    max_wait: float = 120.0  # a longer Retry-After fails the source instead of stalling sync
    client: httpx.Client | None = None
    requests: int = 0

    def __enter__(self) -> Http:
        if self.client is None:
            self.client = httpx.Client(
                timeout=self.timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT}
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def session(self) -> httpx.Client:
        """The open httpx client (for libraries that send their own requests)."""
        assert self.client is not None, "use `with Http() as http`"
        return self.client

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.wait is not None:
            return exc.wait
        return self.backoff * (2.0 ** (state.attempt_number - 1))

    def request(
        self, method: str, url: str, *, ok: tuple[int, ...] = (200,), **kwargs: Any
    ) -> httpx.Response:
        """Send; return a response whose status is in ``ok``.

        A request that can be repeated safely (GET, PUT...) is retried on timeouts, 429 and
        5xx with backoff. A POST is retried only when it cannot have reached the platform
        (no connection, 429); after a timeout, a dropped connection or a 5xx it may have
        been carried out, so it is never sent again here: ``SourceError.ambiguous`` tells
        the caller to ask the platform what it has before anything else.
        """
        assert self.client is not None, "use `with Http() as http`"
        idempotent = method.upper() in IDEMPOTENT

        def again(e: BaseException) -> bool:
            return isinstance(e, _Retryable) and (idempotent or not e.sent)

        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception(again),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(method, url, ok, **kwargs)
        except _Retryable as exc:
            attempts = attempt.retry_state.attempt_number
            if exc.sent and not idempotent:
                raise SourceError(
                    f"{exc}: the platform may have received it",
                    status=exc.status,
                    ambiguous=True,
                ) from None
            raise SourceError(
                f"{exc} (gave up after {attempts} attempt{'s' if attempts > 1 else ''})",
                status=exc.status,
            ) from None
        raise AssertionError("unreachable")

    def _once(self, method: str, url: str, ok: tuple[int, ...], **kwargs: Any) -> httpx.Response:
        self.requests += 1
        try:
            resp = self.client.request(method, url, **kwargs)  # type: ignore[union-attr]
        except NOT_SENT as exc:
            raise _Retryable(
                f"cannot connect to {where(url)}: {type(exc).__name__} {exc}", sent=False
            ) from None
        except httpx.TimeoutException:
            raise _Retryable(
                f"timed out after {self.timeout:g} s ({method} {where(url)})"
            ) from None
        except httpx.TransportError as exc:
            raise _Retryable(
                f"the connection to {where(url)} broke: {type(exc).__name__} {exc}"
            ) from None
        if resp.status_code in ok:
            return resp
        reason = f"HTTP {resp.status_code} {resp.reason_phrase} from {method} {where(url)}"
        if resp.status_code in RETRY_STATUSES:
            wait = retry_after(resp.headers.get("Retry-After"))
            if wait is not None and wait > self.max_wait:
                raise SourceError(
                    f"{reason}: the server asks to wait {wait:.0f} s; try again later",
                    status=resp.status_code,
                    # a 5xx may come after the work was done; only a 429 is a refusal
                    ambiguous=resp.status_code != 429 and method.upper() not in IDEMPOTENT,
                )
            # 429 is a refusal: nothing was done; a 5xx may come after the work was done
            raise _Retryable(reason, wait, resp.status_code, sent=resp.status_code != 429)
        detail = _error_detail(resp)
        if resp.status_code in (401, 403):
            raise SourceError(
                f"{reason}: the credentials were refused{detail}; check the "
                "source's secrets with `replydesk secret set`",
                status=resp.status_code,
            )
        raise SourceError(reason + detail, status=resp.status_code)

    def get_json(self, url: str, **kwargs: Any) -> Any:
        resp = self.request("GET", url, **kwargs)
        return parse_json(resp)


def parse_json(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        kind = resp.headers.get("content-type", "no content type").split(";")[0]
        start = redact(resp.text)[:60].strip().replace("\n", " ")  # redact, then cut
        raise SourceError(
            f"{where(resp.request.url)} answered {kind}, not JSON (starts {start!r})"
        ) from None


def _error_detail(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        err = body.get("error") or body.get("errors") or body.get("message")
        if isinstance(err, dict):
            err = err.get("message") or err.get("status")
        if isinstance(err, list) and err and isinstance(err[0], dict):
            err = err[0].get("detail") or err[0].get("title")
        if isinstance(err, str) and err:
            return f" ({redact(err)[:200]})"  # redact before cutting
    return ""
