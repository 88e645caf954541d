"""The bundled demo: rich enough to show every part of the product, offline."""

from __future__ import annotations

from collections import Counter

from replydesk import cli
from replydesk.demo.build import sample


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
