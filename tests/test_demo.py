"""The bundled demo: rich enough to show every part of the product, offline."""

from __future__ import annotations

from collections import Counter

from replydesk import cli
from replydesk.services.demo import sample


def test_sample_covers_what_the_demo_must_show():
    data = sample()
    reviews = data["reviews"]
    assert len(reviews) >= 80
    assert len({r["source"] for r in reviews}) >= 4
    langs = Counter(r["lang"] for r in reviews)
    assert {"en", "ru", "es", "el", "de", "fr"} <= set(langs)
    bodies = " ".join(r["body"] + r["title"] + r["author"] for r in reviews)
    assert "[bold red]" in bodies and "[link=https://example.com]" in bodies
    assert "\x1b[" in bodies
    assert "Ignore all previous instructions" in bodies
    authors = Counter((r["source"], r["author"]) for r in reviews)
    assert sum(1 for n in authors.values() if n > 1) >= 3  # returning customers
    statuses = {p["status"] for p in data["promises"]}
    assert {"open", "delivered"} <= statuses


def test_demo_workspace_has_overdue_and_delivered_promises(demo_ws):
    today = demo_ws.today().isoformat()
    assert demo_ws.store.promises.overdue(today)
    assert demo_ws.store.promises.list("delivered")
    assert demo_ws.store.reviews.count() == 86
    assert demo_ws.config.user == "tester"  # the env user wins over the demo config


def test_demo_never_touches_the_users_database(tmp_path, capsys, isolated_env):
    assert cli.main(["demo", "--no-tui"]) == 0
    assert "86 reviews" in capsys.readouterr().out
    assert not list(isolated_env.rglob("*.db"))
    keep = tmp_path / "kept"
    assert cli.main(["demo", "--no-tui", "--keep", str(keep)]) == 0
    assert (keep / "demo.db").exists() and (keep / "config.toml").exists()
    assert cli.main(["demo", "--no-tui", "--keep", str(keep)]) == 0  # reopens, no duplicate
    assert "86 reviews" in capsys.readouterr().out


async def test_the_demo_sends_nothing_whatever_the_environment(server, tmp_path, monkeypatch):
    """With a model and its endpoint in the environment, the demo still drafts offline,
    and posting from it is refused before anything leaves the process."""
    from fakes.openai_server import OpenAIServer
    from replydesk.services import posting
    from replydesk.services.demo import build_demo
    from replydesk.tui.app import make_app
    from replydesk.tui.screens.dialogs import ConfirmPost, ConfirmPromises
    from replydesk.tui.screens.editor import EditorScreen
    from tui_helpers import notifications, settle

    model = OpenAIServer(server, lambda messages: "a reply from the model")
    monkeypatch.setenv("REPLYDESK_MODEL", "gpt-anything")
    monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
    assert cli.main(["demo", "--no-tui"]) == 0
    ws = build_demo(tmp_path / "demo")
    assert ws.llm is None
    app = make_app(ws)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.press("slash", *"88310", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        await pilot.press("ctrl+g")  # the offline composer answers
        await settle(pilot)
        assert "offline" in str(ws.store.drafts.latest(app.screen.review_id).author)
        await pilot.press("ctrl+t")
        await settle(pilot)
        while isinstance(app.screen, ConfirmPromises):
            await pilot.press("enter")
            await settle(pilot)
        assert not isinstance(app.screen, ConfirmPost)  # no last look: nothing can be sent
        assert "the demo workspace is offline" in notifications(app)
    assert posting.post(ws) and not any(o.published for o in posting.post(ws))
    ws.close()
    assert server.log == [], [r.path for r in server.log]
