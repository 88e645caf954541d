"""End to end in a real terminal: tmux runs `replydesk demo` at 80x24 with
TERM=xterm-256color, and `replydesk` with a model configured against the loopback
OpenAI-compatible server; we send keys and read the pane as a person would see it."""

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
        ["tmux", "-L", session, "capture-pane", "-t", session, "-p"],
        capture_output=True,
        text=True,
        check=True,
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
    subprocess.run(["tmux", "-L", session, "send-keys", "-t", session, *keys], check=True)


def search(session: str, words: str) -> None:
    """Type as a person does: open the search box, see it, type, press Enter."""
    keys(session, "/")
    wait_for(session, "Enter applies")
    keys(session, "-l", words)
    keys(session, "Enter")


def quit_and_wait(session: str) -> bool:
    keys(session, "q")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        alive = subprocess.run(
            ["tmux", "-L", session, "has-session", "-t", session], capture_output=True
        )
        if alive.returncode != 0:
            return True
        time.sleep(0.2)
    return False


def demo_criticism(tmp_path) -> int:
    """How many demo reviews triage calls criticism (the demo is deterministic)."""
    from replydesk.services.demo import build_demo
    from replydesk.services.triaging import verdicts

    ws = build_demo(tmp_path / "count")
    try:
        return sum(t.effective == "criticism" for t in verdicts(ws).values())
    finally:
        ws.close()


def test_demo_in_a_real_terminal(tmp_path):
    session = f"rd-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TERM": "xterm-256color", "TMUX": ""}
    command = f"{sys.executable} -m replydesk demo --keep {tmp_path / 'demo'}"
    subprocess.run(
        [
            "tmux",
            "-L",
            session,
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "80",
            "-y",
            "24",
            command,
        ],
        env=env,
        check=True,
    )
    try:
        wait_for(session, f"criticism {demo_criticism(tmp_path)}")
        screen = wait_for(session, "Help")
        assert "Search" in screen and "Help" in screen  # the footer fits at 80 columns
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
        wait_for(session, "$EDITOR")  # the editor opened
        keys(session, "Escape")
        wait_for(session, "Label")
        assert quit_and_wait(session), "q did not quit"
    finally:
        subprocess.run(["tmux", "-L", session, "kill-session", "-t", session], capture_output=True)


def test_draft_and_approve_with_a_model_in_a_real_terminal(tmp_path, server, monkeypatch):
    """The path that crashed: a model in the environment, Ctrl+G then Ctrl+S."""
    import json

    from fakes.openai_server import OpenAIServer
    from replydesk import cli

    reply = (
        "Kim, I'm sorry about the crash, and thank you for telling us. We will fix it in "
        "the next update. Could you tell us your phone model?"
    )

    def respond(messages):
        if "commitments a support reply makes" in messages[0]["content"]:
            return json.dumps({"promises": [{"kind": "fix", "what": "fix the crash"}]})
        return reply

    model = OpenAIServer(server, respond)
    db = tmp_path / "team.db"
    source = tmp_path / "reviews.jsonl"
    source.write_text(
        json.dumps(
            {
                "id": "k1",
                "author": "Kim",
                "rating": 1,
                "lang": "en",
                "body": "The app crashes on login since 5.2.0 on my Pixel 8.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    assert cli.main(["--db", str(db), "import", str(source)]) == 0
    assert cli.main(["--db", str(db), "triage"]) == 0
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "TMUX": "",
        "REPLYDESK_DB": str(db),
        "REPLYDESK_MODEL": "fake-model",
        "OPENAI_BASE_URL": model.base_url,
        "OPENAI_API_KEY": "sk-loopback-77",
    }
    session = f"rd-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [
            "tmux",
            "-L",
            session,  # a server of its own: its environment and size, even beside another test
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "100",
            "-y",
            "30",
            f"{sys.executable} -m replydesk; sleep 30",
        ],
        env=env,
        check=True,
    )
    try:
        wait_for(session, "criticism 1")
        keys(session, "Enter")
        wait_for(session, "$EDITOR")
        keys(session, "C-g")
        wait_for(session, "phone model?")
        wait_for(session, "draft v1 by")  # stored: the status line names it
        keys(session, "C-s")
        wait_for(session, "this reply makes promises")
        keys(session, "Enter")
        screen = wait_for(session, "approved v1")
        assert "Traceback" not in screen and "RuntimeError" not in screen
        keys(session, "q")
        wait_for(session, "", timeout=1)
    finally:
        subprocess.run(["tmux", "-L", session, "kill-session", "-t", session], capture_output=True)
    from replydesk.services.workspace import Workspace

    ws = Workspace.from_paths(None, db)
    try:
        (draft,) = [d for d in ws.store.drafts.for_review(1) if d.state == "approved"]
        assert (draft.author, draft.approved_by) == ("model", "tester")
        assert [p.what for p in ws.store.promises.for_review(1)] == ["fix the crash"]
    finally:
        ws.close()
    assert len(model.seen) == 2  # one draft, one reading of its promises


@pytest.mark.parametrize("keep", [True, False])
def test_a_dropped_terminal_never_leaves_the_tui_running(tmp_path, keep):
    """An SSH session that drops takes the terminal away (SIGHUP, then every write fails).
    Textual's shutdown could then wait for ever to write to it (its writer thread dead,
    its bounded queue full: Textual issue 6692), and the TUI lived on for hours holding
    its store. Here Textual's writer is made to hang that way, every time, and the TUI
    still ends within `LEAVE_WITHIN_S` of the hang-up."""
    import pty
    import select

    from replydesk.tui.app import LEAVE_WITHIN_S

    argv = ["demo", "--keep", str(tmp_path / "demo")] if keep else ["demo"]
    hangs = (
        "import threading\n"
        "from textual.drivers import _writer_thread\n"
        "_writer_thread.WriterThread.stop = lambda self: threading.Event().wait()\n"
        "from replydesk.cli import main\n"
        f"raise SystemExit(main({argv!r}))\n"
    )
    throwaway = tmp_path / "tmp"  # where the demo without --keep makes its folder
    throwaway.mkdir()
    pid, fd = pty.fork()
    if pid == 0:  # the TUI, in a terminal of its own (a pseudo-terminal, as sshd gives)
        os.environ.update(TERM="xterm-256color", TMPDIR=str(throwaway))
        os.execv(sys.executable, [sys.executable, "-c", hangs])
    shown, started = b"", time.monotonic()
    try:
        while b"Help" not in shown and time.monotonic() - started < 30:
            if select.select([fd], [], [], 0.2)[0]:
                shown += os.read(fd, 65536)
        assert b"Help" in shown, shown[-500:]
    finally:
        os.close(fd)  # the connection drops: the terminal hangs up
    dropped, ended = time.monotonic(), 0
    while time.monotonic() - dropped < LEAVE_WITHIN_S + 10:
        ended, status = os.waitpid(pid, os.WNOHANG)
        if ended:
            break
        time.sleep(0.1)
    if not ended:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    assert ended, "the TUI outlived its terminal"
    assert os.waitstatus_to_exitcode(status) == 128 + 1  # left on SIGHUP
    assert (tmp_path / "demo" / "demo.db").exists() == keep
    assert list(throwaway.iterdir()) == []  # the throwaway demo went, even so
