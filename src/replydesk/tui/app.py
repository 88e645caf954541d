"""The app only wires screens, bindings and services together."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from replydesk.services.workspace import Workspace
from replydesk.tui.screens.inbox import InboxScreen


class ReplydeskApp(App):
    TITLE = "replydesk"
    CSS_PATH = Path(__file__).parent / "styles" / "app.tcss"
    BINDINGS = [Binding("q", "quit", "Quit")]

    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws

    def on_mount(self) -> None:
        self.push_screen(InboxScreen(self.ws))


def make_app(ws: Workspace) -> ReplydeskApp:
    return ReplydeskApp(ws)


def run(ws: Workspace) -> None:
    make_app(ws).run()
