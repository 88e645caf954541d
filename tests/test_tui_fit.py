"""Every screen explains itself at 80x24 and at 200x50: each key its footer offers is
fully visible, nothing scrolls sideways, no key is shown by its raw name, and help lists
every key of the screen with a readable name."""

from __future__ import annotations

import pytest
from textual.binding import Binding
from textual.widget import Widget

from replydesk.tui.app import make_app
from replydesk.tui.screens.help import HelpScreen, key_names
from replydesk.tui.shots import play
from tui_helpers import screen_text, settle

SIZES = [(80, 24), (200, 50)]
# screen -> keys from the start (the same paths the screenshots take, plus the dialogs)
SCREENS = {
    "inbox": (),
    "editor": ("slash", *"88310", "enter", "enter"),
    "confirm-promises": ("slash", *"courier", "enter", "enter", "ctrl+j", "ctrl+s"),
    "batch-approve": ("slash", *"courier", "enter", "space", "space", "A"),
    "label-picker": ("c",),
    "promises": ("p",),
    "sources": ("s",),
    "stats": ("t",),
    "audit": ("a",),
}
RAW = ("question_mark", "right_square_bracket", "left_square_bracket", "slash", "ctrl+")


def footer_bindings(app) -> list[Binding]:
    """What the footer offers on the current screen (shown bindings, first per action)."""
    shown: dict[str, Binding] = {}
    for _key, (_node, binding, enabled, _tooltip) in app.screen.active_bindings.items():
        if binding.show and enabled and binding.action not in shown:
            shown[binding.action] = binding
    return list(shown.values())


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
@pytest.mark.parametrize("name", list(SCREENS))
async def test_every_screen_fits_and_names_its_keys(demo_ws, name, size):
    app = make_app(demo_ws)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await play(pilot, SCREENS[name])
        await settle(pilot)
        text = screen_text(app)
        footer = text.splitlines()[-1]
        offered = footer_bindings(app)
        assert offered, f"{name}: the footer offers no key"
        for binding in offered:  # each key and its word, whole, on the footer's line
            whole = (key_names(app, binding) + binding.description).replace(" ", "")
            assert whole in footer.replace(" ", ""), (
                f"{name} at {size}: {binding.key} {binding.description!r} cut from: {footer}"
            )
        for raw in RAW:
            assert raw not in text, f"{name}: raw key name {raw!r}"
        sideways = [
            w
            for w in app.screen.query(Widget)
            if w.display and w.show_horizontal_scrollbar and w.size.width > 0
        ]
        assert not sideways, f"{name} at {size} scrolls sideways: {sideways}"


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x50"])
@pytest.mark.parametrize("name", ["inbox", "editor", "promises", "sources", "audit"])
async def test_help_lists_every_key_of_the_screen(demo_ws, name, size):
    app = make_app(demo_ws)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await play(pilot, SCREENS[name])
        await settle(pilot)
        screen = app.screen
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        whole = str(app.screen.query_one("Static").render())
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                assert key_names(app, binding) in whole, (name, binding.key)
        for raw in RAW:
            assert raw not in whole
