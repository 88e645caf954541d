"""The app only wires screens, bindings and services together."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from replydesk.domain.errors import ReplydeskError
from replydesk.domain.redact import redact
from replydesk.services import activity
from replydesk.services.workspace import Workspace
from replydesk.tui.screens.audit import AuditScreen
from replydesk.tui.screens.base import WorkspaceScreen
from replydesk.tui.screens.help import HelpScreen, key_names
from replydesk.tui.screens.inbox import InboxScreen
from replydesk.tui.screens.promises import PromisesScreen
from replydesk.tui.screens.sources import SourcesScreen
from replydesk.tui.screens.stats import StatsScreen


class ReplydeskApp(App[None]):
    TITLE = "replydesk"
    CSS_PATH = Path(__file__).parent / "styles" / "app.tcss"
    BINDINGS = [
        Binding("q", "quit", "Quit", show=False),  # in help; the footers need the room
        Binding("question_mark", "help", "Help", show=False),
        Binding("f1", "help", "Help", show=False),
        Binding("p", "promises", "Promises", show=False),
        Binding("s", "sources", "Sources", show=False),
        Binding("t", "stats", "Stats", show=False),
        Binding("a", "audit", "Audit log", show=False),
    ]

    WATCH_SECONDS = 2.0  # how often to look for colleagues' actions
    TOASTS = 3  # toasts per look; more are summed up in one

    def __init__(self, ws: Workspace, *, debug: bool = False) -> None:
        super().__init__()
        self.ws = ws
        self.show_traceback = debug  # a crash prints its traceback (else the caller says one line)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.watching: activity.Mark | None = None  # how far colleagues' actions were seen

    def on_mount(self) -> None:
        self.loop = asyncio.get_running_loop()  # what a signal wakes (see ``run``)
        self.push_screen(InboxScreen(self.ws))
        self.set_interval(self.WATCH_SECONDS, self._look_around)

    # ------------------------------------------------------------ colleagues

    def _look_around(self) -> None:
        """Ask, off the UI thread, whether a colleague wrote; one look at a time."""
        if any(w.group == "activity" and not w.is_finished for w in self.workers):
            return
        self.run_worker(self._look, thread=True, group="activity", exit_on_error=False)

    def _look(self) -> None:
        try:
            if self.watching is None:
                self.watching = activity.start(self.ws)
                return
            found, self.watching = activity.news(self.ws, self.watching)
        except ReplydeskError:  # the server is away for a moment: look again later
            return
        if found.changed:
            self.call_from_thread(self._show_news, found)

    def _show_news(self, found: activity.News) -> None:
        """A toast per action (the first few), and the screen shown refreshed."""
        lines = found.lines
        for line in lines[: self.TOASTS]:
            self.notify(line, title="Your team", timeout=6)
        extra = len(lines) - self.TOASTS + found.more
        if extra > 0:
            self.notify(f"and {extra} more: press a for the audit log", title="Your team")
        reload = getattr(self.screen, "reload", None)  # lists reload; an editor keeps its text
        if callable(reload):
            reload()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Toasts carry review text, promise wording, links and error messages that quote
        input: never read as markup (``[/b]`` would crash the app, ``[@click=…]`` act),
        whatever the caller asks (``Widget.notify`` passes markup=True on)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def _fatal_error(self) -> None:
        """A crash shows where it happened, never the values in scope: they may hold a key,
        the config or a customer's review (Textual's default shows locals)."""
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        error = self._exception
        if (
            not self.show_traceback
        ):  # ``crash_line`` says it in one line once the screen is restored
            self._close_messages_no_wait()
            return
        if error is None:
            trace = Traceback(show_locals=False, width=None, suppress=[rich])
        else:  # the messages too pass through redaction (a token in a URL, a key)
            extracted = Traceback.extract(
                type(error), error, error.__traceback__, show_locals=False
            )
            for stack in extracted.stacks:
                stack.exc_value = redact(stack.exc_value)
            trace = Traceback(extracted, width=None, suppress=[rich])
        self._exit_renderables.append(Segments(self.console.render(trace, self.console.options)))
        self._close_messages_no_wait()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def _open(self, kind: type[WorkspaceScreen]) -> None:
        """Promises, sources, stats and the audit log are side by side, not stacked: going
        from one to another replaces it, so Esc always leads back to the inbox."""
        if isinstance(self.screen, kind):
            return
        if isinstance(self.screen, WorkspaceScreen):
            self.switch_screen(kind(self.ws))
        else:
            self.push_screen(kind(self.ws))

    def action_promises(self) -> None:
        self._open(PromisesScreen)

    def action_sources(self) -> None:
        self._open(SourcesScreen)

    def action_stats(self) -> None:
        self._open(StatsScreen)

    def action_audit(self) -> None:
        self._open(AuditScreen)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title != "Keys":  # Textual's key panel: our Help says more
                yield command
        yield SystemCommand(
            "Promises", "The promise ledger: overdue first · key: p", self.action_promises
        )
        yield SystemCommand("Sources", "Health, last sync, sync now · key: s", self.action_sources)
        yield SystemCommand(
            "Stats", "Replies per day, response time, promises kept · key: t", self.action_stats
        )
        yield SystemCommand("Audit log", "Who did what, newest first · key: a", self.action_audit)
        yield SystemCommand(
            "Help", "Every key on this screen · key: ? (F1 in the editor)", self.action_help
        )
        seen = {"Promises", "Sources", "Stats", "Audit log", "Help"}  # each command once
        for binding in getattr(screen, "BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.description:
                continue
            title = binding.description
            if title in seen or binding.action in ("app.help", "help"):
                continue
            seen.add(title)
            action = binding.action
            about = f"{binding.tooltip} · " if binding.tooltip else ""

            def run(action: str = action, screen: Screen[Any] = screen) -> None:
                self.call_later(screen.run_action, action)

            yield SystemCommand(title, f"{about}key: {key_names(self, binding)}", run)

    def crash_line(self) -> str:
        """The crash, if any, in one line: what broke and what to do next."""
        error = self._exception
        if error is None:
            return ""
        reason = " ".join(redact(str(error)).split())[:200]
        return (
            f"the TUI stopped on an unexpected error ({type(error).__name__}"
            f"{': ' if reason else ''}{reason}); everything saved before it is kept. Run "
            "again with --debug for the traceback, and please report it"
        )


# after a hang-up or a kill, the process ends within this long, whatever the terminal does
LEAVE_WITHIN_S = 5.0


def _leave_after(seconds: float, code: int, last: Callable[[], None] | None) -> None:
    """The last resort after SIGHUP or SIGTERM. When the terminal has gone (an SSH session
    dropped), Textual's shutdown can wait for ever to write to it: its writer thread died
    on the dead terminal, and its bounded queue fills with nobody to drain it. Such a TUI
    lived on for hours, holding its store. Everything stored is committed by then, and a
    claim left behind expires on its own. ``last`` is what must still happen (the demo's
    throwaway folder removed)."""
    time.sleep(seconds)
    if last is not None:
        with contextlib.suppress(Exception):  # leaving is what matters now
            last()
    os._exit(code)


def make_app(ws: Workspace, *, debug: bool = False) -> ReplydeskApp:
    return ReplydeskApp(ws, debug=debug)


def run(
    ws: Workspace, *, debug: bool = False, before_forced_exit: Callable[[], None] | None = None
) -> int:
    """Run the TUI; the exit status is 1 after a crash (said in one line), else 0.
    ``before_forced_exit`` runs if a hang-up or kill has to end the process by force."""
    app = make_app(ws, debug=debug)

    def stop(signum: int, _frame: object) -> None:
        # a closed SSH session (SIGHUP) or a `kill` (SIGTERM): leave like `q` does, so the
        # terminal is restored and the demo's throwaway folder is removed; through the
        # loop's wake-up pipe, so an idle app leaves at once
        loop = getattr(app, "loop", None)
        if loop is None:
            app.exit(return_code=128 + signum)
        else:
            loop.call_soon_threadsafe(lambda: app.exit(return_code=128 + signum))
        threading.Thread(
            target=_leave_after,
            args=(LEAVE_WITHIN_S, 128 + signum, before_forced_exit),
            daemon=True,
        ).start()

    before = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        app.run()
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
    line = app.crash_line()
    if line:
        print(f"replydesk: {line}", file=sys.stderr)
    return 1 if line else app.return_code or 0
