"""Every error a person can act on, as one class tree.

Each is said in one line: what was wrong and what to do. The CLI prints ``str(error)``
and exits with ``exit_code``; the TUI shows it in a notification. Code decides on the
class (and its fields), never on the wording. Messages are scrubbed of secrets here, once,
and then made inert (no control character a terminal would act on; newlines stay).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from replydesk.domain.redact import redact
from replydesk.domain.text import inert

if TYPE_CHECKING:
    from replydesk.domain.findings import Finding

USAGE = 2  # bad input, bad config: the person must change what they asked
FAILURE = 1  # the request was fine; something outside failed or refused it


def shown(message: str) -> str:
    """A message as a person may see it: secrets redacted first, then made inert."""
    return inert(redact(message))


class ReplydeskError(Exception):
    exit_code = FAILURE

    def __init__(self, message: str) -> None:
        super().__init__(shown(message))

    @property
    def message(self) -> str:
        return str(self)


class UsageError(ReplydeskError):
    """The person asked for something that cannot be done as asked."""

    exit_code = USAGE


class NotFound(UsageError):
    """No review, draft or promise with that id."""


class InputError(UsageError):
    """A file to import cannot be read as a whole (missing, unknown format)."""


class ConfigError(UsageError):
    """A config problem a person can fix: where, which key, and what would be valid."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        line: int | None = None,
        key: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.path, self.line, self.key, self.detail = path, line, key, shown(message)
        self.suggestion = suggestion
        where = str(path) if path else "config"
        if line:
            where += f":{line}"
        super().__init__(f"{where}: {f'{key}: ' if key else ''}{message}")


class StoreError(UsageError):
    """The database cannot be opened or used; the message says why and what to do."""


class SecretError(UsageError):
    """A secret is missing or cannot be read; the message names the fixes."""


class Conflict(ReplydeskError):
    """Someone else holds the review, or its state changed meanwhile."""


class IllegalTransition(UsageError):
    """A promise, draft or reply cannot move from where it is to where it was asked to."""


class LintBlocked(UsageError):
    """The reply breaks the house style; approving it needs a deliberate second yes (the
    CLI's ``--despite-lint``, the editor's second press)."""

    def __init__(self, findings: list[Finding], message: str) -> None:
        self.findings = findings
        super().__init__(message)

    @property
    def rules(self) -> str:
        return ", ".join(sorted({f.rule for f in self.findings}))


class SourceError(ReplydeskError):
    """A source or tracker failed; ``status`` is the HTTP status when there was one.
    ``ambiguous``: a request that changes something was sent and its outcome is unknown
    (a timeout, a dropped connection, a 5xx): it may have been carried out."""

    def __init__(self, reason: str, *, status: int | None = None, ambiguous: bool = False) -> None:
        self.status = status
        self.ambiguous = ambiguous
        super().__init__(reason)


class LLMError(ReplydeskError):
    """The model endpoint failed or answered something unusable."""
