"""Google OAuth through Google's own auth library, with httpx as its transport.

Service accounts (Google Play) and authorised-user credentials (Business Profile) both
refresh their access token through google-auth; the token is kept until it expires.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import google.auth.exceptions
import google.auth.transport
import httpx
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from replydesk.domain.errors import SourceError
from replydesk.domain.redact import remember


class _Response(google.auth.transport.Response):
    def __init__(self, resp: httpx.Response) -> None:
        self._resp = resp

    @property
    def status(self) -> int:
        return self._resp.status_code

    @property
    def headers(self) -> dict[str, str]:
        return dict(self._resp.headers)

    @property
    def data(self) -> bytes:
        return self._resp.content


class HttpxRequest(google.auth.transport.Request):
    """google-auth's transport interface over the source's own httpx client (built by the
    workspace, so the token request obeys its HTTP settings, and the demo's refusal)."""

    def __init__(self, client: httpx.Client, timeout: float = 20.0) -> None:
        self.client = client
        self.timeout = timeout

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _Response:
        try:
            return _Response(
                self.client.request(
                    method, url, content=body, headers=headers, timeout=timeout or self.timeout
                )
            )
        except httpx.HTTPError as exc:
            # google-auth ships py.typed but leaves these constructors unannotated
            raise google.auth.exceptions.TransportError(str(exc)) from exc  # type: ignore[no-untyped-call]


class GoogleToken:
    """Builds credentials from a secret's JSON once, and refreshes them when needed."""

    def __init__(
        self,
        secret_json: str,
        secret_name: str,
        scope: str,
        kind: str,
        client: httpx.Client,
        timeout: float = 20.0,
        token_url: str | None = None,
    ) -> None:
        try:
            info = json.loads(secret_json)
            # google-auth ships py.typed but leaves these factories unannotated
            if kind == "service_account":
                self.creds = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                    info, scopes=[scope]
                )
            else:
                # google-auth ignores a token_uri inside the file (on purpose); only the
                # config may point elsewhere
                self.creds = user_credentials.Credentials.from_authorized_user_info(  # type: ignore[no-untyped-call]
                    info, scopes=[scope]
                )
                if token_url:
                    self.creds = self.creds.with_token_uri(token_url)
        except (ValueError, KeyError, TypeError) as exc:
            what = (
                "a service-account key"
                if kind == "service_account"
                else ("authorised-user credentials (client_id, client_secret, refresh_token)")
            )
            raise SourceError(
                f"the secret {secret_name!r} is not {what} in JSON: {type(exc).__name__}"
            ) from None
        self.client = client
        self.timeout = timeout
        self.lock = threading.Lock()

    def header(self, force: bool = False) -> dict[str, str]:
        with self.lock:
            if force or not self.creds.valid:
                try:
                    self.creds.refresh(HttpxRequest(self.client, self.timeout))
                except google.auth.exceptions.RefreshError as exc:
                    raise SourceError(f"Google refused the credentials: {_first(exc)}") from None
                except google.auth.exceptions.TransportError as exc:
                    raise SourceError(f"cannot reach Google's token endpoint: {exc}") from None
            remember(self.creds.token)
            return {"Authorization": f"Bearer {self.creds.token}"}


def _first(exc: Exception) -> str:
    return str(exc.args[0]) if exc.args else type(exc).__name__
