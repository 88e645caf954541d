"""The app only wires screens, bindings and services together."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from replydesk.domain.redact import redact
from replydesk.services.workspace import Workspace
from replydesk.tui.screens.audit import AuditScreen
from replydesk.tui.screens.base import WorkspaceScreen
from replydesk.tui.screens.help import HelpScreen
from replydesk.tui.screens.inbox import InboxScreen
from replydesk.tui.screens.promises import PromisesScreen
from replydesk.tui.screens.sources import SourcesScreen
from replydesk.tui.screens.stats import StatsScreen


class ReplydeskApp(App[None]):
    TITLE = "replydesk"
    CSS_PATH = Path(__file__).parent / "styles" / "app.tcss"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("p", "promises", "Promises", show=False),
        Binding("s", "sources", "Sources", show=False),
        Binding("t", "stats", "Stats", show=False),
        Binding("a", "audit", "Audit log", show=False),
    ]

    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws

    def on_mount(self) -> None:
        self.push_screen(InboxScreen(self.ws))

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
        if not isinstance(self.screen, kind):
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
        yield from super().get_system_commands(screen)
        yield SystemCommand("Promises", "The promise ledger: overdue first", self.action_promises)
        yield SystemCommand("Sources", "Health, last sync, sync now", self.action_sources)
        yield SystemCommand(
            "Stats", "Replies per day, response time, promises kept", self.action_stats
        )
        yield SystemCommand("Audit log", "Who did what, newest first", self.action_audit)
        yield SystemCommand("Help", "Every key on this screen", self.action_help)
        for binding in getattr(screen, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.description:
                action = binding.action

                def run(action: str = action, screen: Screen[Any] = screen) -> None:
                    self.call_later(screen.run_action, action)

                yield SystemCommand(binding.description, f"key: {binding.key}", run)


def make_app(ws: Workspace) -> ReplydeskApp:
    return ReplydeskApp(ws)


def run(ws: Workspace) -> None:
    make_app(ws).run()
