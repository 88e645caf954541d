"""End to end in a real terminal: tmux runs `replydesk demo` at 80x24 with
TERM=xterm-256color; we send keys and read the pane as a person would see it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)"
)


def pane(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True, check=True
    ).stdout


def wait_for(session: str, needle: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = pane(session)
        if needle in text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never appeared; the pane shows:\n{text}")


def keys(session: str, *keys: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", session, *keys], check=True)


def search(session: str, words: str) -> None:
    """Type as a person does: open the search box, see it, type, press Enter."""
    keys(session, "/")
    wait_for(session, "search reviews")
    keys(session, "-l", words)
    keys(session, "Enter")


def test_demo_in_a_real_terminal(tmp_path):
    session = f"rd-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TERM": "xterm-256color", "TMUX": ""}
    command = f"{sys.executable} -m replydesk demo --keep {tmp_path / 'demo'}"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command],
        env=env,
        check=True,
    )
    try:
        wait_for(session, "criticism 51")
        screen = wait_for(session, "Quit")
        assert "Search" in screen and "Quit" in screen  # the footer fits at 80 columns
        assert "\x1b" not in screen
        search(session, "57002")
        screen = wait_for(session, "1 shown")
        assert "Опять то же самое" in screen  # Cyrillic renders
        keys(session, "Escape")
        wait_for(session, "86 shown")
        search(session, "widget")
        screen = wait_for(session, "ERROR 503[/]")  # markup shown, not applied
        assert "[link=https://example" in screen
        time.sleep(0.5)  # a person's pause; the list has the focus again
        keys(session, "Enter")
        wait_for(session, "Generate")  # the editor opened
        keys(session, "Escape")
        wait_for(session, "Label")
        keys(session, "q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            alive = (
                subprocess.run(
                    ["tmux", "has-session", "-t", session], capture_output=True
                ).returncode
                == 0
            )
            if not alive:
                break
            time.sleep(0.2)
        assert not alive, "q did not quit"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
