"""What the screens share: the workspace they show, Esc to go back, and one way to call a
service that may touch the network or the model.

``call_service`` runs the call in a thread worker, so Textual's loop keeps drawing while a
model answers or a platform is asked; the result (or the error, as one line) comes back
on the UI thread. One call per group at a time: a second press while a batch, a sync or
a post is running is refused, never run twice. Services are synchronous and own no event
loop, so nothing is nested.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.binding import Binding
from textual.screen import Screen
from textual.worker import get_current_worker

from replydesk.domain.errors import ReplydeskError, shown
from replydesk.services.workspace import Workspace

T = TypeVar("T")
BACK = Binding("escape", "app.pop_screen", "Back")


def busy(screen: Screen[Any], group: str) -> bool:
    """Is a worker of ``group`` still running on this screen?"""
    return any(w.group == group and not w.is_finished for w in screen.workers)


def call_service(
    screen: Screen[Any],
    call: Callable[[], T],
    done: Callable[[T], None],
    *,
    title: str,
    group: str,
    failed: Callable[[ReplydeskError], None] | None = None,
) -> bool:
    """Run ``call`` in a thread worker; ``done(result)`` or ``failed(error)`` on the UI.

    Without ``failed`` an error is shown as a notification titled ``title``. An error
    that is not a ``ReplydeskError`` is a bug: it is shown too (redacted), not allowed to
    take the whole workstation down. Nothing comes back if the screen has gone meanwhile.
    Returns False (and says so) when a call of the same group is still running.
    """
    if busy(screen, group):
        screen.notify(f"{title}: still running, one at a time", severity="warning")
        return False

    def back(callback: Callable[..., None], *args: object) -> None:
        if screen.is_attached:
            callback(*args)

    def notify(error: ReplydeskError) -> None:
        screen.notify(error.message, title=title, severity="error", timeout=10)

    def work() -> None:
        worker = get_current_worker()
        try:
            result = call()
        except ReplydeskError as exc:
            if not worker.is_cancelled:
                screen.app.call_from_thread(back, failed or notify, exc)
            return
        except Exception as exc:  # a bug: say so in one line, keep the session
            bug = ReplydeskError(
                f"unexpected {type(exc).__name__}: {shown(str(exc))} (a bug: please report it)"
            )
            screen.app.call_from_thread(back, failed or notify, bug)
            return
        if not worker.is_cancelled:
            screen.app.call_from_thread(back, done, result)

    screen.run_worker(work, thread=True, group=group, name=title, exit_on_error=False)
    return True


class WorkspaceScreen(Screen[None]):
    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws
