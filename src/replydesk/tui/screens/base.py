"""What the secondary screens share: the workspace they show, and Esc to go back."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen

from replydesk.services.workspace import Workspace

BACK = Binding("escape", "app.pop_screen", "Back")


class WorkspaceScreen(Screen):
    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws
