"""`replydesk draft show|edit|redo ID`: one review's draft from the command line, with
and without a model (the loopback OpenAI-compatible fake), ids as the inbox shows them,
a real $EDITOR (a small Python script) and one-line errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import workspace_with
from fakes.openai_server import OpenAIServer
from replydesk import cli
from replydesk.domain.models import NewReview
from replydesk.services.drafting import draft
from replydesk.services.triaging import triage_pending

BODY = "The app crashes when I open the map on my Pixel 7 (version 5.2). Fix it."
MODEL_DRAFT = (
    "I'm sorry the map crashes on your Pixel 7, and thank you for the details. We are "
    "fixing it; could you tell us whether it happens on Wi-Fi too?\n— the team"
)


def setup(tmp_path: Path, server=None) -> tuple[list[str], int, OpenAIServer | None]:
    api = OpenAIServer(server, lambda messages: MODEL_DRAFT) if server else None
    llm = (
        f'[llm]\nbase_url = "{api.base_url}"\nmodel = "fake-model"\nmax_retries = 0\n'
        if api
        else ""
    )
    ws = workspace_with(tmp_path, llm)
    ws.store.reviews.upsert(
        [NewReview("app", "a1", body=BODY, rating=1, language="en", author="Kim Lee")]
    )
    triage_pending(ws)
    rid = ws.store.reviews.by_external("app", "a1").id
    ws.close()
    return ["--config", str(tmp_path / "config.toml"), "--db", str(tmp_path / "ws.db")], rid, api


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("with_model", [False, True], ids=["offline", "model"])
def test_show_redo_and_edit_one_draft(tmp_path, capsys, monkeypatch, server, with_model):
    args, rid, api = setup(tmp_path, server if with_model else None)
    code, out, _ = run(capsys, *args, "draft", "show", f"#{rid}")
    assert code == 1 and f"no draft yet: `replydesk draft {rid}`" in out
    assert "Pixel 7" in out and "criticism" in out
    code, out, _ = run(capsys, *args, "draft", "redo", str(rid), "--note", "mention Wi-Fi")
    assert code == 0
    if with_model:
        assert "Wi-Fi too?" in out and "(with your note)" in out
        assert "mention Wi-Fi" in api.seen[-1][-1]["content"]  # the note reaches the model
    else:
        assert "offline composer cannot read notes" in out
    code, out, _ = run(capsys, *args, "draft", "show", str(rid))
    assert code == 0 and "v1" in out and "follows the house style" in out
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text() + '\\nAs per company policy, nothing more.')\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    code, out, _ = run(capsys, *args, "draft", "edit", str(rid))
    assert code == 1  # saved, and the linter says what is wrong with it
    assert "v2" in out and "W2" in out and "saved as draft" in out
    code, out, _ = run(capsys, *args, "draft", "show", str(rid))
    assert "As per company policy" in out and "1 house-style error(s)" in out


def test_edit_without_a_change_or_an_editor_saves_nothing(tmp_path, capsys, monkeypatch):
    args, rid, _ = setup(tmp_path)
    from replydesk.services.workspace import Workspace

    ws = Workspace.from_paths(args[1], args[3])
    draft(ws, [rid])
    ws.close()
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c pass")
    code, out, _ = run(capsys, *args, "draft", "edit", str(rid))
    assert code == 0 and "no change" in out
    monkeypatch.delenv("EDITOR")
    monkeypatch.delenv("VISUAL", raising=False)
    code, _, err = run(capsys, *args, "draft", "edit", str(rid))
    assert code == 2 and err.strip() == (
        "replydesk: set $VISUAL or $EDITOR to the editor to use, e.g. EDITOR=nano"
    )
    ws = Workspace.from_paths(args[1], args[3])
    assert [d.version for d in ws.store.drafts.for_review(rid)] == [1]
    assert ws.store.claims.holder(rid) is None  # the claim was let go


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["draft", "show"], "draft show takes one review id"),
        (["draft", "show", "x"], "review id 'x': write the number shown"),
        (["draft", "edit", "1", "2"], "draft edit takes one review id"),
        (["draft", "show", "1", "--note", "x"], "--note goes with `draft redo ID`"),
        (["draft", "7", "--note", "x"], "--note goes with `draft redo ID`"),
        (["draft", "show", "999"], "no review 999"),
        (["draft", "redo", "999"], "no review 999"),
        (["draft", "--all", "3"], "--all or review ids, not both"),
        (["draft", "--all", "--concurrency", "0"], "--concurrency 0: say how many"),
    ],
)
def test_bad_draft_invocations_are_one_line(tmp_path, capsys, argv, message):
    args, _rid, _ = setup(tmp_path)
    code, out, err = run(capsys, *args, *argv)
    assert code != 0 and out == "" and "Traceback" not in err
    (line,) = err.splitlines()
    assert message in line, line


def test_redo_against_a_dead_model_says_why_and_keeps_the_draft(tmp_path, capsys, server):
    args, rid, _api = setup(tmp_path, server)
    assert run(capsys, *args, "draft", "redo", str(rid))[0] == 0
    server.routes.clear()  # the endpoint answers nothing useful any more
    server.route("POST", r"/v1/chat/completions")(lambda req: (503, {}, {"error": "down"}))
    code, out, _ = run(capsys, *args, "draft", "redo", str(rid))
    assert code == 1 and "not drafted:" in out and "stays the current one" in out
    assert "follows the house style" not in out


def test_lint_takes_the_language_as_people_type_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(
        "sys.stdin",
        __import__("io").StringIO("Es tut uns leid. Vielen Dank! Könnten Sie uns schreiben?"),
    )
    code, out, _ = run(capsys, "lint", "--lang", "DE-de", "-")
    assert code == 0 and "follows the house style" in out
    code, out, err = run(capsys, "lint", "--lang", "xx", "-")
    assert (
        code == 2 and out == "" and err.strip().startswith("replydesk: no language pack for 'xx'")
    )
