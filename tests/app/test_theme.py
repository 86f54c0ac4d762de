"""Issue 17 point 7: a theme change repaints everything, and the console remembers it."""

from __future__ import annotations

import pytest
from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual.widgets import Static

from console.app import JumpConsoleApp
from console.config import load_state
from tests.support.console import SIZE, Site, loaded, until
from themes import DEFAULT_THEME, NO_COLOR_THEME, starting_theme
from widgets import GroupTree, JumpTable, StatusBar

pytestmark = pytest.mark.not_storage(
    "what the screen shows; the engine under it is not the subject"
)


def _styles(app: JumpConsoleApp) -> dict[str, list[str]]:
    """The styles each part of the main screen draws with, as a user sees them."""
    details = app.query_one("#details-text", Static).render()
    assert isinstance(details, Content)
    status = app.query_one(StatusBar).render()
    assert isinstance(status, Text)
    table = app.query_one(JumpTable)
    tree = app.query_one(GroupTree)

    def strip_styles(widget: JumpTable | GroupTree, y: int) -> list[str]:
        return [str(segment.style or Style()) for segment in widget.render_line(y)]

    return {
        "details": [str(span.style) for span in details.spans],
        "status bar": [str(span.style) for span in status.spans],
        "table header": strip_styles(table, 0),
        "table row": strip_styles(table, 2),
        "tree": strip_styles(tree, 0),
    }


async def test_a_theme_change_repaints_every_part_and_is_remembered(site: Site) -> None:
    app = site.console(theme="jump-high-contrast")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("colon", *"theme light", "enter")
        await until(pilot, lambda: app.theme == "jump-light")
        await pilot.pause()
        await pilot.pause()
        switched = _styles(app)
    assert load_state(site.state_file)[0].theme == "jump-light"

    fresh = site.console(theme="jump-light")
    async with fresh.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        drawn = _styles(fresh)
    for part, styles in drawn.items():
        assert switched[part] == styles, f"the {part} kept the old theme's colours"

    restarted = site.console(theme=None)  # nothing chosen at start: the remembered theme
    async with restarted.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert restarted.theme == "jump-light"


def test_a_chosen_theme_and_no_color_come_before_the_remembered_one() -> None:
    assert starting_theme("jump-16", {"NO_COLOR": "1"}, "jump-light") == "jump-16"
    assert starting_theme(None, {"NO_COLOR": "1"}, "jump-light") == NO_COLOR_THEME
    assert starting_theme(None, {}, "jump-light") == "jump-light"
    assert starting_theme(None, {}, None) == DEFAULT_THEME
